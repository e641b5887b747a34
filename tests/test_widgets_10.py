"""The widget of notebook 10, driven without a browser, over a small hand-made result (no training)."""

import matplotlib

matplotlib.use("Agg")

import pytest

from rnn_attention.widgets import extrapolation_widget

KINDS = ("additive", "none", "location", "location_aware")


def fake_result():
    """The shape of run_extrapolation's result: in range the models are right, past it they are not."""

    def row(inside, **key):
        value = 0.95 if inside else 0.1
        return {
            **key,
            "n": 10,
            "exact_match_mean": value,
            "exact_match_min": value - 0.05,
            "exact_match_max": value + 0.05,
            "item_accuracy_mean": value,
            "oracle_item_accuracy_mean": value + 0.02,
            "items_out_mean": 2.0,
        }

    repeated = {kind: [row(k <= 3, k=k) for k in range(1, 9)] for kind in KINDS}
    buckets = [(2, 30), (31, 60), (61, 70), (71, 80), (81, 95), (96, 111)]
    longer = {kind: [row(hi <= 60, lo=lo, hi=hi) for lo, hi in buckets] for kind in KINDS}
    return {"train_counts": [1, 2, 3], "train_max_len": 60, "repeated": repeated, "longer": longer}


def test_first_view_is_the_first_count_past_the_training_range():
    explorer = extrapolation_widget(fake_result())
    assert explorer.point.description == "test count k (dates in the input)"
    assert explorer.point.continuous_update is False
    state = explorer.state
    assert state["label"] == "k = 4" and state["inside_training_range"] is False
    assert state["measure"] == "per-item accuracy, oracle length"
    assert state["text"].startswith("k = 4 (outside the training range)")
    left = explorer.figure.axes[0]
    assert len(left.lines) >= len(KINDS)  # one curve per decoder (and the marker line)
    assert any(patch.get_label() == "training range" for patch in left.patches)  # the shaded range
    assert len(explorer.output.outputs) == 2  # the text line and the figure


def test_moving_the_slider_and_the_menu_redraws_in_place():
    explorer = extrapolation_widget(fake_result())
    explorer.point.value = 1  # k = 2, inside
    assert explorer.state["inside_training_range"] is True and "inside" in explorer.state["text"]
    assert explorer.state["at_point"]["additive"]["oracle_item_accuracy"] == pytest.approx(0.97)
    explorer.measure.value = "exact match"
    assert explorer.state["text"].endswith("location_aware 0.95")
    assert explorer.figure.axes[0].get_ylabel() == "exact match"


def test_the_longer_test_uses_length_buckets():
    explorer = extrapolation_widget(fake_result(), test="longer")
    assert explorer.point.description == "source length bucket"
    assert explorer.state["label"] == "61-70 characters" and explorer.state["inside_training_range"] is False
    explorer.point.value = 0
    assert explorer.state["inside_training_range"] is True


def test_bad_arguments_say_what_is_expected():
    with pytest.raises(ValueError, match="test must be"):
        extrapolation_widget(fake_result(), test="wider")
    with pytest.raises(ValueError, match="initial_index"):
        extrapolation_widget(fake_result(), initial_index=8)
    with pytest.raises(ValueError, match="initial_measure"):
        extrapolation_widget(fake_result(), initial_measure="BLEU")
    with pytest.raises(ValueError, match="no 'longer' test"):
        extrapolation_widget({"repeated": {}, "train_counts": [1]}, test="longer")
