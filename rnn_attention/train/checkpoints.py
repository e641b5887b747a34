"""Checkpoints: atomic save, safe load, a file lock, and "load the checkpoint if present, else train".

Introduced in notebook 06.

    run = load_or_train(cfg)       # a TrainedRun: run.model, run.vocabs, run.history, run.info, run.cfg
    run.loaded, run.path           # whether it was loaded (not trained), and from which file

Each checkpoint is keyed on `config_hash` of the config and of the training data
(runs/<task>-<attention>-<hash>.pt), so a changed config trains a new model. On
load the stored configuration is compared with the requested one: a file that
belongs to another configuration (copied or renamed), a truncated or foreign
file, and a run that the time cap cut short are never used as if they were the
run asked for: a warning says which, and the model is trained again. A file lock
makes two processes that ask for the same model at once (nbval runs notebooks in
parallel; a class shares one folder) train it once: the second waits, then
loads. Files are written atomically (a temporary file in the same folder, fsync,
os.replace) and read with `torch.load(weights_only=True)`, so a checkpoint can
carry no code.

The folder is $COURSE_RUNS_DIR if set, else runs/ in the course checkout (or in
the current folder when the package is installed elsewhere, never inside
site-packages). A class can share one folder: files and the lock are created
with the permissions the umask allows (0664 under umask 002, so a group can
share them: see TEACHING.md), a checkpoint one user wrote loads for another, and
a user who may not replace a file saves beside it under a name of their own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ..data.vocab import Vocab
from ..models import build_model, count_parameters
from .config import TrainConfig, config_hash, get_config, resolve_config, run_only_fields
from .loop import AlignmentSnapshots, choose_device, fit, pick_probe_pairs, seed_everything, use_configured_threads
from .references import (
    describe_reference,
    file_sha256,
    find_reference,
    reference_problem,
    wants_training,
    warn_unusable,
)

__all__ = [
    "TrainedRun",
    "runs_dir",
    "CHECKPOINT_FORMAT",
    "prepare_data",
    "checkpoint_path",
    "save_checkpoint",
    "load_checkpoint",
    "train_model",
    "load_or_train",
    "config_differences",
    "remove_stale_temporaries",
    "load_reference",
]

ROOT = Path(__file__).resolve().parents[2]  # the course checkout: rnn_attention/train/ is two levels down
RUNS_ENV = "COURSE_RUNS_DIR"
CHECKPOINT_FORMAT = 1  # the layout of the saved payload (the hash key has its own, config.HASH_FORMAT)
SPLITS = ("train", "valid", "test")


@dataclass
class TrainedRun:
    """One trained model and what belongs to it: what load_or_train, train_model and load_checkpoint return."""

    model: nn.Module  # a Seq2Seq, in eval mode
    vocabs: tuple[Vocab, Vocab]  # (src_vocab, tgt_vocab)
    history: dict  # what fit recorded: loss curves, validation exact match, alignment snapshots, steps
    info: dict  # the summary: test exact_match, token_accuracy, seconds, device, params, steps, ...
    cfg: TrainConfig  # the resolved configuration it was trained with
    loaded: bool = False  # True when read from a checkpoint, False when just trained
    path: Path | None = None  # the checkpoint file, once there is one
    reference: bool = False  # True when it is the course's reference model (reference/), loaded


def prepare_data(cfg: TrainConfig):
    """Load the task's splits and build the vocabularies from the training split.

    Returns (splits, (src_vocab, tgt_vocab)) with splits = {"train", "valid", "test"} -> pairs.
    """
    from ..data import load_split
    from ..data.vocab import build_vocabs

    splits = {split: load_split(cfg.task, split, data_dir=cfg.data_dir) for split in SPLITS}
    if cfg.max_train_pairs:
        splits["train"] = splits["train"][: cfg.max_train_pairs]
    return splits, build_vocabs(splits["train"])


def runs_dir() -> Path:
    """Where checkpoints go: $COURSE_RUNS_DIR, else runs/ in the course checkout, else ./runs.

    The package knows it sits in a checkout when the folder above it holds the
    course's solutions/ and pyproject.toml; an installed copy (site-packages)
    never writes into its own folder.
    """
    configured = os.environ.get(RUNS_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    if (ROOT / "pyproject.toml").is_file() and (ROOT / "solutions").is_dir():
        return ROOT / "runs"
    return Path.cwd() / "runs"


def checkpoint_path(cfg: TrainConfig, out_dir=None, key: str | None = None) -> Path:
    """runs/<task>-<attention>-<hash>.pt (the hash of the config and data)."""
    out_dir = Path(out_dir) if out_dir is not None else runs_dir()
    key = key or config_hash(cfg)
    return out_dir / f"{cfg.task}-{cfg.attention}-{key}.pt"


def _own_path(path: Path) -> Path:
    """Where this user saves a checkpoint they may not replace at `path`: <name>.uid<N>.pt beside it."""
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return path.with_name(f"{path.stem}.uid{uid}{path.suffix}")


def _create_shared(path: Path) -> int:
    """Create path for writing with mode 0666 minus the umask (mkstemp would force 0600); return the fd."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete the .tmp files an interrupted save of `path` left behind (call it holding path's lock)."""
    removed = []
    for tmp in path.parent.glob(f"{path.name}.*.tmp"):
        with contextlib.suppress(OSError):  # another user's file in a folder we may not change: leave it
            tmp.unlink()
            removed.append(tmp)
    return removed


