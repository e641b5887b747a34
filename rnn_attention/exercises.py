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
    "expect_mask",
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


def expect_mask(value, expected: torch.Tensor, what: str) -> None:
    """Fail unless `value` is a torch.bool mask equal to `expected` (True = real token)."""
    expect_shape(value, expected.shape, what)
    if value.dtype != torch.bool:
        raise CheckFailed(f"{what} should have dtype torch.bool (True = real token), got {value.dtype}")
    if not torch.equal(value, expected):
        raise CheckFailed(f"{what}\n    expected: {expected.int().tolist()}\n    given:    {value.int().tolist()}")


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
    """Exercise 6.1: one Bahdanau decoder step, against the package's Decoder.step with the same weights."""
    from .masking import lengths_to_mask
    from .models import build_model

    def check(fn):
        with torch.random.fork_rng():
            torch.manual_seed(6)
            sizes = dict(emb_size=5, hidden_size=6, attn_size=7, attention="additive")  # h_j of size K = 2H = 12
            decoder = build_model(11, 11, sizes).decoder.eval()
            generator = torch.Generator().manual_seed(6)
            for lengths in ([3], [4, 2], [7, 1, 5]):
                B, S = len(lengths), max(lengths)
                src_mask = lengths_to_mask(torch.tensor(lengths), S)  # (B, S)
                enc_outputs = torch.randn(B, S, 12, generator=generator) * src_mask.unsqueeze(-1)  # (B, S, K)
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


# ---- notebook 05

__all__ += ["check_make_mask", "check_pad_batch", "check_one_by_one"]


def check_make_mask(make_mask) -> CheckResult:
    """Exercise 5.1: lengths (B,) -> boolean mask (B, max_len), True on real tokens."""
    from .masking import lengths_to_mask

    def check(fn):
        for lengths, max_len in (([3, 1, 2], 3), ([4], 6), ([2, 5, 5, 1], 7)):
            expected = lengths_to_mask(torch.tensor(lengths), max_len)  # (B, S)
            given = fn(torch.tensor(lengths), max_len)
            expect_mask(given, expected, f"the mask for lengths {lengths}, max_len {max_len}")
        return "row b has lengths[b] True values, then False up to max_len."

    return run_check("Exercise 5.1", check, make_mask)


def check_pad_batch(pad_batch) -> CheckResult:
    """Exercise 5.2: a list of (L_b, H) tensors -> padded (B, S, H) with zeros, and the mask (B, S)."""
    from torch.nn.utils.rnn import pad_sequence

    from .masking import lengths_to_mask

    def check(fn):
        generator = torch.Generator().manual_seed(5)
        for lengths in ((3, 1, 2), (4,), (2, 6, 6, 1)):
            sequences = [torch.randn(n, 3, generator=generator) for n in lengths]  # B tensors (L_b, H)
            given = fn(sequences)
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed(f"return two tensors (padded, mask), got {type(given).__name__}")
            padded, mask = given
            expect_close(padded, pad_sequence(sequences, batch_first=True), f"padded batch for lengths {lengths}", atol=0)
            expect_mask(mask, lengths_to_mask(torch.tensor(lengths)), f"the mask for lengths {lengths}")
        return "zeros after each sentence up to the longest one, and the mask that marks the real tokens."

    return run_check("Exercise 5.2", check, pad_batch)


def check_one_by_one(attend_one_by_one) -> CheckResult:
    """Exercise 5.3: attention sentence by sentence, cropped to each length, equals the masked batch."""
    from .attention import AdditiveAttention
    from .masking import lengths_to_mask

    def check(fn):
        generator = torch.Generator().manual_seed(6)
        with torch.random.fork_rng():
            torch.manual_seed(6)
            attention = AdditiveAttention(4, 6, 5).double()
        for lengths in ((3, 1, 2), (5,), (2, 7, 7, 1)):
            B, S = len(lengths), max(lengths)
            keys = torch.randn(B, S, 6, generator=generator, dtype=torch.float64)  # (B, S, Dk)
            query = torch.randn(B, 4, generator=generator, dtype=torch.float64)  # (B, Dq)
            lengths_t = torch.tensor(lengths)
            with torch.no_grad():
                expected_context, expected_weights = attention(query, keys, mask=lengths_to_mask(lengths_t))
                given = fn(attention, query, keys, lengths_t)
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed(f"return two tensors (contexts, weights), got {type(given).__name__}")
            context, weights = given
            expect_close(context, expected_context, f"contexts for lengths {lengths}")
            expect_close(weights, expected_weights, f"weights for lengths {lengths} (0 on padding)")
        return "sentence by sentence gives the same contexts and weights as one masked batch."

    return run_check("Exercise 5.3", check, attend_one_by_one)


