"""Notebook 11's test-length widget, driven without a browser: move the slider, read the state and the figure."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention.data import build_vocabs, load_split
from rnn_attention.data.derived import toy_pairs_of_length
from rnn_attention.models import build_model
from rnn_attention.widgets import length_alignment_widget

pytestmark = pytest.mark.usefixtures("one_thread")

LENGTHS = [3, 20, 45]


@pytest.fixture(scope="module")
def models():
    """Two untrained copy models (content-based and relative-shift): the widget shows what they do, right or wrong."""
    vocabs = build_vocabs(load_split("copy", "train"))
    out = {}
    for name, kind in (("content", "additive"), ("shift", "relative_shift")):
        torch.manual_seed(0)
        model = build_model(
            len(vocabs[0]), len(vocabs[1]), dict(emb_size=8, hidden_size=8, attn_size=8, attention=kind)
        )
        out[name] = (model.eval(), vocabs)
    return out


def test_slider_shows_each_models_alignment_for_a_string_of_that_length(models):
    explorer = length_alignment_widget(models, "copy", LENGTHS, initial_length=20)
    assert list(explorer.length.options) == LENGTHS and explorer.length.value == 20
    for length in (3, 45, 20):
        explorer.length.value = length
        state = explorer.state
        source, target = toy_pairs_of_length("copy", length, 1, seed=0)[0]
        assert (state["length"], state["source"], state["target"]) == (length, source, target)
        for name in models:
            weights = state["weights"][name]
            assert weights.shape[1] == length and 1 <= weights.shape[0] <= length + 5
            assert torch.allclose(weights.sum(dim=1), torch.ones(weights.shape[0]), atol=1e-5)
            assert state["exact"][name] == (state["outputs"][name] == target)
            assert 0.0 <= state["char_accuracy"][name] <= 1.0
        assert len(explorer.figure.axes) >= 2 and f"T_x = {length}" in explorer.figure.axes[0].get_title()
        assert f"T_x = {length} symbols" in explorer.output.outputs[0]["text"]


def test_the_shift_model_starts_on_position_1(models):
    explorer = length_alignment_widget(models, "copy", LENGTHS)
    first_row = explorer.state["weights"]["shift"][0]
    assert first_row.argmax().item() in (0, 1)  # one move at most from alpha_0 = position 1


def test_trying_restores_the_slider(models):
    explorer = length_alignment_widget(models, "reverse", LENGTHS, initial_length=3)
    before = explorer.state["text"]
    with explorer.trying():
        explorer.length.value = 45
        assert explorer.state["length"] == 45
    assert explorer.length.value == 3 and explorer.state["text"] == before


def test_bad_arguments_are_named(models):
    with pytest.raises(ValueError, match="initial_length must be one of the lengths"):
        length_alignment_widget(models, "copy", LENGTHS, initial_length=7)
    with pytest.raises(ValueError, match="'copy' or 'reverse'"):
        length_alignment_widget(models, "dates", LENGTHS)
    with pytest.raises(ValueError, match="at least one"):
        length_alignment_widget({}, "copy", LENGTHS)
