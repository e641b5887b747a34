"""Checks of notebook 04 (the context vector): c_i for a batch, its gradients, and the bounds it stays within."""

from __future__ import annotations

import torch

from ..attention import attend
from ..masking import lengths_to_mask
from .core import CheckFailed, CheckResult, expect_close, run_check

__all__ = ["check_context_vector", "check_state_gradients", "check_feature_bounds"]


def check_context_vector(context_vector) -> CheckResult:
    """Exercise 4.1: c_i = sum_j alpha_ij h_j for a batch, (B, S), (B, S, H) -> (B, H)."""

    def check(fn):
        generator = torch.Generator().manual_seed(4)
        for B, S, H in ((1, 1, 3), (2, 5, 4), (3, 9, 2)):
            keys = torch.randn(B, S, H, generator=generator, dtype=torch.float64)  # (B, S, H)
            scores = torch.randn(B, S, generator=generator, dtype=torch.float64)  # (B, S)
            lengths = torch.randint(1, S + 1, (B,), generator=generator)
            lengths[0] = S
            mask = lengths_to_mask(lengths, S)  # (B, S)
            expected, attn_weights = attend(scores, keys, mask)  # (B, H), (B, S)
            given = fn(attn_weights, keys)
            expect_close(given, expected, f"the context for B={B}, S={S}, H={H}")
        return "one c_i of size H per sentence, for S = 1, 5 and 9, padding included."

    return run_check("Exercise 4.1", check, context_vector)


def check_state_gradients(state_gradients) -> CheckResult:
    """Exercise 4.2: dL/dh_j = alpha_j dL/dc for c = sum_j alpha_j h_j, (S,), (H,) -> (S, H)."""

    def check(fn):
        generator = torch.Generator().manual_seed(42)
        for S, H in ((3, 2), (6, 4), (1, 5)):
            attn_weights = torch.softmax(torch.randn(S, generator=generator, dtype=torch.float64), dim=0)  # (S,)
            grad_context = torch.randn(H, generator=generator, dtype=torch.float64)  # (H,) = dL/dc
            enc_outputs = torch.randn(S, H, generator=generator, dtype=torch.float64, requires_grad=True)
            context = attn_weights @ enc_outputs  # (H,)
            (context * grad_context).sum().backward()  # a loss L whose gradient w.r.t. c is grad_context
            given = fn(attn_weights, grad_context)
            expect_close(given, enc_outputs.grad, f"dL/dh_j for S={S}, H={H}")
        return "each h_j gets alpha_j times the gradient of c, exactly what autograd computes."

    return run_check("Exercise 4.2", check, state_gradients)


def check_feature_bounds(feature_bounds) -> CheckResult:
    """Exercise 4.3: per-feature (low, high) of the h_j, (S, H) -> (H,), (H,), and c inside them."""

    def check(fn):
        generator = torch.Generator().manual_seed(7)
        for S, H in ((1, 3), (4, 2), (10, 5)):
            enc_outputs = torch.randn(S, H, generator=generator, dtype=torch.float64)  # (S, H)
            given = fn(enc_outputs)
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed(f"return two tensors (low, high), got {type(given).__name__}")
            low, high = given
            expect_close(low, enc_outputs.min(dim=0).values, f"low for S={S}, H={H}")
            expect_close(high, enc_outputs.max(dim=0).values, f"high for S={S}, H={H}")
            alphas = torch.softmax(3 * torch.randn(200, S, generator=generator, dtype=torch.float64), dim=1)
            contexts = alphas @ enc_outputs  # (200, H): 200 random convex combinations
            if not ((contexts >= low - 1e-12) & (contexts <= high + 1e-12)).all():
                raise CheckFailed("some context vector lies outside your bounds")
        return "every feature of c lies between the smallest and largest value of that feature over the h_j."

    return run_check("Exercise 4.3", check, feature_bounds)
