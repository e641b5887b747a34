"""Controlled greedy decoding: take the stopping decision away, or keep alpha_i near where alpha_{i-1} was.

Introduced in notebook 10.

For inputs longer than any in training, this separates *where a model looks*
from *when it stops*:

- `decode(..., oracle_lengths=...)` forbids EOS until each target's length and
  then forces it (oracle-length decoding, Newman et al. 2020), so the stopping
  decision is taken away; `forbid_eos` is the one line that does it;
- `decode(..., window=(back, ahead))` restricts alpha_i to the positions near the
  median of alpha_{i-1} (the windowing of Chorowski et al. 2015, section 2.3).

`evaluate.decode_outputs` runs `decode` over many pairs; rnn_attention.evaluate
re-exports everything here.
"""

from __future__ import annotations

import torch

from .data.vocab import Vocab

__all__ = ["forbid_eos", "force_eos", "window_mask", "decode"]


def forbid_eos(logits: torch.Tensor, step: int, min_lengths: torch.Tensor, eos_idx: int = Vocab.EOS) -> torch.Tensor:
    """Logits (B, V) with EOS impossible for every sentence b whose output is still shorter than min_lengths[b].

    `step` counts the tokens already produced (0 at the first step), so EOS is
    allowed from step min_lengths[b] on. EOS gets the dtype's lowest value, not
    0 or a magic -1e9: after the argmax (or a softmax) it can never win.
    A new tensor is returned; `logits` is left as it was.
    """
    too_early = step < min_lengths.to(logits.device)  # (B,)
    lowest = torch.finfo(logits.dtype).min
    out = logits.clone()  # (B, V)
    out[:, eos_idx] = torch.where(too_early, torch.full_like(out[:, eos_idx], lowest), out[:, eos_idx])
    return out


def force_eos(logits: torch.Tensor, step: int, lengths: torch.Tensor, eos_idx: int = Vocab.EOS) -> torch.Tensor:
    """Logits (B, V) where every sentence that has produced lengths[b] tokens can only say EOS."""
    done = step >= lengths.to(logits.device)  # (B,)
    lowest = torch.finfo(logits.dtype).min
    out = logits.masked_fill(done.unsqueeze(1), lowest)  # (B, V)
    out[:, eos_idx] = torch.where(done, torch.zeros_like(out[:, eos_idx]), out[:, eos_idx])
    return out


def window_mask(prev_weights: torch.Tensor, back: int, ahead: int) -> torch.Tensor:
    """True at the positions j with m - back <= j <= m + ahead, m the median position of alpha_{i-1} (B, S).

    The median is the first position where the cumulative weight reaches 1/2
    (Chorowski et al. 2015 centre their window on it). The window always holds
    m itself, so a row is never empty.
    """
    if back < 0 or ahead < 0:
        raise ValueError(f"back and ahead must be >= 0, got back={back}, ahead={ahead}")
    B, S = prev_weights.shape
    median = (prev_weights.cumsum(dim=-1) < 0.5).sum(dim=-1, keepdim=True).clamp(max=S - 1)  # (B, 1)
    positions = torch.arange(S, device=prev_weights.device).unsqueeze(0)  # (1, S)
    return (positions >= median - back) & (positions <= median + ahead)  # (B, S)


@torch.no_grad()
def decode(model, src, src_lengths, max_len: int, oracle_lengths=None, window=None):
    """Greedy decoding with two controls: oracle lengths (when to stop) and a window (where to look).

    oracle_lengths (B,): EOS is forbidden until sentence b has produced
    oracle_lengths[b] tokens, then forced (Newman et al. 2020's oracle setting).
    window = (back, ahead): alpha_i may only cover positions near the median of
    alpha_{i-1} (the first step's window is centred on position 1). Without
    either, this is `Seq2Seq.greedy_decode`. Returns tokens (B, T), EOS included
    and PAD after it, and attn (B, T, S) or None.
    """
    B, S = src.shape
    step_mask = adjust_logits = None
    if oracle_lengths is not None:
        oracle_lengths = torch.as_tensor(oracle_lengths, device=src.device)  # (B,)
        max_len = int(oracle_lengths.max()) + 1

        def adjust_logits(step, logits):  # EOS forbidden before oracle_lengths[b] tokens, forced after
            logits = forbid_eos(logits, step, oracle_lengths, model.eos_idx)
            return force_eos(logits, step, oracle_lengths, model.eos_idx)  # (B, V)

    if window is not None:
        first_focus = torch.zeros(B, S, device=src.device)  # the first step's window is centred on position 1
        first_focus[:, 0] = 1.0

        def step_mask(step, src_mask, prev_weights):  # only the positions near the median of alpha_{i-1}
            if step > 0 and prev_weights is None:
                raise ValueError("a window needs attention weights; this model has none (attention='none')")
            focus = first_focus if prev_weights is None else prev_weights  # (B, S)
            return src_mask & window_mask(focus, *window)  # (B, S)

    return model.greedy_decode(src, src_lengths, max_len, step_mask=step_mask, adjust_logits=adjust_logits)
