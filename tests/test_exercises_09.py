"""The check functions of notebook 09: blank, right and typical wrong answers; never raising."""

import math

import pytest
import torch

from rnn_attention.exercises import check_general_score, check_scaled_dot_scores, check_self_attention_weights


def not_done(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [check_scaled_dot_scores, check_general_score, check_self_attention_weights])
def test_blank_exercises_report_not_attempted(check, capsys):
    result = check(not_done)
    assert result.status == "not attempted" and not result
    assert "not attempted yet" in capsys.readouterr().out


def test_scaled_dot_scores_right_and_unscaled(capsys):
    assert check_scaled_dot_scores(lambda q, k: q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]))
    result = check_scaled_dot_scores(lambda q, k: q @ k.transpose(1, 2))  # forgot sqrt(d)
    assert result.status == "failed"
    assert "without the division by sqrt(d)" in capsys.readouterr().out
    result = check_scaled_dot_scores(lambda q, k: k @ q.transpose(1, 2) / math.sqrt(q.shape[-1]))  # (B, S, T)
    assert result.status == "failed"


def test_general_score_right_and_transposed_W(capsys):
    assert check_general_score(lambda s, h, W: torch.einsum("bq,qk,bsk->bs", s, W, h))
    # W^T instead of W: right on the symmetric pencil example, wrong (or a shape error) on the random ones
    result = check_general_score(lambda s, h, W: torch.einsum("bq,kq,bsk->bs", s, W, h))
    assert result.status == "failed"
    out = capsys.readouterr().out
    assert "not yet right" in out or "your code raised" in out


def test_self_attention_weights_right_and_wrong_softmax_dim(capsys):
    def right(X, W_q, W_k):
        Q, K = X @ W_q, X @ W_k
        return torch.softmax(Q @ K.transpose(1, 2) / math.sqrt(W_q.shape[1]), dim=-1)

    def wrong_dim(X, W_q, W_k):
        Q, K = X @ W_q, X @ W_k
        return torch.softmax(Q @ K.transpose(1, 2) / math.sqrt(W_q.shape[1]), dim=1)

    assert check_self_attention_weights(right)
    result = check_self_attention_weights(wrong_dim)
    assert result.status == "failed"
    assert "must sum to 1" in capsys.readouterr().out
