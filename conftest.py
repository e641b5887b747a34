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


# nbval waits this long for each output message after a cell has run (its own default is 5 s).
# A loaded CI runner, with two notebooks training at once, has been seen to miss 5 s.
NBVAL_OUTPUT_TIMEOUT_S = 60


def pytest_collection_modifyitems(items):
    """Give every notebook cell a longer wait for its outputs than nbval's 5 s."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to adjust
        return
    for item in items:
        if isinstance(item, IPyNbCell):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT_S


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
