"""Tests of rnn_attention.train.config: profiles, run-only fields, and the hash that names checkpoints."""

import dataclasses

import pytest
import torch

from rnn_attention.train import (
    HASH_FORMAT,
    PROFILES,
    TrainConfig,
    config_hash,
    config_key,
    default_profile,
    get_config,
    run_only_fields,
)

# The learned fields' defaults, written out. Changing a default changes what every config that
# relies on it learns while its hash stays the same (defaults are not in the key), so a cached
# checkpoint would load for a different model: change a default only together with HASH_FORMAT,
# then update this table and the pinned hashes below.
PINNED_DEFAULTS = dict(
    task="dates",
    decoder="bahdanau",
    attention="additive",
    emb_size=32,
    hidden_size=64,
    attn_size=64,
    dropout=0.0,
    location_max_len=None,
    location_filters=8,
    location_kernel_size=11,
    train_eos=True,
    batch_size=64,
    lr=3e-3,
    warmup_steps=30,
    final_lr_ratio=0.05,
    epochs=10,
    max_steps=None,
    clip=1.0,
    seed=0,
    amp=True,
    max_train_pairs=None,
    bucket=True,
    valid_pairs=500,
    snapshot_every=50,
    probe_size=4,
    log_every=10,
)
PINNED_HASH_FORMAT = 3
PINNED_HASHES = {  # config -> config_hash, computed once and written here literally
    "TrainConfig()": "c8c01b2ea9aa",
    "get_config('ci', task='dates')": "00bd747b51b1",
    "get_config('ci', task='dates') with data [('a', 'b')]": "f1da3d437063",
}


def test_profiles_and_default_profile(monkeypatch):
    assert set(PROFILES) >= {"ci", "cpu", "gpu"}
    monkeypatch.setenv("COURSE_PROFILE", "ci")
    assert default_profile() == "ci"
    assert get_config().profile == "ci"
    monkeypatch.delenv("COURSE_PROFILE")
    assert default_profile() == ("gpu" if torch.cuda.is_available() else "cpu")
    cfg = get_config("ci", hidden_size=7)
    assert isinstance(cfg, TrainConfig) and cfg.hidden_size == 7 and cfg.max_seconds and cfg.max_steps
    with pytest.raises(ValueError, match="unknown profile"):
        get_config("huge")
    with pytest.raises(ValueError, match="unknown TrainConfig field"):
        get_config("ci", hiden_size=7)


def test_every_profile_learns_the_same_model():
    """A profile says where a run executes, never what it learns: the same hash, so the same reference model."""
    hashes = {profile: config_hash(get_config(profile, task="dates")) for profile in PROFILES}
    assert len(set(hashes.values())) == 1, hashes
    learned = [{k: v for k, v in vars(get_config(p)).items() if k not in run_only_fields()} for p in PROFILES]
    assert all(one == learned[0] for one in learned)


def test_run_only_fields_are_marked_in_field_metadata():
    assert run_only_fields() == (
        "profile",
        "max_seconds",
        "device",
        "num_threads",
        "data_dir",
        "progress",
        "valid_every",
    )
    marked = [f.name for f in dataclasses.fields(TrainConfig) if f.metadata.get("run_only")]
    assert tuple(marked) == run_only_fields()


def test_config_hash_follows_what_is_learned():
    a = TrainConfig()
    assert config_hash(a) == config_hash(a.replace(progress=False, device="cpu"))
    assert config_hash(a) != config_hash(a.replace(hidden_size=a.hidden_size + 1))
    assert config_hash(a, [("a", "a")]) != config_hash(a, [("b", "b")])
    # the new fields of the models package are learned, so they are in the key when set
    for change in ({"decoder": "luong"}, {"location_filters": 4}, {"location_kernel_size": 5}):
        assert config_hash(a) != config_hash(a.replace(**change)), change