# ---- notebook 09


def check_scaled_dot_scores(scaled_dot_scores) -> CheckResult:
    """Exercise 9.1: e_ij = q_i . k_j / sqrt(d) for every query i and key j, batched."""

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

    return run_check("Exercise 9.1", check, scaled_dot_scores)


def check_general_score(general_score) -> CheckResult:
    """Exercise 9.2: Luong's general score e_j = s^T W_a h_j for every j."""
    from .attention import GeneralAttention

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

    return run_check("Exercise 9.2", check, general_score)


def check_self_attention_weights(self_attention_weights) -> CheckResult:
    """Exercise 9.3: alpha = softmax(Q K^T / sqrt(d)) with Q = X W_q, K = X W_k: (B, T, T)."""
    from .attention import scaled_dot_product_attention

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
                    f"each row (one query position i) must sum to 1 over the T key positions, got row sums {_short(sums)}; "
                    "softmax over the last dimension"
                )
            _, expected = scaled_dot_product_attention(X @ W_q, X @ W_k, X)  # (B, T, T)
            expect_close(given, expected, f"weights for B={B}, T={T}, d={D}")
        return "(B, T, T) weights, every position querying every other, rows sum to 1."

    return run_check("Exercise 9.3", check, self_attention_weights)


__all__ += ["check_scaled_dot_scores", "check_general_score", "check_self_attention_weights"]


# ---- notebook 07


def _alignment_examples():
    """Attention matrices (T, S) of several shapes, with exact zeros (padding) and one-hot rows."""
    generator = torch.Generator().manual_seed(7)
    examples = []
    for T, S in ((1, 1), (3, 4), (11, 9), (11, 25)):
        examples.append(torch.softmax(3.0 * torch.randn(T, S, generator=generator, dtype=torch.float64), dim=-1))
    padded = torch.softmax(torch.randn(4, 6, generator=generator, dtype=torch.float64), dim=-1)
    padded[:, 4:] = 0.0  # two padded positions: weight exactly 0
    padded = padded / padded.sum(dim=-1, keepdim=True)
    one_hot = torch.eye(5, dtype=torch.float64)[[2, 0, 4]]  # rows that put all weight on one position
    return examples + [padded, one_hot]


def check_hard_alignment(hard_alignment) -> CheckResult:
    """Exercise 7.1: for each target step i, the source position j with the largest alpha_ij."""

    def check(fn):
        for weights in _alignment_examples():
            given = fn(weights.clone())
            expected = weights.argmax(dim=-1)  # (T,)
            expect_shape(given, expected.shape, f"the alignment of a {tuple(weights.shape)} matrix")
            if given.tolist() != expected.tolist():
                raise CheckFailed(
                    f"for a {tuple(weights.shape)} matrix expected positions {expected.tolist()}, got {given.tolist()}"
                    " (one source position j per target step i: the largest weight of row i)"
                )
        return "one source position per target step, T_y numbers for a (T_y, T_x) matrix."

    return run_check("Exercise 7.1", check, hard_alignment)


def check_row_entropy(row_entropy) -> CheckResult:
    """Exercise 7.2: H_i = -sum_j alpha_ij log alpha_ij per row, with 0 log 0 = 0."""

    def check(fn):
        for weights in _alignment_examples():
            given = fn(weights.clone())
            expected = -torch.special.xlogy(weights, weights).sum(dim=-1)  # (T,)
            if isinstance(given, torch.Tensor) and not torch.isfinite(given).all():
                raise CheckFailed(
                    f"for a {tuple(weights.shape)} matrix you returned {given.tolist()}: a weight of exactly 0 gives "
                    "0 * log 0 = nan; count it as 0 (torch.special.xlogy does, or mask the zeros)"
                )
            expect_close(given, expected, f"the entropies of a {tuple(weights.shape)} matrix", atol=1e-5)
        uniform = torch.full((1, 8), 1 / 8, dtype=torch.float64)
        expect_close(fn(uniform), torch.log(torch.tensor([8.0], dtype=torch.float64)), "the entropy of 8 equal weights")
        return "0 for a one-hot row, log T_x for a uniform one, and no nan for zero weights."

    return run_check("Exercise 7.2", check, row_entropy)


__all__ += ["check_decoder_step", "check_teacher_forcing", "check_hard_alignment", "check_row_entropy"]


# ---- notebook 01

__all__ += ["check_final_summary", "check_numbers_seen"]


