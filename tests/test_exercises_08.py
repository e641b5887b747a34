"""The checks of notebook 08 (attention and long inputs): blank, right and typical wrong answers."""

import torch
from exercise_cases import check_tests

from rnn_attention.exercises import check_exact_match_by_bucket, check_first_step_weights


def not_done(*args):
    raise NotImplementedError


def first_step_weights(location, s_0, T_x):
    scores = location.W(s_0)  # (B, L)
    L = scores.shape[1]
    weights = torch.softmax(scores[:, : min(T_x, L)], dim=-1)
    return torch.cat([weights, weights.new_zeros(weights.shape[0], max(T_x - L, 0))], dim=1)


def exact_match_by_bucket(sources, targets, outputs, buckets):
    fractions = []
    for lo, hi in buckets:
        hits = [o == t for s, t, o in zip(sources, targets, outputs) if lo <= len(s) <= hi]
        fractions.append(sum(hits) / len(hits) if hits else None)
    return fractions


def zero_for_empty(sources, targets, outputs, buckets):
    return [0.0 if f is None else f for f in exact_match_by_bucket(sources, targets, outputs, buckets)]


def upper_bound_exclusive(sources, targets, outputs, buckets):
    return exact_match_by_bucket(sources, targets, outputs, [(lo, hi - 1) for lo, hi in buckets])


def score_zero_past_max_len(location, s_0, T_x):
    scores = location.W(s_0)
    padded = torch.cat([scores, scores.new_zeros(scores.shape[0], max(T_x - scores.shape[1], 0))], dim=1)
    return torch.softmax(padded[:, :T_x], dim=-1)


RIGHT = [(check_first_step_weights, first_step_weights), (check_exact_match_by_bucket, exact_match_by_bucket)]

WRONG = [
    (check_first_step_weights, score_zero_past_max_len, "positions past L got weight"),
    (check_exact_match_by_bucket, zero_for_empty, "return None there"),
    (check_exact_match_by_bucket, upper_bound_exclusive, "both ends of a bucket are included"),
]


test_blank_is_not_attempted, test_right_answer_passes, test_wrong_answer_says_why = check_tests(RIGHT, WRONG)