def test_key_holds_only_fields_off_their_default():
    cfg = get_config("ci", task="dates", hidden_size=32)
    key = config_key(cfg, [("a", "b")])
    assert key["format"] == HASH_FORMAT and set(key) == {"format", "fields", "data"}
    assert "hidden_size" in key["fields"] and "task" not in key["fields"] and "device" not in key["fields"]
    assert config_key(TrainConfig())["fields"] == {}
    # a whole float and its int spell the same key
    assert config_hash(cfg.replace(clip=2)) == config_hash(cfg.replace(clip=2.0))


def test_a_new_field_at_its_default_keeps_every_hash():
    Extended = dataclasses.make_dataclass(
        "Extended", [("coverage_penalty", float, dataclasses.field(default=0.0))], bases=(TrainConfig,)
    )
    for base in (TrainConfig(), get_config("ci", task="numbers", attention="dot"), get_config("gpu")):
        grown = Extended(**dataclasses.asdict(base))
        assert config_hash(grown) == config_hash(base)
        assert config_hash(grown, [("x", "y")]) == config_hash(base, [("x", "y")])
        assert config_hash(dataclasses.replace(grown, coverage_penalty=0.5)) != config_hash(base)
    # a new run-only field never enters the key, whatever its value
    Run = dataclasses.make_dataclass(
        "Run", [("log_dir", str, dataclasses.field(default="", metadata={"run_only": True}))], bases=(TrainConfig,)
    )
    assert config_hash(Run(log_dir="/tmp/logs")) == config_hash(TrainConfig())


def test_defaults_and_hashes_are_pinned():
    """Fails when a default, the key's layout or HASH_FORMAT changes: see PINNED_DEFAULTS."""
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig) if f.name in PINNED_DEFAULTS}
    assert defaults == PINNED_DEFAULTS, "a default changed: bump HASH_FORMAT, then update the pins"
    assert HASH_FORMAT == PINNED_HASH_FORMAT
    ci = get_config("ci", task="dates")
    assert config_hash(TrainConfig()) == PINNED_HASHES["TrainConfig()"]
    assert config_hash(ci) == PINNED_HASHES["get_config('ci', task='dates')"]
    assert config_hash(ci, [("a", "b")]) == PINNED_HASHES["get_config('ci', task='dates') with data [('a', 'b')]"]


@pytest.mark.parametrize(
    "changes, error, message",
    [
        (dict(max_steps=-5), ValueError, r"TrainConfig.max_steps must be >= 1, got -5"),
        (dict(epochs=0), ValueError, r"TrainConfig.epochs must be >= 1, got 0"),
        (dict(max_train_pairs=0), ValueError, r"TrainConfig.max_train_pairs must be >= 1, got 0"),
        (dict(hidden_size="abc"), TypeError, r"TrainConfig.hidden_size must be an int, got 'abc'"),
        (dict(num_threads=0), ValueError, r"TrainConfig.num_threads must be >= 1"),
        (dict(batch_size=2.5), TypeError, r"TrainConfig.batch_size must be an int, got 2.5"),
        (dict(lr=0), ValueError, r"TrainConfig.lr must be > 0.0, got 0"),
        (dict(dropout=1.5), ValueError, r"TrainConfig.dropout must be between 0 and 1.0, got 1.5"),
        (dict(max_seconds=-1.0), ValueError, r"TrainConfig.max_seconds must be > 0.0"),
        (dict(device="tpu"), ValueError, r"TrainConfig.device must be one of \('auto', 'cpu', 'cuda', 'mps'\)"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_impossible_budgets_and_values_are_refused_before_any_work(changes, error, message):
    with pytest.raises(error, match=message):
        get_config("ci", **changes)


def test_the_schedule_follows_the_steps_not_the_clock():
    from rnn_attention.train.loop import lr_factor

    cfg = get_config("ci")
    # the same step gives the same learning rate whatever max_seconds says: only steps drive it
    assert lr_factor(300, 300 / 600, cfg) == lr_factor(300, 300 / 600, cfg.replace(max_seconds=1.0))
