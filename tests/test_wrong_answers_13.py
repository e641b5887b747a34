"""Wrong answers a student would plausibly write for notebook 13, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import notebook_tests

from rnn_attention.alignment import alignment_error_rate
from rnn_attention.exercises import check_alignment_error_rate, check_attentional_state

# Exercise 13.1: AER = 1 - 2|A n G| / (|A| + |G|) of one pair, A from the arg-max of each row but the EOS row


def _counts(positions, gold):
    A = {(t, int(j)) for t, j in zip(range(len(gold)), positions)}
    G = {(t, j) for t, step in enumerate(gold) for j in step}
    return len(A & G), len(A), len(G)


def aer_right(weights, gold):
    hits, a, g = _counts(weights[:-1].argmax(dim=-1).tolist(), gold)
    return 1 - 2 * hits / (a + g)


def aer_with_sets_and_a_loop(weights, gold):
    A, G = set(), set()
    for i, step in enumerate(gold):
        A.add((i, int(weights[i].argmax())))
        G.update((i, j) for j in step)
    return torch.tensor(1.0 - 2.0 * len(A & G) / (len(A) + len(G)))  # a 0-d tensor is one number too


def aer_through_the_package(weights, gold):
    return alignment_error_rate([weights], [gold])


def argmax_over_the_wrong_axis(weights, gold):
    hits, a, g = _counts(weights.argmax(dim=0).tolist(), gold)
    return 1 - 2 * hits / (a + g)


def counts_the_eos_row(weights, gold):
    positions = weights.argmax(dim=-1).tolist()
    A = {(t, j) for t, j in enumerate(positions)}
    G = {(t, j) for t, step in enumerate(gold) for j in step}
    return 1 - 2 * len(A & G) / (len(A) + len(G))


def one_minus_precision(weights, gold):
    hits, a, g = _counts(weights[:-1].argmax(dim=-1).tolist(), gold)
    return 1 - hits / a


def precision(weights, gold):
    hits, a, g = _counts(weights[:-1].argmax(dim=-1).tolist(), gold)
    return hits / a


def one_minus_recall(weights, gold):
    hits, a, g = _counts(weights[:-1].argmax(dim=-1).tolist(), gold)
    return 1 - hits / g


def the_agreement_not_the_error(weights, gold):
    hits, a, g = _counts(weights[:-1].argmax(dim=-1).tolist(), gold)
    return 2 * hits / (a + g)


def one_aer_per_step(weights, gold):
    return torch.tensor([0.0 if int(weights[t].argmax()) in step else 1.0 for t, step in enumerate(gold)])


# Exercise 13.2: h~_t = tanh(W_c [c_t; s_t])


def state_right(context, previous_state, state, W_c):
    return torch.tanh(torch.cat([context, state], dim=-1) @ W_c.T)


def state_as_a_linear_layer(context, previous_state, state, W_c):
    return torch.tanh(torch.nn.functional.linear(torch.cat([context, state], dim=-1), W_c))


def previous_state(context, previous_state, state, W_c):
    return torch.tanh(torch.cat([context, previous_state], dim=-1) @ W_c.T)


def no_tanh(context, previous_state, state, W_c):
    return torch.cat([context, state], dim=-1) @ W_c.T


def context_and_state_swapped(context, previous_state, state, W_c):
    return torch.tanh(torch.cat([state, context], dim=-1) @ W_c.T)


def previous_state_and_no_tanh(context, previous_state, state, W_c):
    return torch.cat([context, previous_state], dim=-1) @ W_c.T


def w_c_not_transposed(context, previous_state, state, W_c):
    return torch.tanh(torch.cat([context, state], dim=-1) @ W_c)


def sigmoid_instead_of_tanh(context, previous_state, state, W_c):
    return torch.sigmoid(torch.cat([context, state], dim=-1) @ W_c.T)


WRONG = [
    (check_alignment_error_rate, argmax_over_the_wrong_axis, "the arg-max over the wrong axis"),
    (check_alignment_error_rate, counts_the_eos_row, "you counted the EOS row"),
    (check_alignment_error_rate, one_minus_precision, "that is 1 - precision"),
    (check_alignment_error_rate, precision, "that is the precision"),
    (check_alignment_error_rate, one_minus_recall, "that is 1 - recall"),
    (check_alignment_error_rate, the_agreement_not_the_error, "the error rate is 1 minus it"),
    (check_alignment_error_rate, one_aer_per_step, "should have shape ()"),
    (check_alignment_error_rate, aer_through_the_package, "not to call the package's alignment_error_rate"),
    (check_attentional_state, previous_state, "you used s_{t-1}"),
    (check_attentional_state, no_tanh, "there is no tanh"),
    (check_attentional_state, context_and_state_swapped, "the context and the state are swapped"),
    (check_attentional_state, previous_state_and_no_tanh, "s_{t-1} and no tanh"),
    (check_attentional_state, w_c_not_transposed, "so multiply by W_c.T"),
    (check_attentional_state, sigmoid_instead_of_tanh, "differs from the reference"),
]
STEM = "13_alignments_tested"
RIGHT = [
    (check_alignment_error_rate, "aer_from_weights"),
    (check_alignment_error_rate, aer_right),
    (check_alignment_error_rate, aer_with_sets_and_a_loop),
    (check_attentional_state, "attentional_state"),
    (check_attentional_state, state_right),
    (check_attentional_state, state_as_a_linear_layer),
]
pytestmark = pytest.mark.usefixtures("one_thread")


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)