def save_checkpoint(path, run: TrainedRun) -> Path:
    """Write run to path atomically: a temporary file in the same folder, fsync, then os.replace.

    Only tensors, str, int, float, bool, None, lists and dicts are stored, so that
    `torch.load(path, weights_only=True)` can read it back safely.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "config": asdict(run.cfg),
        "model": {k: v.detach().cpu() for k, v in run.model.state_dict().items()},
        "src_vocab": run.vocabs[0].to_dict(),
        "tgt_vocab": run.vocabs[1].to_dict(),
        "history": run.history,
        "info": run.info,
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with os.fdopen(_create_shared(tmp), "wb") as handle:
            torch.save(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(tmp, path)
        except PermissionError:  # another user's file we may not replace (a sticky folder): keep ours beside it
            target = _own_path(path)
            os.replace(tmp, target)
            warnings.warn(
                f"could not replace {path} (another user's file); saved this run as {target.name}",
                RuntimeWarning,
                stacklevel=2,
            )
            return target
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _config_from_dict(stored: dict) -> TrainConfig:
    """The TrainConfig of a stored config dict; fields it lacks (added since) take their defaults."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in stored.items() if k in names})


def load_checkpoint(path, device: torch.device | str = "cpu") -> TrainedRun:
    """Read a checkpoint written by save_checkpoint, as a TrainedRun with loaded=True.

    Raises RuntimeError (or ValueError) if the file is not a readable checkpoint.
    """
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a checkpoint of format {CHECKPOINT_FORMAT}")
    cfg = _config_from_dict(payload["config"])
    vocabs = (Vocab.from_dict(payload["src_vocab"]), Vocab.from_dict(payload["tgt_vocab"]))
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    model.load_state_dict(payload["model"])
    model.to(device).eval()
    return TrainedRun(model, vocabs, payload["history"], payload["info"], cfg, loaded=True, path=Path(path))


