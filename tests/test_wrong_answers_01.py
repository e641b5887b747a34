"""Wrong answers a student would plausibly write for notebook 01, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import notebook_tests

from rnn_attention.exercises import check_final_summary, check_numbers_seen

# Exercise 1.1: c = [forward h at lengths[b] - 1; backward h at 0], from padded outputs (B, S, 2H)


def _halves(enc_outputs):
    return enc_outputs.shape[-1] // 2, torch.arange(enc_outputs.shape[0])


def forward_read_at_the_padding(enc_outputs, lengths):
    H, _ = _halves(enc_outputs)
    return torch.cat([enc_outputs[:, -1, :H], enc_outputs[:, 0, H:]], dim=-1)


def backward_read_at_the_last_real_position(enc_outputs, lengths):
    H, rows = _halves(enc_outputs)
    return torch.cat([enc_outputs[rows, lengths - 1, :H], enc_outputs[rows, lengths - 1, H:]], dim=-1)


def forward_read_at_position_0(enc_outputs, lengths):
    H, _ = _halves(enc_outputs)
    return enc_outputs[:, 0]


def halves_swapped(enc_outputs, lengths):
    H, rows = _halves(enc_outputs)
    return torch.cat([enc_outputs[:, 0, H:], enc_outputs[rows, lengths - 1, :H]], dim=-1)


def mean_over_positions(enc_outputs, lengths):
    return enc_outputs.sum(dim=1) / lengths.unsqueeze(1)


def both_halves_read_at_the_padding(enc_outputs, lengths):
    return enc_outputs[:, -1]


def lengths_used_as_positions(enc_outputs, lengths):
    H, rows = _halves(enc_outputs)
    return torch.cat([enc_outputs[rows, lengths, :H], enc_outputs[:, 0, H:]], dim=-1)  # one past the end


# Exercise 1.2: (2H, T_x * 2H)


def one_direction_only(T_x, hidden_size):
    return hidden_size, T_x * hidden_size


def attention_sees_only_2H_too(T_x, hidden_size):
    return 2 * hidden_size, 2 * hidden_size


def pair_swapped(T_x, hidden_size):
    return T_x * 2 * hidden_size, 2 * hidden_size


def summary_grows_with_the_input(T_x, hidden_size):
    return T_x * 2 * hidden_size, T_x * 2 * hidden_size


def one_number_too_many(T_x, hidden_size):
    return 2 * hidden_size + 1, T_x * 2 * hidden_size


# Other right answers


def final_summary_by_row_index(enc_outputs, lengths):
    H, rows = _halves(enc_outputs)
    return torch.cat([enc_outputs[rows, lengths - 1, :H], enc_outputs[:, 0, H:]], dim=-1)


def numbers_seen_as_products(T_x, hidden_size):
    return 2 * hidden_size, T_x * 2 * hidden_size


WRONG = [
    (check_final_summary, forward_read_at_the_padding, "last *real* position"),
    (check_final_summary, backward_read_at_the_last_real_position, "finishes at position 0"),
    (check_final_summary, forward_read_at_position_0, "the forward half is read at position 0"),
    (check_final_summary, halves_swapped, "the two halves are swapped"),
    (check_final_summary, both_halves_read_at_the_padding, "last *real* position"),
    (check_final_summary, mean_over_positions, "average over the positions"),
    (check_final_summary, lengths_used_as_positions, "Positions count from 0"),
    (check_numbers_seen, one_direction_only, "count both directions"),
    (check_numbers_seen, attention_sees_only_2H_too, "can read every h_j"),
    (check_numbers_seen, pair_swapped, "the pair is swapped"),
    (check_numbers_seen, summary_grows_with_the_input, "whatever T_x is"),
    (check_numbers_seen, one_number_too_many, "expected (without, with)"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "01_without_attention"
RIGHT = [
    (check_final_summary, "final_summary"),
    (check_final_summary, final_summary_by_row_index),
    (check_numbers_seen, "numbers_seen"),
    (check_numbers_seen, numbers_seen_as_products),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)
