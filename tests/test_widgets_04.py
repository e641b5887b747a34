"""The widget of notebook 04, driven without a browser: c_i moves inside the hull of the h_j."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention.geometry import convex_hull_2d, inside_hull_2d
from rnn_attention.widgets import context_hull_widget
from rnn_attention.widgets.notebook04 import focus_weights


def test_hull_widget_starts_meaningful_and_names_its_sliders():
    explorer = context_hull_widget(initial_len=5)
    assert explorer.length.description == "source length T_x"
    assert all(s.continuous_update is False for s in (explorer.length, explorer.focus, explorer.temperature))
    assert explorer.length.style.description_width == "initial"
    assert explorer.state["text"] == "T_x = 5: c_i has 2 numbers, weights sum to 1.000"
    assert explorer.state["weights"].shape == (5,) and explorer.state["inside"]
    assert explorer.figure is not None and len(explorer.output.outputs) == 2  # text line and picture


@pytest.mark.parametrize("T_x", [1, 2, 7])
def test_hull_widget_follows_T_x_and_context_stays_in_the_hull(T_x):
    explorer = context_hull_widget(max_len=10, initial_len=5)
    explorer.length.value = T_x
    assert explorer.focus.max == T_x and explorer.focus.value <= T_x
    # each redraw costs a figure: a few corners of the slider space are enough
    for focus, tau in [(1, 0.1), (T_x, 1.0), ((T_x + 1) // 2, 20.0)]:
        explorer.focus.value = focus
        explorer.temperature.value = tau
        state = explorer.state
        assert state["T_x"] == T_x and state["weights"].shape == (T_x,)
        assert state["weights"].sum().item() == pytest.approx(1.0)
        assert state["context"].shape == (2,)  # the size of one h_j, whatever T_x
        assert torch.allclose(state["context"], state["weights"] @ explorer.pool[:T_x])
        assert state["inside"]
        assert state["text"] == f"T_x = {T_x}: c_i has 2 numbers, weights sum to 1.000"


def test_hull_widget_sharp_weights_pick_one_state_flat_weights_average():
    explorer = context_hull_widget(max_len=10, initial_len=6)
    explorer.focus.value, explorer.temperature.value = 4, 0.1
    assert torch.allclose(explorer.state["context"], explorer.pool[3], atol=1e-3)
    explorer.temperature.value = 20.0
    assert explorer.state["weights"].max() - explorer.state["weights"].min() < 0.5


def test_hull_widget_rejects_bad_start():
    with pytest.raises(ValueError, match="initial_len"):
        context_hull_widget(max_len=4, initial_len=5)


def test_convex_hull_and_inside():
    square = torch.tensor([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [1.0, 1.0]])
    hull = convex_hull_2d(square)
    assert len(hull) == 4 and (1.0, 1.0) not in hull
    assert inside_hull_2d((1.0, 1.0), hull) and inside_hull_2d((2.0, 1.0), hull)
    assert not inside_hull_2d((2.1, 1.0), hull)
    segment = convex_hull_2d(torch.tensor([[0.0, 0.0], [1.0, 1.0]]))
    assert inside_hull_2d((0.5, 0.5), segment) and not inside_hull_2d((0.5, 0.6), segment)
    assert focus_weights(5, 3, 1.0).argmax().item() == 2
