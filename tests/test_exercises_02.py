"""The checks of notebook 02 (alignment scores): blank, right and typical wrong answers."""

import pytest
import torch

from rnn_attention.exercises import check_additive_score, check_score_matrix


def not_done(*args):
    raise NotImplementedError


def additive_score(query, keys, W_a, U_a, v_a):
    return torch.tanh((query @ W_a.T).unsqueeze(1) + keys @ U_a.T) @ v_a


def score_matrix(dec_states, projected_keys, W_a, v_a):
    return torch.tanh((dec_states @ W_a.T).unsqueeze(2) + projected_keys.unsqueeze(1)) @ v_a


RIGHT = [
    (check_additive_score, additive_score),
    (check_score_matrix, score_matrix),
]

WRONG = [
    (check_additive_score, lambda q, k, W, U, v: ((q @ W.T).unsqueeze(1) + k @ U.T) @ v, "the tanh is missing"),
    (check_score_matrix, lambda d, p, W, v: score_matrix(d, p, W, v).transpose(1, 2), "rows are the decoder steps"),
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
