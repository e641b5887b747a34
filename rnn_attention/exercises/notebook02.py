"""Checks of notebook 02 (alignment scores): the additive score, batched, and the score matrix of every step."""

from __future__ import annotations

import torch

from ..attention import AdditiveAttention
from .core import CheckFailed, CheckResult, Watch, call, expect_close, expect_shape, name_the_mistake, run_check

__all__ = ["check_additive_score", "check_score_matrix"]

_MODULE = "AdditiveAttention.score, .forward or .project_keys"
_REFUSED = {
    f"rnn_attention.attention:AdditiveAttention.{method}": (
        f"this exercise asks you to compute the scores from W_a, U_a and v_a yourself, not with {_MODULE}"
    )
    for method in ("score", "forward", "project_keys")
}
_BROADCAST = (
    "W_a s_{i-1} has shape (B, A) and U_a h_j (B, S, A): give the first a length axis of size 1, (B, 1, A), "
    "so that it is added to every position of its own sentence"
)


def _additive_case(batch: int, length: int, query_size: int = 3, key_size: int = 4, attn_size: int = 6, seed: int = 0):
    """A seeded AdditiveAttention with a query (B, Dq) and keys (B, S, Dk) to test against."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        attention = AdditiveAttention(query_size, key_size, attn_size)
        query = torch.randn(batch, query_size)  # (B, Dq)
        keys = torch.randn(batch, length, key_size)  # (B, S, Dk)
    return attention, query, keys


def check_additive_score(additive_score) -> CheckResult:
    """Exercise 2.1: e_ij = v_a^T tanh(W_a s + U_a h_j), batched, against AdditiveAttention.score; no loop over j."""

    def check(fn):
        # B == S once: a W_a s_{i-1} without its length axis then broadcasts silently, along the wrong axis
        def one_case(batch, length):
            attention, query, keys = _additive_case(batch, length, seed=batch)
            W, U, v = attention.W_a.weight.detach(), attention.U_a.weight.detach(), attention.v_a.weight.detach()[0]
            budget = 100
            watch = Watch(
                refused_code=_REFUSED,
                budget=budget,
                budget_message=(
                    f"for T_x = {length} your code ran more than {budget} tensor operations: a loop over the positions "
                    "j? The exercise asks for all positions at once: U_a applied to keys (B, S, Dk) gives every "
                    "U_a h_j, and broadcasting adds W_a s_{i-1} to each"
                ),
            )
            with torch.no_grad():
                expected = attention.score(query, keys)  # (B, S)
                hints = {"must match the size": _BROADCAST}
                given = call(fn, watch.wrap(query), watch.wrap(keys), W, U, v, hints=hints)
            given = watch.done(given)
            what = f"scores for B={batch}, T_x={length}"
            expect_shape(given, expected.shape, what)
            projected_query, projected_keys = query @ W.T, keys @ U.T  # (B, A), (B, S, A)
            name_the_mistake(
                given,
                expected,
                {
                    "tanh was applied to each term separately; e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j): add the two "
                    "terms first, then one tanh": (
                        torch.tanh(projected_query).unsqueeze(1) + torch.tanh(projected_keys)
                    )
                    @ v,
                    "the tanh is missing: e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j)": (
                        projected_query.unsqueeze(1) + projected_keys
                    )
                    @ v,
                    "v_a^T comes after the tanh: e_ij = v_a^T tanh(...), not tanh(v_a^T (...))": torch.tanh(
                        (projected_query.unsqueeze(1) + projected_keys) @ v
                    ),
                    _BROADCAST: lambda: torch.tanh(projected_query + projected_keys) @ v,
                },
            )
            expect_close(given, expected, what)

        for batch, length in ((1, 3), (4, 4), (2, 5), (3, 17), (2, 300)):
            one_case(batch, length)
        return "one score per position, (B, T_x), for T_x = 3 to 300 without a loop, equal to AdditiveAttention.score."

    return run_check("Exercise 2.1", check, additive_score)


def check_score_matrix(score_matrix) -> CheckResult:
    """Exercise 2.2: the (B, T, S) scores of every decoder step from keys projected once."""

    def check(fn):
        def one_case(batch, steps, length):
            attention, _, keys = _additive_case(batch, length, seed=10 + length)
            dec_states = torch.randn(batch, steps, attention.query_size, generator=torch.Generator().manual_seed(steps))
            W, v = attention.W_a.weight.detach(), attention.v_a.weight.detach()[0]
            watch = Watch(refused_code=_REFUSED)
            with torch.no_grad():
                projected_keys = attention.project_keys(keys)  # (B, S, A)
                expected = torch.stack(
                    [attention.score(dec_states[:, i], keys, projected_keys) for i in range(steps)], dim=1
                )  # (B, T, S)
                given = watch.done(
                    call(
                        fn,
                        watch.wrap(dec_states),
                        watch.wrap(projected_keys),
                        W,
                        v,
                        hints={
                            "must match the size": "W_a s_i for all i is (B, T, A) and U_a h_j is (B, S, A): give the first "
                            "an axis for j, (B, T, 1, A), and the keys one for i, (B, 1, S, A)"
                        },
                    )
                )
                projected_queries = dec_states @ W.T  # (B, T, A)
            what = f"score matrix for B={batch}, T_y={steps}, T_x={length}"
            if isinstance(given, torch.Tensor) and tuple(given.shape) == (batch, length, steps) and steps != length:
                raise CheckFailed(f"{what} has shape (B, S, T); rows are the decoder steps i: (B, T, S)")
            expect_shape(given, expected.shape, what)
            summed = projected_queries.unsqueeze(2) + projected_keys.unsqueeze(1)  # (B, T, S, A)
            name_the_mistake(
                given,
                expected,
                {
                    "the matrix is transposed: row i holds the scores of decoder step i over the positions j, (B, T, S)": lambda: (
                        expected.transpose(1, 2)
                    ),
                    "every row was scored with the first decoder state; step i has its own s_i, dec_states[:, i]": lambda: (
                        expected[:, :1].expand_as(expected)
                    ),
                    "tanh was applied to each term separately; add W_a s_i and U_a h_j first, then one tanh": (
                        torch.tanh(projected_queries).unsqueeze(2) + torch.tanh(projected_keys).unsqueeze(1)
                    )
                    @ v,
                    "v_a^T comes after the tanh: e_ij = v_a^T tanh(W_a s_i + U_a h_j)": torch.tanh(summed @ v),
                },
            )
            expect_close(given, expected, what)

        for batch, steps, length in ((1, 2, 3), (2, 4, 7), (2, 6, 1), (2, 5, 5)):
            one_case(batch, steps, length)
        return "a (B, T_y, T_x) score matrix, the same as one decoder step at a time."

    return run_check("Exercise 2.2", check, score_matrix)