@contextlib.contextmanager
def _file_lock(path: Path):
    """Hold an exclusive lock on <path>.lock while the block runs (no-op without fcntl).

    flock locks belong to the open file: the kernel drops them when their process
    dies, so a lock left by a killed process is taken over at once. The lock file is
    created group-shareable (0666 minus the umask); a user who may only read it
    still locks it (flock needs no write access).
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; parallel runs may then train twice
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = str(path) + ".lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # another user's lock file, read-only for us
        fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits while another process trains
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def train_model(cfg: TrainConfig, splits=None, vocabs=None, device=None) -> TrainedRun:
    """Train cfg's model from scratch, with alignment snapshots, and measure it on the test split."""
    from .. import evaluate
    from ..data import PairDataset, make_loader

    if splits is None or vocabs is None:
        splits, vocabs = prepare_data(cfg)
    cfg = resolve_config(cfg, splits["train"])
    device = device or choose_device(cfg.device)
    seed_everything(cfg.seed)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg).to(device)
    loader = make_loader(
        PairDataset(splits["train"], *vocabs), cfg.batch_size, shuffle=True, bucket=cfg.bucket, seed=cfg.seed
    )
    valid = splits["valid"][: cfg.valid_pairs] if cfg.valid_pairs else None
    snapshots = AlignmentSnapshots(pick_probe_pairs(splits["test"], cfg.probe_size), vocabs)
    history = fit(model, loader, cfg, device, callbacks=[snapshots], valid_pairs=valid, vocabs=vocabs)
    info = {
        "task": cfg.task,
        "decoder": cfg.decoder,
        "attention": cfg.attention,
        "profile": cfg.profile,
        "exact_match": evaluate.exact_match(model, splits["test"], vocabs),
        "token_accuracy": evaluate.token_accuracy(model, splits["test"], vocabs),
        "seconds": history["seconds_total"],
        "device": device.type,
        "params": count_parameters(model),
        "epochs": history["epochs"],
        "steps": history["steps"],
        "steps_planned": history["steps_planned"],
        "stopped_by_time": history["stopped_by_time"],
        "torch": str(torch.__version__),
    }
    return TrainedRun(model, vocabs, history, info, cfg)


def config_differences(stored: TrainConfig, requested: TrainConfig) -> dict:
    """{field: (stored, requested)} for every learned field where two configurations differ."""
    run_only = set(run_only_fields())
    return {
        f.name: (getattr(stored, f.name), getattr(requested, f.name))
        for f in dataclasses.fields(TrainConfig)
        if f.name not in run_only and getattr(stored, f.name) != getattr(requested, f.name)
    }


def _why_not_usable(run: TrainedRun, cfg: TrainConfig, key: str) -> str | None:
    """Why a readable checkpoint is not the run asked for (None if it is)."""
    differences = config_differences(run.cfg, cfg)
    if differences:
        listed = ", ".join(f"{name}={old!r} (asked for {new!r})" for name, (old, new) in sorted(differences.items()))
        return f"it was trained with another configuration: {listed}"
    if run.info.get("config_hash") != key:
        return f"its key {run.info.get('config_hash')!r} is not {key!r} (other training data, or an older format)"
    if run.info.get("stopped_by_time"):
        return (
            f"the time cap cut that run short at {run.info.get('steps')} of {run.info.get('steps_planned')} "
            f"planned steps, so it is not the finished model"
        )
    return None


def _load_cached(path: Path, cfg: TrainConfig, key: str, device, verbose: bool) -> TrainedRun | None:
    """The checkpoint at path (or this user's copy beside it) if it is the run cfg asks for, else None.

    A file that cannot be read, belongs to another configuration or was cut
    short by the time cap gets a warning that says which; the caller trains again.
    """
    for candidate in (path, _own_path(path)):
        if not candidate.exists():
            continue
        try:
            run = load_checkpoint(candidate, device)
            problem = _why_not_usable(run, cfg, key)
        except Exception as error:  # a truncated, foreign or unreadable file
            problem = f"it could not be loaded ({type(error).__name__}: {error})"
        if problem is None:
            break
        warnings.warn(f"checkpoint {candidate} not used: {problem}; training a new model", RuntimeWarning, stacklevel=3)
    else:
        return None
    if verbose:
        info = run.info
        print(
            f"Loaded {path.name}: test exact match {info['exact_match']:.4f} "
            f"(trained in {info['seconds']:.0f} s on {info['device']})"
        )
    return run


