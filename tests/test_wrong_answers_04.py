"""Wrong answers a student would plausibly write for notebook 04, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import notebook_tests

from rnn_attention.exercises import check_context_vector, check_feature_bounds, check_state_gradients

# Exercise 4.1: c_b = sum_j alpha_bj h_bj, (B, S), (B, S, H) -> (B, H)


def plain_sum_of_the_states(attn_weights, enc_outputs):
    return enc_outputs.sum(dim=1)


def plain_average_of_the_states(attn_weights, enc_outputs):
    return enc_outputs.mean(dim=1)


def matmul_broadcasts_to_B_by_B(attn_weights, enc_outputs):
    return attn_weights @ enc_outputs  # (B, S) @ (B, S, H) -> (B, B, H)


def bmm_without_squeeze(attn_weights, enc_outputs):
    return torch.bmm(attn_weights.unsqueeze(1), enc_outputs)


def summed_over_the_features(attn_weights, enc_outputs):
    return (attn_weights.unsqueeze(-1) * enc_outputs).sum(dim=-1)


def weights_without_a_feature_axis(attn_weights, enc_outputs):
    return (attn_weights * enc_outputs).sum(dim=1)


def divided_by_the_length(attn_weights, enc_outputs):
    return (attn_weights.unsqueeze(-1) * enc_outputs).sum(dim=1) / (attn_weights > 0).sum(dim=1, keepdim=True)


# Exercise 4.2: dL/dh_j = alpha_j g, (S,), (H,) -> (S, H)


def whole_gradient_to_every_state(attn_weights, grad_context):
    return grad_context.expand(attn_weights.numel(), -1)


def minus_sign(attn_weights, grad_context):
    return -attn_weights[:, None] * grad_context[None, :]


def softmax_derivative(attn_weights, grad_context):
    return (attn_weights * (1 - attn_weights))[:, None] * grad_context[None, :]


def outer_product_transposed(attn_weights, grad_context):
    return grad_context[:, None] * attn_weights[None, :]


def element_by_element(attn_weights, grad_context):
    return attn_weights * grad_context


# Exercise 4.3: per-feature (low, high) over the positions


def low_and_high_swapped(enc_outputs):
    return enc_outputs.max(dim=0).values, enc_outputs.min(dim=0).values


def bounds_of_all_features_together(enc_outputs):
    H = enc_outputs.shape[1]
    return enc_outputs.min().expand(H), enc_outputs.max().expand(H)


def one_number_each(enc_outputs):
    return enc_outputs.min(), enc_outputs.max()


def values_and_indices(enc_outputs):
    return enc_outputs.min(dim=0), enc_outputs.max(dim=0)


def bounds_per_position(enc_outputs):
    return enc_outputs.min(dim=1).values, enc_outputs.max(dim=1).values


# Other right answers


def context_by_bmm(attn_weights, enc_outputs):
    return torch.bmm(attn_weights.unsqueeze(1), enc_outputs).squeeze(1)


def gradients_as_an_outer_product(attn_weights, grad_context):
    return attn_weights[:, None] * grad_context[None, :]


def bounds_over_dim_0(enc_outputs):
    return enc_outputs.min(0).values, enc_outputs.max(0).values


def weights_the_callers_states_in_place(attn_weights, enc_outputs):
    return enc_outputs.mul_(attn_weights.unsqueeze(-1)).sum(dim=1)


WRONG = [
    (check_context_vector, plain_sum_of_the_states, "plain sum of the h_j"),
    (check_context_vector, plain_average_of_the_states, "plain average"),
    (check_context_vector, matmul_broadcasts_to_B_by_B, "broadcasts into (B, B, H)"),
    (check_context_vector, bmm_without_squeeze, "squeeze the middle axis"),
    (check_context_vector, summed_over_the_features, "that sums over the features"),
    (check_context_vector, weights_without_a_feature_axis, "an axis for the features"),
    (check_context_vector, divided_by_the_length, "the weights already sum to one"),
    (
        check_context_vector,
        weights_the_callers_states_in_place,
        ("changed the caller's weights or encoder states", "mul_"),
    ),
    (check_state_gradients, whole_gradient_to_every_state, "got the whole gradient g"),
    (check_state_gradients, minus_sign, "the minus sign belongs to the gradient-descent step"),
    (check_state_gradients, softmax_derivative, "alpha_j (1 - alpha_j) is the softmax's derivative"),
    (check_state_gradients, outer_product_transposed, "not g[:, None] * alpha"),
    (check_state_gradients, element_by_element, "one gradient per position j"),
    (check_feature_bounds, low_and_high_swapped, "low and high are swapped"),
    (check_feature_bounds, bounds_of_all_features_together, "bounds of all features together"),
    (check_feature_bounds, one_number_each, "one number for all features"),
    (check_feature_bounds, values_and_indices, "take .values"),
    (check_feature_bounds, bounds_per_position, "reduce over the positions (dim 0)"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "04_context_vector"
RIGHT = [
    (check_context_vector, "context_vector"),
    (check_context_vector, context_by_bmm),
    (check_state_gradients, "state_gradients"),
    (check_state_gradients, gradients_as_an_outer_product),
    (check_feature_bounds, "feature_bounds"),
    (check_feature_bounds, bounds_over_dim_0),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)
