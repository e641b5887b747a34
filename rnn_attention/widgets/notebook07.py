"""Notebook 07's widgets: translate your own input, and watch the alignment appear over training."""

from __future__ import annotations

import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..data import Vocab
from ..evaluate import row_entropy, translate
from ..plotting import plot_attention
from .core import _REDRAW, LAYOUT, STYLE, Explorer, require_between

__all__ = ["TranslateExplorer", "translate_widget", "AlignmentHistoryExplorer", "alignment_history_widget"]

MAX_SHOWN_CHARACTERS = 80  # of the input, echoed in the message line and the figure's title
MAX_ERROR_CHARACTERS = 300  # of an error message (one listing every unknown symbol can be long)
MAX_DRAWN_SYMBOLS = 120  # longer inputs are translated, but their heat map is not drawn (2,000 took 13 s)


def _clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


class TranslateExplorer(Explorer):
    """A text box and a button: translate the input, show the output and its alignment heat map.

    Any length is translated (up to evaluate.MAX_SOURCE_SYMBOLS): the weights are
    computed, so the model runs on every length. An input longer than every
    training source gets a warning, not a refusal: whether the model *works* that
    far is what notebooks 08 and 10 measure. Bad input (empty, over the cap,
    symbols the model never saw) gets a friendly message instead of a traceback.
    `.state` holds the last result: "input", "output", "weights" (T, S) or None,
    "src_tokens", "tgt_tokens", "error" (None or the message), "warning" (None or
    the message) and "text" (the line shown above the figure).
    """

    def __init__(self, model, vocabs, initial_text: str, longest_training_source: int | None, max_len: int):
        self.model, self.vocabs = model, vocabs
        self.longest_training_source, self.max_len = longest_training_source, max_len
        self.text_box = widgets.Text(
            value=initial_text,
            description="date to translate",
            placeholder="for example: 3 mai 1999",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.button = widgets.Button(description="Translate", button_style="primary")
        self.button.on_click(self._on_change)
        self.message = widgets.HTML()
        # the text box is observed (Enter in the box translates too); the message line sits above the figure
        super().__init__([self.text_box], children=[widgets.HBox([self.text_box, self.button]), self.message])
        self.redraw()

    def click(self) -> None:
        """What pressing the button does (for tests and check cells)."""
        self.button.click()

    def compute(self) -> None:
        """Translate the text box's value into self.state; never raises."""
        text = str(self.text_box.value).strip()
        self.state = {
            "input": text,
            "output": None,
            "weights": None,
            "src_tokens": [],
            "tgt_tokens": [],
            "error": None,
            "warning": None,
        }
        try:
            if not text:
                raise ValueError("the box is empty: type a date, for example 3 mai 1999")
            output, weights, src_tokens, tgt_tokens = translate(self.model, text, self.vocabs, max_len=self.max_len)
        except (ValueError, TypeError) as error:
            self.state["error"] = str(error)
        except Exception as error:  # never a traceback in the widget: say what happened
            self.state["error"] = f"the model could not translate this input ({type(error).__name__}: {error})"
        else:
            self.state.update(output=output, weights=weights, src_tokens=src_tokens, tgt_tokens=tgt_tokens)
        longest, length = self.longest_training_source, len(self.state["src_tokens"])
        if self.state["error"]:
            self.state["error"] = _clip(self.state["error"], MAX_ERROR_CHARACTERS)
        if not self.state["error"] and longest is not None and length > longest:
            self.state["warning"] = (
                f"{length} symbols: longer than any training source ({longest}); the model still runs, "
                f"but nothing in training promises it works this far"
            )
        shown = _clip(text, MAX_SHOWN_CHARACTERS)
        if self.state["error"]:
            self.state["text"] = f"Cannot translate {shown!r}: {self.state['error']}."
        else:
            self.state["text"] = f"{shown}  ->  {_clip(str(self.state['output']), MAX_SHOWN_CHARACTERS)}"
            if self.state["warning"]:
                self.state["text"] += f"   (warning: {self.state['warning']})"
            if length > MAX_DRAWN_SYMBOLS:
                self.state["text"] += f"   (heat map drawn for inputs of up to {MAX_DRAWN_SYMBOLS} symbols only)"

    def draw(self):
        """The alignment heat map of the last translation (None after bad input)."""
        if self.state["weights"] is None or len(self.state["src_tokens"]) > MAX_DRAWN_SYMBOLS:
            return None
        S = len(self.state["src_tokens"])
        figure, ax = plt.subplots(figsize=(min(24.0, max(4.0, 1.8 + 0.3 * S)), 4.0))  # at most 24 inches wide
        # the input and its output only: the warning, if any, is in the message line above (in the title it was
        # wider than the figure, cut off at both sides)
        title = f"{self.state['input']}  ->  {self.state['output']}"
        plot_attention(self.state["weights"], self.state["src_tokens"], self.state["tgt_tokens"], ax=ax, title=title)
        figure.tight_layout()
        return figure

    def redraw(self) -> None:
        """Recompute and redraw in place: the message line, then the output area (text and figure, if any)."""
        with _REDRAW:  # the message line belongs to the same translation as the output area
            super().redraw()
            colour = "#b00020" if self.state["error"] else ("#8a5a00" if self.state["warning"] else "black")
            self.message.value = f"<span style='color:{colour}'>{html.escape(self.state['text'])}</span>"


def translate_widget(
    model,
    vocabs,
    initial_text: str = "Freitag, 16. Oktober 2065",
    longest_training_source: int | None = None,
    max_len: int = 20,
) -> TranslateExplorer:
    """A translate-your-own-input box for a trained Seq2Seq.

    Pass `longest_training_source` (notebook 07 does) to have inputs longer than
    every training source translated with a warning; None gives no warning.
    """
    if longest_training_source is not None:
        longest_training_source = int(longest_training_source)
    return TranslateExplorer(model, vocabs, initial_text, longest_training_source, int(max_len))


class AlignmentHistoryExplorer(Explorer):
    """A "training step" slider over the alignment snapshots that `fit` recorded for a few probe sentences."""

    def __init__(self, history: dict, initial_probe: int, initial_step: int | None):
        snapshots = [s for s in history.get("alignments", []) if s.get("attn")]
        if not snapshots:
            raise ValueError("history has no alignment snapshots: train with cfg.snapshot_every > 0 and probe_size > 0")
        self.snapshots = {int(s["step"]): s for s in snapshots}
        self.probe_src = list(history["probe"]["src"])
        self.probe_tgt = list(history["probe"]["tgt"])
        steps = sorted(self.snapshots)
        if initial_step is None:
            initial_step = steps[-1]
        if initial_step not in self.snapshots:
            raise ValueError(
                f"initial_step must be one of the recorded steps {steps[0]}..{steps[-1]}, got {initial_step}"
            )
        require_between("initial_probe", initial_probe, 0, len(self.probe_src) - 1)
        self.step = widgets.SelectionSlider(
            options=steps,
            value=initial_step,
            description="training step",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.probe = widgets.Dropdown(
            options=[(src, k) for k, src in enumerate(self.probe_src)],
            value=initial_probe,
            description="sentence",
            style=STYLE,
        )
        super().__init__([self.step, self.probe])
        self.redraw()

    def compute(self) -> None:
        step, k = int(self.step.value), int(self.probe.value)
        snapshot = self.snapshots[step]
        weights = snapshot["attn"][k].float()  # (T, S): teacher-forced alignment at this step
        output = snapshot["outputs"][k]
        T, S = weights.shape
        entropy = row_entropy(weights)  # (T,) in nats: log S for uniform rows, 0 for one-hot rows
        mean_entropy = float(entropy.mean())
        uniform_entropy = float(torch.log(torch.tensor(float(S))))  # log S, the largest a row can have
        self.state = {
            "step": step,
            "probe": k,
            "weights": weights,
            "output": output,
            "correct": output == self.probe_tgt[k],
            "mean_entropy": mean_entropy,
            "uniform_entropy": uniform_entropy,
            "text": (
                f"step {step}: greedy output {output!r} "
                f"({'right' if output == self.probe_tgt[k] else 'target ' + self.probe_tgt[k]}), "
                f"mean row entropy {mean_entropy:.2f} nats (uniform: {uniform_entropy:.2f})"
            ),
        }

    def draw(self):
        k = self.state["probe"]
        src_tokens = list(self.probe_src[k])
        tgt_tokens = list(self.probe_tgt[k]) + [Vocab.EOS_TOKEN]
        weights = self.state["weights"][: len(tgt_tokens), : len(src_tokens)]
        figure, ax = plt.subplots(figsize=(max(4.0, 1.8 + 0.3 * len(src_tokens)), 4.0))
        plot_attention(weights, src_tokens, tgt_tokens, ax=ax, title=f"training step {self.state['step']}")
        figure.tight_layout()
        return figure


def alignment_history_widget(history: dict, initial_probe: int = 2, initial_step: int | None = None):
    """Slide over the training steps and watch the alignment of one probe sentence appear."""
    return AlignmentHistoryExplorer(history, initial_probe, initial_step)
