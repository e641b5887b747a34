"""The widgets of notebooks 02 and 03, driven without a browser: set a slider, read what it computed."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention.widgets import score_length_widget, softmax_widget


def test_score_widget_number_of_scores_follows_T_x_and_parameters_do_not():
    explorer = score_length_widget(max_len=30, initial_len=7)
    assert explorer.length.description == "source length T_x"
    assert explorer.length.continuous_update is False
    assert explorer.state["n_scores"] == 7 and explorer.state["scores"].shape == (7,)
    params = explorer.state["n_params"]
    assert params == 8 * 3 + 8 * 4 + 8
    first_scores = explorer.state["scores"].clone()
    for T_x in (1, 12, 30):
        explorer.length.value = T_x
        assert explorer.state["T_x"] == T_x
        assert explorer.state["scores"].shape == (T_x,)
        assert explorer.state["n_params"] == params
        assert explorer.state["text"] == f"T_x = {T_x}: {T_x} scores, parameters of a = {params}"
        assert f"T_x = {T_x}" in explorer.figure.axes[0].get_title()
        assert len(explorer.figure.axes[0].patches) == T_x  # one bar per score
    # the score of position j does not depend on how many positions follow it
    assert torch.allclose(explorer.state["scores"][:7], first_scores)


def test_score_widget_rejects_a_bad_initial_length():
    with pytest.raises(ValueError, match="initial_len"):
        score_length_widget(max_len=5, initial_len=9)


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


def test_output_area_shows_the_text_line_and_one_figure():
    explorer = softmax_widget(max_len=20, initial_len=7)
    explorer.length.value = 9
    outputs = explorer.output.outputs
    assert len(outputs) == 2  # redrawn in place: never a growing stack of figures
    assert outputs[0]["text"] == "T_x = 9: 9 weights, sum = 1.000, temperature = 1.0\n"
    assert "image/png" in outputs[1]["data"]
    scores = score_length_widget()
    scores.length.value = 11
    assert scores.output.outputs[0]["text"].startswith("T_x = 11: 11 scores")
