"""Deprecated: the old names of the kinds of attention, from when the code called them "context modules".

Introduced in notebook 06.

The course says *attention* everywhere (the config field `attention`, the
`--attention` flag, the notebooks, the papers), so the code does too: see
models/kinds.py. The old names still import, from here and from
rnn_attention.models, and warn (DeprecationWarning) with the new name:

    ContextModule -> AttentionKind          register_context -> register_attention
    SummaryContext -> NoAttentionKind       unregister_context -> unregister_attention
    LocationContext -> LocationKind         build_context -> build_attention
    AdditiveContext -> AdditiveKind         CONTEXTS -> KINDS
    DotContext -> DotKind                   GeneralContext -> GeneralKind
    LocationAwareContext -> LocationAwareKind

They are the same objects, so a checkpoint, a subclass or an isinstance check
written with either name works with the other.
"""

from __future__ import annotations

import warnings

from . import kinds
from .kinds import attention_kinds, config_value

__all__ = ["attention_kinds", "config_value"]  # the old names are reached through __getattr__, with a warning

RENAMED = {
    "ContextModule": "AttentionKind",
    "SummaryContext": "NoAttentionKind",
    "LocationContext": "LocationKind",
    "AdditiveContext": "AdditiveKind",
    "DotContext": "DotKind",
    "GeneralContext": "GeneralKind",
    "LocationAwareContext": "LocationAwareKind",
    "register_context": "register_attention",
    "unregister_context": "unregister_attention",
    "build_context": "build_attention",
    "CONTEXTS": "KINDS",
}


def deprecated_name(name: str, where: str):
    """The object an old name stands for, with a DeprecationWarning that gives its new name."""
    new = RENAMED[name]
    warnings.warn(
        f"{where}.{name} is deprecated: use {new} (rnn_attention.models.kinds); the course calls it attention",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(kinds, new)


def __getattr__(name: str):
    if name in RENAMED:
        return deprecated_name(name, __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
