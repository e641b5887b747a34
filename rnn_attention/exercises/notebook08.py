"""Checks of notebook 08 (attention and long inputs): what a layer with max_len outputs gives, exact match by bucket."""

from __future__ import annotations

import torch

from ..models.kinds import LocationKind
from .core import CheckFailed, CheckResult, call, expect_close, expect_shape, name_the_mistake, run_check, shorten

__all__ = ["check_first_step_weights", "check_exact_match_by_bucket"]


class ScoresOnly(LocationKind):
    """The location module 8.1 hands the student: its layer W works, the module itself refuses to attend."""

    def forward(self, *args, **kwargs):
        raise CheckFailed(
            "8.1 asks what the layer W itself can give: compute alpha_1 from location.W(s_0), not by calling location"
        )


def check_first_step_weights(first_step_weights) -> CheckResult:
    """Exercise 8.1: the location model's alpha_1 for a source of T_x positions, from its L scores W s_0."""

    def check(fn):
        L, H, K = 10, 8, 16
        with torch.random.fork_rng():
            torch.manual_seed(8)
            location = LocationKind(H, K, L).eval()
            s_0 = torch.tanh(torch.randn(2, H))  # (B, H): two first decoder states
        student_location = ScoresOnly(H, K, L).eval()
        student_location.load_state_dict(location.state_dict())
        for T_x in (3, 1, L, 25):
            with torch.no_grad():
                _, expected = location(s_0, torch.zeros(2, T_x, K))  # (B, T_x): what the model does
                given = call(
                    fn,
                    student_location,
                    s_0.clone(),
                    T_x,
                    hints={
                        "": f"(for T_x = {T_x}, L = {L}) The model does not refuse a long source: positions without a "
                        "score get weight 0"
                    }
                    if T_x > L
                    else None,
                )
                scores = location.W(s_0)  # (B, L)
            what = f"alpha_1 for T_x = {T_x}, max_len L = {L}"
            expect_shape(
                given,
                (2, T_x),
                what,
                {
                    (2, L): f"one weight per position of this source, T_x = {T_x}, not one per output of W (L = {L})"
                    + (
                        "; the layer has no output for positions past L: decide what they get"
                        if T_x > L
                        else ": cut the scores to the sentence's positions"
                    ),
                    (2, min(T_x, L)): f"a source of {T_x} positions needs {T_x} weights; W scores only the first {L}: "
                    "what do the others get?",
                },
            )
            if T_x > L and (given[:, L:] != 0).any():
                raise CheckFailed(
                    f"{what}: positions past L got weight {shorten(given[:, L:])}. The layer W has exactly L outputs: "
                    "no row of W, no parameter at all, scores position L + 1 or later, so nothing can be computed "
                    "there; they get weight exactly 0, and the first L positions share all of it"
                )
            sums = given.double().sum(dim=-1)
            if not torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
                cut_after = torch.softmax(scores, dim=-1)[:, :T_x]
                if T_x < L and torch.allclose(given, cut_after, atol=1e-5):
                    raise CheckFailed(
                        f"{what}: the rows sum to {shorten(sums)}: the softmax ran over all L scores, then the weights "
                        "were cut. Cut the scores to the sentence's T_x positions first: positions the sentence does "
                        "not have must not take a share"
                    )
                raise CheckFailed(
                    f"{what}: each row must sum to 1 over the positions that have a score, got {shorten(sums)}"
                )
            expect_close(given, expected, what)
        return (
            "the L outputs of W serve only L positions: past max_len the weight is exactly 0, whatever the source "
            "says. Additive attention scores every h_j instead."
        )

    return run_check("Exercise 8.1", check, first_step_weights)


def _by_bucket(sources, targets, outputs, buckets, length=len, denominator=None, scale=1.0):
    """The reference and its usual variants: exact match per bucket, None for an empty one."""
    fractions = []
    for lo, hi in buckets:
        hits = [o == t for s, t, o in zip(sources, targets, outputs) if lo <= length(s) <= hi]
        total = len(hits) if denominator is None else denominator
        fractions.append(scale * sum(hits) / total if hits else None)
    return fractions


def check_exact_match_by_bucket(exact_match_by_bucket) -> CheckResult:
    """Exercise 8.2: exact match per source-length bucket, None for an empty bucket."""

    def check(fn):
        sources = ["dix", "onze", "vingt et un", "cent deux", "mille trois cent", "two hundred and five"]
        targets = ["10", "11", "21", "102", "1300", "205"]
        outputs = ["10", "12", "21", "102", "1300", "25"]
        cases = [
            ([(1, 5), (6, 11), (12, 20)], [0.5, 1.0, 0.5]),
            ([(1, 3), (4, 4), (5, 8), (9, 30)], [1.0, 0.0, None, 0.75]),
            ([(1, 100)], [4 / 6]),
        ]
        for buckets, expected in cases:
            given = fn(list(sources), list(targets), list(outputs), list(buckets))
            if not isinstance(given, (list, tuple)) or len(given) != len(expected):
                raise CheckFailed(f"for buckets {buckets} return a list of {len(expected)} values, got {given!r}")
            data = (sources, targets, outputs, buckets)
            name_the_mistake(
                list(given),
                expected,
                {
                    "a bucket holds no source: return None there, not 0 (0 would read as 'all wrong')": [
                        0.0 if e is None else e for e in expected
                    ],
                    "the source length counts characters, len(source), not words": _by_bucket(
                        *data, length=lambda text: len(text.split())
                    ),
                    "divide by the number of pairs in the bucket, not by all pairs": _by_bucket(
                        *data, denominator=len(sources)
                    ),
                    "fractions between 0 and 1, not percentages": _by_bucket(*data, scale=100.0),
                    "both ends of a bucket are included: lo <= len(source) <= hi": _by_bucket(
                        sources, targets, outputs, [(lo, hi - 1) for lo, hi in buckets]
                    ),
                },
                atol=1e-9,
            )
            for (lo, hi), g, e in zip(buckets, given, expected):
                if e is None and g is not None:
                    raise CheckFailed(f"bucket {lo}-{hi} holds no source: return None there, got {g!r}")
                if e is not None and (g is None or abs(float(g) - e) > 1e-9):
                    raise CheckFailed(f"bucket {lo}-{hi} (lengths inclusive): expected {e:.4f}, got {g!r}")
        return "the fraction of exact outputs per bucket, None where a bucket is empty."

    return run_check("Exercise 8.2", check, exact_match_by_bucket)
