"""The set-up cell of every notebook: seeds, quiet warnings, plot defaults, a report."""

from __future__ import annotations

import os
import platform
import random
import warnings

import torch

__all__ = ["setup", "describe_device", "course_profile", "describe_machine"]


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


def course_profile() -> str:
    """The training profile the notebooks use: $COURSE_PROFILE, else by device."""
    profile = os.environ.get("COURSE_PROFILE", "").strip()
    if profile:
        return profile
    return "gpu" if torch.cuda.is_available() else "cpu"


def setup(seed: int = 0, report: bool = True) -> torch.device:
    """Seed everything, silence known-harmless warnings, set plot defaults, report versions."""
    random.seed(seed)
    torch.manual_seed(seed)
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
