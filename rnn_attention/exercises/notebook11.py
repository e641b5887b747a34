"""Checks of notebook 11 (what it takes to extrapolate): the shift-and-sharpen step, reading an extrapolation table.

Each check compares the student's function with the package's reference on
small inputs, and recognises the plausible wrong answers by what they return,
so the message can name the mistake.
"""

from __future__ import annotations

import torch

from ..models.kinds import sharpen_weights, shift_weights
from .core import CheckFailed, CheckResult, expect_close, run_check, shorten

__all__ = ["check_shift_and_sharpen", "check_extrapolates_to"]


def _reference_step(prev, moves, gamma, mask):
    """alpha_i = sharpen(shift(alpha_{i-1}, w_i), gamma_i), renormalised over the real positions."""
    return sharpen_weights(shift_weights(prev, moves), gamma, mask)


def _rolled(prev, moves, gamma, mask):
    """The same step with wrap-around: weight moved past one end comes back at the other."""
    shifted = moves[:, 2:3] * prev.roll(1, dims=1) + moves[:, 1:2] * prev + moves[:, 0:1] * prev.roll(-1, dims=1)
    return sharpen_weights(shifted, gamma, mask)


def check_shift_and_sharpen(shift_and_sharpen) -> CheckResult:
    """Exercise 11.1: one step of relative-shift attention, for sources of any length."""

    def cases():
        generator = torch.Generator().manual_seed(11)
        for S in (6, 40, 1):
            prev = torch.softmax(torch.randn(3, S, generator=generator) * 2, dim=-1)  # (B, S)
            if S > 1:
                prev[0] = 0.0
                prev[0, -1] = 1.0  # all the weight at the end: a move of +1 pushes it off
            moves = torch.softmax(torch.randn(3, 3, generator=generator) * 2, dim=-1)  # (B, 3)
            moves[0] = torch.tensor([0.1, 0.2, 0.7])
            gamma = 1.0 + torch.rand(3, generator=generator) * 2  # (B,) in [1, 3]
            mask = torch.ones(3, S, dtype=torch.bool)
            mask[2] = torch.arange(S) < max(1, S - 2)  # the last sentence is shorter: padding at its end
            prev[2] = prev[2] * mask[2]
            prev[2] = prev[2] / prev[2].sum()
            yield S, prev, moves, gamma, mask

    def diagnose(given, prev, moves, gamma, mask, S):
        if not isinstance(given, torch.Tensor):
            raise CheckFailed(
                f"return a torch.Tensor of shape (B, S) = {tuple(prev.shape)}, got {type(given).__name__}"
            )
        if tuple(given.shape) != tuple(prev.shape):
            raise CheckFailed(f"for S = {S} alpha_i should have shape {tuple(prev.shape)}, got {tuple(given.shape)}")
        if (given[~mask].abs() > 1e-6).any():
            raise CheckFailed("your weights put something on padding (mask False): zero it before renormalising")
        sums = given.sum(dim=-1)
        if not torch.allclose(sums, torch.ones_like(sums), atol=1e-4):
            raise CheckFailed(
                f"the rows sum to {shorten(sums)}, not 1: weight moved off an end is lost and the power changes "
                "the total, so renormalise: divide by the row's sum over the real positions"
            )
        if torch.allclose(given, _rolled(prev, moves, gamma, mask), atol=1e-5):
            raise CheckFailed(
                "your shift wraps around (weight pushed past the last position comes back at the first, as "
                "torch.roll does): the shift pads with zeros, so that weight is lost"
            )
        if torch.allclose(given, _reference_step(prev, moves.flip(1), gamma, mask), atol=1e-5):
            raise CheckFailed(
                "your shift goes the wrong way: moves[:, 2] is the move +1, which carries w_{j-1} to position j "
                "(the attention moves right, to the next symbol)"
            )
        sharpened_first = sharpen_weights(shift_weights(sharpen_weights(prev, gamma, mask), moves), torch.ones(3), mask)
        if torch.allclose(given, sharpened_first, atol=1e-5):
            raise CheckFailed("you sharpened before shifting: shift alpha_{i-1} first, then sharpen the result")
        if torch.allclose(given, sharpen_weights(shift_weights(prev, moves), torch.ones(3), mask), atol=1e-5):
            raise CheckFailed(
                "your weights are not sharpened: raise each shifted weight to the power gamma_i (w_j ** gamma), "
                "then renormalise (multiplying by gamma changes nothing after the renormalisation)"
            )
        if torch.allclose(given, sharpen_weights(shift_weights(prev, moves), 1 / gamma, mask), atol=1e-5):
            raise CheckFailed("you raised the weights to the power 1 / gamma: the exponent is gamma_i itself")

    def check(fn):
        for S, prev, moves, gamma, mask in cases():
            expected = _reference_step(prev, moves, gamma, mask)
            given = fn(prev.clone(), moves.clone(), gamma.clone(), mask.clone())
            if isinstance(given, torch.Tensor) and given.shape == expected.shape:
                if torch.allclose(given, expected, atol=1e-5):
                    continue
            diagnose(given, prev, moves, gamma, mask, S)
            expect_close(given, expected, f"alpha_i for S = {S}")
        return (
            "alpha_i = sharpen(shift(alpha_{i-1}, w_i), gamma_i) with zero padding and renormalisation, "
            "for S = 6, 40 and 1, padding kept at 0."
        )

    return run_check("Exercise 11.1", check, shift_and_sharpen)


