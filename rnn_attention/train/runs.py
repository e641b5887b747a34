"""Load the model a configuration asks for, or train it: the course's reference model, your checkpoint, or a new run.

Introduced in notebook 06.

    run = load_or_train(cfg)            # reference/ first, then runs/, else train and save
    run = load_or_train(cfg, train=True)  # never the reference model: your own checkpoint, or a new run

`train_model` trains and measures one model; `load_or_train` decides what to load
(`load_reference` checks a reference model's sha256 and configuration; `_load_cached`
checks a checkpoint in runs/, re-measuring a classmate's before it is used) and trains
only when nothing usable is there, under the checkpoint's file lock. The files
themselves (atomic save, safe load, the lock) are checkpoints.py's job.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from pathlib import Path

import torch

from ..models import build_model, count_parameters
from .checkpoints import (
    REMEASURE_PAIRS,
    SPLITS,
    TrainedRun,
    _file_lock,
    _own_path,
    _user_name,
    checkpoint_path,
    load_checkpoint,
    prepare_data,
    save_checkpoint,
)
from .config import TrainConfig, config_hash, get_config, resolve_config, run_only_fields
from .loop import AlignmentSnapshots, choose_device, fit, pick_probe_pairs, seed_everything, use_configured_threads
from .references import (
    describe_reference,
    file_sha256,
    find_reference,
    wants_training,
    warn_unusable,
)

__all__ = ["train_model", "config_differences", "is_cached", "load_reference", "load_or_train"]


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
        # a model trained without EOS cannot stop: it is measured at the target's length (oracle length)
        "exact_match": evaluate.exact_match(model, splits["test"], vocabs, oracle=not cfg.train_eos),
        "token_accuracy": evaluate.token_accuracy(model, splits["test"], vocabs, count_eos=cfg.train_eos),
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
    oracle = not run.cfg.train_eos  # measured as train_model measured it
    measured = evaluate.exact_match(run.model, pairs, run.vocabs, oracle=oracle) if pairs else float("nan")
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
        problem = _why_not_usable(run, cfg, key)  # the same test as a checkpoint in runs/
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
        architecture = "" if cfg.decoder == "bahdanau" else f"{cfg.decoder}-"
        print(
            f"Trained {cfg.task}/{architecture}{cfg.attention} in {run.info['seconds']:.0f} s: "
            f"test exact match {run.info['exact_match']:.4f}; " + (f"saved {path}" if run.path else "not saved")
        )
    return run
