"""Masks for batches of different lengths, and a softmax that respects them.

A batch pads every sentence to the longest one. The padded positions are not
part of the input, so attention must give them weight exactly 0. This module
builds the boolean mask (True = real token) and a softmax that only
normalises over the real positions.
"""

from __future__ import annotations

import torch

__all__ = ["lengths_to_mask", "masked_softmax", "check_mask"]


def lengths_to_mask(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """Turn lengths (B,) into a boolean mask (B, max_len), True on real tokens."""
    if not isinstance(lengths, torch.Tensor):
        lengths = torch.as_tensor(lengths)
    if lengths.dim() != 1:
        raise ValueError(f"lengths must be a 1-D tensor (B,), got shape {tuple(lengths.shape)}")
    if lengths.dtype.is_floating_point or lengths.dtype == torch.bool or lengths.is_complex():
        raise TypeError(f"lengths must be an integer tensor, got dtype {lengths.dtype}")
    if lengths.numel() == 0:
        raise ValueError("lengths is empty: expected at least one sequence length (B >= 1)")
    if (lengths < 1).any():
        bad = lengths[lengths < 1].tolist()
        raise ValueError(f"every length must be >= 1 (an empty sequence has nothing to attend to), got {bad}")
    longest = int(lengths.max())
    if max_len is None:
        max_len = longest
    elif longest > max_len:
        raise ValueError(f"a length of {longest} does not fit in max_len={max_len}: lengths must be <= max_len")
    positions = torch.arange(max_len, device=lengths.device)  # (S,)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)  # (B, S)


def check_mask(mask: torch.Tensor, scores: torch.Tensor, name: str = "mask") -> torch.Tensor:
    """Check that a mask is boolean and broadcasts to the scores; return it ready to use."""
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"{name} must be a torch.bool tensor, got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(
            f"{name} must have dtype torch.bool (True = real token), got {mask.dtype}; "
            f"use lengths_to_mask(lengths) or (x != PAD)"
        )
    try:
        torch.broadcast_shapes(mask.shape, scores.shape)
    except RuntimeError:
        raise ValueError(
            f"{name} of shape {tuple(mask.shape)} does not match scores of shape {tuple(scores.shape)}"
        ) from None
    return mask


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None, dim: int = -1) -> torch.Tensor:
    """Softmax over `dim` that gives exactly 0 to masked positions (mask False).

    A row with no real position at all returns zeros, not NaN, and its
    gradient is finite (zero). Works in float16 and bfloat16 because the fill
    value is the dtype's own minimum, not a magic constant such as -1e9.
    """
    if mask is None:
        return torch.softmax(scores, dim=dim)
    mask = check_mask(mask, scores)
    # The smallest finite number of this dtype: exp(min - max) underflows to 0
    # in every dtype, while -1e9 would overflow to -inf in float16.
    fill = torch.finfo(scores.dtype).min
    filled = scores.masked_fill(~mask, fill)
    weights = torch.softmax(filled, dim=dim)
    # A fully masked row would otherwise be uniform over padding: zero it.
    # (multiplying keeps gradients finite; masked_fill after softmax would too)
    return weights * mask.to(weights.dtype)
