"""pytest set-up shared by the package tests and the nbval notebook runs.

`pytest --nbval solutions/` and `pytest --nbval-lax notebooks/` work with no
extra flags: this file picks the current interpreter as the kernel, the
sanitize file, the `ci` training profile, and makes the student notebooks in
notebooks/ lax (run without error) even in a single `--nbval` run.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

# Kernels inherit this process's environment: the small, CPU-bounded training profile.
os.environ.setdefault("COURSE_PROFILE", "ci")
os.environ.setdefault("PYTHONHASHSEED", "0")

from rnn_attention import course  # noqa: E402  (after the environment it may read)


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


# The notebooks that train, longest first (measured in `make test`; `start_rank` in rnn_attention/course.py):
# they start before the quick tests, so that neither worker is left with a long notebook at the end.
LONGEST_FIRST = course.longest_first()


def scheduling_scope(nodeid: str) -> str:
    """The unit of work one pytest-xdist worker gets: a test file, except that a notebook's solution
    and its student copy are one unit, run one after the other on the same worker. The student copy
    then loads the checkpoints its solution trained, instead of waiting on the other worker for
    their locks while one core idles."""
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return "notebook-" + Path(path).stem
    return path


def _start_rank(item) -> int:
    scope = scheduling_scope(item.nodeid)
    for rank, prefix in enumerate(LONGEST_FIRST):
        if scope.startswith("notebook-" + prefix):
            return rank
    return len(LONGEST_FIRST)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With `--dist loadfile` (make test): loadfile's scheduler, with the scopes of scheduling_scope."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class NotebookPairScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scheduling_scope(nodeid)

    return NotebookPairScheduling(config, log)


def pytest_collection_modifyitems(items):
    """Longer waits for notebook outputs; the long notebooks first (xdist hands out scopes in this order)."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to adjust
        IPyNbCell = ()
    for item in items:
        if IPyNbCell and isinstance(item, IPyNbCell):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT_S
    items.sort(key=_start_rank)  # stable: within a rank, the collection order (cells in order)


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
