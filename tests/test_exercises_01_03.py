"""The check functions of notebooks 01-03: blank, right and typical wrong answers."""

import pytest
import torch

from rnn_attention.exercises import (
    check_additive_score,
    check_final_summary,
    check_masked_softmax,
    check_numbers_seen,
    check_score_matrix,
    check_stable_softmax,
)


def not_done(*args):
    raise NotImplementedError


def final_summary(enc_outputs, lengths):
    H = enc_outputs.shape[-1] // 2
    rows = torch.arange(enc_outputs.shape[0])
    return torch.cat([enc_outputs[rows, lengths - 1, :H], enc_outputs[:, 0, H:]], dim=-1)


def additive_score(query, keys, W_a, U_a, v_a):
    return torch.tanh((query @ W_a.T).unsqueeze(1) + keys @ U_a.T) @ v_a


def score_matrix(dec_states, projected_keys, W_a, v_a):
    return torch.tanh((dec_states @ W_a.T).unsqueeze(2) + projected_keys.unsqueeze(1)) @ v_a


def stable_softmax(scores):
    exps = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
    return exps / exps.sum(dim=-1, keepdim=True)


def masked(scores, mask):
    return torch.softmax(scores.masked_fill(~mask, torch.finfo(scores.dtype).min), dim=-1) * mask


RIGHT = [
    (check_final_summary, final_summary),
    (check_numbers_seen, lambda T_x, H: (2 * H, T_x * 2 * H)),
    (check_additive_score, additive_score),
    (check_score_matrix, score_matrix),
    (check_stable_softmax, stable_softmax),
    (check_masked_softmax, masked),
]

WRONG = [
    (check_final_summary, lambda o, l: o[:, -1], "last *real* position"),
    (check_numbers_seen, lambda T_x, H: (H, T_x * H), "expected (without, with)"),
    (check_additive_score, lambda q, k, W, U, v: ((q @ W.T).unsqueeze(1) + k @ U.T) @ v, "differs from the reference"),
    (check_score_matrix, lambda d, p, W, v: score_matrix(d, p, W, v).transpose(1, 2), "should have shape"),
    (check_stable_softmax, lambda s: torch.exp(s) / torch.exp(s).sum(-1, keepdim=True), "Subtract the largest score"),
    (check_masked_softmax, lambda s, m: torch.softmax(s.masked_fill(~m, float("-inf")), -1), "all-padding row"),
    (check_masked_softmax, lambda s, m: torch.softmax(s, -1) * m, "sum to 1"),
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
