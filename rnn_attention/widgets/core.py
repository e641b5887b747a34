"""The explorer base every widget builds on: one Output area, redrawn in place when a control changes.

Every builder returns an explorer object with:

- `.widget`: what the notebook displays (an ipywidgets box);
- its controls as attributes (for example `.length`, the "source length T_x" slider);
- `.state`: a dict of what the last redraw computed (weights, counts, the text line shown);
- `.figure`: the last matplotlib figure drawn (None when there is nothing to draw).

Setting a control's `.value` in code redraws exactly as dragging it does, so a
test (or a notebook's check cell) can move a slider and read `.state`.
The figure is redrawn in place inside an `Output` widget, which works in
JupyterLab and in Jupyter Notebook 7.
"""

from __future__ import annotations

import base64
import contextlib
import io
import threading

import ipywidgets as widgets
import matplotlib.pyplot as plt

__all__ = ["Explorer"]  # re-exported by rnn_attention.widgets; png_output and require_between serve the modules

STYLE = {"description_width": "initial"}  # slider descriptions are never cut off
LAYOUT = widgets.Layout(width="520px")


def require_between(name: str, value, low, high, high_name: str | None = None) -> None:
    """Raise a ValueError that names the argument unless low <= value <= high (a builder's bad start value)."""
    if not low <= value <= high:
        bound = f"{high_name}={high}" if high_name else f"{high}"
        raise ValueError(f"{name} must be between {low} and {bound}, got {value}")


def png_output(figure) -> dict:
    """The figure as a display_data output message (PNG), then released: no duplicate inline copy."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    title = figure.axes[0].get_title() if figure.axes else ""
    return {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": f"<Figure: {title}>"},
        "metadata": {},
    }


# One redraw at a time, in every widget. The kernel can run two comm handlers of one widget at once (a text box's
# change and a button's click, both sent when the button is clicked): two interleaved compute()s then mixed their
# states, and the browser test saw "Cannot translate 'Sunday, 1 January 2045': ... never saw ... '☺'".
_REDRAW = threading.RLock()


class Explorer:
    """Shared plumbing: one Output area redrawn in place whenever a control changes.

    A subclass sets `self.state` (with a "text" line) in `compute()` and returns a
    figure, or None, from `draw()`. `controls` are observed; `children` (default:
    the controls) are laid out above the Output area.
    """

    def __init__(self, controls: list, children: list | None = None):
        self.output = widgets.Output()
        self.state: dict = {}
        self.figure = None
        self.controls = list(controls)
        for control in controls:
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([*(controls if children is None else children), self.output])

    def _on_change(self, change=None) -> None:
        self.redraw()

    @contextlib.contextmanager
    def trying(self):
        """Move the controls from code inside the block; on leaving it, put them back as they were.

        A check cell that drives a widget leaves it showing what the student last chose, not the check's
        last setting.
        """
        saved = [control.value for control in self.controls]
        try:
            yield self
        finally:
            for control, value in zip(self.controls, saved):
                control.value = value
            self.redraw()

    def redraw(self) -> None:
        """Recompute, then replace the Output area's contents: the text line and the figure (if any).

        Assigning `outputs` (a synced trait) instead of printing inside `with output:`
        updates the widget in place in every front end, and never leaks into the
        output of the cell that moved a slider (nbval would see that).
        """
        with _REDRAW:
            self.compute()
            self.figure = self.draw()
            outputs = [{"output_type": "stream", "name": "stdout", "text": self.state["text"] + "\n"}]
            if self.figure is not None:
                outputs.append(png_output(self.figure))
            self.output.outputs = tuple(outputs)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
