"""The checks of notebook 08 (attention and long inputs): blank, right and typical wrong answers."""

import pytest
import torch

from rnn_attention import lengths_to_mask
from rnn_attention.exercises import check_exact_match_by_bucket, check_first_step_weights


def not_done(*args):
    raise NotImplementedError


def first_step_weights(model, src, state_of=lambda decoder, enc_outputs, final, mask: decoder.init_state(enc_outputs, final, mask)):
    lengths = torch.tensor([src.shape[1]])
    enc_outputs, final = model.encoder(src, lengths)
    src_mask = lengths_to_mask(lengths, src.shape[1])
    dec_state = state_of(model.decoder, enc_outputs, final, src_mask)  # s_0
    projected_keys = model.decoder.project_keys(enc_outputs)
    return model.decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)[1]


def exact_match_by_bucket(sources, targets, outputs, buckets):
    fractions = []
    for lo, hi in buckets:
        hits = [o == t for s, t, o in zip(sources, targets, outputs) if lo <= len(s) <= hi]
        fractions.append(sum(hits) / len(hits) if hits else None)
    return fractions


def zero_for_empty(sources, targets, outputs, buckets):
    return [0.0 if f is None else f for f in exact_match_by_bucket(sources, targets, outputs, buckets)]


def upper_bound_exclusive(sources, targets, outputs, buckets):
    return exact_match_by_bucket(sources, targets, outputs, [(lo, hi - 1) for lo, hi in buckets])


def zero_start_state(model, src):
    return first_step_weights(model, src, state_of=lambda decoder, enc_outputs, final, mask: torch.zeros(1, decoder.hidden_size))


RIGHT = [(check_first_step_weights, first_step_weights), (check_exact_match_by_bucket, exact_match_by_bucket)]

WRONG = [
    (check_first_step_weights, zero_start_state, "differs from the reference"),
    (check_exact_match_by_bucket, zero_for_empty, "return None there"),
    (check_exact_match_by_bucket, upper_bound_exclusive, "lengths inclusive"),
]


@pytest.mark.parametrize("check, fn", [(c, not_done) for c, _ in RIGHT], ids=lambda x: getattr(x, "__name__", ""))
def test_blank_is_not_attempted(check, fn, capsys):
    assert check(fn).status == "not attempted"
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("check, fn", RIGHT, ids=lambda x: getattr(x, "__name__", ""))
def test_right_answer_passes(check, fn, capsys):
    assert check(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("check, fn, message", WRONG, ids=lambda x: getattr(x, "__name__", "") if callable(x) else "")
def test_wrong_answer_says_why(check, fn, message, capsys):
    assert check(fn).status == "failed"
    assert message in capsys.readouterr().out
