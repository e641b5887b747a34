"""Wrong answers a student would plausibly write for notebook 06, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import notebook_tests

from rnn_attention.data import collate
from rnn_attention.exercises import check_decoder_step, check_teacher_forcing

# Exercise 6.1: one step from its pieces: alpha_i from s_{i-1}, s_i = GRU([E y; c_i], s_{i-1}), W_o [s_i; c_i; E y]


def _step(
    decoder,
    y_prev,
    dec_state,
    enc_outputs,
    src_mask,
    projected_keys,
    score_with_new=False,
    gru_order="ec",
    read_out="scE",
    mask=True,
    softmax=False,
):
    embedded = decoder.embedding(y_prev)
    context, attn_weights = decoder.attention(dec_state, enc_outputs, src_mask if mask else None, projected_keys)
    parts = {"e": embedded, "c": context}
    new_state = decoder.rnn(torch.cat([parts[k] for k in gru_order], dim=-1), dec_state)
    if score_with_new:
        context, attn_weights = decoder.attention(new_state, enc_outputs, src_mask, projected_keys)
    parts = {"s": new_state, "o": dec_state, "c": context, "E": embedded}
    logits = decoder.output(torch.cat([parts[k] for k in read_out], dim=-1))
    return (torch.softmax(logits, dim=-1) if softmax else logits), new_state, attn_weights


def scored_with_the_new_state(*args):
    return _step(*args, score_with_new=True)


def gru_reads_context_then_embedding(*args):
    return _step(*args, gru_order="ce")


def read_out_from_the_old_state(*args):
    return _step(*args, read_out="ocE")


def read_out_in_another_order(*args):
    return _step(*args, read_out="csE")


def attention_without_the_mask(*args):
    return _step(*args, mask=False)


def returns_probabilities(*args):
    return _step(*args, softmax=True)


def calls_decoder_step(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
    return decoder.step(y_prev, dec_state, enc_outputs, src_mask, projected_keys)


def returns_two_things(*args):
    return _step(*args)[:2]


# Exercise 6.2: tgt_in = <sos> y_1..y_n, tgt_out = y_1..y_n <eos>


def _one(value, like):
    return torch.tensor([value], dtype=like.dtype)


def tgt_out_without_eos(tgt_ids, sos, eos):
    return torch.cat([_one(sos, tgt_ids), tgt_ids]), tgt_ids


def sos_and_eos_swapped(tgt_ids, sos, eos):
    return torch.cat([_one(eos, tgt_ids), tgt_ids]), torch.cat([tgt_ids, _one(sos, tgt_ids)])


def pair_swapped(tgt_ids, sos, eos):
    return torch.cat([tgt_ids, _one(eos, tgt_ids)]), torch.cat([_one(sos, tgt_ids), tgt_ids])


def float_ids_from_torch_Tensor(tgt_ids, sos, eos):
    return torch.cat([torch.Tensor([sos]), tgt_ids]), torch.cat([tgt_ids, torch.Tensor([eos])])


def both_markers_on_both(tgt_ids, sos, eos):
    both = torch.cat([_one(sos, tgt_ids), tgt_ids, _one(eos, tgt_ids)])
    return both, both


def sos_after_the_target(tgt_ids, sos, eos):
    return torch.cat([tgt_ids, _one(sos, tgt_ids)]), torch.cat([tgt_ids, _one(eos, tgt_ids)])


def reads_them_off_a_collated_batch(tgt_ids, sos, eos):
    batch = collate([(torch.tensor([4]), tgt_ids, "x", "y")])
    return batch.tgt_in[0], batch.tgt_out[0]


# Other right answers


def decoder_step_written_out(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
    embedded = decoder.embedding(y_prev)  # E y_{i-1}
    context, attn_weights = decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)  # from s_{i-1}
    new_state = decoder.rnn(torch.cat([embedded, context], dim=-1), dec_state)  # s_i
    logits = decoder.output(torch.cat([new_state, context, embedded], dim=-1))
    return logits, new_state, attn_weights


def teacher_forcing_with_int64_markers(tgt_ids, sos, eos):
    return torch.cat([torch.tensor([sos]), tgt_ids]), torch.cat([tgt_ids, torch.tensor([eos])])


WRONG = [
    (check_decoder_step, scored_with_the_new_state, "scored with the new state s_i"),
    (check_decoder_step, gru_reads_context_then_embedding, "the embedding first, then the context"),
    (check_decoder_step, read_out_from_the_old_state, "it sees the new state"),
    (check_decoder_step, read_out_in_another_order, "the new state, the context, the embedding"),
    (check_decoder_step, attention_without_the_mask, "pass src_mask"),
    (check_decoder_step, returns_probabilities, "return the logits"),
    (check_decoder_step, calls_decoder_step, "not to call decoder.step"),
    (check_decoder_step, returns_two_things, "return three things"),
    (check_teacher_forcing, tgt_out_without_eos, "tgt_out has n symbols"),
    (check_teacher_forcing, sos_and_eos_swapped, "<sos> and <eos> are swapped"),
    (check_teacher_forcing, pair_swapped, "the pair is swapped"),
    (check_teacher_forcing, float_ids_from_torch_Tensor, "torch.Tensor([sos]) makes a float tensor"),
    (check_teacher_forcing, both_markers_on_both, "has n + 2 symbols"),
    (check_teacher_forcing, sos_after_the_target, "<sos> goes in front"),
    (check_teacher_forcing, reads_them_off_a_collated_batch, "not to read them off a batch made by collate"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "06_training"
RIGHT = [
    (check_decoder_step, "decoder_step"),
    (check_decoder_step, decoder_step_written_out),
    (check_teacher_forcing, "teacher_forcing"),
    (check_teacher_forcing, teacher_forcing_with_int64_markers),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)


def read_out_with_the_context_of_the_new_state(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
    embedded = decoder.embedding(y_prev)
    context, attn_weights = decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)
    new_state = decoder.rnn(torch.cat([embedded, context], dim=-1), dec_state)
    later_context, _ = decoder.attention(new_state, enc_outputs, src_mask, projected_keys)
    return decoder.output(torch.cat([new_state, later_context, embedded], dim=-1)), new_state, attn_weights


def test_a_message_shows_values_that_differ():
    """The row and position printed are where expected and given differ most, not a row where they agree."""
    from wrong_answers import verdict

    message = verdict(check_decoder_step, read_out_with_the_context_of_the_new_state).message
    assert "logits" in message and "most at row" in message
    shown = [line.split(":", 1)[1] for line in message.splitlines() if "expected:" in line or "given:" in line]
    expected, given = shown
    assert expected != given
