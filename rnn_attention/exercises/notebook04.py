"""Checks of notebook 04 (the context vector): c_i for a batch, its gradients, and the bounds it stays within."""

from __future__ import annotations

import torch

from ..attention import attend
from ..masking import lengths_to_mask
from .core import CheckFailed, CheckResult, Watch, call, expect_close, expect_shape, name_the_mistake, run_check

__all__ = ["check_context_vector", "check_state_gradients", "check_feature_bounds"]

_KEEP_INPUTS = (
    "your function changed the caller's weights or encoder states: c_i is a new tensor, and the caller still needs "
    "enc_outputs for the next step (every decoder step reads the same h_j); use mul, not mul_, or work on a copy"
)


def check_context_vector(context_vector) -> CheckResult:
    """Exercise 4.1: c_i = sum_j alpha_ij h_j for a batch, (B, S), (B, S, H) -> (B, H)."""

    def check(fn):
        generator = torch.Generator().manual_seed(4)
        for B, S, H in ((2, 5, 4), (1, 1, 3), (3, 9, 2), (4, 6, 6)):
            keys = torch.randn(B, S, H, generator=generator, dtype=torch.float64)  # (B, S, H)
            scores = torch.randn(B, S, generator=generator, dtype=torch.float64)  # (B, S)
            lengths = torch.randint(1, S + 1, (B,), generator=generator)
            lengths[0] = S
            mask = lengths_to_mask(lengths, S)  # (B, S)
            expected, attn_weights = attend(scores, keys, mask)  # (B, H), (B, S)
            watch = Watch(keep_inputs=_KEEP_INPUTS)
            given = call(
                fn,
                watch.wrap(attn_weights),
                watch.wrap(keys),
                hints={
                    "must match the size": (
                        "the weights (B, S) and the states (B, S, H) line up only once the weights get an axis for the "
                        "features, (B, S, 1), or use torch.bmm with (B, 1, S)"
                    )
                },
            )
            given = watch.done(given)
            what = f"the context for B={B}, S={S}, H={H}"
            expect_shape(
                given,
                (B, H),
                what,
                {
                    (B, B, H): "(B, S) @ (B, S, H) broadcasts into (B, B, H), every sentence's weights against every "
                    "sentence's states; give the weights a middle axis, (B, 1, S), and use torch.bmm",
                    (B, 1, H): "torch.bmm gives (B, 1, H): squeeze the middle axis",
                    (B, S): "that sums over the features; c_b = sum_j alpha_bj h_bj sums over the positions (dim 1)",
                },
            )
            name_the_mistake(
                given,
                expected,
                {
                    "c is the plain sum of the h_j: each h_j must be multiplied by its weight alpha_j first": keys.sum(
                        dim=1
                    ),
                    "c is the plain average of the h_j: the weights are alpha_bj, not 1/S": keys.mean(dim=1),
                    "c was divided by the length: the weights already sum to one": expected / S,
                    "c was divided by the sentence's length: the weights already sum to one": expected
                    / lengths.unsqueeze(1),
                },
            )
            expect_close(given, expected, what)
        return "one c_i of size H per sentence, for S = 1, 5, 6 and 9, padding included."

    return run_check("Exercise 4.1", check, context_vector)


