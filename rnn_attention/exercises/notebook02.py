"""Checks of notebook 02 (alignment scores): the additive score, batched, and the score matrix of every step."""

from __future__ import annotations

import torch

from ..attention import AdditiveAttention
from .core import CheckResult, expect_close, run_check

__all__ = ["check_additive_score", "check_score_matrix"]


def _additive_case(batch: int, length: int, query_size: int = 3, key_size: int = 4, attn_size: int = 6, seed: int = 0):
    """A seeded AdditiveAttention with a query (B, Dq) and keys (B, S, Dk) to test against."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        attention = AdditiveAttention(query_size, key_size, attn_size)
        query = torch.randn(batch, query_size)  # (B, Dq)
        keys = torch.randn(batch, length, key_size)  # (B, S, Dk)
    return attention, query, keys


def check_additive_score(additive_score) -> CheckResult:
    """Exercise 2.1: e_ij = v_a^T tanh(W_a s + U_a h_j), batched, against AdditiveAttention.score."""

    def check(fn):
        for batch, length in ((1, 3), (2, 5), (3, 17)):
            attention, query, keys = _additive_case(batch, length, seed=batch)
            with torch.no_grad():
                expected = attention.score(query, keys)  # (B, S)
                given = fn(query, keys, attention.W_a.weight, attention.U_a.weight, attention.v_a.weight.squeeze(0))
            expect_close(given, expected, f"scores for B={batch}, T_x={length}")
        return "one score per position, (B, T_x), for T_x = 3, 5 and 17, equal to AdditiveAttention.score."

    return run_check("Exercise 2.1", check, additive_score)


def check_score_matrix(score_matrix) -> CheckResult:
    """Exercise 2.2: the (B, T, S) scores of every decoder step from keys projected once."""

    def check(fn):
        for batch, steps, length in ((1, 2, 3), (2, 4, 7), (2, 6, 1)):
            attention, _, keys = _additive_case(batch, length, seed=10 + length)
            dec_states = torch.randn(batch, steps, attention.query_size, generator=torch.Generator().manual_seed(steps))
            with torch.no_grad():
                projected_keys = attention.project_keys(keys)  # (B, S, A)
                expected = torch.stack(
                    [attention.score(dec_states[:, i], keys, projected_keys) for i in range(steps)], dim=1
                )  # (B, T, S)
                given = fn(dec_states, projected_keys, attention.W_a.weight, attention.v_a.weight.squeeze(0))
            expect_close(given, expected, f"score matrix for B={batch}, T_y={steps}, T_x={length}")
        return "a (B, T_y, T_x) score matrix, the same as one decoder step at a time."

    return run_check("Exercise 2.2", check, score_matrix)