def _resolved_key_path(cfg: TrainConfig, out_dir, train_pairs) -> tuple[TrainConfig, str, Path]:
    """The config with its data-dependent sizes filled in, its checkpoint key, and the checkpoint's path."""
    cfg = resolve_config(cfg, train_pairs)
    key = config_hash(cfg, train_pairs)
    return cfg, key, checkpoint_path(cfg, out_dir, key)


def is_cached(cfg: TrainConfig, out_dir=None, splits: dict | None = None) -> bool:
    """Whether a checkpoint file for cfg (and these splits) exists: load_or_train would try it first."""
    train_pairs = splits["train"] if splits is not None else prepare_data(cfg)[0]["train"]
    _, key, path = _resolved_key_path(cfg, out_dir, train_pairs)
    if not wants_training() and find_reference(key) is not None:
        return True
    return path.exists() or _own_path(path).exists()


def load_reference(cfg: TrainConfig, key: str, device, verbose: bool = True) -> TrainedRun | None:
    """The course's reference model for this resolved config and key, verified; None if there is none.

    The file must have the manifest's sha256 and hold exactly this configuration; a
    file that does not gets a warning that says why, and None (the caller trains).
    """
    entry = find_reference(key)
    if entry is None:
        return None
    path = entry["path"]
    try:
        digest = file_sha256(path)
    except OSError as error:
        warn_unusable(entry, f"it could not be read ({type(error).__name__}: {error})")
        return None
    if digest != entry["sha256"]:
        warn_unusable(entry, f"its sha256 {digest[:16]}... is not the manifest's {entry['sha256'][:16]}...")
        return None
    try:
        run = load_checkpoint(path, device)
        problem = reference_problem(entry, run, cfg, key)
    except Exception as error:  # a file that passed its sha256 and still fails
        problem = f"it could not be loaded ({type(error).__name__}: {error})"
    if problem is not None:
        warn_unusable(entry, problem)
        return None
    run.reference = True
    if verbose:
        print(describe_reference(entry))
    return run


def load_or_train(
    cfg: TrainConfig | None = None,
    out_dir=None,
    device=None,
    verbose: bool = True,
    splits: dict | None = None,
    train: bool | None = None,
) -> TrainedRun:
    """The course's reference model for cfg if there is one, else your checkpoint, else train it and save it.

    train=True (or COURSE_TRAIN=1 when train is None) skips the reference models:
    your own checkpoint in out_dir is loaded if there is one, else the model is
    trained and saved there.

    splits: {"train", "valid", "test"} -> pairs to use instead of cfg.task's files
    (data derived at run time, such as notebook 10's short sources or repeated
    dates); the vocabularies are built from its training pairs, which are part
    of the checkpoint's key like any task's.
    """
    cfg = cfg or get_config()
    if splits is None:
        splits, vocabs = prepare_data(cfg)
    else:
        from ..data.vocab import build_vocabs

        missing = sorted(set(SPLITS) - set(splits))
        if missing:
            raise ValueError(f"splits must have the keys {SPLITS}, missing {missing}")
        vocabs = build_vocabs(splits["train"])
    cfg, key, path = _resolved_key_path(cfg, out_dir, splits["train"])
    device = device or choose_device(cfg.device, verbose=False)
    use_configured_threads(cfg, device)  # a loaded model is evaluated with the threads training would use
    if not wants_training(train):
        reference = load_reference(cfg, key, device, verbose)
        if reference is not None:
            return reference
    with _file_lock(path):
        cached = _load_cached(path, cfg, key, device, verbose)
        if cached is not None:
            return cached
        if verbose:
            choose_device(cfg.device, verbose=True)  # "Training on cpu (...)": said only when it trains
        run = train_model(cfg, splits, vocabs, device)
        run.info["config_hash"] = key
        run.path = save_checkpoint(path, run)
        path = run.path
    if verbose:
        print(
            f"Trained {cfg.task}/{cfg.attention} in {run.info['seconds']:.0f} s: "
            f"test exact match {run.info['exact_match']:.4f}; saved {path}"
        )
    return run
