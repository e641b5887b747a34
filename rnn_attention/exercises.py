"""Check functions the notebooks call after each exercise.

Each `check_*` function runs the student's function on small inputs and
prints one of three things:

- "not attempted yet" while the exercise still raises NotImplementedError,
- "passed" with what was checked,
- what is wrong, with the expected and the given value.

A check never raises, so a notebook always runs top to bottom, and later
cells go on with the package's reference implementation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = [
    "CheckFailed",
    "CheckResult",
    "run_check",
    "expect_shape",
    "expect_close",
    "check_weighted_sum",
    "check_score_param_count",
]


class CheckFailed(AssertionError):
    """Raised inside a check when the student's answer is not right yet."""


@dataclass
class CheckResult:
    """What a check found: status is 'passed', 'failed' or 'not attempted'."""

    name: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "passed"

    def _ipython_display_(self):
        # The check already printed its message; show nothing more in Jupyter.
        return None


def run_check(name: str, check, *args) -> CheckResult:
    """Run `check(*args)`, print the verdict, and return it; never raise."""
    try:
        detail = check(*args)
    except NotImplementedError:
        result = CheckResult(name, "not attempted", "not attempted yet: fill in the function above and run both cells again.")
    except CheckFailed as failure:
        result = CheckResult(name, "failed", f"not yet right: {failure}")
    except Exception as error:  # the student's code raised: say what, do not stop the notebook
        result = CheckResult(name, "failed", f"your code raised {type(error).__name__}: {error}")
    else:
        result = CheckResult(name, "passed", f"passed: {detail}" if detail else "passed.")
    symbol = {"passed": "\u2705", "failed": "\u274c", "not attempted": "\u23f3"}[result.status]
    print(f"{symbol} {name} {result.message}")
    return result


def expect_shape(value, shape, what: str) -> None:
    """Fail unless `value` is a tensor of exactly `shape`."""
    if not isinstance(value, torch.Tensor):
        raise CheckFailed(f"{what} should be a torch.Tensor of shape {tuple(shape)}, got {type(value).__name__}")
    if tuple(value.shape) != tuple(shape):
        raise CheckFailed(f"{what} should have shape {tuple(shape)}, got {tuple(value.shape)}")


def expect_close(value, expected, what: str, atol: float = 1e-5) -> None:
    """Fail unless `value` matches `expected` (shape and numbers, to atol)."""
    expected = torch.as_tensor(expected)
    expect_shape(value, expected.shape, what)
    difference = (value.detach().double() - expected.detach().double()).abs().max().item()
    if not math.isfinite(difference) or difference > atol:
        raise CheckFailed(
            f"{what} differs from the reference by up to {difference:.3g} (allowed {atol:g}).\n"
            f"    expected: {_short(expected)}\n    given:    {_short(value)}"
        )


def _short(tensor: torch.Tensor) -> str:
    """A compact one-line view of a small tensor for messages."""
    flat = tensor.detach().double().flatten()
    shown = ", ".join(f"{x:.4f}" for x in flat[:6].tolist())
    return f"[{shown}{', ...' if flat.numel() > 6 else ''}] (shape {tuple(tensor.shape)})"


# ----------------------------------------------------------------- notebook 00


def check_weighted_sum(weighted_sum) -> CheckResult:
    """Exercise 0.1: c = sum_j alpha_j h_j for inputs of several lengths."""

    def check(fn):
        generator = torch.Generator().manual_seed(0)
        for length in (1, 3, 7, 20):
            keys = torch.randn(length, 4, generator=generator, dtype=torch.float64)  # (S, D)
            alpha = torch.softmax(torch.randn(length, generator=generator, dtype=torch.float64), dim=0)  # (S,)
            given = fn(alpha, keys)
            expect_close(given, alpha @ keys, f"c for T_x={length}")
        return "c has the size of one h_j (4) for T_x = 1, 3, 7 and 20."

    return run_check("Exercise 0.1", check, weighted_sum)


