"""The set-up cell of every notebook (seeds, quiet warnings, plot defaults, a report), and the device, seed and threads.

Introduced in notebook 00.

One place for what depends on the machine: the CUDA -> MPS -> CPU rule
(`describe_device`, `choose_device`), seeding (`seed_everything`), CPU threads
(`use_configured_threads`, and `cap_threads`, which the package runs when it is imported) and the
training profile (`course_profile`).
"""

from __future__ import annotations

import math
import os
import platform
import random
import warnings
from pathlib import Path

import torch

__all__ = [
    "setup",
    "describe_device",
    "course_profile",
    "describe_machine",
    "check_device",
    "choose_device",
    "seed_everything",
    "use_configured_threads",
    "cpu_limit",
    "cap_threads",
]


def describe_device() -> tuple[torch.device, str]:
    """The best device here (CUDA, then Apple MPS, then CPU) and a sentence about it."""
    if torch.cuda.is_available():
        return torch.device("cuda"), f"CUDA GPU: {torch.cuda.get_device_name(0)}"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps"), "Apple GPU (MPS)"
    return torch.device("cpu"), f"CPU with {torch.get_num_threads()} threads"


def describe_machine(device_type: str, num_threads: int | None = None) -> str:
    """A short name of the machine a result was measured on, for the README's table of figures."""
    if device_type == "cuda" and torch.cuda.is_available():
        return f"1 GPU ({torch.cuda.get_device_name(0)})"
    if device_type == "mps":
        return "Apple GPU (MPS)"
    threads = num_threads or torch.get_num_threads()
    return f"{os.cpu_count()}-core CPU, {threads} thread{'s' if threads != 1 else ''}"


def use_configured_threads(cfg, device: torch.device | None = None) -> None:
    """torch.set_num_threads(cfg.num_threads) on a CPU: for training, and for evaluating a loaded model.

    Small recurrent steps gain little from threads, and lose a lot when notebooks run in parallel
    on few cores (threads then fight for them: a loaded 2-core laptop trained ~10x slower on two).
    """
    if cfg.num_threads and (device is None or device.type == "cpu"):
        torch.set_num_threads(cfg.num_threads)


def _cgroup_quota_cpus(cpu_max: Path | None = None, quota: Path | None = None, period: Path | None = None):
    """CPUs allowed by one cgroup folder: v2's cpu.max ("max 100000" or "150000 100000") or v1's CFS files.

    None when the folder sets no limit (or cannot be read); else quota / period, rounded up, at least 1.
    """
    try:
        if cpu_max is not None:
            fields = cpu_max.read_text().split()
            if not fields or fields[0] == "max":
                return None
            q, per = int(fields[0]), int(fields[1]) if len(fields) > 1 else 100_000
        else:
            q, per = int(quota.read_text().strip()), int(period.read_text().strip())
    except (OSError, ValueError, IndexError):
        return None
    if q <= 0 or per <= 0:  # v1 writes -1 for "no limit"
        return None
    return max(1, math.ceil(q / per))


