"""Checks of notebook 03 (softmax to alpha): a stable softmax, and a masked one that survives an all-padding row."""

from __future__ import annotations

import torch

from ..masking import lengths_to_mask, masked_softmax
from .core import CheckFailed, CheckResult, expect_close, expect_finite, run_check, shorten

__all__ = ["check_stable_softmax", "check_masked_softmax"]


def check_stable_softmax(stable_softmax) -> CheckResult:
    """Exercise 3.1: a softmax over the last axis that survives scores like 1000 and -1000."""

    def check(fn):
        generator = torch.Generator().manual_seed(3)
        cases = [
            ("small scores (B=2, T_x=5)", torch.randn(2, 5, generator=generator)),
            ("one position (T_x=1)", torch.tensor([[0.3]])),
            ("scores 100, 101, 102", torch.tensor([[100.0, 101.0, 102.0]])),
            ("scores 1000, 10, -1000", torch.tensor([[1000.0, 10.0, -1000.0]])),
            ("scores -1000, -1001", torch.tensor([[-1000.0, -1001.0]])),
        ]
        for what, scores in cases:
            given = fn(scores.clone())
            expect_finite(given, f"the softmax of {what}", "Subtract the largest score of each row before exp.")
            expect_close(given, torch.softmax(scores, dim=-1), f"the softmax of {what}")
        return "matches torch.softmax, also for scores of +-1000 in float32 (no inf, no nan)."

    return run_check("Exercise 3.1", check, stable_softmax)


def check_masked_softmax(my_masked_softmax) -> CheckResult:
    """Exercise 3.2: weights only on real positions, rows summing to one, zeros (no NaN) for an all-padding row."""

    def check(fn):
        generator = torch.Generator().manual_seed(4)
        scores = 3 * torch.randn(3, 5, generator=generator)  # (B, S)
        mask = lengths_to_mask(torch.tensor([3, 5, 1]))  # (B, S)
        given = fn(scores.clone(), mask)
        expect_finite(given, "the weights", "")
        if isinstance(given, torch.Tensor) and given.shape == scores.shape:
            if (given[~mask] != 0).any():
                raise CheckFailed(f"padded positions must get weight exactly 0, got {shorten(given[~mask])}")
            sums = given.sum(dim=-1)
            if not torch.allclose(sums, torch.ones(3), atol=1e-5):
                raise CheckFailed(f"every row with a real position must sum to 1, the rows sum to {shorten(sums)}")
        expect_close(given, masked_softmax(scores, mask), "the weights for lengths (3, 5, 1)")
        empty = torch.tensor([[True, True, False], [False, False, False]])  # second row: padding only
        scores = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
        given = fn(scores.clone(), empty)
        expect_finite(
            given, "the weights of a batch with an all-padding row", "A row with no real position must give zeros."
        )
        expect_close(given, masked_softmax(scores, empty), "the weights of a batch with an all-padding row")
        half = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float16)
        given = fn(half, torch.tensor([[True, True, False]]))
        expect_close(given, masked_softmax(half, torch.tensor([[True, True, False]])), "float16 weights", atol=1e-3)
        return "0 on padding, rows sum to 1, an all-padding row gives zeros, and it works in float16."

    return run_check("Exercise 3.2", check, my_masked_softmax)
