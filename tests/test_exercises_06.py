"""The checks of notebook 06 (training): blank, right and wrong orders of a decoder step; teacher forcing."""

import torch
from exercise_cases import check_tests

from rnn_attention.exercises import check_decoder_step, check_teacher_forcing


def not_done(*args):
    raise NotImplementedError


def decoder_step(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
    embedded = decoder.embedding(y_prev)  # E y_{i-1}
    context, attn_weights = decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)  # from s_{i-1}
    new_state = decoder.rnn(torch.cat([embedded, context], dim=-1), dec_state)  # s_i
    logits = decoder.output(torch.cat([new_state, context, embedded], dim=-1))
    return logits, new_state, attn_weights


def scored_with_new_state(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
    embedded = decoder.embedding(y_prev)
    context, _ = decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)
    new_state = decoder.rnn(torch.cat([embedded, context], dim=-1), dec_state)
    context, attn_weights = decoder.attention(new_state, enc_outputs, src_mask, projected_keys)  # s_i, not s_{i-1}
    logits = decoder.output(torch.cat([new_state, context, embedded], dim=-1))
    return logits, new_state, attn_weights


def gru_input_swapped(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
    embedded = decoder.embedding(y_prev)
    context, attn_weights = decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)
    new_state = decoder.rnn(torch.cat([context, embedded], dim=-1), dec_state)  # [c_i; E y] instead of [E y; c_i]
    logits = decoder.output(torch.cat([new_state, context, embedded], dim=-1))
    return logits, new_state, attn_weights


def read_out_from_old_state(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
    embedded = decoder.embedding(y_prev)
    context, attn_weights = decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)
    new_state = decoder.rnn(torch.cat([embedded, context], dim=-1), dec_state)
    logits = decoder.output(torch.cat([dec_state, context, embedded], dim=-1))  # s_{i-1} instead of s_i
    return logits, new_state, attn_weights


def teacher_forcing(tgt_ids, sos, eos):
    return torch.cat([torch.tensor([sos]), tgt_ids]), torch.cat([tgt_ids, torch.tensor([eos])])


RIGHT = [(check_decoder_step, decoder_step), (check_teacher_forcing, teacher_forcing)]

WRONG = [
    (check_decoder_step, scored_with_new_state, "scored with the new state s_i"),
    (check_decoder_step, gru_input_swapped, "the embedding first, then the context"),
    (check_decoder_step, read_out_from_old_state, "it sees the new state"),
    (check_decoder_step, lambda d, y, s, h, m, p: decoder_step(d, y, s, h, m, p)[:2], "return three things"),
    (check_decoder_step, lambda d, y, s, h, m, p: d.step(y, s, h, m, p), "not to call decoder.step"),
    (check_teacher_forcing, lambda ids, sos, eos: (torch.cat([torch.tensor([sos]), ids]), ids), "tgt_out"),
    (
        check_teacher_forcing,
        lambda ids, sos, eos: (torch.cat([torch.tensor([eos]), ids]), torch.cat([ids, torch.tensor([sos])])),
        "<sos> and <eos> are swapped",
    ),
]


test_blank_is_not_attempted, test_right_answer_passes, test_wrong_answer_says_why = check_tests(RIGHT, WRONG)
