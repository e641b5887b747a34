"""Encoder-decoder models with attention over inputs of any length.

Introduced in notebook 06.

    encoder.py   `Encoder`: embedding + bidirectional GRU, h_j = [forward h_j; backward h_j]
    kinds.py     the kinds of attention the decoder can use, behind one interface, and their
                 registry (attention_kinds() lists them: none, location, additive, dot, ...)
    decoder.py   `Decoder`: one recurrence, s_i = GRU([E y_{i-1}; c_i], s_{i-1}),
                 whatever kind of attention it is given
    luong.py     `LuongDecoder`: Luong et al. (2015), the RNN step first, c_i from s_i,
                 h~_i = tanh(W_c [c_i; s_i]) feeding the output and the next input (notebook 13)
    seq2seq.py   `Seq2Seq` (training and greedy decoding), `build_model`, `count_parameters`
    contexts.py  deprecated: the kinds' old names (ContextModule, build_context, AdditiveContext, ...)

Every decoder runs the same step; only the context c_i differs. That is what
lets notebook 08 compare what the decoder is allowed to see: content-based
attention scores *every* h_j with the same small network (one weight per
position, whatever S is), no attention sees one fixed-size summary, and
location weights come from a layer with max_len outputs that never looks at h_j.
"""

from . import contexts as _contexts
from .decoder import Decoder
from .encoder import Encoder, reverse_within_lengths, run_one_direction
from .kinds import (
    KINDS,
    AdditiveKind,
    AttentionKind,
    DotKind,
    GeneralKind,
    LocationAwareKind,
    LocationKind,
    NoAttentionKind,
    attention_kinds,
    build_attention,
    register_attention,
    resolve_attention,
    unregister_attention,
)
from .luong import LuongDecoder
from .seq2seq import DECODERS, Seq2Seq, build_model, count_parameters

__all__ = [
    "Encoder",
    "Decoder",
    "LuongDecoder",
    "Seq2Seq",
    "build_model",
    "count_parameters",
    "DECODERS",
    "KINDS",
    "attention_kinds",
    "register_attention",
    "unregister_attention",
    "build_attention",
    "resolve_attention",
    "AttentionKind",
    "NoAttentionKind",
    "LocationKind",
    "AdditiveKind",
    "DotKind",
    "GeneralKind",
    "LocationAwareKind",
    "reverse_within_lengths",
    "run_one_direction",
]


def __getattr__(name: str):
    """The old "context module" names (ContextModule, build_context, ...): deprecated aliases of the new ones."""
    if name in _contexts.RENAMED:
        return _contexts.deprecated_name(name, __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
