"""Notebook 13's gold-map widget, driven without a browser: move the slider and the menu, read the state."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention.alignment import alignment_accuracy, alignment_error_rate
from rnn_attention.data import gold_alignments
from rnn_attention.widgets import gold_map_widget

PAIRS = [("123", "123"), ("45", "45"), ("6789", "6789")]
GOLD = gold_alignments("copy", PAIRS)


def maps():
    """'diagonal': every arg-max on its gold cell; 'shifted': every arg-max one position to the right (wrapping)."""
    diagonal, shifted = [], []
    for source, _ in PAIRS:
        n = len(source)
        eye = torch.eye(n + 1, n)  # the EOS row (last) is all zeros
        diagonal.append(0.1 + eye)
        shifted.append(0.1 + torch.roll(torch.eye(n + 1, n), 1, dims=1))
    return {"diagonal": diagonal, "shifted": shifted}


def test_controls_and_first_view():
    explorer = gold_map_widget(maps(), PAIRS, GOLD)
    assert explorer.index.description == "test sentence" and explorer.index.continuous_update is False
    assert (explorer.index.min, explorer.index.max) == (0, 2)
    assert list(explorer.model.options) == ["diagonal", "shifted"]
    state = explorer.state
    assert state["model"] == "diagonal" and state["source"] == "123" and state["hits"] == [True] * 3
    assert state["aer"] == 0.0 and state["accuracy"] == 1.0
    assert "arg-max in the gold set at 3 of 3 steps" in state["text"]
    ax = explorer.figure.axes[0]
    assert len(ax.patches) == 3  # one red box per gold cell
    assert len(ax.lines) == 3 and all(line.get_marker() == "o" for line in ax.lines)  # three arg-max inside gold


def test_a_step_without_gold_is_not_marked():
    pairs = [("15 févr. 2027", "2027-02-15")]
    gold = gold_alignments("dates", pairs)
    weights = torch.full((11, len(pairs[0][0])), 0.1)
    explorer = gold_map_widget({"flat": [weights]}, pairs, gold)
    assert len(explorer.figure.axes[0].lines) == 8  # the two '-' have no gold set and no mark
    assert explorer.state["hits"].count(True) == 1 and "at 1 of 8 steps" in explorer.state["text"]  # the day's 1


def test_the_slider_and_the_menu_give_the_packages_scores():
    explorer = gold_map_widget(maps(), PAIRS, GOLD)
    for name in ["diagonal", "shifted"]:
        explorer.model.value = name
        for k in range(len(PAIRS)):
            explorer.index.value = k
            state = explorer.state
            weights = maps()[name][k]
            assert state["source"] == PAIRS[k][0]
            assert state["aer"] == pytest.approx(alignment_error_rate([weights], [GOLD[k]]))
            assert state["accuracy"] == pytest.approx(alignment_accuracy([weights], [GOLD[k]]))
    explorer.index.value = 2
    assert explorer.state["hits"] == [False] * 4 and explorer.state["aer"] == 1.0
    with explorer.trying():
        explorer.index.value = 0
    assert explorer.state["index"] == 2  # trying() puts the controls back


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="non-empty dict"):
        gold_map_widget({}, PAIRS, GOLD)
    with pytest.raises(ValueError, match="one gold alignment per pair"):
        gold_map_widget(maps(), PAIRS, GOLD[:2])
    with pytest.raises(ValueError, match="'diagonal' has 2 weight matrices for 3 pairs"):
        gold_map_widget({"diagonal": maps()["diagonal"][:2]}, PAIRS, GOLD)
    with pytest.raises(ValueError, match="initial_index must be between 0 and len"):
        gold_map_widget(maps(), PAIRS, GOLD, initial_index=3)
    with pytest.raises(ValueError, match="initial_model must be one of"):
        gold_map_widget(maps(), PAIRS, GOLD, initial_model="dot")
