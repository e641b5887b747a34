"""Tests of rnn_attention.train: profiles, checkpoints, load-or-train, the CLI, mixed precision, learning."""

import json
import threading
import warnings

import pytest
import torch

from rnn_attention import train
from rnn_attention.data import PairDataset, build_vocabs, make_loader
from rnn_attention.evaluate import exact_match
from rnn_attention.train import (
    PROFILES,
    TrainConfig,
    compute_loss,
    default_profile,
    get_config,
    load_checkpoint,
    load_or_train,
    save_checkpoint,
)

ALPHABET = "abcde"


def copy_pairs(n, seed, max_len=5):
    g = torch.Generator().manual_seed(seed)
    pairs = []
    for _ in range(n):
        length = int(torch.randint(1, max_len + 1, (1,), generator=g))
        s = "".join(ALPHABET[int(i)] for i in torch.randint(0, len(ALPHABET), (length,), generator=g))
        pairs.append((s, s))
    return pairs


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A tiny copy task in the data/ layout: <dir>/copy/{train,valid,test}.tsv."""
    root = tmp_path_factory.mktemp("data")
    (root / "copy").mkdir()
    for split, n, seed in (("train", 400, 0), ("valid", 40, 1), ("test", 40, 2)):
        lines = "".join(f"{s}\t{t}\n" for s, t in copy_pairs(n, seed))
        (root / "copy" / f"{split}.tsv").write_text(lines, encoding="utf-8")
    return str(root)


def tiny_cfg(data_dir, **changes):
    base = dict(task="copy", emb_size=8, hidden_size=16, attn_size=8, batch_size=32, epochs=1, max_steps=3,
                max_seconds=20.0, valid_pairs=10, snapshot_every=2, probe_size=2, log_every=1, progress=False,
                device="cpu", data_dir=data_dir)
    return get_config("ci", **{**base, **changes})


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


def test_choose_device_says_which(capsys):
    device = train.choose_device("cpu")
    assert device.type == "cpu" and "cpu" in capsys.readouterr().out


def test_config_hash_follows_what_is_learned():
    a = TrainConfig()
    assert train.config_hash(a) == train.config_hash(a.replace(progress=False, device="cpu"))
    assert train.config_hash(a) != train.config_hash(a.replace(hidden_size=a.hidden_size + 1))
    assert train.config_hash(a, [("a", "a")]) != train.config_hash(a, [("b", "b")])


def test_checkpoint_round_trip(tmp_path, data_dir):
    cfg = tiny_cfg(data_dir)
    splits, vocabs = train.prepare_data(cfg)
    model = train.build_model(len(vocabs[0]), len(vocabs[1]), cfg).eval()
    history = {"loss": [1.0, 0.5], "alignments": [{"step": 0, "attn": [torch.rand(3, 2)], "outputs": ["ab"]}]}
    path = save_checkpoint(tmp_path / "m.pt", model, cfg, vocabs, history, {"exact_match": 0.5})
    assert not list(tmp_path.glob("*.tmp"))  # the temporary file was renamed into place
    payload = torch.load(path, weights_only=True)  # only safe types inside
    assert payload["config"]["hidden_size"] == 16
    loaded, loaded_vocabs, loaded_history, info, loaded_cfg = load_checkpoint(path)
    assert loaded_vocabs == vocabs and loaded_cfg == cfg and info["exact_match"] == 0.5
    torch.testing.assert_close(loaded_history["alignments"][0]["attn"][0], history["alignments"][0]["attn"][0])
    src = torch.tensor([[5, 6, 7], [5, 4, 0]])
    lengths, tgt_in = torch.tensor([3, 2]), torch.tensor([[1, 5, 6], [1, 5, 4]])
    torch.testing.assert_close(loaded(src, lengths, tgt_in), model(src, lengths, tgt_in))


def test_load_or_train_trains_once_then_loads(tmp_path, data_dir):
    cfg = tiny_cfg(data_dir)
    model, vocabs, history, info = load_or_train(cfg, tmp_path, verbose=False)
    assert not info["loaded"] and info["steps"] == 3
    assert {"loss", "token_accuracy", "step", "alignments", "valid_exact_match"} <= set(history)
    assert history["alignments"][0]["step"] == 0 and len(history["alignments"][-1]["attn"]) == 2
    again = load_or_train(cfg, tmp_path, verbose=False)
    assert again[3]["loaded"] and again[3]["path"] == info["path"]
    src, lengths, tgt_in = torch.tensor([[5, 6]]), torch.tensor([2]), torch.tensor([[1, 5]])
    torch.testing.assert_close(again[0](src, lengths, tgt_in), model(src, lengths, tgt_in))
    # a changed config is a different model: trained anew, into a different file
    changed = load_or_train(cfg.replace(hidden_size=12), tmp_path, verbose=False)
    assert not changed[3]["loaded"] and changed[3]["path"] != info["path"]


def test_corrupted_checkpoint_warns_and_retrains(tmp_path, data_dir):
    cfg = tiny_cfg(data_dir, seed=3)
    info = load_or_train(cfg, tmp_path, verbose=False)[3]
    with open(info["path"], "wb") as handle:
        handle.write(b"not a checkpoint")
    with pytest.warns(RuntimeWarning, match="could not be loaded"):
        retrained = load_or_train(cfg, tmp_path, verbose=False)[3]
    assert not retrained["loaded"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_or_train(cfg, tmp_path, verbose=False)[3]["loaded"]  # the file is good again


def test_two_callers_at_once_train_only_once(tmp_path, data_dir):
    cfg = tiny_cfg(data_dir, seed=4)
    results = []
    threads = [threading.Thread(target=lambda: results.append(load_or_train(cfg, tmp_path, verbose=False)[3]))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["loaded"] for r in results) == [False, True]


def test_cli_prints_json_summary_last(tmp_path, data_dir, capsys):
    summary = train.main(["--task", "copy", "--profile", "ci", "--data", data_dir, "--out", str(tmp_path),
                          "--attention", "none", "--json", "--set", "hidden_size=8", "--set", "emb_size=4",
                          "--set", "max_steps=2", "--set", "valid_pairs=0"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    parsed = json.loads(last)
    assert {"exact_match", "token_accuracy", "seconds", "device", "profile", "params", "epochs"} <= set(parsed)
    assert parsed["profile"] == "ci" and parsed["attention"] == "none" and parsed == summary


def test_one_step_under_bfloat16_autocast_is_finite(data_dir):
    cfg = tiny_cfg(data_dir)
    splits, vocabs = train.prepare_data(cfg)
    model = train.build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    batch = next(iter(make_loader(PairDataset(splits["train"], *vocabs), 16)))
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, _, _ = compute_loss(model, batch)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    assert torch.isfinite(loss) and all(torch.isfinite(p).all() for p in model.parameters())


def test_short_training_learns_to_copy(data_dir):
    """A real (small) run: if learning were broken, accuracy would stay near chance (1/5)."""
    cfg = tiny_cfg(data_dir, hidden_size=32, emb_size=16, attn_size=16, epochs=20, max_steps=150, max_seconds=None, lr=1e-2,
                   warmup_steps=10, valid_pairs=0, snapshot_every=0)
    splits, vocabs = train.prepare_data(cfg)
    torch.manual_seed(0)
    model = train.build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    loader = make_loader(PairDataset(splits["train"], *vocabs), cfg.batch_size, seed=0)
    history = train.fit(model, loader, cfg, torch.device("cpu"))
    assert history["loss"][-1] < history["loss"][0] / 3
    em = exact_match(model, splits["test"], vocabs)
    assert em >= 0.6
