"""Evaluation: greedy decoding that keeps the alignments, exact match, accuracy by source length, row entropy.

Introduced in notebook 06.

Every function decodes through one loop, `decode_outputs` (chunks of pairs
sorted by length, `decoding.decode` on each), and leaves the model in the
train/eval mode it found it in. For notebook 10 this module also re-exports the
controlled decoding of decoding.py (`decode`, `forbid_eos`, `force_eos`,
`window_mask`) and the item accuracy of items.py (`item_accuracy`,
`split_dates`, `split_digit_groups`, `items_produced`, `place_accuracy`).

`vocabs` is the pair (src_vocab, tgt_vocab), as in `run.vocabs` of `train.load_or_train(cfg)`.
"""

from __future__ import annotations

import contextlib

import torch

from .alignment import alignment_accuracy, alignment_error_rate, predicted_alignments  # noqa: F401
from .data import PairDataset, collate
from .data.vocab import Vocab
from .decoding import decode, forbid_eos, force_eos, window_mask
from .items import item_accuracy, items_produced, place_accuracy, split_dates, split_digit_groups

__all__ = [
    "MAX_SOURCE_SYMBOLS",
    "make_batch",
    "greedy_outputs",
    "exact_match",
    "token_accuracy",
    "accuracy_by_length",
    "length_buckets",
    "eval_mode",
    "translate",
    "row_entropy",
    "forbid_eos",
    "force_eos",
    "window_mask",
    "decode",
    "decode_outputs",
    "split_dates",
    "split_digit_groups",
    "item_accuracy",
    "items_produced",
    "place_accuracy",
]


def make_batch(pairs, vocabs):
    """One padded Batch of (source, target) pairs, encoded exactly as in training."""
    dataset = PairDataset(pairs, *vocabs)
    return collate([dataset[i] for i in range(len(dataset))])


def _device(model) -> torch.device:
    return next(model.parameters()).device


@contextlib.contextmanager
def eval_mode(model):
    """Run the block with the model in eval mode, then put every submodule back in the mode it was in."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, training in modes:
            module.training = training


def _chunks(pairs, batch_size: int):
    """Pairs sorted by source length (less padding), cut into batches; yields (indices, pairs)."""
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield idx, [pairs[i] for i in idx]


@torch.no_grad()
def decode_outputs(
    model,
    pairs,
    vocabs,
    oracle: bool = False,
    window=None,
    batch_size: int = 500,
    extra_steps: int = 10,
    max_len: int | None = None,
) -> list[str]:
    """The output string for every pair's source, in the pairs' order, decoded by `decode` ([] for no pairs).

    The one decoding loop of this module. oracle=True stops each output at its
    target's length (EOS forbidden before); otherwise decoding runs up to
    max_len tokens, by default (None) the chunk's longest target plus
    extra_steps. window=(back, ahead) keeps alpha_i near alpha_{i-1} (see decode).
    """
    outputs: list[str] = [""] * len(pairs)
    if not pairs:
        return outputs
    with eval_mode(model):
        device = _device(model)
        for idx, chunk in _chunks(pairs, batch_size):
            batch = make_batch(chunk, vocabs).to(device)
            lengths = torch.tensor([len(vocabs[1].tokens(t)) for _, t in chunk], device=device)  # (B,)
            steps = int(lengths.max()) + extra_steps if max_len is None else max_len
            tokens, _ = decode(model, batch.src, batch.src_lengths, steps, lengths if oracle else None, window)
            for i, row in zip(idx, tokens.cpu()):
                outputs[i] = vocabs[1].decode(row)
    return outputs


def greedy_outputs(model, pairs, vocabs, batch_size: int = 500, max_len: int | None = None) -> list[str]:
    """The model's plain greedy output string for every pair's source, in the pairs' order ([] for no pairs).

    decode_outputs without controls; max_len=None means the longest target of
    all the pairs plus 5, the same cap for every chunk.
    """
    if max_len is None and pairs:
        max_len = max(len(vocabs[1].tokens(t)) for _, t in pairs) + 5
    return decode_outputs(model, pairs, vocabs, batch_size=batch_size, max_len=max_len)


def exact_match(model, pairs, vocabs, batch_size: int = 500, oracle: bool = False) -> float:
    """Fraction of pairs whose greedy output equals the target exactly (oracle=True: decoded to the target's length)."""
    if not pairs:
        raise ValueError("exact_match needs at least one (source, target) pair")
    if oracle:
        outputs = decode_outputs(model, pairs, vocabs, oracle=True, batch_size=batch_size)
    else:
        outputs = greedy_outputs(model, pairs, vocabs, batch_size)
    return sum(out == tgt for out, (_, tgt) in zip(outputs, pairs)) / len(pairs)


@torch.no_grad()
def token_accuracy(model, pairs, vocabs, batch_size: int = 500, count_eos: bool = True) -> float:
    """Teacher-forced accuracy per target token (EOS included unless count_eos=False): the next symbol right."""
    if not pairs:
        raise ValueError("token_accuracy needs at least one (source, target) pair")
    correct = total = 0
    with eval_mode(model):
        device = _device(model)
        for _, chunk in _chunks(pairs, batch_size):
            batch = make_batch(chunk, vocabs).to(device)
            logits = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
            real = batch.tgt_out != Vocab.PAD  # (B, T)
            if not count_eos:
                real &= batch.tgt_out != Vocab.EOS
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
    with eval_mode(model):
        src = torch.tensor([src_vocab.encode(text)], dtype=torch.long, device=_device(model))  # (1, S)
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
