"""Notebook 02's widget: a slider over T_x; the number of scores follows it, the parameters of a do not."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..attention import AdditiveAttention
from ..models import count_parameters
from .core import LAYOUT, STYLE, Explorer, require_between

__all__ = ["ScoreLengthExplorer", "score_length_widget"]


class ScoreLengthExplorer(Explorer):
    """Scores e_1j = a(s_0, h_j) for the first T_x of a fixed pool of encoder states."""

    def __init__(self, attention, query, keys, initial_len: int):
        self.attention = attention
        self.query = query  # (1, Dq): one decoder state s_{i-1}
        self.keys = keys  # (1, S_max, Dk): encoder states h_1..h_{S_max}
        self.length = widgets.IntSlider(
            value=initial_len,
            min=1,
            max=keys.shape[1],
            description="source length T_x",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        super().__init__([self.length])
        self.redraw()

    def compute(self) -> None:
        T_x = int(self.length.value)
        with torch.no_grad():
            # the same a, with the same parameters, applied to h_1..h_{T_x}
            scores = self.attention.score(self.query, self.keys[:, :T_x])[0]  # (T_x,)
        n_params = count_parameters(self.attention)  # the same for every T_x
        self.state = {
            "T_x": T_x,
            "scores": scores,
            "n_scores": scores.numel(),
            "n_params": n_params,
            "text": f"T_x = {T_x}: {scores.numel()} scores, parameters of a = {n_params}",
        }

    def draw(self):
        scores = self.state["scores"].numpy()
        T_x, max_len = self.state["T_x"], self.length.max
        figure, ax = plt.subplots(figsize=(7.5, 2.8))
        positions = range(1, T_x + 1)
        ax.bar(positions, scores, color=["tab:blue" if s >= 0 else "tab:orange" for s in scores])
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xlim(0.4, max_len + 0.6)
        bound = max(0.1, 1.1 * self._bound)
        ax.set_ylim(-bound, bound)
        ax.set_xticks(range(1, max_len + 1, 1 if max_len <= 20 else 2))
        ax.set_xlabel("source position j")
        ax.set_ylabel("score e_1j")
        ax.set_title(f"T_x = {T_x}: {self.state['n_scores']} scores, parameters of a = {self.state['n_params']}")
        figure.tight_layout()
        return figure

    @property
    def _bound(self) -> float:
        """A fixed y range: the largest |score| over the whole pool, so the axes never jump."""
        if not hasattr(self, "_cached_bound"):
            with torch.no_grad():
                self._cached_bound = float(self.attention.score(self.query, self.keys).abs().max())
        return self._cached_bound


def score_length_widget(
    max_len: int = 30,
    initial_len: int = 7,
    query_size: int = 3,
    key_size: int = 4,
    attn_size: int = 8,
    seed: int = 0,
) -> ScoreLengthExplorer:
    """A slider over T_x: the number of scores follows T_x, the parameter count of a does not."""
    require_between("initial_len", initial_len, 1, max_len, "max_len")
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        attention = AdditiveAttention(query_size, key_size, attn_size)
    query = torch.randn(1, query_size, generator=generator)  # (1, Dq)
    keys = 1.5 * torch.randn(1, max_len, key_size, generator=generator)  # (1, S_max, Dk)
    return ScoreLengthExplorer(attention, query, keys, initial_len)
