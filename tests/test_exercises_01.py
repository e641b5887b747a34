"""The checks of notebook 01 (without attention): blank, right and typical wrong answers."""

import pytest
import torch

from rnn_attention.exercises import check_final_summary, check_numbers_seen


def not_done(*args):
    raise NotImplementedError


def final_summary(enc_outputs, lengths):
    H = enc_outputs.shape[-1] // 2
    rows = torch.arange(enc_outputs.shape[0])
    return torch.cat([enc_outputs[rows, lengths - 1, :H], enc_outputs[:, 0, H:]], dim=-1)


RIGHT = [
    (check_final_summary, final_summary),
    (check_numbers_seen, lambda T_x, H: (2 * H, T_x * 2 * H)),
]

WRONG = [
    (check_final_summary, lambda o, lengths: o[:, -1], "last *real* position"),
    (check_numbers_seen, lambda T_x, H: (H, T_x * H), "count both directions"),
    (check_numbers_seen, lambda T_x, H: (2 * H + 1, T_x * 2 * H), "expected (without, with)"),
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
