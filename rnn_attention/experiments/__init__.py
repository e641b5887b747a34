"""Experiments behind the notebooks: command-line programs that print JSON as their last line.

    length         notebook 08: accuracy against source length, three decoders, several seeds
    extrapolation  notebook 10: train short, test long (longer numbers, repeated dates), four decoders
"""

import torch

__all__ = ["use_configured_threads"]


def use_configured_threads(cfg) -> None:
    """Evaluate with the thread count training uses (cfg.num_threads; 1 in ci): loading skips fit, which sets it.

    Small recurrent models gain nothing from more threads, and on a loaded 2-core machine two threads
    make decoding several times slower.
    """
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