# Exercise 11.2: tables {test length: [exact match of each seed]}, and what the reading must give
_TABLES = [
    # the mean over seeds passes at 60, the minimum does not
    ({20: [1.0, 1.0], 30: [1.0, 0.99], 60: [1.0, 0.92], 100: [0.2, 0.1]}, 0.95, 30),
    # 100 passes again after a failure at 60: the range ends at the first failure
    ({20: [1.0, 1.0], 30: [0.97, 0.96], 60: [0.90, 0.94], 100: [0.97, 0.99]}, 0.95, 30),
    # exactly the threshold counts as reaching it
    ({20: [0.95, 1.0], 30: [0.95, 0.96], 60: [0.5, 0.4]}, 0.95, 30),
    # nothing passes, not even the training length
    ({20: [0.8, 0.9], 30: [0.1, 0.0]}, 0.95, None),
    # everything passes; the lengths are not in order
    ({200: [1.0, 1.0], 20: [1.0, 1.0], 60: [0.99, 1.0]}, 0.95, 200),
    # the best seed passes at 30, the mean and the minimum do not
    ({20: [1.0, 1.0], 30: [1.0, 0.6], 60: [0.1, 0.0]}, 0.95, 20),
    # another threshold
    ({20: [0.9, 0.85], 30: [0.6, 0.7], 60: [0.1, 0.0]}, 0.8, 20),
]


def _reading(table, threshold, per_length, passes, stop_at_failure=True, count=False):
    """The longest length (or the count of lengths) up to which per_length(seeds) passes, read one way."""
    best, n = None, 0
    for length in sorted(table):
        if not passes(per_length(table[length]), threshold):
            if stop_at_failure:
                break
            continue
        best, n = length, n + 1
    return (n or None) if count else best


def _mean(values):
    return sum(values) / len(values)


# the plausible wrong readings of an extrapolation table, and what each one gets wrong
_WRONG_READINGS = [
    (
        lambda t, x: _reading(t, x, _mean, float.__ge__),
        "you read the mean over seeds; a length counts only if *every* seed reaches the threshold (the minimum), "
        "or a seed that fails is hidden by the average",
    ),
    (
        lambda t, x: _reading(t, x, max, float.__ge__),
        "you read the best seed; every seed must reach the threshold (the minimum)",
    ),
    (
        lambda t, x: _reading(t, x, min, float.__ge__, stop_at_failure=False),
        "a length that passes after one that fails does not count: the model is reliable *up to* the first "
        "failing length, so stop there",
    ),
    (
        lambda t, x: _reading(t, x, min, float.__gt__),
        "a seed exactly at the threshold reaches it: use >=, not >",
    ),
    (
        lambda t, x: _reading(t, x, min, float.__ge__, count=True),
        "you counted the lengths; return the longest length itself",
    ),
]


def check_extrapolates_to(extrapolates_to) -> CheckResult:
    """Exercise 11.2: the longest test length up to which every seed reaches the threshold."""

    def check(fn):
        given = [fn({k: list(v) for k, v in table.items()}, threshold) for table, threshold, _ in _TABLES]
        expected = [answer for _, _, answer in _TABLES]
        if given == expected:
            return "the longest length up to which the worst seed reaches the threshold, for seven tables."
        first = next(i for i, (g, e) in enumerate(zip(given, expected)) if g != e)
        table, threshold, answer = _TABLES[first]
        shown = f"for the table {table} and threshold {threshold}, you gave {given[first]!r}, expected {answer!r}"
        for reading, mistake in _WRONG_READINGS:
            if given == [reading(t, float(x)) for t, x, _ in _TABLES]:
                raise CheckFailed(f"{shown}: {mistake}")
        raise CheckFailed(
            f"{shown} (the longest length L such that the minimum over seeds is >= the threshold at L "
            "and at every shorter test length; None if even the shortest fails)"
        )

    return run_check("Exercise 11.2", check, extrapolates_to)
