"""Notebook 04's widget: move the weights, watch c_i move inside the convex hull of the h_j.

`focus_weights` is what its focus and temperature sliders set: a bump of weights around one position.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..geometry import convex_hull_2d, inside_hull_2d
from .core import LAYOUT, STYLE, Explorer, require_between

__all__ = ["ContextHullExplorer", "context_hull_widget"]


def focus_weights(length: int, focus: int, temperature: float) -> torch.Tensor:
    """alpha_j = softmax_j(-(j - focus)^2 / temperature) for j = 1..length: a bump around `focus`."""
    positions = torch.arange(1, length + 1, dtype=torch.float64)  # (S,)
    scores = -((positions - focus) ** 2)  # (S,): e_j, highest at the focus position
    return torch.softmax(scores / temperature, dim=0)  # (S,)


class ContextHullExplorer(Explorer):
    """c = sum_j alpha_j h_j for the first T_x of a fixed pool of 2-D states, drawn inside their hull."""

    def __init__(self, points, initial_len: int, initial_focus: int, initial_temperature: float):
        self.pool = points  # (S_max, 2): encoder states h_1..h_{S_max} in the plane
        self.length = widgets.IntSlider(
            value=initial_len,
            min=1,
            max=points.shape[0],
            description="source length T_x",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.focus = widgets.IntSlider(
            value=initial_focus,
            min=1,
            max=initial_len,
            description="focus position j",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.temperature = widgets.FloatSlider(
            value=initial_temperature,
            min=0.1,
            max=20.0,
            step=0.1,
            description="temperature tau (flat when large)",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
            readout_format=".1f",
        )
        self._holding = False
        super().__init__([self.length, self.focus, self.temperature])
        self.redraw()

    def _on_change(self, change=None) -> None:
        if self._holding:
            return
        self._holding = True  # shrinking focus.max may move focus.value: redraw once, not twice
        try:
            self.focus.max = int(self.length.value)
        finally:
            self._holding = False
        self.redraw()

    def compute(self) -> None:
        T_x = int(self.length.value)
        focus, tau = int(self.focus.value), float(self.temperature.value)
        points = self.pool[:T_x]  # (T_x, 2): h_1..h_{T_x}
        weights = focus_weights(T_x, focus, tau)  # (T_x,): alpha_1..alpha_{T_x}
        context = weights @ points  # (2,) = (T_x,) @ (T_x, 2): c = sum_j alpha_j h_j
        hull = convex_hull_2d(points)
        total = float(weights.sum())
        self.state = {
            "T_x": T_x,
            "focus": focus,
            "temperature": tau,
            "points": points,
            "weights": weights,
            "context": context,
            "hull": hull,
            "inside": inside_hull_2d(context.tolist(), hull, tol=1e-6),
            "sum": total,
            "text": f"T_x = {T_x}: c_i has {context.numel()} numbers, weights sum to {total:.3f}",
        }

    def draw(self):
        state = self.state
        points, weights, context, hull = state["points"], state["weights"], state["context"], state["hull"]
        figure, (ax, ax_bar) = plt.subplots(1, 2, figsize=(9.5, 4.6), gridspec_kw={"width_ratios": [3, 2]})
        if len(hull) >= 3:
            xs, ys = zip(*(hull + hull[:1]))
            ax.fill(xs, ys, color="tab:blue", alpha=0.12, label="convex hull of the h_j")
            ax.plot(xs, ys, color="tab:blue", lw=1)
        elif len(hull) == 2:
            xs, ys = zip(*hull)
            ax.plot(xs, ys, color="tab:blue", lw=3, alpha=0.3, label="convex hull of the h_j")
        sizes = 40 + 400 * weights.numpy()
        ax.scatter(points[:, 0], points[:, 1], s=sizes, color="tab:blue", zorder=3, label="h_j (size ~ alpha_j)")
        for j, (x, y) in enumerate(points.tolist(), start=1):
            ax.annotate(f"h_{j}", (x, y), textcoords="offset points", xytext=(7, 5), fontsize=9)
        ax.scatter([context[0]], [context[1]], marker="*", s=320, color="tab:red", zorder=4, label="c_i")
        pad = 0.6  # fixed axes from the whole pool: the picture never jumps
        ax.set_xlim(float(self.pool[:, 0].min()) - pad, float(self.pool[:, 0].max()) + pad)
        ax.set_ylim(float(self.pool[:, 1].min()) - pad, float(self.pool[:, 1].max()) + pad)
        ax.set_aspect("equal")
        ax.set_xlabel("feature 1")
        ax.set_ylabel("feature 2")
        ax.set_title(f"c_i = ({context[0]:.2f}, {context[1]:.2f})")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8, frameon=False)
        positions = range(1, state["T_x"] + 1)
        ax_bar.bar(positions, weights.numpy(), color="tab:blue")
        ax_bar.set_ylim(0, 1)
        ax_bar.set_xlim(0.4, self.pool.shape[0] + 0.6)
        ax_bar.set_xticks(range(1, self.pool.shape[0] + 1))
        ax_bar.set_xlabel("source position j")
        ax_bar.set_ylabel("alpha_j")
        ax_bar.set_title(f"{state['T_x']} weights, sum = {state['sum']:.3f}")
        figure.tight_layout()
        return figure


def context_hull_widget(
    max_len: int = 10, initial_len: int = 5, initial_focus: int = 2, initial_temperature: float = 1.0, seed: int = 10
) -> ContextHullExplorer:
    """Sliders over T_x, a focus position and a temperature: c_i moves as a star inside the hull of the h_j."""
    require_between("initial_len", initial_len, 1, max_len, "max_len")
    require_between("initial_focus", initial_focus, 1, initial_len, "initial_len")
    require_between("initial_temperature", initial_temperature, 0.1, 20.0)
    generator = torch.Generator().manual_seed(seed)
    # a fixed pool of 2-D states, rounded so that c_i can be checked by hand
    points = (1.5 * torch.randn(max_len, 2, generator=generator, dtype=torch.float64)).round(decimals=1)  # (S_max, 2)
    return ContextHullExplorer(points, initial_len, initial_focus, initial_temperature)
