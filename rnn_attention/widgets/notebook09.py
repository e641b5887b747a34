"""Notebook 09's widget: unscaled dot products saturate the softmax as the key size d grows."""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..evaluate import row_entropy
from .core import LAYOUT, STYLE, Explorer

__all__ = ["ScalingExplorer", "scaling_widget"]


class ScalingExplorer(Explorer):
    """alpha = softmax(q . k_j [/ sqrt(d)]) for random unit-variance q, k_j using their first d features."""

    def __init__(self, query, keys, d_options, initial_d: int, initial_scaled: bool):
        self.query = query  # (D_max,): one query with unit-variance entries
        self.keys = keys  # (S, D_max): S keys with unit-variance entries
        self.uniform_entropy = math.log(keys.shape[0])
        self.d = widgets.SelectionSlider(
            options=list(d_options),
            value=initial_d,
            description="key size d",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.scaled = widgets.Checkbox(value=initial_scaled, description="scale by sqrt(d)", style=STYLE)
        super().__init__([self.d, self.scaled])
        self.redraw()

    def compute(self) -> None:
        d, scaled = int(self.d.value), bool(self.scaled.value)
        # e_j = q . k_j over the first d features; its spread grows like sqrt(d)
        scores = self.keys[:, :d] @ self.query[:d]  # (S,)
        if scaled:
            scores = scores / math.sqrt(d)  # e_j = q . k_j / sqrt(d): spread about 1 for every d
        weights = torch.softmax(scores, dim=0)  # (S,)
        entropy = float(row_entropy(weights))  # nats: log S for uniform weights, 0 for one-hot
        max_weight = float(weights.max())
        how = "scaled by sqrt(d)" if scaled else "not scaled"
        self.state = {
            "d": d,
            "scaled": scaled,
            "scores": scores,
            "weights": weights,
            "score_std": float(scores.std()),
            "max_weight": max_weight,
            "entropy": entropy,
            "text": (
                f"d = {d}, {how}: score std = {float(scores.std()):.2f}, max weight = {max_weight:.3f}, "
                f"entropy = {entropy:.2f} (uniform: {self.uniform_entropy:.2f})"
            ),
        }

    def draw(self):
        weights = self.state["weights"].numpy()
        S = weights.size
        figure, ax = plt.subplots(figsize=(7.5, 2.8))
        ax.bar(range(1, S + 1), weights, color="tab:blue", label="alpha_j")
        ax.axhline(1.0 / S, color="tab:red", linestyle="--", linewidth=1, label="uniform 1/S")
        ax.set_ylim(0.0, 1.05)
        ax.set_xticks(range(1, S + 1))
        ax.set_xlabel("key position j")
        ax.set_ylabel("weight alpha_j")
        how = "scaled" if self.state["scaled"] else "not scaled"
        ax.set_title(
            f"d = {self.state['d']} ({how}): max weight {self.state['max_weight']:.2f}, "
            f"entropy {self.state['entropy']:.2f} of {self.uniform_entropy:.2f}"
        )
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        figure.tight_layout()
        return figure


def scaling_widget(
    n_keys: int = 10, max_d: int = 1024, initial_d: int = 16, initial_scaled: bool = False, seed: int = 0
):
    """A slider over the key size d and a 'scale by sqrt(d)' box: unscaled dot products saturate the softmax."""
    for name, value in (("n_keys", n_keys), ("max_d", max_d)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}: the softmax needs at least one key")
    d_options = [2**k for k in range(0, max_d.bit_length()) if 2**k <= max_d]
    if initial_d not in d_options:
        raise ValueError(f"initial_d must be one of {d_options}, got {initial_d}")
    generator = torch.Generator().manual_seed(seed)
    query = torch.randn(max_d, generator=generator, dtype=torch.float64)  # (D_max,)
    keys = torch.randn(n_keys, max_d, generator=generator, dtype=torch.float64)  # (S, D_max)
    return ScalingExplorer(query, keys, d_options, initial_d, initial_scaled)
