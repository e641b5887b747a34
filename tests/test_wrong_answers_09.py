"""Wrong answers a student would plausibly write for notebook 09, each rejected with a message naming the mistake."""

import math

import pytest
import torch
from wrong_answers import notebook_tests

from rnn_attention import GeneralAttention, scaled_dot_product_attention
from rnn_attention.exercises import check_general_score, check_scaled_dot_scores, check_self_attention_weights

# Exercise 9.1: e_j = s^T W h_j, (B, Dq), (B, S, Dk), (Dq, Dk) -> (B, S)


def W_transposed(query, keys, W):
    return torch.einsum("bq,kq,bsk->bs", query, W, keys)


def dot_score_without_W(query, keys, W):
    return torch.einsum("bq,bsq->bs", query, keys)


def calls_general_attention(query, keys, W):
    attention = GeneralAttention(W.shape[0], W.shape[1])
    with torch.no_grad():
        attention.W_a.weight.copy_(W)
    return attention.score(query, keys)


def length_1_axis_kept(query, keys, W):
    return (query @ W).unsqueeze(1) @ keys.transpose(1, 2)  # (B, 1, S)


def shapes_that_do_not_line_up(query, keys, W):
    return query @ W @ keys


# Exercise 9.2: e_ij = q_i . k_j / sqrt(d), (B, T, d), (B, S, d) -> (B, T, S)


def _dots(query, keys):
    return query @ keys.transpose(1, 2)


def unscaled(query, keys):
    return _dots(query, keys)


def divided_by_d(query, keys):
    return _dots(query, keys) / query.shape[-1]


def scaled_by_the_number_of_keys(query, keys):
    return _dots(query, keys) / math.sqrt(keys.shape[1])


def keys_times_queries(query, keys):
    return keys @ query.transpose(1, 2) / math.sqrt(query.shape[-1])


# Exercise 9.3: alpha = softmax(X W_q (X W_k)^T / sqrt(d)), (B, T, T)


def _scores(X, W_q, W_k):
    return (X @ W_q) @ (X @ W_k).transpose(1, 2)


def softmax_over_the_queries(X, W_q, W_k):
    return torch.softmax(_scores(X, W_q, W_k) / math.sqrt(W_q.shape[1]), dim=1)


def not_scaled(X, W_q, W_k):
    return torch.softmax(_scores(X, W_q, W_k), dim=-1)


def scaled_by_the_input_size(X, W_q, W_k):
    return torch.softmax(_scores(X, W_q, W_k) / math.sqrt(X.shape[-1]), dim=-1)


def inputs_without_projections(X, W_q, W_k):
    return torch.softmax(X @ X.transpose(1, 2) / math.sqrt(W_q.shape[1]), dim=-1)


def calls_the_package(X, W_q, W_k):
    Q, K = X @ W_q, X @ W_k
    return scaled_dot_product_attention(Q, K, K)[1]


# Other right answers


def general_score_by_einsum(query, keys, W):
    return torch.einsum("bq,qk,bsk->bs", query, W, keys)


def scaled_dot_scores_by_matmul(query, keys):
    return query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])


def self_attention_weights_written_out(X, W_q, W_k):
    Q, K = X @ W_q, X @ W_k
    return torch.softmax(Q @ K.transpose(1, 2) / math.sqrt(W_q.shape[1]), dim=-1)


WRONG = [
    (check_general_score, W_transposed, "that is s^T W^T h_j"),
    (check_general_score, dot_score_without_W, "that is the dot score"),
    (check_general_score, calls_general_attention, "not with GeneralAttention"),
    (check_general_score, length_1_axis_kept, "squeeze the length-1 axis"),
    (check_general_score, shapes_that_do_not_line_up, "W h_j for every j is keys @ W.T"),
    (check_scaled_dot_scores, unscaled, "without the division by sqrt(d)"),
    (check_scaled_dot_scores, divided_by_d, "divides by sqrt(d)"),
    (check_scaled_dot_scores, scaled_by_the_number_of_keys, "not the number of keys S"),
    (check_scaled_dot_scores, keys_times_queries, "rows are the queries i"),
    (check_self_attention_weights, softmax_over_the_queries, ("must sum to 1", "softmax over the last dimension")),
    (check_self_attention_weights, not_scaled, "not divided by sqrt(d)"),
    (check_self_attention_weights, scaled_by_the_input_size, "not the input size E"),
    (check_self_attention_weights, inputs_without_projections, "not the inputs X themselves"),
    (check_self_attention_weights, calls_the_package, "not with the package's scaled_dot_product_attention"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "09_other_scores"
RIGHT = [
    (check_general_score, "general_score"),
    (check_general_score, general_score_by_einsum),
    (check_scaled_dot_scores, "scaled_dot_scores"),
    (check_scaled_dot_scores, scaled_dot_scores_by_matmul),
    (check_self_attention_weights, "self_attention_weights"),
    (check_self_attention_weights, self_attention_weights_written_out),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)
