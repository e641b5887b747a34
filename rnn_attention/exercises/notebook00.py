"""Checks of notebook 00 (the question): a weighted sum for any length, and a parameter count with no T_x in it."""

from __future__ import annotations

import torch

from ..attention import AdditiveAttention
from ..models import count_parameters
from .core import CheckFailed, CheckResult, expect_close, expect_shape, name_the_mistake, run_check

__all__ = ["check_weighted_sum", "check_score_param_count"]


def check_weighted_sum(weighted_sum) -> CheckResult:
    """Exercise 0.1: c = sum_j alpha_j h_j for inputs of several lengths."""

    def check(fn):
        generator = torch.Generator().manual_seed(0)
        for length in (1, 3, 7, 20):
            keys = torch.randn(length, 4, generator=generator, dtype=torch.float64)  # (S, D)
            alpha = torch.softmax(torch.randn(length, generator=generator, dtype=torch.float64), dim=0)  # (S,)
            given = fn(alpha.clone(), keys.clone())
            what = f"c for T_x={length}"
            if isinstance(given, torch.Tensor) and tuple(given.shape) == (length,) and length != 4:
                raise CheckFailed(
                    f"{what} has one number per position ({length}); sum over the positions j (dim 0), "
                    "so that c has the 4 features of one h_j"
                )
            expect_shape(
                given,
                (4,),
                what,
                {
                    (1, 4): "c is one vector of the 4 features, shape (4,): drop the extra axis",
                    (length, 4): "those are the terms alpha_j h_j, one row per position: add them up over j (dim 0)",
                },
            )
            name_the_mistake(
                given,
                alpha @ keys,
                {
                    "c is the plain sum of the h_j: each h_j must be multiplied by its weight alpha_j first": keys.sum(
                        dim=0
                    ),
                    "c is the plain average of the h_j (weights 1/T_x): use the given weights alpha_j": keys.mean(
                        dim=0
                    ),
                    "c was divided by T_x: the weights already sum to one, so sum_j alpha_j h_j needs no division": alpha
                    @ keys
                    / length,
                },
            )
            expect_close(given, alpha @ keys, what)
        return "c has the size of one h_j (4) for T_x = 1, 3, 7 and 20."

    return run_check("Exercise 0.1", check, weighted_sum)


def check_score_param_count(count_params) -> CheckResult:
    """Exercise 0.2: the additive score's parameter count from its sizes."""

    def check(fn):
        for sizes in ((2, 3, 4), (16, 32, 8), (256, 512, 128)):
            q, k, a = sizes
            expected = count_parameters(AdditiveAttention(*sizes))
            given = fn(*sizes)
            name_the_mistake(
                given,
                expected,
                {
                    "v_a is missing: it is a 1 x A matrix, A more numbers": a * (q + k),
                    "v_a has shape 1 x A: it holds A numbers, not 1": a * (q + k) + 1,
                    "W_a, U_a and v_a have no bias (nn.Linear(..., bias=False)): count only their entries": a * (q + k)
                    + 3 * a
                    + 1,
                    "a matrix of shape A x Dq holds A * Dq numbers: multiply the sizes of each matrix, then add": a
                    + q
                    + k,
                },
                atol=0,
            )
            if given != expected:
                raise CheckFailed(f"for (query_size, key_size, attn_size) = {sizes} expected {expected}, got {given}")
        return "A*Dq + A*Dk + A parameters, and no T_x anywhere."

    return run_check("Exercise 0.2", check, count_params)
