"""The checks of notebook 03 (softmax): blank, right and typical wrong answers."""

import torch
from exercise_cases import check_tests

from rnn_attention.exercises import check_masked_softmax, check_stable_softmax


def not_done(*args):
    raise NotImplementedError


def stable_softmax(scores):
    exps = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
    return exps / exps.sum(dim=-1, keepdim=True)


def masked(scores, mask):
    return torch.softmax(scores.masked_fill(~mask, torch.finfo(scores.dtype).min), dim=-1) * mask


RIGHT = [
    (check_stable_softmax, stable_softmax),
    (check_masked_softmax, masked),
]

WRONG = [
    (check_stable_softmax, lambda s: torch.exp(s) / torch.exp(s).sum(-1, keepdim=True), "Subtract the largest score"),
    (check_masked_softmax, lambda s, m: torch.softmax(s.masked_fill(~m, float("-inf")), -1), "all-padding row"),
    (check_masked_softmax, lambda s, m: torch.softmax(s, -1) * m, "sum to 1"),
]


test_blank_is_not_attempted, test_right_answer_passes, test_wrong_answer_says_why = check_tests(RIGHT, WRONG)
