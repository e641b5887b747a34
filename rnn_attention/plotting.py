"""Plots used across the course: one alignment heat map, used everywhere.

Introduced in notebook 04.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["plot_attention", "to_numpy_2d"]


def to_numpy_2d(weights) -> np.ndarray:
    """Return a (T, S) numpy array from a tensor or array of attention weights."""
    if isinstance(weights, torch.Tensor):
        weights = weights.detach().float().cpu().numpy()
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 1:
        weights = weights[None, :]  # one decoder step: a (1, S) matrix
    if weights.ndim != 2:
        raise ValueError(f"weights must be (T, S) or (S,), got shape {weights.shape}")
    return weights


def plot_attention(weights, src_tokens, tgt_tokens, ax=None, title=None, colorbar=True):
    """Draw alpha (T, S) as a heat map: source along x, target along y, colours fixed to [0, 1]."""
    import matplotlib.pyplot as plt

    weights = to_numpy_2d(weights)
    src_tokens, tgt_tokens = list(src_tokens), list(tgt_tokens)
    T, S = weights.shape
    if len(src_tokens) != S or len(tgt_tokens) != T:
        raise ValueError(
            f"weights of shape (T, S) = {(T, S)} need {S} source tokens and {T} target tokens, "
            f"got {len(src_tokens)} and {len(tgt_tokens)}"
        )
    if ax is None:
        width = min(12.0, 1.5 + 0.32 * S)
        height = min(8.0, 1.2 + 0.32 * T)
        _, ax = plt.subplots(figsize=(max(width, 3.0), max(height, 2.0)))
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(S))
    ax.set_xticklabels([_show(t) for t in src_tokens], rotation=90 if S > 12 else 0)
    ax.set_yticks(range(T))
    ax.set_yticklabels([_show(t) for t in tgt_tokens])
    ax.set_xlabel("source position j (encoder state h_j)")
    ax.set_ylabel("target step i")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="alpha_ij")
    return ax


def _show(token) -> str:
    """A printable label for a token: spaces become a visible middle dot."""
    token = str(token)
    return "\u00b7" if token == " " else token
