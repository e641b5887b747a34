"""Checks of notebook 00 (the question): a weighted sum for any length, and a parameter count with no T_x in it."""

from __future__ import annotations

import torch

from ..attention import AdditiveAttention
from ..models import count_parameters
from .core import CheckFailed, CheckResult, expect_close, run_check

__all__ = ["check_weighted_sum", "check_score_param_count"]


def check_weighted_sum(weighted_sum) -> CheckResult:
    """Exercise 0.1: c = sum_j alpha_j h_j for inputs of several lengths."""

    def check(fn):
        generator = torch.Generator().manual_seed(0)
        for length in (1, 3, 7, 20):
            keys = torch.randn(length, 4, generator=generator, dtype=torch.float64)  # (S, D)
            alpha = torch.softmax(torch.randn(length, generator=generator, dtype=torch.float64), dim=0)  # (S,)
            given = fn(alpha, keys)
            expect_close(given, alpha @ keys, f"c for T_x={length}")
        return "c has the size of one h_j (4) for T_x = 1, 3, 7 and 20."

    return run_check("Exercise 0.1", check, weighted_sum)


def check_score_param_count(count_params) -> CheckResult:
    """Exercise 0.2: the additive score's parameter count from its sizes."""

    def check(fn):
        for sizes in ((2, 3, 4), (16, 32, 8), (256, 512, 128)):
            expected = count_parameters(AdditiveAttention(*sizes))
            given = fn(*sizes)
            if given != expected:
                raise CheckFailed(f"for (query_size, key_size, attn_size) = {sizes} expected {expected}, got {given}")
        return "A*Dq + A*Dk + A parameters, and no T_x anywhere."

    return run_check("Exercise 0.2", check, count_params)
