"""Wrong answers a student would plausibly write for notebook 02, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import assert_passes, notebook_tests

from rnn_attention import AdditiveAttention
from rnn_attention.exercises import check_additive_score, check_score_matrix

# Exercise 2.1: e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j), all positions at once


def tanh_of_each_term(query, keys, W_a, U_a, v_a):
    return (torch.tanh(query @ W_a.T).unsqueeze(1) + torch.tanh(keys @ U_a.T)) @ v_a


def no_tanh(query, keys, W_a, U_a, v_a):
    return ((query @ W_a.T).unsqueeze(1) + keys @ U_a.T) @ v_a


def v_a_before_the_tanh(query, keys, W_a, U_a, v_a):
    return torch.tanh(((query @ W_a.T).unsqueeze(1) + keys @ U_a.T) @ v_a)


def query_without_a_length_axis(query, keys, W_a, U_a, v_a):
    return torch.tanh(query @ W_a.T + keys @ U_a.T) @ v_a  # right for B = 1, silently wrong for B = S


def loop_over_positions(query, keys, W_a, U_a, v_a):
    return torch.stack([torch.tanh(query @ W_a.T + keys[:, j] @ U_a.T) @ v_a for j in range(keys.shape[1])], dim=1)


def loop_over_unbound_positions(query, keys, W_a, U_a, v_a):
    return torch.stack([torch.tanh(query @ W_a.T + h @ U_a.T) @ v_a for h in keys.unbind(1)], dim=1)


def calls_the_package_score(query, keys, W_a, U_a, v_a):
    attention = AdditiveAttention(W_a.shape[1], U_a.shape[1], W_a.shape[0])
    with torch.no_grad():
        attention.W_a.weight.copy_(W_a)
        attention.U_a.weight.copy_(U_a)
        attention.v_a.weight.copy_(v_a.unsqueeze(0))
    return attention.score(query, keys)


# Exercise 2.2: (B, T, S) scores from keys projected once


def _queries(dec_states, W_a):
    return dec_states @ W_a.T  # (B, T, A)


def matrix_transposed(dec_states, projected_keys, W_a, v_a):
    return torch.tanh(projected_keys.unsqueeze(2) + _queries(dec_states, W_a).unsqueeze(1)) @ v_a  # (B, S, T)


def first_state_for_every_step(dec_states, projected_keys, W_a, v_a):
    first = _queries(dec_states[:, :1], W_a)  # (B, 1, A)
    scores = torch.tanh(first + projected_keys) @ v_a  # (B, S)
    return scores.unsqueeze(1).expand(-1, dec_states.shape[1], -1)


def tanh_of_each_term_in_the_matrix(dec_states, projected_keys, W_a, v_a):
    return (torch.tanh(_queries(dec_states, W_a)).unsqueeze(2) + torch.tanh(projected_keys).unsqueeze(1)) @ v_a


def v_a_before_the_tanh_in_the_matrix(dec_states, projected_keys, W_a, v_a):
    return torch.tanh((_queries(dec_states, W_a).unsqueeze(2) + projected_keys.unsqueeze(1)) @ v_a)


def no_axes_for_i_and_j(dec_states, projected_keys, W_a, v_a):
    return torch.tanh(_queries(dec_states, W_a) + projected_keys) @ v_a


# Other right answers


def additive_score_by_broadcasting(query, keys, W_a, U_a, v_a):
    return torch.tanh((query @ W_a.T).unsqueeze(1) + keys @ U_a.T) @ v_a


def score_matrix_by_broadcasting(dec_states, projected_keys, W_a, v_a):
    return torch.tanh((dec_states @ W_a.T).unsqueeze(2) + projected_keys.unsqueeze(1)) @ v_a


WRONG = [
    (check_additive_score, tanh_of_each_term, "tanh was applied to each term separately"),
    (check_additive_score, no_tanh, "the tanh is missing"),
    (check_additive_score, v_a_before_the_tanh, "v_a^T comes after the tanh"),
    (check_additive_score, query_without_a_length_axis, "give the first a length axis"),
    (check_additive_score, loop_over_positions, "a loop over the positions"),
    (check_additive_score, loop_over_unbound_positions, "a loop over the positions"),
    (check_additive_score, calls_the_package_score, "not with AdditiveAttention.score"),
    (check_score_matrix, matrix_transposed, "rows are the decoder steps"),
    (check_score_matrix, first_state_for_every_step, "scored with the first decoder state"),
    (check_score_matrix, tanh_of_each_term_in_the_matrix, "tanh was applied to each term separately"),
    (check_score_matrix, v_a_before_the_tanh_in_the_matrix, "v_a^T comes after the tanh"),
    (check_score_matrix, no_axes_for_i_and_j, "give the first an axis for j"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "02_alignment_scores"
RIGHT = [
    (check_additive_score, "additive_score"),
    (check_additive_score, additive_score_by_broadcasting),
    (check_score_matrix, "score_matrix"),
    (check_score_matrix, score_matrix_by_broadcasting),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)


def test_a_loop_over_the_batch_is_allowed():
    """Only a loop over the positions j is refused: a loop over the B sentences is still all positions at once."""

    def loop_over_sentences(query, keys, W_a, U_a, v_a):
        rows = [torch.tanh((query[b] @ W_a.T) + keys[b] @ U_a.T) @ v_a for b in range(keys.shape[0])]
        return torch.stack(rows)

    assert_passes(check_additive_score, loop_over_sentences)
