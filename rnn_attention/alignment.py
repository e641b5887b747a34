"""Scoring attention against gold alignments: alignment error rate and alignment accuracy.

Introduced in notebook 13.

An alignment of one pair is a list with one collection of source positions per
target character (what ``rnn_attention.data.gold_alignments`` returns). A model's
alignment is read off its attention weights by arg-max: ``predicted_alignments``.

- ``alignment_error_rate`` (Och and Ney 2003) with sure = possible = gold:
  AER = 1 - 2 |A n G| / (|A| + |G|) over the links (i, j) of all pairs; 0 when the
  predicted links are the gold ones, 1 when they share none.
- ``alignment_accuracy``: the share of target steps whose arg-max position lies in
  the gold set of that step.

A target step whose gold set is empty (the '-' of a date: no source character
writes it) is not scored by either: its predicted links are left out of A and it is
not counted in the accuracy. Both functions take, per pair, either a list of
collections or an attention weight matrix (T_y, T_x), or (T_y + 1, T_x) with the
EOS row last, which they turn into positions by arg-max.

    >>> gold = [[{0}, {1}, {2}]]                       # copy "123"
    >>> alignment_error_rate([[{0}, {1}, {1}]], gold)  # 2 of 3 links right: 1 - 2*2/(3+3)
    0.33333333333333337
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import torch

__all__ = ["predicted_alignments", "alignment_error_rate", "alignment_accuracy", "alignment_links", "forced_attention"]


def predicted_alignments(weights, target_length: int | None = None, source_length: int | None = None) -> list:
    """The arg-max source position of each target step of one weight matrix, as one-element frozensets.

    weights: (T_y, T_x) or (T_y + 1, T_x) attention weights (row i = target step i,
    column j = source position j; numpy arrays and nested lists are accepted).
    target_length: T_y, the target's characters without EOS. When the matrix has
    T_y + 1 rows the last (the EOS step) is dropped; any other number of rows is a
    ValueError. Without it every row is kept. source_length: only the first
    ``source_length`` columns are read (a matrix padded to a batch's longest source).
    """
    weights = torch.as_tensor(weights)
    if weights.dim() != 2:
        raise ValueError(f"expected a (T_y, T_x) weight matrix, got shape {tuple(weights.shape)}")
    rows, columns = weights.shape
    if target_length is not None:
        if rows == target_length + 1:
            weights = weights[:target_length]  # drop the EOS row
        elif rows != target_length:
            raise ValueError(
                f"expected {target_length} rows (one per target character) or {target_length + 1} "
                f"(with the EOS row), got a matrix of {rows} rows"
            )
    if source_length is not None:
        if not 1 <= source_length <= columns:
            raise ValueError(f"expected source_length in 1..{columns} (the matrix's columns), got {source_length}")
        weights = weights[:, :source_length]
    if weights.shape[1] == 0:
        raise ValueError("expected at least one source position (column), got none")
    return [frozenset({int(j)}) for j in weights.argmax(dim=-1).tolist()]


def _as_alignment(item, gold_item, i: int) -> list[frozenset]:
    """One pair's prediction as a list of frozensets, from a weight matrix or from collections."""
    if hasattr(item, "shape") and len(getattr(item, "shape", ())) == 2:
        return predicted_alignments(item, target_length=len(gold_item))
    if isinstance(item, (str, bytes)) or not isinstance(item, Sequence):
        raise ValueError(f"pair {i}: expected a list of position collections or a weight matrix, got {type(item)}")
    out = []
    for t, step in enumerate(item):
        if isinstance(step, int) and not isinstance(step, bool):
            step = (step,)
        if not isinstance(step, Collection) or isinstance(step, (str, bytes)):
            raise ValueError(f"pair {i}, step {t}: expected a collection of source positions, got {step!r}")
        out.append(frozenset(int(j) for j in step))
    return out


def _pairs(predicted, gold) -> list[tuple[list[frozenset], list[frozenset]]]:
    """Checked (prediction, gold) per pair: as many pairs, and as many steps per pair."""
    if len(predicted) != len(gold):
        raise ValueError(f"expected one prediction per gold pair, {len(gold)} pairs, got {len(predicted)}")
    out = []
    for i, (pred_item, gold_item) in enumerate(zip(predicted, gold)):
        gold_steps = [frozenset(int(j) for j in step) for step in gold_item]
        pred_steps = _as_alignment(pred_item, gold_item, i)
        if len(pred_steps) != len(gold_steps):
            raise ValueError(
                f"pair {i}: expected {len(gold_steps)} predicted steps (one per target character), "
                f"got {len(pred_steps)}"
            )
        out.append((pred_steps, gold_steps))
    return out


def alignment_links(predicted, gold) -> tuple[set, set]:
    """(A, G): the predicted and gold links (pair, step, position), scored steps only (non-empty gold)."""
    A, G = set(), set()
    for i, (pred_steps, gold_steps) in enumerate(_pairs(predicted, gold)):
        for t, (p, g) in enumerate(zip(pred_steps, gold_steps)):
            if g:
                A.update((i, t, j) for j in p)
                G.update((i, t, j) for j in g)
    return A, G


def alignment_error_rate(predicted, gold) -> float:
    """AER = 1 - 2 |A n G| / (|A| + |G|) over all pairs' links (Och and Ney 2003, sure = possible = gold).

    predicted, gold: one entry per pair; each a list with one collection of source
    positions per target character (a prediction may also be a weight matrix, read
    by arg-max, an EOS row dropped). Steps with an empty gold set are not scored.
    0 for a perfect alignment, 1 for a disjoint one. Lengths that disagree (pairs,
    or steps of a pair) are a ValueError; so is nothing to score.
    """
    A, G = alignment_links(predicted, gold)
    if not A and not G:
        raise ValueError("nothing to score: every gold set is empty")
    return 1.0 - 2.0 * len(A & G) / (len(A) + len(G))


def alignment_accuracy(weights_or_predicted, gold) -> float:
    """The share of scored target steps whose predicted position lies in the gold set.

    weights_or_predicted: one entry per pair, a weight matrix (T_y or T_y + 1 rows,
    read by arg-max, the EOS row dropped) or a list of collections of positions; a
    step with several predicted positions counts as right when all lie in the gold
    set (and as wrong when it has none). Steps with an empty gold set are not scored.
    """
    right = scored = 0
    for pred_steps, gold_steps in _pairs(weights_or_predicted, gold):
        for p, g in zip(pred_steps, gold_steps):
            if g:
                scored += 1
                right += bool(p) and p <= g
    if scored == 0:
        raise ValueError("nothing to score: every gold set is empty")
    return right / scored


@torch.no_grad()
def forced_attention(model, pairs, vocabs, batch_size: int = 500) -> list[torch.Tensor]:
    """The attention weights of each pair under forced decoding of its reference (teacher forcing).

    As Luong et al. (2015, section 5.4) measured AER: the decoder reads the reference
    target, not its own output, so every pair has exactly T_y + 1 rows (the last for
    EOS) whatever the model would have written. Returns one (T_y + 1, T_x) CPU tensor
    per pair, in the order of `pairs`; vocabs is (src_vocab, tgt_vocab).
    """
    from .evaluate import make_batch

    model.eval()
    device = next(model.parameters()).device
    out: list[torch.Tensor | None] = [None] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]))  # less padding
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        batch = make_batch([pairs[i] for i in indices], vocabs).to(device)
        _, attn = model(batch.src, batch.src_lengths, batch.tgt_in, return_attention=True)  # (B, T, S)
        if attn is None:
            raise ValueError("this model has no attention weights to align")
        for b, i in enumerate(indices):
            source, target = pairs[i]
            out[i] = attn[b, : len(target) + 1, : len(source)].float().cpu()  # (T_y + 1, T_x)
    return out
