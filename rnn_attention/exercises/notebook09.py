"""Checks of notebook 09 (other scores): Luong's general score, scaled dot products, self-attention weights."""

from __future__ import annotations

import math

import torch

from ..attention import GeneralAttention, scaled_dot_product_attention
from .core import CheckFailed, CheckResult, expect_close, expect_shape, run_check, shorten

__all__ = ["check_general_score", "check_scaled_dot_scores", "check_self_attention_weights"]


def check_general_score(general_score) -> CheckResult:
    """Exercise 9.1 (section 2): Luong's general score e_j = s^T W_a h_j for every j."""

    def check(fn):
        generator = torch.Generator().manual_seed(92)
        # a pencil case first: s = (1, 2), W_a = diag(1, 2), h = (1,0), (0,1), (1,1) -> e = (1, 4, 5)
        query = torch.tensor([[1.0, 2.0]])  # (B=1, Dq=2)
        keys = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])  # (B=1, S=3, Dk=2)
        W = torch.tensor([[1.0, 0.0], [0.0, 2.0]])  # (Dq, Dk)
        expect_close(fn(query, keys, W), torch.tensor([[1.0, 4.0, 5.0]]), "scores of the pencil example")
        for B, S, Dq, Dk in ((2, 5, 3, 4), (3, 9, 8, 6)):
            query = torch.randn(B, Dq, generator=generator)  # (B, Dq)
            keys = torch.randn(B, S, Dk, generator=generator)  # (B, S, Dk)
            W = torch.randn(Dq, Dk, generator=generator)  # (Dq, Dk)
            attention = GeneralAttention(Dq, Dk)
            with torch.no_grad():
                attention.W_a.weight.copy_(W)  # W_a(h) = W h
                expected = attention.score(query, keys)  # (B, S)
            expect_close(fn(query, keys, W), expected, f"scores for B={B}, S={S}, Dq={Dq}, Dk={Dk}", atol=1e-4)
        return "e_j = s^T W_a h_j, (B, S), also when s and h_j differ in size."

    return run_check("Exercise 9.1", check, general_score)


def check_scaled_dot_scores(scaled_dot_scores) -> CheckResult:
    """Exercise 9.2 (section 5): e_ij = q_i . k_j / sqrt(d) for every query i and key j, batched."""

    def check(fn):
        generator = torch.Generator().manual_seed(9)
        for B, T, S, D in ((1, 1, 3, 4), (2, 3, 5, 16), (3, 4, 7, 64)):
            query = torch.randn(B, T, D, generator=generator, dtype=torch.float64)  # (B, T, D)
            keys = torch.randn(B, S, D, generator=generator, dtype=torch.float64)  # (B, S, D)
            given = fn(query, keys)
            expected = query @ keys.transpose(1, 2) / math.sqrt(D)  # (B, T, S)
            if isinstance(given, torch.Tensor) and given.shape == expected.shape:
                unscaled = query @ keys.transpose(1, 2)
                if D > 1 and torch.allclose(given.double(), unscaled, atol=1e-6):
                    raise CheckFailed(f"for d={D} these are q . k without the division by sqrt(d) = {math.sqrt(D):g}")
            expect_close(given, expected, f"scores for B={B}, T={T}, S={S}, d={D}")
        return "(B, T, S) scores q_i . k_j / sqrt(d) for d = 4, 16 and 64."

    return run_check("Exercise 9.2", check, scaled_dot_scores)


def check_self_attention_weights(self_attention_weights) -> CheckResult:
    """Exercise 9.3 (section 7): alpha = softmax(Q K^T / sqrt(d)) with Q = X W_q, K = X W_k: (B, T, T)."""

    def check(fn):
        generator = torch.Generator().manual_seed(93)
        for B, T, E, D in ((1, 3, 4, 2), (2, 6, 8, 4)):
            X = torch.randn(B, T, E, generator=generator, dtype=torch.float64)  # (B, T, E)
            W_q = torch.randn(E, D, generator=generator, dtype=torch.float64)  # (E, D)
            W_k = torch.randn(E, D, generator=generator, dtype=torch.float64)  # (E, D)
            given = fn(X, W_q, W_k)
            expect_shape(given, (B, T, T), f"weights for B={B}, T={T}")
            sums = given.double().sum(dim=-1)
            if not torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
                raise CheckFailed(
                    f"each row (one query position i) must sum to 1 over the T key positions, "
                    f"got row sums {shorten(sums)}; "
                    "softmax over the last dimension"
                )
            _, expected = scaled_dot_product_attention(X @ W_q, X @ W_k, X)  # (B, T, T)
            expect_close(given, expected, f"weights for B={B}, T={T}, d={D}")
        return "(B, T, T) weights, every position querying every other, rows sum to 1."

    return run_check("Exercise 9.3", check, self_attention_weights)