def check_score_param_count(count_params) -> CheckResult:
    """Exercise 0.2: the additive score's parameter count from its sizes."""
    from .attention import AdditiveAttention

    def check(fn):
        for sizes in ((2, 3, 4), (16, 32, 8), (256, 512, 128)):
            expected = sum(p.numel() for p in AdditiveAttention(*sizes).parameters())
            given = fn(*sizes)
            if given != expected:
                raise CheckFailed(f"for (query_size, key_size, attn_size) = {sizes} expected {expected}, got {given}")
        return "A*Dq + A*Dk + A parameters, and no T_x anywhere."

    return run_check("Exercise 0.2", check, count_params)


# ---- notebook 02

__all__ += ["check_additive_score", "check_score_matrix"]


def _additive_case(batch: int, length: int, query_size: int = 3, key_size: int = 4, attn_size: int = 6, seed: int = 0):
    """A seeded AdditiveAttention with a query (B, Dq) and keys (B, S, Dk) to test against."""
    from .attention import AdditiveAttention

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


# ---- notebook 06


def check_decoder_step(decoder_step) -> CheckResult:
    """Exercise 6.1: one Bahdanau decoder step, against AttentionDecoder.step with the same weights."""
    from .masking import lengths_to_mask
    from .models import AttentionDecoder

    def check(fn):
        with torch.random.fork_rng():
            torch.manual_seed(6)
            decoder = AttentionDecoder(vocab_size=11, emb_size=5, hidden_size=6, enc_size=8, attn_size=7).eval()
            generator = torch.Generator().manual_seed(6)
            for lengths in ([3], [4, 2], [7, 1, 5]):
                B, S = len(lengths), max(lengths)
                src_mask = lengths_to_mask(torch.tensor(lengths), S)  # (B, S)
                enc_outputs = torch.randn(B, S, 8, generator=generator) * src_mask.unsqueeze(-1)  # (B, S, K)
                dec_state = torch.randn(B, 6, generator=generator)  # (B, H)
                y_prev = torch.randint(0, 11, (B,), generator=generator)  # (B,)
                with torch.no_grad():
                    projected_keys = decoder.project_keys(enc_outputs)  # (B, S, A)
                    expected = decoder.step(y_prev, dec_state, enc_outputs, src_mask, projected_keys)
                    given = fn(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys)
                if not isinstance(given, tuple) or len(given) != 3:
                    raise CheckFailed("return three things: (logits, new_state, attn_weights)")
                for value, reference, what in zip(given, expected, ("logits", "new_state s_i", "attn_weights alpha_i")):
                    expect_close(value, reference, f"{what} for source lengths {lengths}")
        return "logits, s_i and alpha_i match decoder.step for source lengths [3], [4, 2] and [7, 1, 5]."

    return run_check("Exercise 6.1", check, decoder_step)


def check_teacher_forcing(teacher_forcing) -> CheckResult:
    """Exercise 6.2: tgt_in = <sos> y_1..y_n and tgt_out = y_1..y_n <eos>, as collate builds them."""
    from .data import collate

    def check(fn):
        sos, eos = 1, 2
        for ids in ([7], [5, 9, 4], [4, 12, 10, 10, 11, 6, 4, 5, 8, 13]):
            tgt_ids = torch.tensor(ids, dtype=torch.long)  # (n,)
            batch = collate([(torch.tensor([4]), tgt_ids, "x", "y")])
            given = fn(tgt_ids.clone(), sos, eos)
            if not isinstance(given, tuple) or len(given) != 2:
                raise CheckFailed("return two tensors: (tgt_in, tgt_out)")
            for value, reference, what in zip(given, (batch.tgt_in[0], batch.tgt_out[0]), ("tgt_in", "tgt_out")):
                expect_shape(value, reference.shape, f"{what} for a target of length {len(ids)}")
                if value.tolist() != reference.tolist():
                    raise CheckFailed(f"{what} for target {ids}: expected {reference.tolist()}, got {value.tolist()}")
        return "tgt_in starts with <sos>, tgt_out ends with <eos>, both of length n + 1."

    return run_check("Exercise 6.2", check, teacher_forcing)


