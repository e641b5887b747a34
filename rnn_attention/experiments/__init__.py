"""Experiments behind the notebooks: command-line programs that print JSON as their last line.

length         notebook 08: accuracy against source length, three decoders, several seeds
extrapolation  notebook 10: train short, test long (longer numbers, repeated dates), four decoders
copy_length    notebook 11: copy and reverse trained on 1-20, tested to 10x; content vs relative-shift attention
"""

import statistics

from ..train.loop import use_configured_threads  # loading skips fit, which sets the threads: set them here too

__all__ = ["use_configured_threads", "mean_or_none", "spread"]


def mean_or_none(values):
    """The mean of a list of numbers, or None for an empty list (a bucket without pairs)."""
    return statistics.fmean(values) if values else None


def spread(name: str, values) -> dict:
    """{name_mean, name_min, name_max} over seeds (None where there is no value)."""
    return {
        f"{name}_mean": mean_or_none(values),
        f"{name}_min": min(values, default=None),
        f"{name}_max": max(values, default=None),
    }
