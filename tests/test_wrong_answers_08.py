"""Wrong answers a student would plausibly write for notebook 08, each rejected with a message naming the mistake.

Exercise 8.1 asks what a layer with L = max_len outputs can give a source of T_x
positions: the student decides what happens below L (cut, then softmax) and past L
(no score, weight 0).
"""

import pytest
import torch
from wrong_answers import assert_passes, notebook_tests

from rnn_attention.exercises import check_exact_match_by_bucket, check_first_step_weights

# Exercise 8.1: alpha_1 of the location model for T_x positions, from location.W(s_0) of L scores


def softmax_over_all_L_then_cut(location, s_0, T_x):
    return torch.softmax(location.W(s_0), dim=-1)[:, :T_x]


def cut_the_scores_only(location, s_0, T_x):
    return torch.softmax(location.W(s_0)[:, :T_x], dim=-1)  # (B, L) when T_x > L


def score_0_past_max_len(location, s_0, T_x):
    scores = location.W(s_0)
    B, L = scores.shape
    if T_x <= L:
        return torch.softmax(scores[:, :T_x], dim=-1)
    return torch.softmax(torch.cat([scores, scores.new_zeros(B, T_x - L)], dim=1), dim=-1)


def positions_wrap_around(location, s_0, T_x):
    scores = location.W(s_0)
    return torch.softmax(scores[:, torch.arange(T_x) % scores.shape[1]], dim=-1)


def refuses_a_long_source(location, s_0, T_x):
    if T_x > location.max_len:
        raise ValueError(f"the model cannot attend to {T_x} positions")
    return torch.softmax(location.W(s_0)[:, :T_x], dim=-1)


def calls_the_module(location, s_0, T_x):
    return location(s_0, torch.zeros(s_0.shape[0], T_x, location.key_size))[1]


def one_weight_per_output_of_W(location, s_0, T_x):
    return torch.softmax(location.W(s_0), dim=-1)


# Exercise 8.2: exact match per bucket of source lengths, None for an empty bucket


def _by_bucket(sources, targets, outputs, buckets, length=len, all_pairs=False, scale=1.0, empty=None):
    fractions = []
    for lo, hi in buckets:
        hits = [o == t for s, t, o in zip(sources, targets, outputs) if lo <= length(s) <= hi]
        fractions.append(scale * sum(hits) / (len(sources) if all_pairs else len(hits)) if hits else empty)
    return fractions


def zero_for_an_empty_bucket(sources, targets, outputs, buckets):
    return _by_bucket(sources, targets, outputs, buckets, empty=0.0)


def upper_end_excluded(sources, targets, outputs, buckets):
    return _by_bucket(sources, targets, outputs, [(lo, hi - 1) for lo, hi in buckets])


def length_in_words(sources, targets, outputs, buckets):
    return _by_bucket(sources, targets, outputs, buckets, length=lambda text: len(text.split()))


def divided_by_all_pairs(sources, targets, outputs, buckets):
    return _by_bucket(sources, targets, outputs, buckets, all_pairs=True)


def percentages(sources, targets, outputs, buckets):
    return _by_bucket(sources, targets, outputs, buckets, scale=100.0)


# Other right answers


def cut_then_pad_with_zero_weights(location, s_0, T_x):
    scores = location.W(s_0)  # (B, L)
    L = scores.shape[1]
    weights = torch.softmax(scores[:, : min(T_x, L)], dim=-1)
    return torch.cat([weights, weights.new_zeros(weights.shape[0], max(T_x - L, 0))], dim=1)


def exact_match_bucket_by_bucket(sources, targets, outputs, buckets):
    return _by_bucket(sources, targets, outputs, buckets)


WRONG = [
    (check_first_step_weights, softmax_over_all_L_then_cut, "Cut the scores to the sentence's T_x positions first"),
    (check_first_step_weights, cut_the_scores_only, "what do the others get?"),
    (
        check_first_step_weights,
        score_0_past_max_len,
        ("positions past L got weight", "no row of W, no parameter at all"),
    ),
    (check_first_step_weights, positions_wrap_around, "no row of W, no parameter at all"),
    (check_first_step_weights, refuses_a_long_source, "The model does not refuse a long source"),
    (check_first_step_weights, calls_the_module, "not by calling location"),
    (check_first_step_weights, one_weight_per_output_of_W, "not one per output of W"),
    (check_exact_match_by_bucket, zero_for_an_empty_bucket, "return None there"),
    (check_exact_match_by_bucket, upper_end_excluded, "both ends of a bucket are included"),
    (check_exact_match_by_bucket, length_in_words, "counts characters"),
    (check_exact_match_by_bucket, divided_by_all_pairs, "not by all pairs"),
    (check_exact_match_by_bucket, percentages, "not percentages"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "08_long_inputs"
RIGHT = [
    (check_first_step_weights, "first_step_weights"),
    (check_first_step_weights, cut_then_pad_with_zero_weights),
    (check_exact_match_by_bucket, "exact_match_by_bucket"),
    (check_exact_match_by_bucket, exact_match_bucket_by_bucket),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)


def test_filling_past_max_len_with_the_lowest_score_passes_too():
    def fill(location, s_0, T_x):
        scores = location.W(s_0)
        B, L = scores.shape
        if T_x <= L:
            return torch.softmax(scores[:, :T_x], dim=-1)
        low = torch.full((B, T_x - L), torch.finfo(scores.dtype).min)
        return torch.softmax(torch.cat([scores, low], dim=1), dim=-1)

    assert_passes(check_first_step_weights, fill)