# ---- notebook 04

__all__ += ["check_context_vector", "check_state_gradients", "check_feature_bounds"]


def check_context_vector(context_vector) -> CheckResult:
    """Exercise 4.1: c_i = sum_j alpha_ij h_j for a batch, (B, S), (B, S, H) -> (B, H)."""
    from .attention import attend
    from .masking import lengths_to_mask

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


# ---- notebook 03

__all__ += ["check_stable_softmax", "check_masked_softmax"]


def _expect_finite(value, what: str, hint: str) -> None:
    """Fail with a hint unless every entry of `value` is a finite number."""
    if isinstance(value, torch.Tensor) and not torch.isfinite(value).all():
        raise CheckFailed(f"{what} contains nan or inf: {_short(value)}. {hint}")


def check_stable_softmax(stable_softmax) -> CheckResult:
    """Exercise 3.1: a softmax over the last axis that survives scores like 1000 and -1000."""

    def check(fn):
        generator = torch.Generator().manual_seed(3)
        cases = [
            ("small scores (B=2, T_x=5)", torch.randn(2, 5, generator=generator)),
            ("one position (T_x=1)", torch.tensor([[0.3]])),
            ("scores 100, 101, 102", torch.tensor([[100.0, 101.0, 102.0]])),
            ("scores 1000, 10, -1000", torch.tensor([[1000.0, 10.0, -1000.0]])),
            ("scores -1000, -1001", torch.tensor([[-1000.0, -1001.0]])),
        ]
        for what, scores in cases:
            given = fn(scores.clone())
            _expect_finite(given, f"the softmax of {what}", "Subtract the largest score of each row before exp.")
            expect_close(given, torch.softmax(scores, dim=-1), f"the softmax of {what}")
        return "matches torch.softmax, also for scores of +-1000 in float32 (no inf, no nan)."

    return run_check("Exercise 3.1", check, stable_softmax)


def check_masked_softmax(my_masked_softmax) -> CheckResult:
    """Exercise 3.2: weights only on real positions, rows summing to one, zeros (no NaN) for an all-padding row."""
    from .masking import lengths_to_mask, masked_softmax

    def check(fn):
        generator = torch.Generator().manual_seed(4)
        scores = 3 * torch.randn(3, 5, generator=generator)  # (B, S)
        mask = lengths_to_mask(torch.tensor([3, 5, 1]))  # (B, S)
        given = fn(scores.clone(), mask)
        _expect_finite(given, "the weights", "")
        if isinstance(given, torch.Tensor) and given.shape == scores.shape:
            if (given[~mask] != 0).any():
                raise CheckFailed(f"padded positions must get weight exactly 0, got {_short(given[~mask])}")
            sums = given.sum(dim=-1)
            if not torch.allclose(sums, torch.ones(3), atol=1e-5):
                raise CheckFailed(f"every row with a real position must sum to 1, the rows sum to {_short(sums)}")
        expect_close(given, masked_softmax(scores, mask), "the weights for lengths (3, 5, 1)")
        empty = torch.tensor([[True, True, False], [False, False, False]])  # second row: padding only
        scores = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
        given = fn(scores.clone(), empty)
        _expect_finite(given, "the weights of a batch with an all-padding row", "A row with no real position must give zeros.")
        expect_close(given, masked_softmax(scores, empty), "the weights of a batch with an all-padding row")
        half = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float16)
        given = fn(half, torch.tensor([[True, True, False]]))
        expect_close(given, masked_softmax(half, torch.tensor([[True, True, False]])), "float16 weights", atol=1e-3)
        return "0 on padding, rows sum to 1, an all-padding row gives zeros, and it works in float16."

    return run_check("Exercise 3.2", check, my_masked_softmax)
