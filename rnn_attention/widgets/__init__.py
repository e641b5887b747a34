"""The notebooks' interactive widgets: one module per notebook that has widgets, plus the explorer base.

Each widget is built by a function that tests can drive without a browser
(see `core` for what every explorer offers). Everything is re-exported here,
so a notebook writes `from rnn_attention.widgets import softmax_widget`.
Adding a notebook's widget = one `notebookNN.py` (an `Explorer` subclass and
its builder, in its `__all__`), its three lines here, and `tests/test_widgets_NN.py`.
"""

from . import core, notebook02, notebook03, notebook04, notebook05, notebook07, notebook09, notebook10
from .core import *  # noqa: F403
from .notebook02 import *  # noqa: F403
from .notebook03 import *  # noqa: F403
from .notebook04 import *  # noqa: F403
from .notebook05 import *  # noqa: F403
from .notebook07 import *  # noqa: F403
from .notebook09 import *  # noqa: F403
from .notebook10 import *  # noqa: F403

__all__ = [
    *core.__all__,
    *notebook02.__all__,
    *notebook03.__all__,
    *notebook04.__all__,
    *notebook05.__all__,
    *notebook07.__all__,
    *notebook09.__all__,
    *notebook10.__all__,
]
