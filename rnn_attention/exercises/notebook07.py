"""Checks of notebook 07 (reading the alignments): the hard alignment of each row, and each row's entropy."""

from __future__ import annotations

import torch

from ..evaluate import row_entropy
from .core import CheckFailed, CheckResult, expect_close, expect_shape, run_check

__all__ = ["check_hard_alignment", "check_row_entropy"]


def _alignment_examples():
    """Attention matrices (T, S) of several shapes, with exact zeros (padding) and one-hot rows."""
    generator = torch.Generator().manual_seed(7)
    examples = []
    for T, S in ((1, 1), (3, 4), (11, 9), (11, 25)):
        examples.append(torch.softmax(3.0 * torch.randn(T, S, generator=generator, dtype=torch.float64), dim=-1))
    padded = torch.softmax(torch.randn(4, 6, generator=generator, dtype=torch.float64), dim=-1)
    padded[:, 4:] = 0.0  # two padded positions: weight exactly 0
    padded = padded / padded.sum(dim=-1, keepdim=True)
    one_hot = torch.eye(5, dtype=torch.float64)[[2, 0, 4]]  # rows that put all weight on one position
    return examples + [padded, one_hot]


def check_hard_alignment(hard_alignment) -> CheckResult:
    """Exercise 7.1: for each target step i, the source position j with the largest alpha_ij."""

    def check(fn):
        for weights in _alignment_examples():
            given = fn(weights.clone())
            expected = weights.argmax(dim=-1)  # (T,)
            expect_shape(given, expected.shape, f"the alignment of a {tuple(weights.shape)} matrix")
            if given.tolist() != expected.tolist():
                raise CheckFailed(
                    f"for a {tuple(weights.shape)} matrix expected positions {expected.tolist()}, got {given.tolist()}"
                    " (one source position j per target step i: the largest weight of row i)"
                )
        return "one source position per target step, T_y numbers for a (T_y, T_x) matrix."

    return run_check("Exercise 7.1", check, hard_alignment)


def check_row_entropy(student_row_entropy) -> CheckResult:
    """Exercise 7.2: H_i = -sum_j alpha_ij log alpha_ij per row, with 0 log 0 = 0."""

    def check(fn):
        for weights in _alignment_examples():
            given = fn(weights.clone())
            expected = row_entropy(weights)  # (T,)
            if isinstance(given, torch.Tensor) and not torch.isfinite(given).all():
                raise CheckFailed(
                    f"for a {tuple(weights.shape)} matrix you returned {given.tolist()}: a weight of exactly 0 gives "
                    "0 * log 0 = nan; count it as 0 (torch.special.xlogy does, or mask the zeros)"
                )
            expect_close(given, expected, f"the entropies of a {tuple(weights.shape)} matrix", atol=1e-5)
        uniform = torch.full((1, 8), 1 / 8, dtype=torch.float64)
        expect_close(fn(uniform), torch.log(torch.tensor([8.0], dtype=torch.float64)), "the entropy of 8 equal weights")
        return "0 for a one-hot row, log T_x for a uniform one, and no nan for zero weights."

    return run_check("Exercise 7.2", check, student_row_entropy)
