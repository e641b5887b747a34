"""Experiments behind the notebooks: command-line programs that print JSON as their last line.

    length         notebook 08: accuracy against source length, three decoders, several seeds
    extrapolation  notebook 10: train short, test long (longer numbers, repeated dates), four decoders
"""

from ..train.loop import use_configured_threads  # loading skips fit, which sets the threads: set them here too

__all__ = ["use_configured_threads"]
