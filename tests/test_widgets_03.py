"""The widget of notebook 03, driven without a browser: set the length and temperature sliders."""

import matplotlib

matplotlib.use("Agg")

import torch

from rnn_attention.widgets import softmax_widget


def test_softmax_widget_weights_sum_to_one_for_every_length_and_temperature():
    explorer = softmax_widget(max_len=20, initial_len=7)
    assert explorer.length.description == "source length T_x"
    assert "temperature" in explorer.temperature.description
    assert explorer.state["text"] == "T_x = 7: 7 weights, sum = 1.000, temperature = 1.0"
    for T_x in (1, 3, 20):
        for tau in (0.1, 1.0, 5.0):
            explorer.length.value = T_x
            explorer.temperature.value = tau
            state = explorer.state
            assert state["n_weights"] == T_x and state["weights"].shape == (T_x,)
            assert abs(state["sum"] - 1.0) < 1e-6
            assert torch.all(state["padded_weights"][T_x:] == 0)  # padding gets exactly 0
            assert not torch.isnan(state["padded_weights"]).any()
            assert len(explorer.figure.axes[0].patches) == T_x


def test_softmax_widget_temperature_sharpens_and_flattens():
    explorer = softmax_widget(max_len=20, initial_len=10)
    explorer.temperature.value = 0.1
    sharp = explorer.state["weights"].max().item()
    explorer.temperature.value = 5.0
    flat = explorer.state["weights"].max().item()
    assert sharp > 0.9 > flat
    assert flat < 2.5 / 10  # close to uniform 1/T_x
