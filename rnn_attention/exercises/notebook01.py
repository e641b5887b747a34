"""Checks of notebook 01 (encoder-decoder without attention): the fixed-size summary, and what the decoder sees."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .core import CheckFailed, CheckResult, expect_close, expect_shape, run_check

__all__ = ["check_final_summary", "check_numbers_seen"]


def check_final_summary(final_summary) -> CheckResult:
    """Exercise 1.1: [forward final; backward final] read from a bidirectional GRU's padded outputs."""

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
                "the forward half is read at the last padded position; "
                "the last *real* position of sentence b is lengths[b] - 1"
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
