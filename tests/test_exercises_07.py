"""The checks of notebook 07 (reading the alignments): blank, right and typical wrong answers."""

import torch
from exercise_cases import check_tests

from rnn_attention.exercises import check_hard_alignment, check_row_entropy


def not_done(*args):
    raise NotImplementedError


RIGHT = [
    (check_hard_alignment, lambda weights: weights.argmax(dim=-1)),
    (check_row_entropy, lambda weights: -torch.special.xlogy(weights, weights).sum(dim=-1)),
]

WRONG = [
    (check_hard_alignment, lambda weights: weights.argmax(dim=0), "should have shape (3,)"),
    (check_hard_alignment, lambda weights: weights.argmin(dim=-1), "that is the smallest weight of each row"),
    (check_row_entropy, lambda weights: -(weights * weights.log()).sum(dim=-1), "0 * log 0 = nan"),
    (check_row_entropy, lambda weights: -torch.special.xlogy(weights, weights).sum(dim=0), "should have shape"),
    (
        check_row_entropy,
        lambda weights: torch.special.xlogy(weights, weights).sum(dim=-1),
        "keep the minus sign",
    ),
]


test_blank_is_not_attempted, test_right_answer_passes, test_wrong_answer_says_why = check_tests(RIGHT, WRONG)
