"""The widgets of notebook 07, driven without a browser: type into the box, press the button, read the state."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention.data import build_vocabs, load_split
from rnn_attention.models import build_model
from rnn_attention.widgets import Explorer, alignment_history_widget, translate_widget


@pytest.fixture(scope="module")
def model_and_vocabs():
    """An untrained small dates model: the widget must work whatever the model says."""
    vocabs = build_vocabs(load_split("dates", "train"))
    torch.manual_seed(0)
    model = build_model(len(vocabs[0]), len(vocabs[1]), dict(emb_size=8, hidden_size=8, attn_size=8)).eval()
    return model, vocabs


def _press(explorer, text):
    explorer.text_box.value = text
    explorer.button.click()  # runs the button's on_click handler, as a mouse click does
    return explorer.state


def test_translate_widget_shows_output_and_heat_map(model_and_vocabs):
    model, vocabs = model_and_vocabs
    explorer = translate_widget(model, vocabs, initial_text="3 mai 1999", longest_training_source=38)
    state = explorer.state
    assert state["error"] is None and state["input"] == "3 mai 1999"
    assert state["weights"].shape == (len(state["tgt_tokens"]), len("3 mai 1999"))
    assert torch.allclose(state["weights"].sum(dim=1), torch.ones(len(state["tgt_tokens"])), atol=1e-5)
    assert explorer.figure is not None and len(explorer.figure.axes[0].get_xticklabels()) == len("3 mai 1999")
    assert explorer.text_box.description == "date to translate"
    # a longer input: one weight per source position, whatever the length
    state = _press(explorer, "Sunday, 1 January 2045")
    assert state["error"] is None and state["weights"].shape[1] == len("Sunday, 1 January 2045")
    assert len(explorer.output.outputs) == 2  # the text line and the figure, replaced in place


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1" * 2001, "more than the cap of 2000"),
        ("3 mai 1999 \u263a", "never saw"),
        ("Ωμέγα 2001", "never saw"),
    ],
)
def test_translate_widget_answers_bad_input_with_a_message(model_and_vocabs, text, words):
    model, vocabs = model_and_vocabs
    explorer = translate_widget(model, vocabs, longest_training_source=38)
    state = _press(explorer, text)
    assert state["error"] and words in state["error"]
    assert state["weights"] is None and explorer.figure is None
    assert state["text"].startswith("Cannot translate")
    assert "Traceback" not in explorer.message.value
    assert len(explorer.output.outputs) == 1  # only the message, no stale figure
    # and it recovers on the next good input
    state = _press(explorer, "1 mars 1955")
    assert state["error"] is None and state["weights"] is not None


def test_translate_widget_never_raises_even_if_the_model_does(model_and_vocabs):
    _, vocabs = model_and_vocabs

    class Broken(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.p = torch.nn.Parameter(torch.zeros(1))

        def greedy_decode(self, *args, **kwargs):
            raise RuntimeError("boom")

    explorer = translate_widget(Broken(), vocabs, initial_text="1 mars 1955", longest_training_source=38)
    assert "could not translate" in explorer.state["error"] and "boom" in explorer.state["error"]


def test_translate_widget_translates_past_the_training_lengths_with_a_warning(model_and_vocabs):
    model, vocabs = model_and_vocabs
    explorer = translate_widget(model, vocabs, longest_training_source=38)
    assert isinstance(explorer, Explorer) and explorer.widget.children[-1] is explorer.output
    long_input = "Sunday, 1 January 2045, Sunday, 1 January 2045"  # 46 symbols, longer than 38
    state = _press(explorer, long_input)
    assert state["error"] is None and state["weights"].shape[1] == len(long_input)  # translated, not refused
    assert "longer than any training source (38)" in state["warning"] and "warning" in explorer.message.value
    assert _press(explorer, "1 mars 1955")["warning"] is None  # within the training lengths: no warning
    assert translate_widget(model, vocabs).state["warning"] is None  # no training length given: no warning


def _fake_history(steps=(0, 50, 100), lengths=(9, 15, 27), seed=0):
    generator = torch.Generator().manual_seed(seed)
    src = ["x" * S for S in lengths]
    tgt = ["2000-01-01"] * len(lengths)
    alignments = []
    for n, step in enumerate(steps):
        sharp = 1.0 + 4.0 * n  # later steps: sharper rows
        attn = [torch.softmax(sharp * torch.randn(11, S, generator=generator), dim=-1) for S in lengths]
        outputs = ["2000-01-01" if n == len(steps) - 1 else "1999-99-99"] * len(lengths)
        alignments.append({"step": step, "attn": attn, "outputs": outputs})
    return {"alignments": alignments, "probe": {"src": src, "tgt": tgt}}


def test_alignment_history_slider_moves_over_the_snapshots():
    explorer = alignment_history_widget(_fake_history(), initial_probe=1)
    assert explorer.step.description == "training step" and explorer.step.continuous_update is False
    assert explorer.state["step"] == 100 and explorer.state["correct"]  # starts at the trained model
    assert explorer.state["weights"].shape == (11, 15)
    entropies = {}
    for step in (0, 50, 100):
        explorer.step.value = step
        assert explorer.state["step"] == step
        assert f"training step {step}" == explorer.figure.axes[0].get_title()
        entropies[step] = explorer.state["mean_entropy"]
        assert 0.0 <= entropies[step] <= explorer.state["uniform_entropy"] + 1e-6
    assert entropies[0] > entropies[50] > entropies[100]
    explorer.probe.value = 2
    assert explorer.state["weights"].shape == (11, 27)


def test_alignment_history_rejects_bad_arguments():
    with pytest.raises(ValueError, match="no alignment snapshots"):
        alignment_history_widget({"alignments": [], "probe": {"src": [], "tgt": []}})
    with pytest.raises(ValueError, match="initial_step"):
        alignment_history_widget(_fake_history(), initial_step=7)


def test_trying_puts_both_widgets_back_after_a_check_cell(model_and_vocabs):
    """After the check cells of notebook 07 (Run All), the widgets show what they were created with, no error."""
    model, vocabs = model_and_vocabs
    translator = translate_widget(model, vocabs, initial_text="3 mai 1999", longest_training_source=40)
    before = translator.state["text"]
    with translator.trying():
        assert _press(translator, "3 mai 1999 ☺")["error"]
    assert translator.text_box.value == "3 mai 1999" and translator.state["error"] is None
    assert translator.state["text"] == before and "Cannot translate" not in translator.message.value
    emerging = alignment_history_widget(_fake_history(), initial_probe=1, initial_step=50)
    with emerging.trying():
        emerging.step.value = 100
    assert emerging.step.value == 50 and emerging.state["step"] == 50


def test_translate_widget_title_fits_its_figure(model_and_vocabs):
    """Found by the browser test: the heat map's title was the whole text line, warning included, and was cut
    off at both sides of the figure; the warning is in the message line above it."""
    model, vocabs = model_and_vocabs
    explorer = translate_widget(model, vocabs, longest_training_source=38)
    state = _press(explorer, "Donnerstag, der 24. September im Jahre 2064")  # 43 symbols: a warning
    assert state["warning"] and "warning" in explorer.message.value
    figure = explorer.figure
    title = figure.axes[0].title
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    box = title.get_window_extent(FigureCanvasAgg(figure).get_renderer())  # the widget closed the figure
    assert 0 <= box.x0 and box.x1 <= figure.bbox.width, f"the title {title.get_text()!r} is wider than its figure"


def test_two_translations_at_once_never_mix_their_input_and_error(model_and_vocabs, monkeypatch):
    """A click and a box change handled at the same time (the kernel can): each line is one translation's own.

    The browser test saw "Cannot translate 'Sunday, 1 January 2045': ... '☺'": the click's slow translation of the
    old text finished inside the state of the box's quick refusal of the new one.
    """
    import html
    import threading
    import time

    from rnn_attention.widgets import notebook07

    model, vocabs = model_and_vocabs
    translator = translate_widget(model, vocabs, initial_text="Sunday, 1 January 2045", longest_training_source=40)
    real = notebook07.translate
    started = threading.Event()

    def slow_for_the_old_text(model, text, vocabs, **kw):
        if text.startswith("Sunday"):
            started.set()
            time.sleep(0.5)
        return real(model, text, vocabs, **kw)

    monkeypatch.setattr(notebook07, "translate", slow_for_the_old_text)
    click = threading.Thread(target=translator.click)
    click.start()  # translates the old text, slowly
    assert started.wait(10)
    box = threading.Thread(target=lambda: setattr(translator.text_box, "value", "3 mai 1999 ☺"))
    box.start()
    click.join(20)
    box.join(20)
    text = translator.state["text"]
    assert text.startswith("Cannot translate '3 mai 1999 ☺'") or text.startswith("Sunday, 1 January 2045  ->"), text
    assert ("☺" in text) == text.startswith("Cannot translate"), f"an input and another input's verdict: {text}"
    assert html.unescape(translator.message.value).count(text) == 1, (translator.message.value, text)
