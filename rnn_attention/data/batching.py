"""Turning pairs of strings into padded batches of ids for teacher forcing.

Introduced in notebook 06.

``PairDataset`` encodes each pair once; ``collate`` pads a list of items into a
:class:`Batch`; ``BucketBatchSampler`` puts sources of similar length together so
that less of every batch is padding. Shapes: B batch, S source length, T target
length (one more than the longest target: the SOS or EOS).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from .vocab import Vocab

Item = tuple[torch.Tensor, torch.Tensor, str, str]


class PairDataset(Dataset):
    """A torch Dataset of (source, target) string pairs, encoded with two vocabularies."""

    def __init__(self, pairs: Sequence[tuple[str, str]], src_vocab: Vocab, tgt_vocab: Vocab) -> None:
        """Encode every pair; an empty source or target is an error."""
        self.pairs = [tuple(p) for p in pairs]
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        self.src_ids: list[torch.Tensor] = []
        self.tgt_ids: list[torch.Tensor] = []
        for i, pair in enumerate(self.pairs):
            if len(pair) != 2 or not all(isinstance(x, str) for x in pair):
                raise ValueError(f"pair {i}: expected (source str, target str), got {pair!r}")
            src, tgt = pair
            if not src or not tgt:
                raise ValueError(f"pair {i}: source and target must be non-empty, got {pair!r}")
            self.src_ids.append(torch.tensor(src_vocab.encode(src), dtype=torch.long))  # (S_i,)
            self.tgt_ids.append(torch.tensor(tgt_vocab.encode(tgt), dtype=torch.long))  # (T_i,)

    @property
    def src_lengths(self) -> list[int]:
        """Source length of every item, in symbols (what the bucket sampler sorts by)."""
        return [len(x) for x in self.src_ids]

    @property
    def tgt_lengths(self) -> list[int]:
        """Target length of every item, in symbols, without SOS/EOS."""
        return [len(x) for x in self.tgt_ids]

    def __len__(self) -> int:
        """Number of pairs."""
        return len(self.pairs)

    def __getitem__(self, i: int) -> Item:
        """(src_ids (S,), tgt_ids (T,), src_text, tgt_text) of pair i; no SOS/EOS added."""
        src, tgt = self.pairs[i]
        return self.src_ids[i], self.tgt_ids[i], src, tgt


@dataclass
class Batch:
    """A padded batch: ``src`` (B, S), ``src_lengths`` (B,), ``tgt_in``/``tgt_out`` (B, T), texts."""

    src: torch.Tensor  # (B, S) long, PAD after each source
    src_lengths: torch.Tensor  # (B,) long, number of real source symbols
    tgt_in: torch.Tensor  # (B, T) long, SOS y_1 .. y_n then PAD: decoder input
    tgt_out: torch.Tensor  # (B, T) long, y_1 .. y_n EOS then PAD: what to predict
    src_text: list[str]
    tgt_text: list[str]

    def to(self, device: torch.device | str, non_blocking: bool = False) -> Batch:
        """Return a copy with every tensor on ``device`` (pack_padded_sequence wants lengths.cpu())."""
        moved = {
            f.name: (v.to(device, non_blocking=non_blocking) if torch.is_tensor(v) else v)
            for f in fields(self)
            for v in (getattr(self, f.name),)
        }
        return Batch(**moved)

    @property
    def tgt_lengths(self) -> torch.Tensor:
        """(B,) number of real positions of tgt_in / tgt_out (target length + 1)."""
        return (self.tgt_out != Vocab.PAD).sum(dim=1)

    def __len__(self) -> int:
        """Batch size B."""
        return self.src.shape[0]


def collate(batch: Sequence[Item]) -> Batch:
    """Pad a list of PairDataset items into a Batch (SOS/EOS added to the target here)."""
    if len(batch) == 0:
        raise ValueError("collate got an empty batch")
    srcs, tgts, src_text, tgt_text = zip(*batch)
    for i, (s, t) in enumerate(zip(srcs, tgts)):
        if s.dim() != 1 or t.dim() != 1 or len(s) == 0 or len(t) == 0:
            raise ValueError(
                f"item {i}: expected non-empty 1-D id tensors, got shapes {tuple(s.shape)} and {tuple(t.shape)}"
            )
    B = len(batch)
    S = max(len(s) for s in srcs)
    T = max(len(t) for t in tgts) + 1
    src = torch.full((B, S), Vocab.PAD, dtype=torch.long)  # (B, S)
    tgt_in = torch.full((B, T), Vocab.PAD, dtype=torch.long)  # (B, T)
    tgt_out = torch.full((B, T), Vocab.PAD, dtype=torch.long)  # (B, T)
    for b, (s, t) in enumerate(zip(srcs, tgts)):
        src[b, : len(s)] = s
        tgt_in[b, 0] = Vocab.SOS
        tgt_in[b, 1 : len(t) + 1] = t
        tgt_out[b, : len(t)] = t
        tgt_out[b, len(t)] = Vocab.EOS
    src_lengths = torch.tensor([len(s) for s in srcs], dtype=torch.long)  # (B,)
    return Batch(src, src_lengths, tgt_in, tgt_out, list(src_text), list(tgt_text))


class BucketBatchSampler(Sampler[list[int]]):
    """Yield batches of indices whose lengths are similar, to cut padding.

    With ``shuffle``: the indices are shuffled, cut into pools of ``pool_batches``
    batches, each pool sorted by length and cut into batches, and the batches of all
    pools shuffled. So batch contents and batch order change every epoch, while each
    batch holds neighbours in length. Without ``shuffle``: all indices sorted by length
    (ties by index), batches in order, shortest first.

    The order depends only on ``seed`` and the epoch. Each pass over the sampler uses
    the current epoch and then moves to the next one; ``set_epoch(e)`` picks epoch e
    (as torch's DistributedSampler), so a resumed run sees the same batches.
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
        pool_batches: int = 50,
    ) -> None:
        """Remember the lengths (one per dataset item) and the batching options."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if pool_batches < 1:
            raise ValueError(f"pool_batches must be >= 1, got {pool_batches!r}")
        self.lengths = [int(n) for n in lengths]
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.drop_last, self.pool_batches = drop_last, pool_batches
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose order the next pass yields."""
        self.epoch = int(epoch)

    def batches(self, epoch: int | None = None) -> list[list[int]]:
        """The list of batches of one epoch (the current one by default), without advancing."""
        epoch = self.epoch if epoch is None else epoch
        n, bs = len(self.lengths), self.batch_size
        if not self.shuffle:
            order = sorted(range(n), key=lambda i: (self.lengths[i], i))
            out = [order[i : i + bs] for i in range(0, n, bs)]
        else:
            rng = random.Random(f"BucketBatchSampler:{self.seed}:{epoch}")
            perm = list(range(n))
            rng.shuffle(perm)
            pool = bs * self.pool_batches
            out = []
            for start in range(0, n, pool):
                chunk = sorted(perm[start : start + pool], key=lambda i: self.lengths[i])  # stable
                out.extend(chunk[i : i + bs] for i in range(0, len(chunk), bs))
            rng.shuffle(out)
        if self.drop_last:
            out = [b for b in out if len(b) == bs]
        return out

    def __iter__(self) -> Iterator[list[int]]:
        """Yield the current epoch's batches, then advance the epoch."""
        out = self.batches()
        self.epoch += 1
        return iter(out)

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n = len(self.lengths)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


def padding_fraction(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> float:
    """Fraction of the padded (B, S) positions of all batches that are padding."""
    total = real = 0
    for batch in batches:
        lens = [lengths[i] for i in batch]
        total += len(lens) * max(lens)
        real += sum(lens)
    return 0.0 if total == 0 else 1.0 - real / total


def random_batches(n: int, batch_size: int, seed: int = 0) -> list[list[int]]:
    """Batches of a plain shuffled order (no bucketing), for comparison."""
    perm = list(range(n))
    random.Random(f"random_batches:{seed}").shuffle(perm)
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def make_loader(
    dataset: PairDataset,
    batch_size: int,
    shuffle: bool = True,
    bucket: bool = True,
    seed: int = 0,
    drop_last: bool = False,
    num_workers: int = 0,
) -> DataLoader:
    """A DataLoader of Batches: length-bucketed by default, reproducible from ``seed``."""
    if bucket:
        sampler = BucketBatchSampler(dataset.src_lengths, batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)
        return DataLoader(dataset, batch_sampler=sampler, collate_fn=collate, num_workers=num_workers)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        collate_fn=collate,
        generator=generator,
        num_workers=num_workers,
    )
