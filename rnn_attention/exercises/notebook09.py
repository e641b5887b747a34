"""Checks of notebook 09 (other scores): Luong's general score, scaled dot products, self-attention weights."""

from __future__ import annotations

import math

import torch

from ..attention import GeneralAttention, scaled_dot_product_attention
from .core import (
    CheckFailed,
    CheckResult,
    Watch,
    call,
    expect_close,
    expect_shape,
    name_the_mistake,
    run_check,
    shorten,
)

__all__ = ["check_general_score", "check_scaled_dot_scores", "check_self_attention_weights"]


_LINE_UP = "s is (B, Dq), W is (Dq, Dk), h_j is (Dk,): W h_j for every j is keys @ W.T, (B, S, Dq), then a dot with s"
_SHAPES = {"cannot be multiplied": _LINE_UP, "must match the size": _LINE_UP, "Expected size": _LINE_UP}


def check_general_score(general_score) -> CheckResult:
    """Exercise 9.1 (section 2): Luong's general score e_j = s^T W_a h_j for every j."""

    def check(fn):
        generator = torch.Generator().manual_seed(92)
        refused = {
            f"rnn_attention.attention:GeneralAttention.{method}": (
                "this exercise asks you to compute s^T W h_j yourself, not with GeneralAttention"
            )
            for method in ("score", "forward", "project_keys")
        }
        # a pencil case first: s = (1, 2), W_a = diag(1, 2), h = (1,0), (0,1), (1,1) -> e = (1, 4, 5)
        query = torch.tensor([[1.0, 2.0]])  # (B=1, Dq=2)
        keys = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])  # (B=1, S=3, Dk=2)
        W = torch.tensor([[1.0, 0.0], [0.0, 2.0]])  # (Dq, Dk)
        cases = [("the pencil example", query, keys, W)]
        # then a square W that is not symmetric (W and W^T differ), and sizes that differ (Dq != Dk)
        for B, S, Dq, Dk in ((2, 4, 3, 3), (2, 5, 3, 4), (3, 9, 8, 6)):
            cases.append(
                (
                    f"B={B}, S={S}, Dq={Dq}, Dk={Dk}",
                    torch.randn(B, Dq, generator=generator),  # (B, Dq)
                    torch.randn(B, S, Dk, generator=generator),  # (B, S, Dk)
                    torch.randn(Dq, Dk, generator=generator),  # (Dq, Dk)
                )
            )

        def one_case(name, query, keys, W):
            B, S, Dk = keys.shape
            attention = GeneralAttention(W.shape[0], Dk)
            with torch.no_grad():
                attention.W_a.weight.copy_(W)  # W_a(h) = W h
                expected = attention.score(query, keys)  # (B, S)
            watch = Watch(refused_code=refused)
            given = watch.done(call(fn, watch.wrap(query), watch.wrap(keys), watch.wrap(W), hints=_SHAPES))
            what = f"scores of {name}"
            expect_shape(
                given,
                (B, S),
                what,
                {
                    (B, 1, S): "squeeze the length-1 axis: one score per position, (B, S)",
                    (B, S, 1): "squeeze the length-1 axis: one score per position, (B, S)",
                },
            )
            name_the_mistake(
                given,
                expected,
                {
                    "that is s^T W^T h_j: W is (Dq, Dk), so W h_j (keys @ W.T) has the size of s, then the dot with s": lambda: (
                        torch.einsum("bq,kq,bsk->bs", query, W, keys)
                    ),
                    "that is the dot score s^T h_j: the general score puts W between them, s^T W h_j": lambda: (
                        torch.einsum("bq,bsq->bs", query, keys)
                    ),
                },
                atol=1e-4,
            )
            expect_close(given, expected, what, atol=1e-4)

        for name, query, keys, W in cases:
            one_case(name, query, keys, W)
        return "e_j = s^T W_a h_j, (B, S), also when s and h_j differ in size."

    return run_check("Exercise 9.1", check, general_score)


