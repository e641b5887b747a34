"""Tests of PairDataset, collate, Batch and BucketBatchSampler."""

from __future__ import annotations

import pytest
import torch

from rnn_attention.data import (
    Batch,
    BucketBatchSampler,
    PairDataset,
    Vocab,
    build_vocabs,
    collate,
    load_split,
    make_loader,
    padding_fraction,
    random_batches,
)

PAIRS = [("abc", "12"), ("a", "3"), ("bcab", "1")]


@pytest.fixture
def dataset() -> PairDataset:
    """A three-pair dataset with sources of length 3, 1 and 4."""
    return PairDataset(PAIRS, *build_vocabs(PAIRS))


def test_dataset_items(dataset):
    src, tgt, s, t = dataset[0]
    assert src.dtype == torch.long and tgt.dtype == torch.long
    assert dataset.src_vocab.decode(src) == "abc" == s and dataset.tgt_vocab.decode(tgt) == "12" == t
    assert len(dataset) == 3 and dataset.src_lengths == [3, 1, 4] and dataset.tgt_lengths == [2, 1, 1]
    with pytest.raises(ValueError, match="pair 1: source and target must be non-empty"):
        PairDataset([("a", "b"), ("", "c")], *build_vocabs(PAIRS))


def test_collate_shapes_padding_and_teacher_forcing(dataset):
    batch = collate([dataset[i] for i in range(3)])
    assert isinstance(batch, Batch) and len(batch) == 3
    assert batch.src.shape == (3, 4) and batch.src.dtype == torch.long
    assert batch.src_lengths.tolist() == [3, 1, 4]
    assert batch.tgt_in.shape == batch.tgt_out.shape == (3, 3)  # longest target 2, plus SOS/EOS
    assert batch.src[1, 1:].tolist() == [Vocab.PAD] * 3 and batch.src[0, 3] == Vocab.PAD
    assert (batch.src[2] != Vocab.PAD).all()
    assert (batch.tgt_in[:, 0] == Vocab.SOS).all()
    for b, n in enumerate([2, 1, 1]):
        assert batch.tgt_out[b, n] == Vocab.EOS
        assert torch.equal(batch.tgt_in[b, 1 : n + 1], batch.tgt_out[b, :n])
        assert (batch.tgt_out[b, n + 1 :] == Vocab.PAD).all() and (batch.tgt_in[b, n + 1 :] == Vocab.PAD).all()
    assert batch.tgt_lengths.tolist() == [3, 2, 2]
    assert batch.src_text == ["abc", "a", "bcab"] and batch.tgt_text == ["12", "3", "1"]
    assert batch.to("cpu").src.device.type == "cpu"
    moved = batch.to("meta")
    assert moved.src.device.type == "meta" and moved.src_lengths.device.type == "meta"
    assert moved.src_text == batch.src_text
    with pytest.raises(ValueError, match="empty batch"):
        collate([])


def test_bucket_sampler_covers_every_index_once_per_epoch():
    lengths = [(i * 37) % 101 + 1 for i in range(1000)]
    sampler = BucketBatchSampler(lengths, batch_size=32, seed=3)
    epochs = []
    for _ in range(3):
        batches = list(sampler)  # each pass moves to the next epoch
        flat = [i for b in batches for i in b]
        assert sorted(flat) == list(range(1000))
        assert len(batches) == len(sampler) == 32
        epochs.append(batches)
    assert epochs[0] != epochs[1]
    sampler.set_epoch(1)
    assert list(sampler) == epochs[1]
    assert BucketBatchSampler(lengths, 32, seed=3).batches(2) == epochs[2]
    assert BucketBatchSampler(lengths, 32, seed=4).batches(0) != epochs[0]
    dropped = BucketBatchSampler(lengths, 32, drop_last=True)
    assert len(dropped) == 31 and all(len(b) == 32 for b in dropped)
    ordered = BucketBatchSampler(lengths, 32, shuffle=False).batches()
    flat = [lengths[i] for b in ordered for i in b]
    assert flat == sorted(flat)


def test_bucketing_reduces_padding_on_numbers():
    lengths = [len(s) for s, _ in load_split("numbers", "train")]
    plain = padding_fraction(lengths, random_batches(len(lengths), 64))
    bucketed = padding_fraction(lengths, BucketBatchSampler(lengths, 64).batches(0))
    assert plain > 0.3 and bucketed < 0.1 and bucketed < plain / 4
    assert padding_fraction([2, 4], [[0, 1]]) == 0.25


def test_make_loader_with_and_without_buckets():
    pairs = load_split("copy", "valid")
    ds = PairDataset(pairs, *build_vocabs(pairs))
    for bucket in (True, False):
        loader = make_loader(ds, batch_size=50, bucket=bucket, seed=1)
        seen = []
        for batch in loader:
            assert batch.src.shape[1] == int(batch.src_lengths.max())
            seen += batch.src_text
        assert sorted(seen) == sorted(s for s, _ in pairs)
    first = [b.src_text for b in make_loader(ds, 50, seed=1)]
    assert first == [b.src_text for b in make_loader(ds, 50, seed=1)]
