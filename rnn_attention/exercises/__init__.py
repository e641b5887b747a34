"""Check functions the notebooks call after each exercise: one module per notebook, plus the runner.

`core` holds the runner (`run_check`) and the comparisons (`expect_close`, ...);
`notebookNN` holds the checks of notebook NN. Everything is re-exported here, so
a notebook writes `from rnn_attention.exercises import check_weighted_sum`.
Adding a notebook's exercises = one `notebookNN.py` with its `__all__`, its
three lines here (import, star import, `__all__`), and `tests/test_exercises_NN.py`.
"""

from . import (
    core,
    notebook00,
    notebook01,
    notebook02,
    notebook03,
    notebook04,
    notebook05,
    notebook06,
    notebook07,
    notebook08,
    notebook09,
    notebook10,
    notebook13,
)
from .core import *  # noqa: F403
from .notebook00 import *  # noqa: F403
from .notebook01 import *  # noqa: F403
from .notebook02 import *  # noqa: F403
from .notebook03 import *  # noqa: F403
from .notebook04 import *  # noqa: F403
from .notebook05 import *  # noqa: F403
from .notebook06 import *  # noqa: F403
from .notebook07 import *  # noqa: F403
from .notebook08 import *  # noqa: F403
from .notebook09 import *  # noqa: F403
from .notebook10 import *  # noqa: F403
from .notebook13 import *  # noqa: F403

__all__ = [
    *core.__all__,
    *notebook00.__all__,
    *notebook01.__all__,
    *notebook02.__all__,
    *notebook03.__all__,
    *notebook04.__all__,
    *notebook05.__all__,
    *notebook06.__all__,
    *notebook07.__all__,
    *notebook08.__all__,
    *notebook09.__all__,
    *notebook10.__all__,
    *notebook13.__all__,
]