def check_scaled_dot_scores(scaled_dot_scores) -> CheckResult:
    """Exercise 9.2 (section 5): e_ij = q_i . k_j / sqrt(d) for every query i and key j, batched."""

    def check(fn):
        generator = torch.Generator().manual_seed(9)

        def one_case(B, T, S, D):
            query = torch.randn(B, T, D, generator=generator, dtype=torch.float64)  # (B, T, D)
            keys = torch.randn(B, S, D, generator=generator, dtype=torch.float64)  # (B, S, D)
            given = fn(query.clone(), keys.clone())
            dots = query @ keys.transpose(1, 2)  # (B, T, S)
            expected = dots / math.sqrt(D)
            what = f"scores for B={B}, T={T}, S={S}, d={D}"
            expect_shape(
                given,
                (B, T, S),
                what,
                {
                    (B, S, T): "rows are the queries i, columns the keys j: query @ keys.transpose(1, 2), (B, T, S)",
                    (B, T, T): "each query meets each key: (B, T, S)",
                },
            )
            name_the_mistake(
                given,
                expected,
                {
                    f"for d={D} these are q . k without the division by sqrt(d) = {math.sqrt(D):g}": dots,
                    f"divided by d = {D}; the scaled score divides by sqrt(d) = {math.sqrt(D):g}": dots / D,
                    "d is the size of q_i and k_j (the last axis), not the number of keys S": dots / math.sqrt(S),
                    "d is the size of q_i and k_j (the last axis), not the number of queries T": dots / math.sqrt(T),
                    "the matrix is transposed: row i holds query i's scores over the keys j": lambda: (
                        expected.transpose(1, 2)
                    ),
                },
                atol=1e-6,
            )
            expect_close(given, expected, what)

        for B, T, S, D in ((2, 3, 5, 16), (1, 1, 3, 4), (3, 4, 7, 64), (2, 5, 5, 9)):
            one_case(B, T, S, D)
        return "(B, T, S) scores q_i . k_j / sqrt(d) for d = 4, 9, 16 and 64."

    return run_check("Exercise 9.2", check, scaled_dot_scores)


def check_self_attention_weights(self_attention_weights) -> CheckResult:
    """Exercise 9.3 (section 7): alpha = softmax(Q K^T / sqrt(d)) with Q = X W_q, K = X W_k: (B, T, T)."""

    def check(fn):
        generator = torch.Generator().manual_seed(93)

        def one_case(B, T, E, D):
            X = torch.randn(B, T, E, generator=generator, dtype=torch.float64)  # (B, T, E)
            W_q = torch.randn(E, D, generator=generator, dtype=torch.float64)  # (E, D)
            W_k = torch.randn(E, D, generator=generator, dtype=torch.float64)  # (E, D)
            watch = Watch(
                refused_code={
                    "rnn_attention.attention:scaled_dot_product_attention": (
                        "this exercise asks you to compute softmax(Q K^T / sqrt(d)) yourself, not with the package's "
                        "scaled_dot_product_attention"
                    )
                }
            )
            given = watch.done(fn(watch.wrap(X), watch.wrap(W_q), watch.wrap(W_k)))
            expect_shape(given, (B, T, T), f"weights for B={B}, T={T}")
            Q, K = X @ W_q, X @ W_k
            scores = Q @ K.transpose(1, 2)  # (B, T, T), unscaled
            _, expected = scaled_dot_product_attention(Q, K, X)  # (B, T, T)
            name_the_mistake(
                given,
                expected,
                {
                    f"the scores were not divided by sqrt(d) = {math.sqrt(D):g} before the softmax": torch.softmax(
                        scores, dim=-1
                    ),
                    f"d is the size of a query and a key (W_q has d = {D} columns), not the input size E = {E}": torch.softmax(
                        scores / math.sqrt(E), dim=-1
                    ),
                    "the scores use the projections Q = X W_q and K = X W_k, not the inputs X themselves": torch.softmax(
                        X @ X.transpose(1, 2) / math.sqrt(D), dim=-1
                    ),
                    "the matrix is transposed: row t holds the weights of query position t over the keys u (rows sum to 1)": lambda: (
                        expected.transpose(1, 2)
                    ),
                },
            )
            sums = given.double().sum(dim=-1)
            if not torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
                raise CheckFailed(
                    f"each row (one query position i) must sum to 1 over the T key positions, "
                    f"got row sums {shorten(sums)}; "
                    "softmax over the last dimension"
                )
            expect_close(given, expected, f"weights for B={B}, T={T}, d={D}")

        for B, T, E, D in ((1, 3, 4, 2), (2, 6, 8, 4)):
            one_case(B, T, E, D)
        return "(B, T, T) weights, every position querying every other, rows sum to 1."

    return run_check("Exercise 9.3", check, self_attention_weights)
