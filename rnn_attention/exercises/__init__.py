"""Check functions the notebooks call after each exercise: one module per notebook, plus the runner.

`core` holds the runner (`run_check`) and the comparisons (`expect_close`, ...);
`notebookNN` holds the checks of notebook NN. Everything is re-exported here, so
a notebook writes `from rnn_attention.exercises import check_weighted_sum`.
Adding a notebook's exercises = one `notebookNN.py` with its `__all__` (found
here by its name) and `tests/test_wrong_answers_NN.py`.
"""

from .. import course as _course
from . import core
from .core import *  # noqa: F403

__all__ = [*core.__all__, *_course.export_notebook_modules(globals())]
