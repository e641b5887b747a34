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
import stat
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ..data.vocab import Vocab
from ..models import build_model
from .config import TrainConfig, config_hash

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
        folder = Path(configured).expanduser()
        problem = _not_a_runs_folder(folder)
        if problem:
            raise ValueError(f"{RUNS_ENV}={configured} {problem}: set it to a folder you can write, or unset it")
        return folder
    if (ROOT / "pyproject.toml").is_file() and (ROOT / "solutions").is_dir():
        return ROOT / "runs"
    return Path.cwd() / "runs"


def _not_a_runs_folder(folder: Path) -> str:
    """'' when checkpoints can be written into `folder` (made if missing), else what is wrong with it."""
    if folder.exists() and not folder.is_dir():
        return "is a file, not a folder"
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return f"does not exist and cannot be made ({error.strerror or error})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "is not a folder you can write into"
    return ""


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


# What used to live here and moved to runs.py (loading or training a configuration), importable from here as before.
from .runs import _load_cached as _load_cached  # noqa: E402
from .runs import _resolved_key_path as _resolved_key_path  # noqa: E402
from .runs import config_differences as config_differences  # noqa: E402
from .runs import is_cached as is_cached  # noqa: E402
from .runs import load_or_train as load_or_train  # noqa: E402
from .runs import load_reference as load_reference  # noqa: E402
from .runs import train_model as train_model  # noqa: E402
