"""The widget of notebook 09, driven without a browser: unscaled dot products saturate the softmax as d grows."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention.widgets import scaling_widget


def test_scaling_widget_controls_and_first_view():
    explorer = scaling_widget()
    assert explorer.d.description == "key size d"
    assert explorer.d.continuous_update is False
    assert "sqrt(d)" in explorer.scaled.description
    assert explorer.state["d"] == 16 and explorer.state["scaled"] is False
    assert explorer.state["weights"].shape == (10,)
    assert explorer.state["text"].startswith("d = 16, not scaled")
    assert len(explorer.figure.axes[0].patches) == 10


def test_unscaled_softmax_saturates_as_d_grows():
    explorer = scaling_widget()
    explorer.scaled.value = False
    explorer.d.value = 1
    small = explorer.state
    explorer.d.value = 1024
    large = explorer.state
    assert large["score_std"] > 5 * small["score_std"]
    assert large["max_weight"] > 0.99  # one key takes (almost) everything
    assert large["entropy"] < 0.05
    assert abs(float(large["weights"].sum()) - 1.0) < 1e-9


def test_scaled_softmax_stays_spread_for_every_d():
    explorer = scaling_widget()
    explorer.scaled.value = True
    uniform = math.log(10)
    for d in explorer.d.options:
        explorer.d.value = d
        state = explorer.state
        assert abs(float(state["weights"].sum()) - 1.0) < 1e-9
        assert state["max_weight"] < 0.7
        assert state["entropy"] > 0.5 * uniform
        assert f"d = {d}, scaled by sqrt(d)" in state["text"]
    # scaling divides the unscaled scores by sqrt(d), exactly
    explorer.d.value = 64
    scaled_scores = explorer.state["scores"].clone()
    explorer.scaled.value = False
    assert torch.allclose(explorer.state["scores"] / 8.0, scaled_scores)


def test_scaling_widget_rejects_a_bad_initial_d():
    with pytest.raises(ValueError, match="initial_d"):
        scaling_widget(initial_d=3)
