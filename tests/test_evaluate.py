"""Tests of rnn_attention.evaluate: exact match, token accuracy, accuracy by length, translate, row entropy."""

import math

import pytest
import torch

from rnn_attention.data import PairDataset, build_vocabs, make_loader
from rnn_attention.evaluate import (
    accuracy_by_length,
    exact_match,
    greedy_outputs,
    length_buckets,
    row_entropy,
    token_accuracy,
    translate,
)
from rnn_attention.models import build_model
from rnn_attention.train import fit, get_config

ALPHABET = "abcde"


def copy_pairs(n, seed, max_len=6):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        length = int(torch.randint(1, max_len + 1, (1,), generator=g))
        s = "".join(ALPHABET[int(i)] for i in torch.randint(0, len(ALPHABET), (length,), generator=g))
        out.append((s, s))
    return out


@pytest.fixture(scope="module")
def trained():
    """A tiny attention model trained briefly on copying short strings."""
    train_pairs, test_pairs = copy_pairs(400, 0), copy_pairs(60, 2)
    vocabs = build_vocabs(train_pairs)
    cfg = get_config(
        "ci",
        task="copy",
        emb_size=16,
        hidden_size=32,
        attn_size=16,
        batch_size=32,
        epochs=20,
        max_steps=150,
        max_seconds=None,
        lr=1e-2,
        warmup_steps=10,
        snapshot_every=0,
        progress=False,
    )
    torch.manual_seed(0)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    fit(model, make_loader(PairDataset(train_pairs, *vocabs), cfg.batch_size), cfg, torch.device("cpu"))
    return model.eval(), vocabs, test_pairs


def test_exact_match_and_token_accuracy(trained):
    model, vocabs, test = trained
    em, tok = exact_match(model, test, vocabs), token_accuracy(model, test, vocabs)
    assert 0.5 <= em <= 1.0 and 0.8 <= tok <= 1.0
    outputs = greedy_outputs(model, test, vocabs, batch_size=7)  # several batches, back in the pairs' order
    assert em == sum(o == t for o, (_, t) in zip(outputs, test)) / len(test)
    with pytest.raises(ValueError):
        exact_match(model, [], vocabs)


def test_accuracy_by_length_is_per_bucket_and_increasing(trained):
    model, vocabs, test = trained
    rows = accuracy_by_length(model, test, vocabs, buckets=3)
    assert [set(r) for r in rows] == [{"lo", "hi", "n", "exact_match"}] * len(rows)
    assert [r["lo"] for r in rows] == sorted(r["lo"] for r in rows)
    assert sum(r["n"] for r in rows) == len(test)
    assert all(0.0 <= r["exact_match"] <= 1.0 for r in rows)
    explicit = accuracy_by_length(model, test, vocabs, buckets=[(4, 6), (1, 3), (50, 60)])
    assert [(r["lo"], r["hi"]) for r in explicit] == [(1, 3), (4, 6), (50, 60)]
    assert explicit[-1]["n"] == 0 and explicit[-1]["exact_match"] is None


def test_length_buckets_cover_the_range():
    buckets = length_buckets([("a" * n, "x") for n in (2, 5, 9, 20)], 4)
    assert buckets[0][0] == 2 and buckets[-1][1] == 20
    assert all(b[0] == a[1] + 1 for a, b in zip(buckets, buckets[1:]))


def test_translate_returns_text_and_alignment(trained):
    model, vocabs, _ = trained
    text, attn, src_tokens, tgt_tokens = translate(model, "abcd", vocabs, max_len=10)
    assert isinstance(text, str) and src_tokens == list("abcd")
    assert attn.shape == (len(tgt_tokens), 4)
    torch.testing.assert_close(attn.sum(-1), torch.ones(len(tgt_tokens)))
    if tgt_tokens[-1] == "<eos>":
        assert text == "".join(tgt_tokens[:-1])


def test_translate_rejects_bad_input_clearly(trained):
    model, vocabs, _ = trained
    with pytest.raises(ValueError, match="empty"):
        translate(model, "  ", vocabs)
    with pytest.raises(ValueError, match="more than the cap of 5"):
        translate(model, "abcdeabcde", vocabs, max_src_len=5)
    with pytest.raises(ValueError, match=r"'x' 'z'"):
        translate(model, "abzx", vocabs)


def test_row_entropy_in_nats_zero_for_one_hot_log_S_for_uniform():
    assert float(row_entropy(torch.full((4,), 0.25))) == pytest.approx(math.log(4))
    assert float(row_entropy(torch.tensor([0.0, 1.0, 0.0]))) == 0.0
    weights = torch.tensor(
        [[0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]]
    )  # (T, S), zeros = padding
    entropy = row_entropy(weights)  # (T,)
    assert entropy.shape == (3,) and torch.isfinite(entropy).all()
    assert torch.allclose(entropy, torch.tensor([math.log(2), 0.0, math.log(4)]))
    assert torch.allclose(row_entropy(weights.T, dim=0), entropy)  # any axis
    half = weights.to(torch.float16)
    assert row_entropy(half).dtype == torch.float16 and torch.isfinite(row_entropy(half)).all()
