"""Evaluation: greedy decoding that keeps the alignments, exact match, accuracy by source length, row entropy.

For inputs longer than any in training (notebook 10) it also separates *where a
model looks* from *when it stops*:

- `decode(..., oracle_lengths=...)` forbids EOS until each target's length and
  then forces it (oracle-length decoding, Newman et al. 2020), so the stopping
  decision is taken away; `forbid_eos` is the one line that does it;
- `decode(..., window=(back, ahead))` restricts alpha_i to the positions near the
  median of alpha_{i-1} (the windowing of Chorowski et al. 2015, section 2.3);
- `item_accuracy` compares the output's items (dates, or groups of three digits
  by place value) with the target's, item by item, instead of all or nothing.

`vocabs` is the pair (src_vocab, tgt_vocab), as in `run.vocabs` of `train.load_or_train(cfg)`.
"""

from __future__ import annotations

import torch

from .alignment import alignment_accuracy, alignment_error_rate, predicted_alignments  # noqa: F401
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


# ------------------------------------------------------------ controlled decoding


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


@torch.no_grad()
def decode_outputs(model, pairs, vocabs, oracle: bool = False, window=None, batch_size: int = 500,
                   extra_steps: int = 10) -> list[str]:
    """The output string for every pair's source, in the pairs' order, decoded by `decode`.

    oracle=True stops each output at its target's length (EOS forbidden before);
    otherwise decoding runs up to the longest target plus extra_steps tokens.
    """
    if not pairs:
        raise ValueError("decode_outputs needs at least one (source, target) pair")
    model.eval()
    device = _device(model)
    outputs: list[str] = [""] * len(pairs)
    for idx, chunk in _chunks(pairs, batch_size):
        batch = make_batch(chunk, vocabs).to(device)
        lengths = torch.tensor([len(vocabs[1].tokens(t)) for _, t in chunk], device=device)  # (B,)
        max_len = int(lengths.max()) + extra_steps
        tokens, _ = decode(model, batch.src, batch.src_lengths, max_len, lengths if oracle else None, window)
        for i, row in zip(idx, tokens.cpu()):
            outputs[i] = vocabs[1].decode(row)
    return outputs


# ---------------------------------------------------------------- item accuracy


def split_dates(text: str) -> list[str]:
    """The items of a repeated-dates target or output: the ISO dates between the ";" ("" has none)."""
    return text.split(";") if text else []


def split_digit_groups(text: str) -> list[str]:
    """A number's groups of three digits by place value, units first: "1234567" -> ["567", "234", "1"].

    Listing the units first means item k is the same place value (units,
    thousands, millions) in the output and the target, even when the output
    has a digit too many or too few at the front.
    """
    return [text[max(0, end - 3) : end] for end in range(len(text), 0, -3)]


def item_accuracy(output: str, target: str, split=split_dates) -> float:
    """Fraction of the target's items that the output has right at the same place (item k with item k).

    Missing items count as wrong; extra items in the output are not counted
    here (`items_produced` reports how many there are).
    """
    target_items, output_items = split(target), split(output)
    if not target_items:
        raise ValueError(f"the target {target!r} has no items")
    right = sum(out == tgt for out, tgt in zip(output_items, target_items))
    return right / len(target_items)


def items_produced(output: str, split=split_dates) -> int:
    """How many items the output has (0 for an empty output)."""
    return len(split(output))


def place_accuracy(output: str, target: str) -> float:
    """Fraction of the target's characters that the output has at the same place counted from the end.

    For numbers this compares units with units, tens with tens: a per-digit
    accuracy that a missing leading digit does not shift.
    """
    if not target:
        raise ValueError("the target is empty")
    right = sum(o == t for o, t in zip(reversed(output), reversed(target)))
    return right / len(target)
