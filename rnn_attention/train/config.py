"""What decides a training run: the `TrainConfig` dataclass, its named profiles, and its hash.

Introduced in notebook 06.

    cfg = get_config("ci", task="dates", hidden_size=32)   # a profile, then any overrides
    key = config_hash(cfg, train_pairs)                    # names the checkpoint of this config and data

Fields marked ``run_only`` in their metadata say how a run is executed (device,
threads, progress bars), not what it learns, and stay out of the hash. The hash
holds only the learned fields whose value differs from the field's default, so a
new field added with its default leaves every existing configuration's hash (and
checkpoint) as it was. The other side of that rule: changing a default changes
what every configuration that relies on it learns while its hash stays the same,
so a change of a default must come with a bump of HASH_FORMAT
(tests/test_train_config.py pins the defaults and a hash to catch it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from ..models.kinds import resolve_attention

__all__ = [
    "TrainConfig",
    "PROFILES",
    "RECIPE",
    "HASH_FORMAT",
    "RUN_ONLY",
    "default_profile",
    "get_config",
    "run_only_fields",
    "resolve_config",
    "config_key",
    "config_hash",
]

# The version of the hash key's layout: 1 hashed every learned field; 2 only those off their default;
# 3: max_seconds is run-only (the schedule follows the steps; a run cut by time is never cached as finished).
HASH_FORMAT = 3
RUN_ONLY = "run_only"  # the field-metadata flag of fields left out of the hash
HASH_CHARS = 12  # hex digits of config_hash kept in file names
FINGERPRINT_CHARS = 16  # hex digits of the training data's fingerprint


def _run_only(default):
    """A field that says how the run is executed, not what it learns: left out of the hash."""
    return field(default=default, metadata={RUN_ONLY: True})


@dataclass
class TrainConfig:
    """Everything that decides a training run; a changed learned field means a new checkpoint."""

    task: str = "dates"  # copy, reverse, dates, numbers (see rnn_attention.data)
    decoder: str = "bahdanau"  # the decoder's architecture (the recurrence the attention plugs into)
    attention: str = "additive"  # the kind of attention (rnn_attention.models.attention_kinds() lists them)
    emb_size: int = 32  # E
    hidden_size: int = 64  # H, of the decoder and of each encoder direction
    attn_size: int = 64  # A
    dropout: float = 0.0
    location_max_len: int | None = None  # positions of the location weights; None = longest training source
    location_strict: bool = False  # location attention past location_max_len: weight 0 (False) or a ValueError
    location_filters: int = 8  # location-aware attention: convolution filters over the previous weights
    location_kernel_size: int = 11  # location-aware attention: width of that convolution
    location_coverage: bool = False  # location-aware attention: also convolve the cumulative weights (notebook 10)
    encoder: str = "bigru"  # bigru (h_j reads the whole sentence) or conv (h_j reads only its neighbours)
    encoder_kernel_size: int = 9  # the conv encoder: how many characters each h_j reads
    # False: the loss ignores the EOS target, so the model never learns when to stop; decode it to the
    # target's length (oracle length), as Newman et al. (2020)'s -EOS models (notebook 11)
    train_eos: bool = True
    batch_size: int = 64
    lr: float = 3e-3  # Adam's peak learning rate
    warmup_steps: int = 30  # linear warm-up, then cosine decay to lr * final_lr_ratio
    final_lr_ratio: float = 0.05
    epochs: int = 10  # the run stops after epochs, or max_steps if that comes first: the step budget
    max_steps: int | None = None
    clip: float = 1.0  # gradient norm clipping
    seed: int = 0
    amp: bool = True  # mixed precision on CUDA (bfloat16 if supported, else float16 + GradScaler)
    max_train_pairs: int | None = None  # None = the whole training split
    bucket: bool = True  # batches of similar source lengths: less padding, faster steps
    valid_pairs: int = 500  # validation exact match on this many pairs after every epoch
    snapshot_every: int = 50  # record the probe sentences' alignments every this many steps
    probe_size: int = 4
    log_every: int = 10  # steps between entries of the loss history
    # How the run is executed, not what it learns: left out of the hash.
    profile: str = _run_only("custom")
    # A safety net, not a budget: the schedule follows the steps; a run that hits the cap says so,
    # is marked stopped_by_time, and is trained again (not loaded) next time.
    max_seconds: float | None = _run_only(None)
    device: str = _run_only("auto")  # auto = CUDA, then MPS, then CPU
    # torch.set_num_threads on CPU. These small recurrent models are fastest on one thread, and
    # threads that fight for a laptop's busy cores made training ~10x slower; set 2+ to try more.
    num_threads: int | None = _run_only(1)
    data_dir: str | None = _run_only(None)  # None = the repository's data/ folder
    progress: bool = _run_only(True)  # tqdm progress bars
    # The convergence curve: validation exact match every this many steps (0 = only after each epoch).
    # It only reads the model (greedy decoding, no randomness), so what is learned stays the same.
    valid_every: int = _run_only(0)

    def __post_init__(self) -> None:
        """Refuse a configuration that cannot train: one clear error naming the field, before any work."""
        validate_config(self)

    def replace(self, **changes) -> TrainConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


DEVICES = ("auto", "cpu", "cuda", "mps")
# field -> (lowest allowed value, whether None is allowed): counts and sizes of a run
_POSITIVE = {
    "emb_size": (1, False),
    "hidden_size": (1, False),
    "attn_size": (1, False),
    "batch_size": (1, False),
    "epochs": (1, False),
    "max_steps": (1, True),
    "max_train_pairs": (1, True),
    "num_threads": (1, True),
    "location_max_len": (1, True),
    "location_filters": (1, False),
    "location_kernel_size": (1, False),
    "encoder_kernel_size": (1, False),
    "warmup_steps": (0, False),
    "valid_pairs": (0, False),
    "snapshot_every": (0, False),
    "probe_size": (0, False),
    "log_every": (1, False),
    "seed": (0, False),
    "valid_every": (0, False),
}


def validate_config(cfg) -> None:
    """Raise a ValueError (TypeError for a wrong type) naming the field, the value given and what is allowed."""
    for name, (lowest, none_ok) in _POSITIVE.items():
        value = getattr(cfg, name)
        if value is None and none_ok:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            allowed = "an int" + (" or None" if none_ok else "")
            raise TypeError(f"TrainConfig.{name} must be {allowed}, got {value!r} ({type(value).__name__})")
        if value < lowest:
            raise ValueError(f"TrainConfig.{name} must be >= {lowest}, got {value}")
    for name, low, high in (
        ("lr", 0.0, None),
        ("clip", 0.0, None),
        ("final_lr_ratio", None, 1.0),
        ("dropout", None, 1.0),
        ("max_seconds", 0.0, None),
    ):
        value = getattr(cfg, name)
        if value is None and name == "max_seconds":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"TrainConfig.{name} must be a number, got {value!r} ({type(value).__name__})")
        if (low is not None and value <= low) or (high is not None and not 0 <= value <= high) or value != value:
            bounds = f"> {low}" if low is not None else f"between 0 and {high}"
            raise ValueError(f"TrainConfig.{name} must be {bounds}, got {value}")
    if cfg.device not in DEVICES:
        raise ValueError(f"TrainConfig.device must be one of {DEVICES}, got {cfg.device!r}")
    for name in ("task", "decoder", "attention", "encoder"):
        if not isinstance(getattr(cfg, name), str):
            raise TypeError(f"TrainConfig.{name} must be a str, got {getattr(cfg, name)!r}")
    for name in ("location_strict", "location_coverage", "train_eos"):
        if not isinstance(getattr(cfg, name), bool):
            raise TypeError(f"TrainConfig.{name} must be a bool, got {getattr(cfg, name)!r}")


# The course's recipe for a dates model (notebooks 06, 07, 09): the same in every profile, so that a
# GPU trains the same model as a laptop, only faster, and the results and claims of the notebooks hold
# on every device. It converges: test exact match 1.000 after 600 steps, about 45 s on one CPU thread
# (the curve is in reference/manifest.json). Notebooks 08 and 10 add their own model sizes and budgets
# (experiments/), equally the same in every profile.
RECIPE: dict = dict(
    emb_size=32,
    hidden_size=64,
    attn_size=64,
    batch_size=64,
    lr=4e-3,
    epochs=3,
    max_steps=600,
    warmup_steps=30,
    valid_pairs=300,
    valid_every=100,
)

PROFILES: dict[str, dict] = {
    # A profile says only how a run is executed (device, threads, the time cap): never what is learned.
    # The step budgets bind in every profile: the learning-rate schedule follows them, so a run does the
    # same on a fast and on a busy machine. max_seconds is only a safety net, several times the usual
    # time; a run it cuts says so and is not cached.
    "ci": dict(RECIPE, max_seconds=300.0, device="cpu", num_threads=1),  # CI: the CPU, one thread
    "cpu": dict(RECIPE, max_seconds=1800.0, num_threads=1),  # a laptop: one thread per model
    "gpu": dict(RECIPE, max_seconds=600.0),  # CUDA: mixed precision (amp), the same model
}


def default_profile() -> str:
    """$COURSE_PROFILE if set, else "gpu" when CUDA is available, else "cpu"."""
    from ..environment import course_profile  # one rule, shared with the notebooks' set-up cell

    return course_profile()


def get_config(profile: str | None = None, **overrides) -> TrainConfig:
    """The named profile's TrainConfig (default: `default_profile()`), with overrides applied."""
    profile = profile or default_profile()
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: expected one of {sorted(PROFILES)}")
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValueError(f"unknown TrainConfig field(s) {unknown}; fields are {sorted(names)}")
    return TrainConfig(**{**PROFILES[profile], "profile": profile, **overrides})


