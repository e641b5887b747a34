"""Checks of notebook 05 (batches of different lengths): the mask, the padded batch, attention one by one."""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import pad_sequence

from ..attention import AdditiveAttention
from ..masking import lengths_to_mask
from .core import (
    CheckFailed,
    CheckResult,
    Watch,
    expect_close,
    expect_mask,
    expect_shape,
    name_the_mistake,
    run_check,
    shorten,
)

__all__ = ["check_make_mask", "check_pad_batch", "check_one_by_one"]

_NO_LOOP = (
    "Exercise 5.1 asks for no Python loop: your code reads the lengths one at a time ({how}). Compare a row of "
    "positions, torch.arange(max_len) of shape (1, S), with a column of lengths, shape (B, 1)"
)
_ONE_AT_A_TIME = {
    f"torch:Tensor.{name}": _NO_LOOP.format(how=how)
    for name, how in (("tolist", "lengths.tolist()"), ("unbind", "a for loop over the tensor"), ("numpy", ".numpy()"))
}


def check_make_mask(make_mask) -> CheckResult:
    """Exercise 5.1: lengths (B,) -> boolean mask (B, max_len), True on real tokens; no Python loop."""

    def check(fn):
        long_batch = torch.randint(1, 41, (300,), generator=torch.Generator().manual_seed(51)).tolist()

        def one_case(lengths, max_len):
            expected = lengths_to_mask(torch.tensor(lengths), max_len)  # (B, S)
            watch = Watch(
                refused_code={
                    "rnn_attention.masking:lengths_to_mask": (
                        "this exercise asks you to build the mask yourself, not with the package's lengths_to_mask"
                    )
                },
                refused_ops=_ONE_AT_A_TIME,
                int_index=_NO_LOOP.format(how="lengths[b]"),
                budget=60,
                budget_message=_NO_LOOP.format(how=f"more than 60 tensor operations for B = {len(lengths)}"),
            )
            given = watch.done(fn(watch.wrap(torch.tensor(lengths)), max_len))
            what = f"the mask for lengths {lengths if len(lengths) < 10 else '(300 lengths)'}, max_len {max_len}"
            B, longest = len(lengths), max(lengths)
            expect_shape(
                given,
                (B, max_len),
                what,
                {
                    (max_len, B): "rows are sentences: (B, max_len)",
                    (B, longest): "the mask has max_len columns, the padded length S, not the longest of these lengths",
                },
            )
            if given.dtype == torch.bool:
                positions = torch.arange(max_len)
                name_the_mistake(
                    given,
                    expected,
                    {
                        "off by one: position j counts from 0, so sentence b's real positions are 0 .. lengths[b] - 1 "
                        "(j < lengths[b], not <=)": positions[None, :] <= torch.tensor(lengths)[:, None],
                        "the mask is inverted: True marks the real tokens, False the padding": ~expected,
                        "the mask is transposed: row b is sentence b, column j position j, (B, max_len)": lambda: (
                            expected.T if B == max_len else None
                        ),
                    },
                )
            expect_mask(given, expected, what)

        for lengths, max_len in (([3, 1, 2], 3), ([4], 6), ([2, 5, 5, 1], 7), (long_batch, 40)):
            one_case(lengths, max_len)
        return "row b has lengths[b] True values, then False up to max_len, for 300 lengths at once."

    return run_check("Exercise 5.1", check, make_mask)


def check_pad_batch(pad_batch) -> CheckResult:
    """Exercise 5.2: a list of (L_b, H) tensors -> padded (B, S, H) with zeros, and the mask (B, S)."""

    def check(fn):
        generator = torch.Generator().manual_seed(5)
        for lengths in ((2, 6, 6, 1), (3, 1, 2), (4,), (1, 4, 3)):
            sequences = [torch.randn(n, 3, generator=generator) for n in lengths]  # B tensors (L_b, H)
            if lengths == (1, 4, 3):
                # real positions can hold zeros: a state of all zeros, and one with a single 0 feature
                sequences[0][0] = 0.0
                sequences[1][2] = 0.0
                sequences[2][1, 1] = 0.0
            given = fn([s.clone() for s in sequences])
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed(f"return two tensors (padded, mask), got {type(given).__name__}")
            padded, mask = given
            B, S = len(lengths), max(lengths)
            expected = pad_sequence(sequences, batch_first=True)
            what = f"padded batch for lengths {lengths}"
            expect_shape(
                padded,
                (B, S, 3),
                what,
                {
                    (S, B, 3): "pad_sequence puts time first unless batch_first=True: (B, S, H)",
                },
            )
            real = lengths_to_mask(torch.tensor(lengths))  # (B, S)
            if torch.equal(padded[real], expected[real]) and not torch.equal(padded[~real], expected[~real]):
                raise CheckFailed(
                    f"{what}: the padded positions hold {shorten(padded[~real])}; pad with zeros (padding_value=0)"
                )
            expect_close(padded, expected, what, atol=0)
            what = f"the mask for lengths {lengths}"
            expect_shape(mask, (B, S), what)
            if mask.dtype == torch.bool:
                values = padded.detach()
                name_the_mistake(
                    mask,
                    real,
                    {
                        "a real position whose h_j is exactly zero was marked as padding: a real state can be zero, so "
                        "build the mask from the lengths (len of each sequence), not from padded != 0": (
                            values != 0
                        ).any(-1),
                        "a real position with a single zero feature was marked as padding: build the mask from the "
                        "lengths (len of each sequence), not from padded != 0": (values != 0).all(-1),
                    },
                    atol=0,
                )
            expect_mask(mask, real, what)
        return "zeros after each sentence up to the longest one, and the mask from the lengths, even where h_j = 0."

    return run_check("Exercise 5.2", check, pad_batch)


