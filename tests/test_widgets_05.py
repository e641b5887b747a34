"""The widget of notebook 05, driven without a browser: a padded batch, its mask and its weights."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention import lengths_to_mask
from rnn_attention.widgets import padded_batch_widget
from rnn_attention.widgets.notebook05 import random_lengths


def test_batch_widget_starts_meaningful_and_names_its_sliders():
    explorer = padded_batch_widget(initial_batch=4, initial_len=9)
    assert explorer.max_len.description == "maximum source length S"
    assert explorer.batch_size.description == "batch size B"
    assert explorer.max_len.continuous_update is False and explorer.batch_size.continuous_update is False
    state = explorer.state
    assert state["mask"].shape == (4, 9) and state["weights"].shape == (4, 9)
    assert state["text"] == f"B = 4, S = 9: {int(state['lengths'].sum())} real positions of 36"
    assert len(explorer.output.outputs) == 2 and len(explorer.figure.axes) >= 2  # text line; mask and weights


@pytest.mark.parametrize("S, B", [(1, 1), (5, 3), (16, 8)])
def test_batch_widget_weights_live_on_the_mask(S, B):
    explorer = padded_batch_widget(max_batch=8, max_len=16)
    explorer.max_len.value = S
    explorer.batch_size.value = B
    state = explorer.state
    assert (state["B"], state["S"]) == (B, S)
    assert int(state["lengths"].max()) == S and (state["lengths"] >= 1).all()
    assert torch.equal(state["mask"], lengths_to_mask(state["lengths"], S))
    assert state["n_real"] == int(state["lengths"].sum())
    assert torch.allclose(state["row_sums"], torch.ones(B))
    assert state["weight_on_padding"] == 0.0 and (state["weights"][~state["mask"]] == 0).all()
    assert state["text"] == f"B = {B}, S = {S}: {state['n_real']} real positions of {B * S}"


def test_random_lengths_are_reproducible():
    assert torch.equal(random_lengths(5, 9, seed=3), random_lengths(5, 9, seed=3))
    assert random_lengths(5, 9)[0] == 9