def check_state_gradients(state_gradients) -> CheckResult:
    """Exercise 4.2: dL/dh_j = alpha_j dL/dc for c = sum_j alpha_j h_j, (S,), (H,) -> (S, H)."""

    def check(fn):
        generator = torch.Generator().manual_seed(42)

        def one_case(S, H):
            attn_weights = torch.softmax(torch.randn(S, generator=generator, dtype=torch.float64), dim=0)  # (S,)
            grad_context = torch.randn(H, generator=generator, dtype=torch.float64)  # (H,) = dL/dc
            enc_outputs = torch.randn(S, H, generator=generator, dtype=torch.float64, requires_grad=True)
            context = attn_weights @ enc_outputs  # (H,)
            (context * grad_context).sum().backward()  # a loss L whose gradient w.r.t. c is grad_context
            expected = enc_outputs.grad
            given = call(
                fn,
                attn_weights.clone(),
                grad_context.clone(),
                hints={
                    "must match the size": (
                        "alpha (S,) and g (H,) do not multiply element by element: row j is alpha_j times g, an outer product "
                        "alpha[:, None] * g[None, :]"
                    )
                },
            )
            what = f"dL/dh_j for S={S}, H={H}"
            expect_shape(
                given,
                (S, H),
                what,
                {
                    (H, S): "row j is dL/dh_j, one row per position: (S, H)",
                    (S,): "each dL/dh_j is a vector of H numbers, alpha_j times g",
                    (H,): "there is one gradient per position j: (S, H), row j = alpha_j g",
                },
            )
            a, g = attn_weights, grad_context
            name_the_mistake(
                given,
                expected,
                {
                    "every h_j got the whole gradient g: dL/dh_j = alpha_j g, scaled by its weight": g.expand(S, H),
                    "the sign: dL/dh_j = +alpha_j g (the minus sign belongs to the gradient-descent step, not to the "
                    "gradient)": -a[:, None] * g[None, :],
                    "alpha_j (1 - alpha_j) is the softmax's derivative, for the path through the scores; with the weights "
                    "fixed, dc/dh_j = alpha_j I, so dL/dh_j = alpha_j g": (a * (1 - a))[:, None] * g[None, :],
                    "row j is alpha_j times g: the outer product is alpha[:, None] * g[None, :], not g[:, None] * alpha": lambda: (
                        (g[:, None] * a[None, :]).reshape(S, H)
                    ),
                    "alpha * g multiplies element by element; row j is alpha_j times the whole vector g (an outer product)": lambda: (
                        (a * g).expand(S, H)
                    ),
                },
            )
            expect_close(given, expected, what)

        for S, H in ((3, 3), (3, 2), (6, 4), (1, 5)):
            one_case(S, H)
        return "each h_j gets alpha_j times the gradient of c, exactly what autograd computes."

    return run_check("Exercise 4.2", check, state_gradients)


def check_feature_bounds(feature_bounds) -> CheckResult:
    """Exercise 4.3: per-feature (low, high) of the h_j, (S, H) -> (H,), (H,), and c inside them."""

    def check(fn):
        generator = torch.Generator().manual_seed(7)
        for S, H in ((1, 3), (4, 2), (10, 5)):
            enc_outputs = torch.randn(S, H, generator=generator, dtype=torch.float64)  # (S, H)
            given = fn(enc_outputs.clone())
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed(f"return two tensors (low, high), got {type(given).__name__}")
            low, high = given
            mistakes = {
                (S,): "one bound per position: reduce over the positions (dim 0) to get one per feature",
                (): "one number for all features: each feature has its own bounds, reduce over dim 0 only",
            }
            expect_shape(low, (H,), f"low for S={S}, H={H}", mistakes)
            expect_shape(high, (H,), f"high for S={S}, H={H}", mistakes)
            lows, highs = enc_outputs.min(dim=0).values, enc_outputs.max(dim=0).values
            name_the_mistake(
                (low, high),
                (lows, highs),
                {
                    "low and high are swapped: low is the minimum of each feature, high the maximum": (highs, lows),
                    "those are the bounds of all features together; each feature k has its own, the min and max of "
                    "h_jk over j": (enc_outputs.min().expand(H), enc_outputs.max().expand(H)),
                },
            )
            expect_close(low, lows, f"low for S={S}, H={H}")
            expect_close(high, highs, f"high for S={S}, H={H}")
            alphas = torch.softmax(3 * torch.randn(200, S, generator=generator, dtype=torch.float64), dim=1)
            contexts = alphas @ enc_outputs  # (200, H): 200 random convex combinations
            if not ((contexts >= low - 1e-12) & (contexts <= high + 1e-12)).all():
                raise CheckFailed("some context vector lies outside your bounds")
        return "every feature of c lies between the smallest and largest value of that feature over the h_j."

    return run_check("Exercise 4.3", check, feature_bounds)
