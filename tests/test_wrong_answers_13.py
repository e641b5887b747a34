"""Wrong answers a student would plausibly write for notebook 13, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import notebook_tests

from rnn_attention.alignment import alignment_error_rate
from rnn_attention.exercises import check_alignment_error_rate, check_attentional_state, check_luong_step

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


# Exercise 13.3: one step of Luong's decoder, (logits, s_i, h~_i)


def luong_right(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), h_tilde_prev], dim=-1), s_prev)
    context, _ = decoder.attention(s, enc_outputs, src_mask)
    h_tilde = torch.tanh(decoder.W_c(torch.cat([context, s], dim=-1)))
    return decoder.output(h_tilde), s, h_tilde


def luong_with_explicit_weights(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), h_tilde_prev], dim=-1), s_prev)
    scores = torch.einsum("bk,bsk->bs", s, enc_outputs).masked_fill(~src_mask, float("-inf"))
    context = torch.einsum("bs,bsk->bk", torch.softmax(scores, dim=-1), enc_outputs)
    h_tilde = torch.tanh(torch.cat([context, s], dim=-1) @ decoder.W_c.weight.T)
    return h_tilde @ decoder.output.weight.T + decoder.output.bias, s, h_tilde


def luong_scores_with_the_previous_state(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    context, _ = decoder.attention(s_prev, enc_outputs, src_mask)  # Bahdanau's order
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), h_tilde_prev], dim=-1), s_prev)
    h_tilde = torch.tanh(decoder.W_c(torch.cat([context, s], dim=-1)))
    return decoder.output(h_tilde), s, h_tilde


def luong_without_input_feeding(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), torch.zeros_like(h_tilde_prev)], dim=-1), s_prev)
    context, _ = decoder.attention(s, enc_outputs, src_mask)
    h_tilde = torch.tanh(decoder.W_c(torch.cat([context, s], dim=-1)))
    return decoder.output(h_tilde), s, h_tilde


def luong_feeding_first(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    s = decoder.rnn(torch.cat([h_tilde_prev, decoder.embedding(y_prev)], dim=-1), s_prev)
    context, _ = decoder.attention(s, enc_outputs, src_mask)
    h_tilde = torch.tanh(decoder.W_c(torch.cat([context, s], dim=-1)))
    return decoder.output(h_tilde), s, h_tilde


def luong_no_tanh(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), h_tilde_prev], dim=-1), s_prev)
    context, _ = decoder.attention(s, enc_outputs, src_mask)
    h_tilde = decoder.W_c(torch.cat([context, s], dim=-1))
    return decoder.output(h_tilde), s, h_tilde


def luong_state_and_context_swapped(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), h_tilde_prev], dim=-1), s_prev)
    context, _ = decoder.attention(s, enc_outputs, src_mask)
    h_tilde = torch.tanh(decoder.W_c(torch.cat([s, context], dim=-1)))
    return decoder.output(h_tilde), s, h_tilde


def luong_reads_out_the_state(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), h_tilde_prev], dim=-1), s_prev)
    context, _ = decoder.attention(s, enc_outputs, src_mask)
    h_tilde = torch.tanh(decoder.W_c(torch.cat([context, s], dim=-1)))
    return decoder.output(s), s, h_tilde


def luong_attentional_state_from_the_previous_state(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), h_tilde_prev], dim=-1), s_prev)
    context, _ = decoder.attention(s, enc_outputs, src_mask)
    h_tilde = torch.tanh(decoder.W_c(torch.cat([context, s_prev], dim=-1)))
    return decoder.output(h_tilde), s, h_tilde


def luong_calls_the_ready_made_step(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    logits, carried, _ = decoder.step(y_prev, torch.cat([s_prev, h_tilde_prev], dim=-1), enc_outputs, src_mask, None)
    return logits, *decoder.split_state(carried)


def luong_probabilities(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    logits, s, h_tilde = luong_right(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask)
    return torch.softmax(logits, dim=-1), s, h_tilde


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
    (check_luong_step, luong_scores_with_the_previous_state, "alpha_i was scored with s_{i-1}"),
    (check_luong_step, luong_without_input_feeding, "did not reach the GRU (input feeding)"),
    (check_luong_step, luong_feeding_first, "the embedding first"),
    (check_luong_step, luong_no_tanh, "there is no tanh in h~_i"),
    (check_luong_step, luong_state_and_context_swapped, "the context and the state are swapped"),
    (check_luong_step, luong_reads_out_the_state, "the read-out is W_s h~_i"),
    (check_luong_step, luong_attentional_state_from_the_previous_state, "h~_i was built from s_{i-1}"),
    (check_luong_step, luong_calls_the_ready_made_step, "not to call decoder.step"),
    (check_luong_step, luong_probabilities, "logits"),
]
STEM = "13_alignments_tested"
RIGHT = [
    (check_alignment_error_rate, "aer_from_weights"),
    (check_alignment_error_rate, aer_right),
    (check_alignment_error_rate, aer_with_sets_and_a_loop),
    (check_attentional_state, "attentional_state"),
    (check_attentional_state, state_right),
    (check_attentional_state, state_as_a_linear_layer),
    (check_luong_step, "luong_step"),
    (check_luong_step, luong_right),
    (check_luong_step, luong_with_explicit_weights),
]
pytestmark = pytest.mark.usefixtures("one_thread")


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)