def _cgroup_cpus(root: Path) -> int | None:
    """The smallest CPU quota of this process's cgroup and of every cgroup above it (v2 or v1), or None."""
    try:
        lines = (root / "proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    mount = root / "sys/fs/cgroup"
    limits = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        rel = path.strip().lstrip("/")
        if controllers == "":  # v2: one unified tree, cpu.max in each folder
            bases, files = [mount], ("cpu.max",)
        elif "cpu" in controllers.split(","):  # v1: the cpu controller's own tree
            bases = [mount / controllers, mount / "cpu", mount / "cpu,cpuacct"]
            files = ("cpu.cfs_quota_us", "cpu.cfs_period_us")
        else:
            continue
        for base in bases:
            if not base.is_dir():
                continue
            # In a container the path may name a folder of the host's tree: the namespace's root stands for it.
            folder = base / rel if (base / rel).is_dir() else base
            while True:
                if len(files) == 1:
                    limit = _cgroup_quota_cpus(cpu_max=folder / files[0])
                else:
                    limit = _cgroup_quota_cpus(quota=folder / files[0], period=folder / files[1])
                if limit is not None:
                    limits.append(limit)
                if folder == base:
                    break
                folder = folder.parent
            break
    return min(limits) if limits else None


def cpu_limit(root: str | Path = "/", affinity: set[int] | None = None) -> int:
    """How many CPUs this process may use: its CPU affinity, capped by any cgroup CPU quota (v2 or v1).

    `os.cpu_count()` counts the machine's CPUs, which is too many in a container, under `taskset`, or in a
    JupyterHub spawner that sets a CPU limit. `root` and `affinity` let a test fake both.
    """
    if affinity is None:
        try:
            affinity = os.sched_getaffinity(0)
        except (AttributeError, OSError):  # macOS, Windows: no affinity call
            affinity = set(range(os.cpu_count() or 1))
    cpus = max(1, len(affinity))
    quota = _cgroup_cpus(Path(root))
    return min(cpus, quota) if quota else cpus


def cap_threads(limit: int | None = None) -> int:
    """Lower torch's intra-op threads to the CPUs this process may use; never raise them. Returns the count.

    torch starts one thread per core of the machine. A kernel limited to 1 CPU (a hub's quota, a container)
    would then run 2 or more threads that take turns on that CPU, each waiting for the others. The package runs
    this when it is imported, so every notebook's kernel is capped, not only a training run.
    """
    limit = cpu_limit() if limit is None else limit
    if limit < 1:
        raise ValueError(f"cap_threads needs a limit of at least 1 CPU, got {limit}")
    if torch.get_num_threads() > limit:
        torch.set_num_threads(limit)
    return torch.get_num_threads()


def check_device(preference: str) -> None:
    """Raise a ValueError unless the device asked for (auto, cpu, cuda, mps) is there."""
    available = {
        "auto": True,
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available(),
    }
    if preference not in available:
        raise ValueError(f"device must be one of {tuple(available)}, got {preference!r}")
    if not available[preference]:
        here = [name for name, ok in available.items() if ok]
        raise ValueError(
            f"device {preference!r} is not available on this machine (torch {torch.__version__}); use one of {here}"
        )


def choose_device(preference: str = "auto", verbose: bool = True) -> torch.device:
    """CUDA if present, then Apple MPS, then CPU (or the device named, if it is there), and say which."""
    if preference and preference != "auto":
        check_device(preference)
        device, why = torch.device(preference), "as configured"
    else:
        device, why = describe_device()  # the one CUDA -> MPS -> CPU rule of the course
    if verbose:
        print(f"Training on {device.type} ({why})")
    return device


def seed_everything(seed: int) -> None:
    """Seed Python and torch (CPU and every GPU) so a run can be repeated."""
    random.seed(seed)
    torch.manual_seed(seed)


def course_profile() -> str:
    """The training profile the notebooks use: $COURSE_PROFILE, else by device."""
    profile = os.environ.get("COURSE_PROFILE", "").strip()
    if profile:
        return profile
    return "gpu" if torch.cuda.is_available() else "cpu"


def setup(seed: int = 0, report: bool = True) -> torch.device:
    """Seed everything, silence known-harmless warnings, set plot defaults, report versions."""
    seed_everything(seed)
    # Warnings that students cannot act on, and that differ from machine to machine.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*TqdmWarning.*")
    warnings.filterwarnings("ignore", message=".*IProgress not found.*")
    try:
        import matplotlib as mpl

        mpl.rcParams.update({"figure.dpi": 100, "axes.grid": False, "figure.max_open_warning": 0})
    except ImportError:  # plotting is optional for the package itself
        pass
    device, description = describe_device()
    if report:
        import numpy

        print(f"python {platform.python_version()}, torch {torch.__version__}, numpy {numpy.__version__}")
        print(f"device: {description}")
        print(f"training profile: {course_profile()} (set COURSE_PROFILE to change it)")
    return device
