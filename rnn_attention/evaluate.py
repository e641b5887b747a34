"""Evaluation: greedy decoding that keeps the alignments, exact match, accuracy by source length, row entropy.

`vocabs` is the pair (src_vocab, tgt_vocab), as in `run.vocabs` of `train.load_or_train(cfg)`.
"""

from __future__ import annotations

import torch

from .data.vocab import Vocab

__all__ = [
    "MAX_SOURCE_SYMBOLS",
    "make_batch",
    "greedy_outputs",
    "exact_match",
    "token_accuracy",
    "accuracy_by_length",
    "length_buckets",
    "translate",
    "row_entropy",
]


def make_batch(pairs, vocabs):
    """One padded Batch of (source, target) pairs, encoded exactly as in training."""
    from .data import PairDataset, collate

    dataset = PairDataset(pairs, *vocabs)
    return collate([dataset[i] for i in range(len(dataset))])


def _device(model) -> torch.device:
    return next(model.parameters()).device


def _chunks(pairs, batch_size: int):
    """Pairs sorted by source length (less padding), cut into batches; yields (indices, pairs)."""
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield idx, [pairs[i] for i in idx]


@torch.no_grad()
def greedy_outputs(model, pairs, vocabs, batch_size: int = 500, max_len: int | None = None) -> list[str]:
    """The model's greedy output string for every pair's source, in the pairs' order ([] for no pairs)."""
    if not pairs:
        return []
    if max_len is None:
        max_len = max(len(vocabs[1].tokens(t)) for _, t in pairs) + 5
    model.eval()
    device = _device(model)
    outputs: list[str] = [""] * len(pairs)
    for idx, chunk in _chunks(pairs, batch_size):
        batch = make_batch(chunk, vocabs).to(device)
        tokens, _ = model.greedy_decode(batch.src, batch.src_lengths, max_len)  # (B, T)
        for i, row in zip(idx, tokens.cpu()):
            outputs[i] = vocabs[1].decode(row)
    return outputs


def exact_match(model, pairs, vocabs, batch_size: int = 500) -> float:
    """Fraction of pairs whose greedy output equals the target exactly."""
    if not pairs:
        raise ValueError("exact_match needs at least one (source, target) pair")
    outputs = greedy_outputs(model, pairs, vocabs, batch_size)
    return sum(out == tgt for out, (_, tgt) in zip(outputs, pairs)) / len(pairs)


@torch.no_grad()
def token_accuracy(model, pairs, vocabs, batch_size: int = 500) -> float:
    """Teacher-forced accuracy per target token (EOS included): the next symbol right, given the true prefix."""
    if not pairs:
        raise ValueError("token_accuracy needs at least one (source, target) pair")
    model.eval()
    device = _device(model)
    correct = total = 0
    for _, chunk in _chunks(pairs, batch_size):
        batch = make_batch(chunk, vocabs).to(device)
        logits = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
        real = batch.tgt_out != Vocab.PAD  # (B, T)
        correct += int(((logits.argmax(-1) == batch.tgt_out) & real).sum())
        total += int(real.sum())
    return correct / total


def length_buckets(pairs, n_buckets: int = 6):
    """Equal-width (lo, hi) source-length buckets covering the pairs, inclusive at both ends."""
    lengths = [len(s) for s, _ in pairs]
    lo, hi = min(lengths), max(lengths)
    width = max(1, -(-(hi - lo + 1) // n_buckets))  # ceil
    return [(a, min(a + width - 1, hi)) for a in range(lo, hi + 1, width)]


def accuracy_by_length(model, pairs, vocabs, buckets=6, batch_size: int = 500) -> list[dict]:
    """Exact match per source-length bucket: [{"lo", "hi", "n", "exact_match"}, ...], shortest first.

    `buckets` is a number of equal-width buckets or a list of (lo, hi) length
    ranges (inclusive). Source length is counted in symbols of the source vocabulary.
    """
    if isinstance(buckets, int):
        buckets = length_buckets(pairs, buckets)
    buckets = sorted((int(lo), int(hi)) for lo, hi in buckets)
    outputs = greedy_outputs(model, pairs, vocabs, batch_size)
    rows = []
    for lo, hi in buckets:
        hits = [out == tgt for out, (src, tgt) in zip(outputs, pairs) if lo <= len(vocabs[0].tokens(src)) <= hi]
        rows.append({"lo": lo, "hi": hi, "n": len(hits), "exact_match": (sum(hits) / len(hits)) if hits else None})
    return rows


MAX_SOURCE_SYMBOLS = 2000  # translate's default cap: the model runs on any length, but this keeps a call short


@torch.no_grad()
def translate(model, text: str, vocabs, max_len: int = 40, max_src_len: int | None = MAX_SOURCE_SYMBOLS):
    """Greedy translation of one input: (output_text, attn (T, S) or None, src_tokens, tgt_tokens).

    tgt_tokens are the output symbols with "<eos>" last when the model stopped;
    attn has one row per tgt token. Raises ValueError for an empty input, one
    longer than max_src_len (MAX_SOURCE_SYMBOLS = 2000 by default: attention
    runs on any length, but an unbounded input makes an unbounded call; pass
    max_src_len=None to lift the cap), or symbols the model has never seen (listed).
    """
    src_vocab, tgt_vocab = vocabs
    if not isinstance(text, str):
        raise TypeError(f"translate expects a str, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("the input is empty: type a few characters to translate")
    src_tokens = src_vocab.tokens(text)
    if max_src_len is not None and len(src_tokens) > max_src_len:
        raise ValueError(
            f"the input has {len(src_tokens)} symbols, more than the cap of {max_src_len} "
            f"(translate(..., max_src_len=None) lifts it)"
        )
    unknown = sorted({sym for sym in src_tokens if sym not in src_vocab})
    if unknown:
        shown = " ".join(repr(sym) for sym in unknown)
        raise ValueError(f"the input contains symbols the model never saw in training: {shown}")
    model.eval()
    device = _device(model)
    src = torch.tensor([src_vocab.encode(text)], dtype=torch.long, device=device)  # (1, S)
    src_lengths = torch.tensor([src.shape[1]], dtype=torch.long)  # (1,)
    tokens, attn = model.greedy_decode(src, src_lengths, max_len)  # (1, T), (1, T, S)
    ids = tokens[0].tolist()
    n = ids.index(tgt_vocab.EOS) + 1 if tgt_vocab.EOS in ids else len(ids)
    tgt_tokens = [tgt_vocab.itos[i] for i in ids[:n]]
    weights = None if attn is None else attn[0, :n].float().cpu()  # (T, S)
    return tgt_vocab.decode(ids), weights, src_tokens, tgt_tokens


def row_entropy(weights: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """H = -sum_j alpha_j log alpha_j along `dim`, in nats: 0 for a one-hot row, log S for a uniform one.

    A weight of exactly 0 (padding) adds 0 log 0 = 0, never nan. (T, S) -> (T,).
    """
    return -torch.special.xlogy(weights, weights).sum(dim=dim)
