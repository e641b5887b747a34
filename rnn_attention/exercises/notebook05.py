"""Checks of notebook 05 (batches of different lengths): the mask, the padded batch, attention one by one."""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import pad_sequence

from ..attention import AdditiveAttention
from ..masking import lengths_to_mask
from .core import CheckFailed, CheckResult, expect_close, expect_mask, run_check

__all__ = ["check_make_mask", "check_pad_batch", "check_one_by_one"]


def check_make_mask(make_mask) -> CheckResult:
    """Exercise 5.1: lengths (B,) -> boolean mask (B, max_len), True on real tokens."""

    def check(fn):
        for lengths, max_len in (([3, 1, 2], 3), ([4], 6), ([2, 5, 5, 1], 7)):
            expected = lengths_to_mask(torch.tensor(lengths), max_len)  # (B, S)
            given = fn(torch.tensor(lengths), max_len)
            expect_mask(given, expected, f"the mask for lengths {lengths}, max_len {max_len}")
        return "row b has lengths[b] True values, then False up to max_len."

    return run_check("Exercise 5.1", check, make_mask)


def check_pad_batch(pad_batch) -> CheckResult:
    """Exercise 5.2: a list of (L_b, H) tensors -> padded (B, S, H) with zeros, and the mask (B, S)."""

    def check(fn):
        generator = torch.Generator().manual_seed(5)
        for lengths in ((3, 1, 2), (4,), (2, 6, 6, 1)):
            sequences = [torch.randn(n, 3, generator=generator) for n in lengths]  # B tensors (L_b, H)
            given = fn(sequences)
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed(f"return two tensors (padded, mask), got {type(given).__name__}")
            padded, mask = given
            expect_close(
                padded, pad_sequence(sequences, batch_first=True), f"padded batch for lengths {lengths}", atol=0
            )
            expect_mask(mask, lengths_to_mask(torch.tensor(lengths)), f"the mask for lengths {lengths}")
        return "zeros after each sentence up to the longest one, and the mask that marks the real tokens."

    return run_check("Exercise 5.2", check, pad_batch)


def check_one_by_one(attend_one_by_one) -> CheckResult:
    """Exercise 5.3: attention sentence by sentence, cropped to each length, equals the masked batch."""

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
