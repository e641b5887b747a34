"""Checks of notebook 01 (encoder-decoder without attention): the fixed-size summary, and what the decoder sees."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .core import CheckFailed, CheckResult, call, expect_close, expect_shape, name_the_mistake, run_check

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
            given = call(
                fn,
                enc_outputs.clone(),
                lengths.clone(),
                hints={
                    "out of bounds": "Positions count from 0: the last real position of sentence b is lengths[b] - 1"
                },
            )
        expect_shape(given, (3, 8), "the summary for B=3, H=4")
        rows, H = torch.arange(3), 4
        forward_last_real, backward_first = enc_outputs[rows, lengths - 1, :H], enc_outputs[:, 0, H:]
        name_the_mistake(
            given,
            expected,
            {
                "the two halves are swapped: c = [forward h_{T_x}; backward h_1], the forward half first": torch.cat(
                    [backward_first, forward_last_real], dim=-1
                ),
                "the summary is the average over the positions; it is the GRU's final states, read at two positions": enc_outputs.sum(
                    dim=1
                )
                / lengths.unsqueeze(1),
            },
        )
        name_the_mistake(
            given[:, :H],
            expected[:, :H],
            {
                "the forward half is read at the last padded position; the last *real* position of sentence b is "
                "lengths[b] - 1": enc_outputs[:, -1, :H],
                "the forward half is read at position 0; the forward GRU finishes at the last real position, "
                "lengths[b] - 1": enc_outputs[:, 0, :H],
            },
        )
        name_the_mistake(
            given[:, H:],
            expected[:, H:],
            {
                "the backward half is read at the last real position lengths[b] - 1; the backward GRU reads the "
                "sentence from its end and finishes at position 0: read its half there": enc_outputs[
                    rows, lengths - 1, H:
                ],
                "the backward half is read at the last padded position; the backward GRU reads the sentence from its "
                "end and finishes at position 0: read its half there": enc_outputs[:, -1, H:],
            },
        )
        expect_close(given[:, :4], expected[:, :4], "the forward half (the forward GRU's final state)")
        expect_close(given[:, 4:], expected[:, 4:], "the backward half (the backward GRU's final state, at position 0)")
        return "equal to torch.cat([h_n[0], h_n[1]]) for lengths 3, 6 and 1."

    return run_check("Exercise 1.1", check, final_summary)


def check_numbers_seen(numbers_seen) -> CheckResult:
    """Exercise 1.2: how many numbers the decoder can read, without and with attention."""

    def check(fn):
        for T_x, H in ((5, 16), (50, 16), (1, 256), (500, 256)):
            given = fn(T_x, H)
            expected = (2 * H, T_x * 2 * H)
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed(f"return a pair (without_attention, with_attention), got {given!r}")
            name_the_mistake(
                tuple(given),
                expected,
                {
                    "each h_j has 2 * hidden_size numbers (a forward and a backward state): count both directions": (
                        H,
                        T_x * H,
                    ),
                    "with attention the decoder can read every h_j, T_x of them of 2H numbers each: T_x * 2H": (
                        2 * H,
                        2 * H,
                    ),
                    "the pair is swapped: first without attention (the summary, 2H), then with (T_x * 2H)": (
                        T_x * 2 * H,
                        2 * H,
                    ),
                    "without attention the decoder gets only the summary c, 2H numbers whatever T_x is: no T_x in it": (
                        T_x * 2 * H,
                        T_x * 2 * H,
                    ),
                },
                atol=0,
            )
            if tuple(given) != expected:
                raise CheckFailed(f"for T_x={T_x}, H={H} expected (without, with) = {expected}, got {tuple(given)}")
        return "without attention always 2H; with attention T_x * 2H, growing with the input."

    return run_check("Exercise 1.2", check, numbers_seen)
