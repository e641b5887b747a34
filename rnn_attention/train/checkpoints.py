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
import math
import os
import secrets
import stat
import time
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
MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024  # a larger file is refused unread (the course's models are under 2 MB)
LOCK_TIMEOUT = float(os.environ.get("COURSE_LOCK_TIMEOUT", "1800"))  # seconds to wait for another's training
LOCK_REPORT_EVERY = 30.0  # seconds between "waiting for ..." lines
LOCK_LOOK_EVERY = 5.0  # seconds between looks for a finished checkpoint while another process holds the lock
REMEASURE_PAIRS = 200  # test pairs a classmate's checkpoint is re-measured on before it is used


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
    owner: int | None = None  # the uid that owns the checkpoint file it was loaded from


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
        except OSError as error:  # another user's file (a sticky folder), or a folder planted at the name
            target = _own_path(path)
            os.replace(tmp, target)
            why = "another user's file" if isinstance(error, PermissionError) else type(error).__name__
            warnings.warn(
                f"could not replace {path} ({why}); saved this run as {target.name}",
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


def open_regular(path, max_bytes: int | None = None):
    """`path` opened for reading if it is a regular file no larger than max_bytes (MAX_CHECKPOINT_BYTES).

    O_NOFOLLOW: a symbolic link planted at the name is refused, never followed; O_NONBLOCK: a FIFO does not
    block the open (and is then refused); the size is checked before anything is read.
    """
    max_bytes = MAX_CHECKPOINT_BYTES if max_bytes is None else max_bytes
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if os.path.islink(path):
            raise OSError(f"{path} is not a regular file (a symbolic link): not followed") from None
        raise error
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise OSError(f"{path} is not a regular file (a directory, FIFO or device)")
    if info.st_size > max_bytes:
        os.close(fd)
        raise OSError(f"{path} is larger than {max_bytes >> 20} MB ({info.st_size >> 20} MB): not read")
    return os.fdopen(fd, "rb")


def load_checkpoint(path, device: torch.device | str = "cpu") -> TrainedRun:
    """Read a checkpoint written by save_checkpoint, as a TrainedRun with loaded=True.

    Raises RuntimeError (or ValueError, OSError) if the file is not a readable checkpoint. The file is
    opened without following a symbolic link and without blocking (a FIFO), must be a regular file of at
    most MAX_CHECKPOINT_BYTES, and is read from that one open file (what was checked is what is read).
    """
    with open_regular(path) as handle:
        owner_uid = os.fstat(handle.fileno()).st_uid
        payload = torch.load(handle, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a checkpoint of format {CHECKPOINT_FORMAT}")
    cfg = _config_from_dict(payload["config"])
    vocabs = (Vocab.from_dict(payload["src_vocab"]), Vocab.from_dict(payload["tgt_vocab"]))
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    model.load_state_dict(payload["model"])
    model.to(device).eval()
    run = TrainedRun(model, vocabs, payload["history"], payload["info"], cfg, loaded=True, path=Path(path))
    run.owner = owner_uid
    return run


@contextlib.contextmanager
def _file_lock(path: Path, waiting=None):
    """Hold an exclusive lock on <path>.lock while the block runs (no-op without fcntl).

    flock locks belong to the open file: the kernel drops them when their process
    dies, so a lock left by a killed process is taken over at once. The lock file is
    created group-shareable (0666 minus the umask); a user who may only read it
    still locks it (flock needs no write access), and so can anyone else who can
    read it: a lock held by another process is waited for with a line every
    LOCK_REPORT_EVERY seconds that names the holder, and after LOCK_TIMEOUT seconds
    TimeoutError says who holds it. `waiting()` is called while waiting; what it
    returns other than None ends the wait without the lock (a classmate's finished
    checkpoint) and is given to the block as the `as` value. A lock path that is a
    symbolic link, FIFO or directory is refused, never followed.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; parallel runs may then train twice
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = str(path) + ".lock"
    nofollow = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | nofollow, 0o666)
        except PermissionError:  # another user's lock file, read-only for us
            fd = os.open(lock, os.O_RDONLY | nofollow)
    except OSError as error:
        if os.path.islink(lock) or error.errno in (getattr(os, "ELOOP", 40), 21):
            raise OSError(f"{lock} is not a regular file (a symbolic link or folder): remove it") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{lock} is not a regular file: remove it")
        start = last_report = time.monotonic()
        last_look = start - LOCK_LOOK_EVERY
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            now = time.monotonic()
            if waiting is not None and now - last_look >= LOCK_LOOK_EVERY:
                last_look = now
                found = waiting()
                if found is not None:
                    yield found
                    return
            if now - start > LOCK_TIMEOUT:
                raise TimeoutError(
                    f"{lock} has been {_lock_holder(lock)} for {now - start:.0f} s and no finished checkpoint "
                    f"appeared; ask them to stop, or set COURSE_RUNS_DIR to a folder of your own"
                )
            if now - last_report >= LOCK_REPORT_EVERY:
                print(f"waiting for {path.name}: its lock is {_lock_holder(lock)} ({now - start:.0f} s so far)")
                last_report = now
            time.sleep(0.2)
        try:
            yield None
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _lock_holder(lock: str) -> str:
    """'held by process PID of USER' from /proc/locks (Linux), else 'held by another process'."""
    try:
        inode = os.stat(lock).st_ino
        with open("/proc/locks", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                if "->" in fields:
                    continue  # a waiter, not the holder
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].split(":")[-1] == str(inode):
                    pid = int(fields[4])
                    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                        uid = next(int(line.split()[1]) for line in status if line.startswith("Uid:"))
                    return f"held by process {pid} of {_user_name(uid)}"
    except (OSError, ValueError, StopIteration):
        pass
    return "held by another process"


def _user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


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


def _trusted_owner(run: TrainedRun, folder: Path) -> bool:
    """Whether the file's owner is you or the runs folder's owner (the teacher who made the shared folder)."""
    if run.owner is None or not hasattr(os, "getuid"):
        return True
    try:
        folder_owner = folder.stat().st_uid
    except OSError:
        folder_owner = None
    return run.owner in (os.getuid(), folder_owner)


def _remeasure(run: TrainedRun, test_pairs) -> tuple[float, int, str | None]:
    """A classmate's checkpoint measured on the first REMEASURE_PAIRS test pairs: (exact match, pairs, problem).

    Anyone in a shared group folder can rename a file over a classmate's: its weights and its claimed
    scores are then whatever they wrote. The claim must hold within the sampling error of the slice.
    """
    from .. import evaluate

    pairs = list(test_pairs[:REMEASURE_PAIRS])
    measured = evaluate.exact_match(run.model, pairs, run.vocabs) if pairs else float("nan")
    claimed = run.info.get("exact_match")
    if not pairs:
        return measured, 0, None
    if not isinstance(claimed, (int, float)) or not math.isfinite(claimed):
        return measured, len(pairs), "it claims no exact match"
    slack = 0.05 + 3 * math.sqrt(max(claimed * (1 - claimed), 0.01) / len(pairs))
    if abs(measured - claimed) > slack:
        return (
            measured,
            len(pairs),
            (
                f"it claims a test exact match of {claimed:.4f} but re-measured {measured:.4f} "
                f"on {len(pairs)} test pairs"
            ),
        )
    return measured, len(pairs), None


def _load_cached(path: Path, cfg: TrainConfig, key: str, device, verbose: bool, test_pairs=()) -> TrainedRun | None:
    """The checkpoint at path (or this user's copy beside it) if it is the run cfg asks for, else None.

    A file that cannot be read, belongs to another configuration or was cut
    short by the time cap gets a warning that says which; the caller trains again.
    A file owned by someone other than you or the folder's owner (a classmate's)
    is re-measured on test pairs first, and used only if its claimed score holds.
    """
    remeasured = None
    for candidate in (path, _own_path(path)):
        if not os.path.lexists(candidate):
            continue
        try:
            run = load_checkpoint(candidate, device)
            problem = _why_not_usable(run, cfg, key)
            if problem is None and not _trusted_owner(run, path.parent):
                remeasured = _remeasure(run, test_pairs)
                problem = remeasured[2]
                if problem:
                    problem = f"{problem} (the file is {_user_name(run.owner)}'s, re-measured before use)"
        except Exception as error:  # a truncated, foreign or unreadable file
            problem = f"it could not be loaded ({type(error).__name__}: {error})"
        if problem is None:
            break
        warnings.warn(f"checkpoint {candidate} not used: {problem}; training a new model", RuntimeWarning, stacklevel=3)
    else:
        return None
    if verbose:
        info = run.info
        whose = ""
        if remeasured is not None:
            whose = (
                f"; the file is {_user_name(run.owner)}'s: re-measured {remeasured[0]:.4f} "
                f"on {remeasured[1]} test pairs"
            )
        print(
            f"Loaded {path.name}: test exact match {info['exact_match']:.4f} "
            f"(trained in {info['seconds']:.0f} s on {info['device']}){whose}"
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
    test_pairs = splits["test"]

    def finished_meanwhile():  # another process holds the lock: a finished checkpoint needs no lock to read
        if os.path.lexists(path) or os.path.lexists(_own_path(path)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # said again, if it matters, once the lock is ours
                return _load_cached(path, cfg, key, device, verbose, test_pairs)
        return None

    with _file_lock(path, waiting=finished_meanwhile) as found:
        if found is not None:
            return found
        cached = _load_cached(path, cfg, key, device, verbose, test_pairs)
        if cached is not None:
            return cached
        if verbose:
            choose_device(cfg.device, verbose=True)  # "Training on cpu (...)": said only when it trains
        run = train_model(cfg, splits, vocabs, device)
        run.info["config_hash"] = key
        try:
            run.path = save_checkpoint(path, run)
        except (OSError, RuntimeError) as error:  # a full or read-only folder: keep the model, say so in one line
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            warnings.warn(
                f"could not save the trained model in {path.parent} (disk full, or not writable?): {first}; "
                "this run is not saved, so the next one trains again",
                RuntimeWarning,
                stacklevel=2,
            )
        path = run.path or path
    if verbose:
        print(
            f"Trained {cfg.task}/{cfg.attention} in {run.info['seconds']:.0f} s: "
            f"test exact match {run.info['exact_match']:.4f}; " + (f"saved {path}" if run.path else "not saved")
        )
    return run
