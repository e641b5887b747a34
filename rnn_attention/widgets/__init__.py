"""The notebooks' interactive widgets: one module per notebook that has widgets, plus the explorer base.

Each widget is built by a function that tests can drive without a browser
(see `core` for what every explorer offers). Everything is re-exported here,
so a notebook writes `from rnn_attention.widgets import softmax_widget`.
Adding a notebook's widget = one `notebookNN.py` (an `Explorer` subclass and
its builder, in its `__all__`; found here by its name) and `tests/test_widgets_NN.py`.
"""

from .. import course as _course
from . import core
from .core import *  # noqa: F403

__all__ = [*core.__all__, *_course.export_notebook_modules(globals())]
