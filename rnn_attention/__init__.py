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
from .masking import lengths_to_mask, masked_softmax

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
