"""The checks of notebook 01 (without attention): blank, right and typical wrong answers."""

import torch
from exercise_cases import check_tests

from rnn_attention.exercises import check_final_summary, check_numbers_seen


def not_done(*args):
    raise NotImplementedError


def final_summary(enc_outputs, lengths):
    H = enc_outputs.shape[-1] // 2
    rows = torch.arange(enc_outputs.shape[0])
    return torch.cat([enc_outputs[rows, lengths - 1, :H], enc_outputs[:, 0, H:]], dim=-1)


RIGHT = [
    (check_final_summary, final_summary),
    (check_numbers_seen, lambda T_x, H: (2 * H, T_x * 2 * H)),
]

WRONG = [
    (check_final_summary, lambda o, lengths: o[:, -1], "last *real* position"),
    (check_numbers_seen, lambda T_x, H: (H, T_x * H), "count both directions"),
    (check_numbers_seen, lambda T_x, H: (2 * H + 1, T_x * 2 * H), "expected (without, with)"),
]


test_blank_is_not_attempted, test_right_answer_passes, test_wrong_answer_says_why = check_tests(RIGHT, WRONG)
