"""Encoder-decoder models with attention over inputs of any length.

    encoder.py   `Encoder`: embedding + bidirectional GRU, h_j = [forward h_j; backward h_j]
    contexts.py  the context modules (none, location, additive/concat, dot, general,
                 location_aware) behind one interface, and their registry
    decoder.py   `Decoder`: one recurrence, s_i = GRU([E y_{i-1}; c_i], s_{i-1}),
                 whatever context module it is given
    seq2seq.py   `Seq2Seq` (training and greedy decoding), `build_model`, `count_parameters`

Every decoder runs the same step; only the context c_i differs. That is what
lets notebook 08 compare what the decoder is allowed to see: content-based
attention scores *every* h_j with the same small network (one weight per
position, whatever S is), no attention sees one fixed-size summary, and
location weights come from a layer with max_len outputs that never looks at h_j.
"""

from .contexts import (
    AdditiveContext,
    ContextModule,
    DotContext,
    GeneralContext,
    LocationAwareContext,
    LocationContext,
    SummaryContext,
    attention_kinds,
    build_context,
    register_context,
    unregister_context,
)
from .decoder import Decoder
from .encoder import Encoder, reverse_within_lengths, run_one_direction
from .seq2seq import DECODERS, Seq2Seq, build_model, count_parameters

__all__ = [
    "Encoder",
    "Decoder",
    "Seq2Seq",
    "build_model",
    "count_parameters",
    "DECODERS",
    "attention_kinds",
    "register_context",
    "unregister_context",
    "build_context",
    "ContextModule",
    "SummaryContext",
    "LocationContext",
    "AdditiveContext",
    "DotContext",
    "GeneralContext",
    "LocationAwareContext",
    "reverse_within_lengths",
    "run_one_direction",
]
