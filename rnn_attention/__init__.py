"""rnn_attention: the helper package of the course "Attention over variable-length input".

Introduced in notebook 00.

It grows notebook by notebook: what a notebook derives by hand, later
notebooks import from here.
"""

from .attention import (
    AdditiveAttention,
    DotAttention,
    GeneralAttention,
    attend,
    scaled_dot_product_attention,
)
from .environment import cap_threads as _cap_threads
from .masking import lengths_to_mask, masked_softmax

# Every kernel that imports the course uses at most the CPUs it may use (affinity, cgroup quota):
# torch would otherwise start one thread per core of the whole machine.
_cap_threads()

__version__ = "0.1.0"

__all__ = [
    "AdditiveAttention",
    "DotAttention",
    "GeneralAttention",
    "attend",
    "scaled_dot_product_attention",
    "lengths_to_mask",
    "masked_softmax",
]
