"""The explorer base of rnn_attention.widgets.core: one Output area, redrawn in place."""

import matplotlib

matplotlib.use("Agg")

from rnn_attention.widgets import score_length_widget, softmax_widget


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
