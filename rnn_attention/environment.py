"""The set-up cell of every notebook (seeds, quiet warnings, plot defaults, a report), and the device, seed and threads.

Introduced in notebook 00.

One place for what depends on the machine: the CUDA -> MPS -> CPU rule
(`describe_device`, `choose_device`), seeding (`seed_everything`), CPU threads
(`use_configured_threads`) and the training profile (`course_profile`).
"""

from __future__ import annotations

import os
import platform
import random
import warnings

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
