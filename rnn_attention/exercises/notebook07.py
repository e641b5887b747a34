"""Checks of notebook 07 (reading the alignments): the hard alignment of each row, and each row's entropy."""

from __future__ import annotations

import math

import torch

from ..evaluate import row_entropy
from .core import CheckFailed, CheckResult, Watch, expect_close, expect_shape, name_the_mistake, run_check

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
            T, S = weights.shape
            what = f"the alignment of a {tuple(weights.shape)} matrix"
            expect_shape(
                given,
                expected.shape,
                what,
                {
                    (S,): "one position per *column*: the source positions j run along the last axis, so take the "
                    "argmax over dim=-1 (one per target step i)",
                },
            )
            if given.dtype.is_floating_point:
                if torch.allclose(given.double(), weights.max(dim=-1).values):
                    raise CheckFailed(f"{what}: those are the largest weights; return their positions (argmax)")
                raise CheckFailed(f"{what}: positions are integers, got dtype {given.dtype}")
            name_the_mistake(
                given,
                expected,
                {
                    "positions count from 0 (the first source character is position 0): no + 1": expected + 1,
                    "that is the smallest weight of each row (argmin); the hard alignment is the largest, argmax": weights.argmin(
                        dim=-1
                    ),
                },
                atol=0,
            )
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
        examples = _alignment_examples() + [torch.full((1, 8), 1 / 8, dtype=torch.float64)]

        def one_case(weights):
            watch = Watch(
                refused_code={
                    "rnn_attention.evaluate:row_entropy": (
                        "this exercise asks you to write the entropy yourself, not to call the package's row_entropy"
                    )
                }
            )
            given = watch.done(fn(watch.wrap(weights)))
            expected = row_entropy(weights)  # (T,)
            T, S = weights.shape
            what = f"the entropies of a {tuple(weights.shape)} matrix"
            expect_shape(
                given,
                expected.shape,
                what,
                {
                    (S,): "one entropy per column; H_i sums over the source positions j of row i (dim=-1)",
                    (): "one number for the whole matrix; return one entropy per row (sum over dim=-1 only)",
                },
            )
            if not torch.isfinite(given).all():
                raise CheckFailed(
                    f"for a {tuple(weights.shape)} matrix you returned {given.tolist()}: a weight of exactly 0 gives "
                    "0 * log 0 = nan; count it as 0 (torch.special.xlogy does, or mask the zeros)"
                )
            terms = -torch.special.xlogy(weights, weights)  # (T, S)
            name_the_mistake(
                given,
                expected,
                {
                    "the entropies are negative: H_i = -sum_j alpha_ij log alpha_ij, keep the minus sign": -expected,
                    "the entropy is in bits (log2); the course uses the natural log, nats (log 8 = 2.079 for 8 equal "
                    "weights)": expected / math.log(2),
                    "that is a mean over j; H_i is the sum over j of -alpha_ij log alpha_ij": terms.mean(dim=-1),
                    "H_i is not normalised by log T_x: a uniform row has H = log T_x": lambda: (
                        expected / math.log(S) if S > 1 else None
                    ),
                },
            )
            expect_close(given, expected, what, atol=1e-5)

        for weights in examples:
            one_case(weights)
        return "0 for a one-hot row, log T_x for a uniform one, and no nan for zero weights."

    return run_check("Exercise 7.2", check, student_row_entropy)
