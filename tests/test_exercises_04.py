"""The checks of notebook 04 (the context vector): blank, right and typical wrong answers."""

import torch

from rnn_attention.exercises import check_context_vector, check_feature_bounds, check_state_gradients


def not_done(*args):
    raise NotImplementedError


def test_checks_of_notebook_04(capsys):
    assert check_context_vector(not_done).status == "not attempted"
    assert check_context_vector(lambda w, h: torch.bmm(w.unsqueeze(1), h).squeeze(1))
    assert check_context_vector(lambda w, h: h.sum(1)).status == "failed"  # forgot the weights
    assert check_state_gradients(lambda a, g: a[:, None] * g[None, :])
    assert check_state_gradients(lambda a, g: g.expand(a.numel(), -1)).status == "failed"  # forgot alpha
    assert check_feature_bounds(lambda h: (h.min(0).values, h.max(0).values))
    assert check_feature_bounds(lambda h: (h.min(1).values, h.max(1).values)).status == "failed"
    out = capsys.readouterr().out
    assert out.count("passed") == 3 and "not attempted yet" in out
