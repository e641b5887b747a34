"""The checks of notebook 02 (alignment scores): blank, right and typical wrong answers."""

import torch
from exercise_cases import check_tests

from rnn_attention.exercises import check_additive_score, check_score_matrix


def not_done(*args):
    raise NotImplementedError


def additive_score(query, keys, W_a, U_a, v_a):
    return torch.tanh((query @ W_a.T).unsqueeze(1) + keys @ U_a.T) @ v_a


def score_matrix(dec_states, projected_keys, W_a, v_a):
    return torch.tanh((dec_states @ W_a.T).unsqueeze(2) + projected_keys.unsqueeze(1)) @ v_a


RIGHT = [
    (check_additive_score, additive_score),
    (check_score_matrix, score_matrix),
]

WRONG = [
    (check_additive_score, lambda q, k, W, U, v: ((q @ W.T).unsqueeze(1) + k @ U.T) @ v, "the tanh is missing"),
    (check_score_matrix, lambda d, p, W, v: score_matrix(d, p, W, v).transpose(1, 2), "rows are the decoder steps"),
]


test_blank_is_not_attempted, test_right_answer_passes, test_wrong_answer_says_why = check_tests(RIGHT, WRONG)