def run_only_fields(cfg=TrainConfig) -> tuple[str, ...]:
    """Names of the fields marked run_only (they do not change what is learned)."""
    return tuple(f.name for f in dataclasses.fields(cfg) if f.metadata.get(RUN_ONLY))


def resolve_config(cfg: TrainConfig, train_pairs) -> TrainConfig:
    """Fill in what depends on the data: the kind of attention decides (e.g. the location weights' positions)."""
    return resolve_attention(cfg, train_pairs)


def _default_of(f: dataclasses.Field):
    """The value a field takes when not given (dataclasses.MISSING if it has none)."""
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def data_fingerprint(pairs) -> str:
    """A short hash of the training pairs: new data means a new checkpoint."""
    digest = hashlib.sha256()
    for src, tgt in pairs:
        digest.update(src.encode("utf-8") + b"\t" + tgt.encode("utf-8") + b"\n")
    return digest.hexdigest()[:FINGERPRINT_CHARS]


def _canonical(value):
    """One spelling per value in the key: a whole float as an int (max_seconds=300 and 300.0 alike)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def config_key(cfg, train_pairs=None) -> dict:
    """What config_hash hashes: {"format", "fields": learned fields off their default, "data"}.

    Works on any dataclass with TrainConfig's fields (a subclass with more fields too).
    """
    fields = {}
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if not f.metadata.get(RUN_ONLY) and value != _default_of(f):
            fields[f.name] = _canonical(value)
    key = {"format": HASH_FORMAT, "fields": fields}
    if train_pairs is not None:
        key["data"] = data_fingerprint(train_pairs)
    return key


def config_hash(cfg, train_pairs=None) -> str:
    """Hash of the fields that decide what is learned (and of the training data, if given)."""
    text = json.dumps(config_key(cfg, train_pairs), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]
