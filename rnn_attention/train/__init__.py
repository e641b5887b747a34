"""Training: a config dataclass with named profiles, `fit` with callbacks, and checkpoints.

Introduced in notebook 06.

    cfg = get_config("ci", task="dates")   # a profile, then any overrides
    run = load_or_train(cfg)               # load runs/<task>-<attention>-<hash>.pt if present, else train it
    run.model, run.vocabs, run.history, run.info, run.loaded

One module per job, as in nanoGPT:

    config.py       TrainConfig, PROFILES, get_config, config_hash (what decides a run, and its key)
    loop.py         fit and its callbacks, compute_loss, the learning-rate schedule, device and precision
    checkpoints.py  TrainedRun, atomic save, weights_only load, the file lock
    runs.py         train_model, load_or_train: the reference model, your checkpoint, or a new run
    references.py   the course's reference models: the manifest, sha256, what to say on load
    __main__.py     the command line: python -m rnn_attention.train --task dates --profile ci --json
"""

from .checkpoints import (
    CHECKPOINT_FORMAT,
    TrainedRun,
    checkpoint_path,
    is_cached,
    load_checkpoint,
    load_or_train,
    prepare_data,
    runs_dir,
    save_checkpoint,
    train_model,
)
from .config import (
    HASH_FORMAT,
    PROFILES,
    TrainConfig,
    config_hash,
    config_key,
    default_profile,
    get_config,
    resolve_config,
    run_only_fields,
)
from .loop import (
    AlignmentSnapshots,
    Callback,
    FitState,
    HistoryLogger,
    ProgressBar,
    autocast_context,
    choose_device,
    compute_loss,
    fit,
    lr_factor,
    pick_probe_pairs,
    seed_everything,
)

__all__ = [
    # config
    "TrainConfig",
    "PROFILES",
    "HASH_FORMAT",
    "default_profile",
    "get_config",
    "run_only_fields",
    "resolve_config",
    "config_key",
    "config_hash",
    # loop
    "fit",
    "Callback",
    "FitState",
    "HistoryLogger",
    "ProgressBar",
    "AlignmentSnapshots",
    "pick_probe_pairs",
    "compute_loss",
    "lr_factor",
    "seed_everything",
    "autocast_context",
    "choose_device",
    # checkpoints
    "TrainedRun",
    "runs_dir",
    "CHECKPOINT_FORMAT",
    "prepare_data",
    "checkpoint_path",
    "save_checkpoint",
    "load_checkpoint",
    "train_model",
    "load_or_train",
    "is_cached",
]
