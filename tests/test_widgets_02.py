"""The widget of notebook 02, driven without a browser: set the T_x slider, read what it computed."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention.widgets import score_length_widget


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
