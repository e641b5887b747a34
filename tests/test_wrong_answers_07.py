"""Wrong answers a student would plausibly write for notebook 07, each rejected with a message naming the mistake."""

import math

import pytest
import torch
from wrong_answers import assert_passes, notebook_tests

from rnn_attention.evaluate import row_entropy
from rnn_attention.exercises import check_hard_alignment, check_row_entropy

# Exercise 7.1: the position j of the largest alpha_ij, for each row i


def argmax_over_the_rows(weights):
    return weights.argmax(dim=0)


def argmin(weights):
    return weights.argmin(dim=-1)


def the_largest_weights(weights):
    return weights.max(dim=-1).values


def positions_from_one(weights):
    return weights.argmax(dim=-1) + 1


def values_and_indices(weights):
    return weights.max(dim=-1)


# Exercise 7.2: H_i = -sum_j alpha_ij log alpha_ij, 0 log 0 = 0


def _terms(weights):
    return torch.special.xlogy(weights, weights)  # alpha log alpha, 0 where alpha = 0


def nan_for_zero_weights(weights):
    return -(weights * weights.log()).sum(dim=-1)


def summed_over_the_rows(weights):
    return -_terms(weights).sum(dim=0)


def no_minus_sign(weights):
    return _terms(weights).sum(dim=-1)


def in_bits(weights):
    return -_terms(weights).sum(dim=-1) / math.log(2)


def mean_instead_of_sum(weights):
    return -_terms(weights).mean(dim=-1)


def normalised_by_log_length(weights):
    length = weights.shape[-1]
    return -_terms(weights).sum(dim=-1) / (math.log(length) if length > 1 else 1.0)


def calls_the_package(weights):
    return row_entropy(weights)


def one_number_for_the_matrix(weights):
    return -_terms(weights).sum()


# Other right answers


def argmax_of_each_row(weights):
    return weights.argmax(dim=-1)


def entropy_with_xlogy(weights):
    return -torch.special.xlogy(weights, weights).sum(dim=-1)


WRONG = [
    (
        check_hard_alignment,
        argmax_over_the_rows,
        ("should have shape (3,)", "the source positions j run along the last axis"),
    ),
    (check_hard_alignment, argmin, "that is the smallest weight of each row"),
    (check_hard_alignment, the_largest_weights, "return their positions"),
    (check_hard_alignment, positions_from_one, "positions count from 0"),
    (check_hard_alignment, values_and_indices, ".indices for the positions"),
    (check_row_entropy, nan_for_zero_weights, "0 * log 0 = nan"),
    (check_row_entropy, summed_over_the_rows, ("should have shape", "one entropy per column")),
    (check_row_entropy, no_minus_sign, "keep the minus sign"),
    (check_row_entropy, in_bits, "the natural log"),
    (check_row_entropy, mean_instead_of_sum, "that is a mean over j"),
    (check_row_entropy, normalised_by_log_length, "not normalised by log T_x"),
    (check_row_entropy, calls_the_package, "not to call the package's row_entropy"),
    (check_row_entropy, one_number_for_the_matrix, "one number for the whole matrix"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "07_alignments"
RIGHT = [
    (check_hard_alignment, "hard_alignment"),
    (check_hard_alignment, argmax_of_each_row),
    (check_row_entropy, "row_entropy"),
    (check_row_entropy, entropy_with_xlogy),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)


def test_masking_the_zeros_by_hand_passes_too():
    assert_passes(check_row_entropy, lambda w: -(w * torch.where(w > 0, w.log(), 0.0)).sum(dim=-1))
