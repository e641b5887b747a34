"""Notebook 03's widget: sliders over T_x and the temperature; the weights always sum to one over the real positions."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..masking import lengths_to_mask, masked_softmax
from .core import LAYOUT, STYLE, Explorer, require_between

__all__ = ["SoftmaxExplorer", "softmax_widget"]


class SoftmaxExplorer(Explorer):
    """alpha = masked_softmax(e / tau) over the first T_x of a fixed pool of scores; the rest is padding."""

    def __init__(self, scores, initial_len: int, initial_temperature: float):
        self.pool = scores  # (S_max,): scores e_1j of a padded batch row
        self.length = widgets.IntSlider(
            value=initial_len,
            min=1,
            max=scores.numel(),
            description="source length T_x",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.temperature = widgets.FloatSlider(
            value=initial_temperature,
            min=0.1,
            max=5.0,
            step=0.1,
            description="temperature tau",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        super().__init__([self.length, self.temperature])
        self.redraw()

    def compute(self) -> None:
        T_x, tau = int(self.length.value), float(self.temperature.value)
        S_max = self.pool.numel()
        mask = lengths_to_mask(torch.tensor([T_x]), max_len=S_max)  # (1, S_max): True = real position
        # alpha_j = exp(e_j / tau) / sum_k exp(e_k / tau), over the real positions only
        padded = masked_softmax(self.pool.unsqueeze(0) / tau, mask)[0]  # (S_max,)
        weights = padded[:T_x]  # (T_x,)
        total = float(weights.sum())
        self.state = {
            "T_x": T_x,
            "temperature": tau,
            "weights": weights,
            "padded_weights": padded,
            "n_weights": weights.numel(),
            "sum": total,
            "text": f"T_x = {T_x}: {weights.numel()} weights, sum = {total:.3f}, temperature = {tau:.1f}",
        }

    def draw(self):
        T_x, S_max = self.state["T_x"], self.pool.numel()
        weights = self.state["weights"].numpy()
        figure, ax = plt.subplots(figsize=(7.5, 2.8))
        ax.bar(range(1, T_x + 1), weights, color="tab:blue", label="alpha_j (real positions)")
        if T_x < S_max:
            padding = range(T_x + 1, S_max + 1)
            ax.plot(padding, [0.0] * len(padding), "x", color="grey", label="padding: masked, weight 0")
        ax.axhline(1.0 / T_x, color="tab:red", linestyle="--", linewidth=1, label="uniform 1/T_x")
        ax.set_xlim(0.4, S_max + 0.6)
        ax.set_ylim(0.0, 1.3)  # room above 1 for the legend
        ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
        ax.set_xticks(range(1, S_max + 1))
        ax.set_xlabel("source position j")
        ax.set_ylabel("weight alpha_j")
        ax.set_title(self.state["text"])
        ax.legend(loc="upper center", ncol=3, fontsize=8, frameon=False)
        figure.tight_layout()
        return figure


def softmax_widget(max_len: int = 20, initial_len: int = 7, initial_temperature: float = 1.0, seed: int = 0):
    """Sliders over T_x and the temperature: the bars always sum to one over the T_x real positions."""
    require_between("initial_len", initial_len, 1, max_len, "max_len")
    require_between("initial_temperature", initial_temperature, 0.1, 5.0)
    generator = torch.Generator().manual_seed(seed)
    scores = 1.5 * torch.randn(max_len, generator=generator)  # (S_max,): a fixed pool of scores
    return SoftmaxExplorer(scores, initial_len, initial_temperature)
