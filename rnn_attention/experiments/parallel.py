"""Train an experiment's models side by side, one process per CPU core.

Notebooks 08 and 10 train several small models (decoders x seeds). Each uses one
CPU thread, because these recurrent steps gain little from more, so a laptop with
4 cores that trains them one after another leaves 3 cores idle. `train_missing`
trains the models that have no checkpoint yet in `workers` processes at once;
the experiment then loads every model from its checkpoint as before. A model
trained in a worker is the same, weight for weight, as one trained in the
notebook: each run is seeded and uses one thread.

Workers: $COURSE_TRAIN_WORKERS if set, else 1 for the `ci` profile (the test
suite already runs two notebooks at once) and for a GPU (one device), else the
CPU cores this process may use (its affinity and its container's CPU quota),
at most MAX_DEFAULT_WORKERS, so that one user of a big shared server does not
take all its cores.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace

from ..train import is_cached, load_or_train

__all__ = ["MAX_DEFAULT_WORKERS", "usable_cores", "train_workers", "train_missing"]

MAX_DEFAULT_WORKERS = 4


def usable_cores(cpu_max_file: str = "/sys/fs/cgroup/cpu.max") -> int:
    """The CPU cores this process may use: its affinity mask, lowered by a cgroup v2 CPU quota if there is one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = open(cpu_max_file, encoding="ascii").read().split()[:2]
    except (OSError, ValueError):
        return cores
    if quota != "max" and int(period) > 0:
        cores = min(cores, max(1, int(quota) // int(period)))
    return cores


def train_workers(cfg) -> int:
    """How many models to train at once for cfg's profile and device (see the module's docstring)."""
    configured = os.environ.get("COURSE_TRAIN_WORKERS", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ValueError(f"COURSE_TRAIN_WORKERS must be a whole number >= 1, got {configured!r}")
        return int(configured)
    if cfg.profile == "ci" or cfg.device not in ("cpu", "auto"):
        return 1
    import torch

    if cfg.device == "auto" and (torch.cuda.is_available() or torch.backends.mps.is_available()):
        return 1  # one accelerator: the models train one after another on it
    return min(usable_cores(), MAX_DEFAULT_WORKERS)


def _train_one(cfg, out_dir, splits) -> dict:
    """In a worker process: train (or load) one model and save its checkpoint."""
    run = load_or_train(cfg, out_dir, verbose=False, splits=splits)
    return {"seconds": run.info["seconds"], "exact_match": run.info["exact_match"], "loaded": run.loaded}


def train_missing(jobs, out_dir=None, workers: int | None = None, verbose: bool = True) -> int:
    """Train the jobs [(cfg, splits or None), ...] without a checkpoint, `workers` at a time.

    Returns how many were trained here. With one worker, or at most one model to
    train, it trains nothing and leaves each model to load_or_train in this process.
    """
    if not jobs:
        return 0
    workers = train_workers(jobs[0][0]) if workers is None else workers
    if workers < 2:
        return 0  # one at a time: each model trains in load_or_train, in this process
    missing = [(cfg, splits) for cfg, splits in jobs if not is_cached(cfg, out_dir, splits)]
    if len(missing) < 2:
        return 0
    workers = min(workers, len(missing))
    if verbose:
        print(
            f"training {len(missing)} models, {workers} at a time (one process each; "
            "COURSE_TRAIN_WORKERS sets how many) ...",
            flush=True,
        )
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: safe from a notebook's kernel
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            pool.submit(_train_one, replace(cfg, progress=False), out_dir, splits): cfg for cfg, splits in missing
        }
        for done, future in enumerate(as_completed(futures), 1):
            cfg, info = futures[future], future.result()
            if verbose:
                print(
                    f"  {done}/{len(missing)} {cfg.task}/{cfg.attention} seed {cfg.seed}: "
                    f"{info['seconds']:.0f} s, test exact match {info['exact_match']:.3f} "
                    f"({time.perf_counter() - start:.0f} s so far)",
                    flush=True,
                )
    return len(missing)
