"""pytest set-up shared by the package tests and the nbval notebook runs.

`pytest --nbval solutions/` and `pytest --nbval-lax notebooks/` work with no
extra flags: this file picks the current interpreter as the kernel, the
sanitize file, the `ci` training profile, and makes the student notebooks in
notebooks/ lax (run without error) even in a single `--nbval` run.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# Kernels inherit this process's environment: the small, CPU-bounded training profile.
os.environ.setdefault("COURSE_PROFILE", "ci")
os.environ.setdefault("PYTHONHASHSEED", "0")


def pytest_configure(config):
    """Default nbval options so that plain `pytest --nbval` does the right thing."""
    option = config.option
    if getattr(option, "nbval", False) or getattr(option, "nbval_lax", False):
        if not option.nbval_kernel_name:
            option.nbval_current_env = True
        if option.nbval_sanitize_with is None:
            option.nbval_sanitize_with = str(ROOT / "tests" / "nbval_sanitize.cfg")
        if option.nbval_cell_timeout == 2000:  # nbval's default; a stuck cell should fail sooner
            option.nbval_cell_timeout = 900


def pytest_collectstart(collector):
    """Per-notebook nbval settings: skip stderr, and only run (not compare) student notebooks."""
    try:
        from nbval.plugin import IPyNbFile
    except ImportError:  # nbval not installed: nothing to adjust
        return
    if isinstance(collector, IPyNbFile):
        # Warnings print installed-package paths that differ between machines.
        collector.skip_compare = collector.skip_compare + ("stderr",)
        if Path(str(collector.path)).resolve().parent == ROOT / "notebooks":
            collector.compare_outputs = False