class OneByOneAttention(AdditiveAttention):
    """The module 5.3 hands the student: an AdditiveAttention that refuses to attend over padding or a whole batch."""

    def forward(self, query, keys, mask=None, projected_keys=None):
        if query.shape[0] > 1 or keys.shape[0] > 1:
            raise CheckFailed(
                f"attention was called on a batch of {keys.shape[0]} sentences; 5.3 asks for one sentence at a time "
                "(query[b : b + 1], keys[b : b + 1, :L_b]), to see that it equals one masked batch call"
            )
        if mask is not None and not bool(mask.all()):
            raise CheckFailed(
                "attention was called with a mask that hides positions; 5.3 asks you to crop each sentence to its own "
                "length, keys[b : b + 1, :L_b], and call attention without a mask"
            )
        return super().forward(query, keys, mask, projected_keys)

    def score(self, query, keys, projected_keys=None):
        if query.shape[0] > 1 or keys.shape[0] > 1:
            raise CheckFailed(
                f"the scores were computed for a batch of {keys.shape[0]} sentences at once; 5.3 asks for one sentence "
                "at a time"
            )
        return super().score(query, keys, projected_keys)


def check_one_by_one(attend_one_by_one) -> CheckResult:
    """Exercise 5.3: attention sentence by sentence, cropped to each length, equals the masked batch."""

    def check(fn):
        generator = torch.Generator().manual_seed(6)
        with torch.random.fork_rng():
            torch.manual_seed(6)
            attention = AdditiveAttention(4, 6, 5).double()
            student_attention = OneByOneAttention(4, 6, 5).double()
            student_attention.load_state_dict(attention.state_dict())
        for lengths in ((3, 1, 2), (5,), (2, 7, 7, 1)):
            B, S = len(lengths), max(lengths)
            keys = torch.randn(B, S, 6, generator=generator, dtype=torch.float64)  # (B, S, Dk)
            query = torch.randn(B, 4, generator=generator, dtype=torch.float64)  # (B, Dq)
            lengths_t = torch.tensor(lengths)
            with torch.no_grad():
                expected_context, expected_weights = attention(query, keys, mask=lengths_to_mask(lengths_t))
                given = fn(student_attention, query.clone(), keys.clone(), lengths_t.clone())
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed(f"return two tensors (contexts, weights), got {type(given).__name__}")
            context, weights = given
            expect_shape(
                context,
                (B, 6),
                f"contexts for lengths {lengths}",
                {
                    (B, 1, 6): "put each sentence's context, context[0] of shape (Dk,), into row b",
                },
            )
            expect_shape(weights, (B, S), f"weights for lengths {lengths}")
            flipped = torch.zeros_like(expected_weights)
            for b, n in enumerate(lengths):
                flipped[b, S - n :] = expected_weights[b, :n]
            name_the_mistake(
                weights,
                expected_weights,
                {
                    "sentence b's weights were written at the end of its row; they belong to its first L_b positions, "
                    "weights[b, :L_b]": flipped,
                },
            )
            padding = ~lengths_to_mask(lengths_t)
            if (weights[padding] != 0).any():
                raise CheckFailed(
                    f"weights for lengths {lengths}: padded positions got weight {shorten(weights[padding])}; crop "
                    "each sentence's keys to its own length L_b and leave the padded weights at 0"
                )
            sums = weights.sum(dim=1)
            if (sums != 0).all() and not torch.allclose(sums, torch.ones(B, dtype=weights.dtype)):
                raise CheckFailed(
                    f"weights for lengths {lengths}: the rows sum to {shorten(sums)}, not 1; each sentence's weights "
                    "are the softmax over its own L_b positions"
                )
            if (context.abs().sum(dim=1) == 0).any():
                rows = (context.abs().sum(dim=1) == 0).nonzero().flatten().tolist()
                raise CheckFailed(f"contexts for lengths {lengths}: rows {rows} are still zero; put each c_b back")
            expect_close(context, expected_context, f"contexts for lengths {lengths}")
            expect_close(weights, expected_weights, f"weights for lengths {lengths} (0 on padding)")
        return "sentence by sentence gives the same contexts and weights as one masked batch."

    return run_check("Exercise 5.3", check, attend_one_by_one)
