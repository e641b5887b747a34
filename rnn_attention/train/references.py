"""The course's reference models: converged checkpoints in reference/, found by their key, verified on load.

Introduced in notebook 06.

    entry = find_reference(key)                       # the manifest's entry for a config hash, or None
    run = load_reference(entry, cfg, key, device)     # a TrainedRun, after the sha256 and the config match

Every model a notebook shows was trained to convergence by the course's own code
(`python -m rnn_attention.reference build`) and committed to reference/ with a
manifest: per model its configuration and hash, the file's sha256, the steps,
seconds, machine and torch version of its training, its test metrics and its
validation curve. `load_or_train` loads the reference model when one matches the
configuration it was asked for, so a first run of any notebook takes seconds;
`load_or_train(cfg, train=True)` or COURSE_TRAIN=1 trains your own instead.

A reference file is used only when its sha256 is the manifest's and the
configuration stored in it is the one asked for; otherwise a warning says why
and the model is trained (a tampered or truncated file never loads silently).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

__all__ = [
    "REFERENCE_DIR",
    "MANIFEST_NAME",
    "TRAIN_ENV",
    "wants_training",
    "read_manifest",
    "find_reference",
    "file_sha256",
    "describe_reference",
]

ROOT = Path(__file__).resolve().parents[2]  # the course checkout
REFERENCE_DIR = ROOT / "reference"
MANIFEST_NAME = "manifest.json"
TRAIN_ENV = "COURSE_TRAIN"  # COURSE_TRAIN=1: train every model yourself instead of loading the reference
MANIFEST_FORMAT = 1


def wants_training(train: bool | None = None) -> bool:
    """train if given, else whether $COURSE_TRAIN is set to 1 (or true, yes)."""
    if train is not None:
        return bool(train)
    return os.environ.get(TRAIN_ENV, "").strip().lower() in ("1", "true", "yes")


def read_manifest(folder: Path | None = None) -> dict:
    """The manifest {"format", "models": {key: entry}} of the reference folder (empty when there is none)."""
    path = Path(folder or REFERENCE_DIR) / MANIFEST_NAME
    if not path.is_file():
        return {"format": MANIFEST_FORMAT, "models": {}}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError(
            f"{path}: expected a reference manifest of format {MANIFEST_FORMAT}, got {manifest.get('format')!r}"
        )
    return manifest


def find_reference(key: str, folder: Path | None = None) -> dict | None:
    """The manifest entry of the reference model with this config hash, with "path" added; None if none."""
    folder = Path(folder or REFERENCE_DIR)
    entry = read_manifest(folder)["models"].get(key)
    if entry is None:
        return None
    return {**entry, "path": folder / entry["file"]}


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_reference(entry: dict) -> str:
    """One line for a student: what was loaded, how it was trained, how to train one's own."""
    minutes = entry["seconds"] / 60
    seed = f" seed {entry['seed']}" if "seed" in entry else ""
    architecture = f"{entry['decoder']}-" if entry.get("decoder", "bahdanau") != "bahdanau" else ""
    name = f"{entry['task']}/{architecture}{entry['attention']}{seed}"
    return (
        f"Loaded the course's reference model {name}: test exact match "
        f"{entry['metrics']['exact_match']:.4f}, trained in {minutes:.1f} min ({entry['steps']} steps) on a "
        f"{entry['machine']}. load_or_train(cfg, train=True) or COURSE_TRAIN=1 trains your own."
    )


def warn_unusable(entry: dict, problem: str) -> None:
    """Say that a reference file was not used, and why."""
    warnings.warn(
        f"reference model {entry['path']} not used: {problem}; training a new model instead",
        RuntimeWarning,
        stacklevel=3,
    )
