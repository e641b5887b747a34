"""Masks for batches of different lengths, and a softmax that respects them.

Introduced in notebook 03.

A batch pads every sentence to the longest one. The padded positions are not
part of the input, so attention must give them weight exactly 0. This module
builds the boolean mask (True = real token) and a softmax that only
normalises over the real positions.
"""

from __future__ import annotations

import torch

__all__ = ["lengths_to_mask", "masked_softmax", "check_mask"]


MAX_POSITIONS = 1_000_000  # lengths_to_mask: a longer max_len is a mistake (a (B, 10**10) mask needs 10 GB per row)


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
    if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int)):
        raise TypeError(f"max_len must be an int (the padded length S) or None, got {max_len!r}")
    if max_len is None:
        max_len = longest
    elif max_len > MAX_POSITIONS:
        raise ValueError(
            f"max_len={max_len} is far longer than any padded batch (at most {MAX_POSITIONS:,} positions): "
            f"pass S, the padded length of the batch (here at least {longest})"
        )
    elif longest > max_len:
        raise ValueError(f"a length of {longest} does not fit in max_len={max_len}: lengths must be <= max_len")
    positions = torch.arange(max_len, device=lengths.device)  # (S,)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)  # (B, S)


def check_mask(mask: torch.Tensor, scores: torch.Tensor, name: str = "mask") -> torch.Tensor:
    """Check that a mask is boolean and fits the scores exactly; return it ready to use.

    The mask must have the scores' own shape, (B, S) or (B, T, S). For scores
    (B, T, S) a mask (B, S) is also accepted: one row of padding per sentence,
    the same for every target step t. It is returned as (B, 1, S), so that row b
    of the mask always meets sentence b (plain broadcasting would pair a (B, S)
    mask with the T axis when T == B). Anything that merely broadcasts, such as
    (B, 1, S) for scores (B, S), is refused: it is almost always a mistake.
    """
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"{name} must be a torch.bool tensor, got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(
            f"{name} must have dtype torch.bool (True = real token), got {mask.dtype}; "
            f"use lengths_to_mask(lengths) or (x != PAD)"
        )
    if mask.shape == scores.shape:
        return mask
    if scores.dim() == 3 and tuple(mask.shape) == (scores.shape[0], scores.shape[2]):
        return mask.unsqueeze(1)  # (B, 1, S): the same padding at every target step
    allowed = f"{tuple(scores.shape)}"
    if scores.dim() == 3:
        allowed += f" or (B, S) = {(scores.shape[0], scores.shape[2])}"
    raise ValueError(
        f"{name} of shape {tuple(mask.shape)} does not match scores of shape {tuple(scores.shape)}: "
        f"expected exactly {allowed}"
    )


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None, dim: int = -1) -> torch.Tensor:
    """Softmax over `dim` that gives exactly 0 to masked positions (mask False).

    The mask has the scores' shape, or (B, S) for scores (B, T, S) (see check_mask).
    A row with no real position at all returns zeros, not NaN, and its
    gradient is finite (zero). Works in float16 and bfloat16 because the fill
    value is the dtype's own minimum, not a magic constant such as -1e9.
    """
    if not isinstance(scores, torch.Tensor):
        raise TypeError(f"scores must be a torch.Tensor, got {type(scores).__name__}")
    if not scores.dtype.is_floating_point:
        raise TypeError(
            f"scores must be a floating-point tensor (float32, float16, bfloat16...), got dtype {scores.dtype}: "
            "convert them with scores.float()"
        )
    if mask is None:
        return torch.softmax(scores, dim=dim)
    given_shape = tuple(mask.shape) if isinstance(mask, torch.Tensor) else None
    mask = check_mask(mask, scores)
    if mask.shape != scores.shape and dim % scores.dim() != scores.dim() - 1:
        raise ValueError(
            f"a (B, S) mask {given_shape} for scores {tuple(scores.shape)} needs the softmax over the "
            f"last axis (S), got dim={dim}; pass a mask of the scores' own shape"
        )
    # The smallest finite number of this dtype: exp(min - max) underflows to 0
    # in every dtype, while -1e9 would overflow to -inf in float16.
    fill = torch.finfo(scores.dtype).min
    filled = scores.masked_fill(~mask, fill)
    weights = torch.softmax(filled, dim=dim) * mask.to(scores.dtype)  # 0 on padding
    # Renormalise over the real positions. Usually a no-op (the padding already got
    # exp(fill - max) = 0), it matters when a real score is itself as low as the
    # fill value: then the padding would share the weight and the row sum to < 1.
    # A row with no real position has total 0 and stays all zeros; the floor keeps
    # its gradient finite.
    total = weights.sum(dim=dim, keepdim=True)
    return weights / total.clamp_min(torch.finfo(scores.dtype).tiny)