def check_final_summary(final_summary) -> CheckResult:
    """Exercise 1.1: [forward final; backward final] read from a bidirectional GRU's padded outputs."""
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    def check(fn):
        with torch.random.fork_rng():
            torch.manual_seed(1)
            gru = nn.GRU(3, 4, batch_first=True, bidirectional=True)  # H = 4
            inputs = torch.randn(3, 6, 3)  # (B, S, E)
        lengths = torch.tensor([3, 6, 1])  # (B,)
        with torch.no_grad():
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            packed_out, h_n = gru(packed)
            enc_outputs, _ = pad_packed_sequence(packed_out, batch_first=True)  # (B, S, 2H), zeros on padding
            expected = torch.cat([h_n[0], h_n[1]], dim=-1)  # (B, 2H)
            given = fn(enc_outputs.clone(), lengths.clone())
        expect_shape(given, (3, 8), "the summary for B=3, H=4")
        if torch.allclose(given[:, :4], enc_outputs[:, -1, :4]) and not torch.allclose(given[:, :4], expected[:, :4]):
            raise CheckFailed(
                "the forward half is read at the last padded position; the last *real* position of sentence b is lengths[b] - 1"
            )
        expect_close(given[:, :4], expected[:, :4], "the forward half (the forward GRU's final state)")
        expect_close(given[:, 4:], expected[:, 4:], "the backward half (the backward GRU's final state, at position 1)")
        return "equal to torch.cat([h_n[0], h_n[1]]) for lengths 3, 6 and 1."

    return run_check("Exercise 1.1", check, final_summary)


def check_numbers_seen(numbers_seen) -> CheckResult:
    """Exercise 1.2: how many numbers the decoder can read, without and with attention."""

    def check(fn):
        for T_x, H in ((5, 16), (50, 16), (1, 256), (500, 256)):
            given = fn(T_x, H)
            expected = (2 * H, T_x * 2 * H)
            if tuple(given) != expected:
                raise CheckFailed(f"for T_x={T_x}, H={H} expected (without, with) = {expected}, got {tuple(given)}")
        return "without attention always 2H; with attention T_x * 2H, growing with the input."

    return run_check("Exercise 1.2", check, numbers_seen)


# ---- notebook 08


def check_first_step_weights(first_step_weights) -> CheckResult:
    """Exercise 8.1: alpha_1 of a Seq2Seq for one source of any length, against the package's pieces."""
    from .masking import lengths_to_mask
    from .models import build_model

    def reference(model, src):
        lengths = torch.tensor([src.shape[1]])
        enc_outputs, final = model.encoder(src, lengths)  # (1, S, K), (1, K)
        src_mask = lengths_to_mask(lengths, src.shape[1])  # (1, S)
        dec_state = model.decoder.init_state(enc_outputs, final, src_mask)  # (1, H)
        projected = model.decoder.project_keys(enc_outputs)
        return model.decoder.attention(dec_state, enc_outputs, src_mask, projected)[1]  # (1, S)

    def check(fn):
        sizes = dict(emb_size=6, hidden_size=8, attn_size=5)
        with torch.random.fork_rng():
            torch.manual_seed(8)
            models = {
                "additive": build_model(12, 9, dict(sizes, attention="additive")).eval(),
                "location (max_len=10)": build_model(12, 9, dict(sizes, attention="location", location_max_len=10)).eval(),
            }
        generator = torch.Generator().manual_seed(8)
        for name, model in models.items():
            for S in (3, 10, 40):
                src = torch.randint(4, 12, (1, S), generator=generator)  # (1, S): real symbols, no padding
                with torch.no_grad():
                    expected = reference(model, src)
                    given = fn(model, src)
                expect_close(given, expected, f"alpha_1 of the {name} model for T_x={S}")
        return ("one weight per source position for T_x = 3, 10 and 40; the location model's weights past "
                "position 10 are all 0.")

    return run_check("Exercise 8.1", check, first_step_weights)


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
            given = fn(sources, targets, outputs, buckets)
            if not isinstance(given, (list, tuple)) or len(given) != len(expected):
                raise CheckFailed(f"for buckets {buckets} return a list of {len(expected)} values, got {given!r}")
            for (lo, hi), g, e in zip(buckets, given, expected):
                if e is None and g is not None:
                    raise CheckFailed(f"bucket {lo}-{hi} holds no source: return None there, got {g!r}")
                if e is not None and (g is None or abs(float(g) - e) > 1e-9):
                    raise CheckFailed(f"bucket {lo}-{hi} (lengths inclusive): expected {e:.4f}, got {g!r}")
        return "the fraction of exact outputs per bucket, None where a bucket is empty."

    return run_check("Exercise 8.2", check, exact_match_by_bucket)


__all__ += ["check_first_step_weights", "check_exact_match_by_bucket"]
