"""Notebook 05's widget: a batch of random lengths padded to S, its mask and its attention weights.

`random_lengths` draws the batch's lengths from a seed, so the same slider values show the same batch.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..attention import AdditiveAttention
from ..masking import lengths_to_mask
from .core import LAYOUT, STYLE, Explorer, require_between

__all__ = ["PaddedBatchExplorer", "padded_batch_widget"]


def random_lengths(batch_size: int, max_len: int, seed: int = 0) -> torch.Tensor:
    """B lengths in 1..max_len, the first one equal to max_len (the batch is padded to it), from a seed."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, max_len + 1, (batch_size,), generator=generator)  # (B,)
    lengths[0] = max_len
    return lengths


class PaddedBatchExplorer(Explorer):
    """A batch of random lengths padded to S: its mask and its attention weights, side by side."""

    def __init__(self, attention, key_pool, query_pool, initial_batch: int, initial_len: int, seed: int):
        self.attention = attention
        self.key_pool = key_pool  # (B_max, S_max, H): encoder states, cropped to (B, S)
        self.query_pool = query_pool  # (B_max, H): one decoder state s_{i-1} per sentence
        self.seed = seed
        self.batch_size = widgets.IntSlider(
            value=initial_batch,
            min=1,
            max=key_pool.shape[0],
            description="batch size B",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.max_len = widgets.IntSlider(
            value=initial_len,
            min=1,
            max=key_pool.shape[1],
            description="maximum source length S",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        super().__init__([self.max_len, self.batch_size])
        self.redraw()

    def compute(self) -> None:
        B, S = int(self.batch_size.value), int(self.max_len.value)
        lengths = random_lengths(B, S, seed=self.seed)  # (B,)
        src_mask = lengths_to_mask(lengths, max_len=S)  # (B, S): True = real token
        keys = self.key_pool[:B, :S] * src_mask.unsqueeze(-1)  # (B, S, H): zero on padding, as packing gives
        with torch.no_grad():
            _, weights = self.attention(self.query_pool[:B], keys, mask=src_mask)  # (B, S)
        n_real = int(src_mask.sum())
        self.state = {
            "B": B,
            "S": S,
            "lengths": lengths,
            "mask": src_mask,
            "weights": weights,
            "n_real": n_real,
            "row_sums": weights.sum(dim=1),
            "weight_on_padding": float(weights[~src_mask].sum()),
            "text": f"B = {B}, S = {S}: {n_real} real positions of {B * S}",
        }

    def draw(self):
        state = self.state
        B, S = state["B"], state["S"]
        figure, (ax_mask, ax_weights) = plt.subplots(1, 2, figsize=(10, 1.6 + 0.32 * self.batch_size.max))
        labels = [f"b={b + 1}, len {int(n)}" for b, n in enumerate(state["lengths"])]
        ax_mask.imshow(state["mask"].float().numpy(), cmap="Greys", vmin=0, vmax=1.6, aspect="auto")
        for b in range(B):
            for j in range(S):
                real = bool(state["mask"][b, j])
                ax_mask.text(
                    j, b, "1" if real else "0", ha="center", va="center", fontsize=8, color="white" if real else "black"
                )
        ax_mask.set_title("src_mask: 1 = real token, 0 = padding")
        image = ax_weights.imshow(state["weights"].numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
        padding = (~state["mask"]).float().numpy()
        ax_weights.imshow(padding, cmap="Greys", vmin=0, vmax=4, alpha=padding, aspect="auto")  # grey out padding
        ax_weights.set_title("attention weights alpha_bj (rows sum to 1)")
        figure.colorbar(image, ax=ax_weights, fraction=0.046, pad=0.04)
        for ax in (ax_mask, ax_weights):
            ax.set_xticks(range(S))
            ax.set_xticklabels(range(1, S + 1), fontsize=8)
            ax.set_yticks(range(B))
            ax.set_yticklabels(labels, fontsize=8)
            ax.set_xlabel("source position j")
            ax.set_xlim(-0.5, self.max_len.max - 0.5)  # fixed axes: padding grows to the right
            ax.set_ylim(self.batch_size.max - 0.5, -0.5)
        figure.suptitle(state["text"])
        figure.tight_layout()
        return figure


def padded_batch_widget(
    max_batch: int = 8, max_len: int = 16, initial_batch: int = 4, initial_len: int = 9, seed: int = 0
) -> PaddedBatchExplorer:
    """Sliders over the maximum source length S and the batch size B: the mask and the weights as heat maps."""
    require_between("initial_batch", initial_batch, 1, max_batch, "max_batch")
    require_between("initial_len", initial_len, 1, max_len, "max_len")
    hidden = 6
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        attention = AdditiveAttention(hidden, hidden, 8)
    key_pool = 2 * torch.randn(max_batch, max_len, hidden, generator=generator)  # (B_max, S_max, H)
    query_pool = 2 * torch.randn(max_batch, hidden, generator=generator)  # (B_max, H)
    return PaddedBatchExplorer(attention, key_pool, query_pool, initial_batch, initial_len, seed)
