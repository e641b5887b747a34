"""Wrong answers a student would plausibly write for notebook 00, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import assert_passes, notebook_tests

from rnn_attention.exercises import check_score_param_count, check_weighted_sum

# Exercise 0.1: c = sum_j alpha_j h_j


def plain_sum_without_weights(alpha, enc_outputs):
    return enc_outputs.sum(dim=0)


def plain_average(alpha, enc_outputs):
    return enc_outputs.mean(dim=0)


def divided_by_length(alpha, enc_outputs):
    return alpha @ enc_outputs / len(alpha)


def summed_over_features(alpha, enc_outputs):
    return (alpha.unsqueeze(1) * enc_outputs).sum(dim=1)


def terms_not_summed(alpha, enc_outputs):
    return alpha.unsqueeze(1) * enc_outputs


# Exercise 0.2: A*Dq + A*Dk + A parameters


def forgot_v_a(query_size, key_size, attn_size):
    return attn_size * (query_size + key_size)


def v_a_counted_as_one_number(query_size, key_size, attn_size):
    return attn_size * (query_size + key_size) + 1


def counted_biases(query_size, key_size, attn_size):
    return attn_size * query_size + attn_size + attn_size * key_size + attn_size + attn_size + 1


def added_the_sizes(query_size, key_size, attn_size):
    return query_size + key_size + attn_size


def divides_by_zero(query_size, key_size, attn_size):
    return 1 / 0  # the student's error is reported, never raised into the notebook


def count_in_one_product(query_size, key_size, attn_size):
    return attn_size * (query_size + key_size + 1)


WRONG = [
    (check_weighted_sum, plain_sum_without_weights, "plain sum of the h_j"),
    (check_weighted_sum, plain_average, "plain average"),
    (check_weighted_sum, divided_by_length, "divided by T_x"),
    (check_weighted_sum, summed_over_features, "sum over the positions j (dim 0)"),
    (check_weighted_sum, terms_not_summed, ("should have shape (4,)", "add them up over j")),
    (check_score_param_count, forgot_v_a, "v_a is missing"),
    (check_score_param_count, v_a_counted_as_one_number, "it holds A numbers, not 1"),
    (check_score_param_count, counted_biases, "have no bias"),
    (check_score_param_count, added_the_sizes, "multiply the sizes"),
    (check_score_param_count, divides_by_zero, "your code raised ZeroDivisionError"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "00_the_question"
RIGHT = [
    (check_weighted_sum, "weighted_sum"),
    (check_score_param_count, "count_score_params"),
    (check_score_param_count, count_in_one_product),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)


def test_a_matrix_product_passes_too():
    assert_passes(check_weighted_sum, lambda alpha, h: alpha @ h)
    assert_passes(check_weighted_sum, lambda alpha, h: torch.einsum("j,jd->d", alpha, h))
