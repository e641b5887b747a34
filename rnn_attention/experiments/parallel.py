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


def expected_seconds(cfg, out_dir=None, splits: dict | None = None) -> float | None:
    """The seconds the course's reference run of exactly this model took (reference/manifest.json), else None."""
    from ..train.checkpoints import _resolved_key_path, prepare_data
    from ..train.references import find_reference

    try:
        train_pairs = splits["train"] if splits is not None else prepare_data(cfg)[0]["train"]
        entry = find_reference(_resolved_key_path(cfg, out_dir, train_pairs)[1])
    except Exception:  # no manifest, or one this code cannot read: no estimate, training goes on
        return None
    return None if entry is None else float(entry["seconds"])


def _end(processes) -> None:
    """Terminate the processes, then kill those still alive after 5 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


def _stop_workers(pool, before=frozenset()) -> list[int]:
    """Terminate (then kill, if need be) every process of the pool; the ids of those that were still running.

    The pool's manager thread may start a replacement worker while the others are being
    stopped: after the pool has shut down, any child process that was not there before
    the pool (`before`: their ids) is ended too, so no worker outlives the call.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    running = [process for process in processes if process.is_alive()]
    _end(running)
    pool.shutdown(wait=True, cancel_futures=True)  # the manager thread ends; an idle worker gets its stop signal
    _end([child for child in multiprocessing.active_children() if child.pid not in before])
    return [process.pid for process in running]


def _name(cfg) -> str:
    """task/score, with the architecture when it is not Bahdanau's: dates/additive, dates/luong-dot."""
    architecture = "" if getattr(cfg, "decoder", "bahdanau") == "bahdanau" else f"{cfg.decoder}-"
    return f"{cfg.task}/{architecture}{cfg.attention}"


def train_missing(jobs, out_dir=None, workers: int | None = None, verbose: bool = True) -> int:
    """Train the jobs [(cfg, splits or None), ...] without a checkpoint, `workers` at a time.

    Returns how many were trained here. With one worker, or at most one model to
    train, it trains nothing and leaves each model to load_or_train in this process.

    A model is handed to a worker only when one is free, so the line "starting
    k/n" is printed when model k starts (with the reference run's seconds, when
    reference/manifest.json knows this model). An interrupt (the notebook's stop
    button, KeyboardInterrupt) or any error terminates every worker process
    this call started, says so, and is raised again; the models finished so far
    keep their checkpoints.
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
            "COURSE_TRAIN_WORKERS sets how many); interrupting the kernel stops them ...",
            flush=True,
        )
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: safe from a notebook's kernel
    before = frozenset(child.pid for child in multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    queue, running, finished = list(enumerate(missing, 1)), {}, 0

    def start_next():
        number, (cfg, splits) = queue.pop(0)
        if verbose:
            seconds = expected_seconds(cfg, out_dir, splits)
            estimate = f", about {seconds:.0f} s on the course's machine" if seconds is not None else ""
            print(
                f"  starting {number}/{len(missing)} {_name(cfg)} seed {cfg.seed}{estimate} "
                f"({time.perf_counter() - start:.0f} s so far)",
                flush=True,
            )
        running[pool.submit(_train_one, replace(cfg, progress=False), out_dir, splits)] = cfg

    try:
        while queue and len(running) < workers:
            start_next()
        while running:
            for future in as_completed(list(running)):
                cfg, info = running.pop(future), future.result()
                finished += 1
                if verbose:
                    print(
                        f"  {finished}/{len(missing)} {_name(cfg)} seed {cfg.seed}: "
                        f"{info['seconds']:.0f} s, test exact match {info['exact_match']:.3f} "
                        f"({time.perf_counter() - start:.0f} s so far)",
                        flush=True,
                    )
                if queue:
                    start_next()
                break  # wait again, now for the running set with the new model in it
    except BaseException as error:
        stopped = _stop_workers(pool, before)
        why = "interrupted" if isinstance(error, KeyboardInterrupt) else f"stopped by {type(error).__name__}"
        print(
            f"{why}: terminated {len(stopped)} training process(es) (pid {', '.join(map(str, stopped)) or '-'}); "
            f"{finished} of {len(missing)} models finished and keep their checkpoints; run the cell again to train "
            "the rest",
            flush=True,
        )
        raise
    pool.shutdown(wait=True)
    return len(missing)
