"""Tests of the decoding controls of rnn_attention.evaluate: oracle length, the window, per-item accuracy."""

import pytest
import torch

from rnn_attention.data import Vocab, build_vocabs
from rnn_attention.evaluate import (
    accuracy_by_length,
    decode,
    decode_outputs,
    exact_match,
    forbid_eos,
    force_eos,
    greedy_outputs,
    item_accuracy,
    items_produced,
    make_batch,
    place_accuracy,
    split_dates,
    split_digit_groups,
    token_accuracy,
    translate,
    window_mask,
)
from rnn_attention.models import build_model

SIZES = dict(emb_size=8, hidden_size=12, attn_size=8, location_max_len=30)
PAIRS = [("abcab", "1;2"), ("ccc", "12"), ("abcabcabc", "1;2;33"), ("a", "2")]


def untrained(kind="additive", seed=0):
    vocabs = build_vocabs(PAIRS)
    torch.manual_seed(seed)
    return build_model(len(vocabs[0]), len(vocabs[1]), dict(SIZES, attention=kind)).eval(), vocabs


def test_forbid_eos_only_before_each_sentences_length():
    logits = torch.zeros(3, 6)
    logits[:, Vocab.EOS] = 5.0  # EOS would win everywhere
    out = forbid_eos(logits, step=2, min_lengths=torch.tensor([1, 2, 3]))
    assert out[:, Vocab.EOS].tolist()[:2] == [5.0, 5.0]  # step 2 >= 1 and >= 2: allowed
    assert out[2, Vocab.EOS] == torch.finfo(torch.float32).min  # step 2 < 3: forbidden
    assert (
        torch.equal(out[:, : Vocab.EOS], logits[:, : Vocab.EOS]) and logits[2, Vocab.EOS] == 5.0
    )  # no in-place change
    half = forbid_eos(logits.half(), 0, torch.tensor([1, 1, 1]))
    assert (half[:, Vocab.EOS] == torch.finfo(torch.float16).min).all()


def test_force_eos_leaves_only_eos_at_the_length():
    logits = torch.randn(2, 6)
    out = force_eos(logits, step=3, lengths=torch.tensor([3, 5]))
    assert out[0].argmax() == Vocab.EOS and torch.equal(out[1], logits[1])


@pytest.mark.parametrize("kind", ["additive", "location_aware", "none", "location"])
def test_decode_without_controls_is_greedy_decode(kind):
    model, vocabs = untrained(kind)
    batch = make_batch(PAIRS, vocabs)
    expected, expected_attn = model.greedy_decode(batch.src, batch.src_lengths, 7)
    tokens, attn = decode(model, batch.src, batch.src_lengths, 7)
    assert torch.equal(tokens, expected)
    if expected_attn is None:
        assert attn is None
    else:
        torch.testing.assert_close(attn, expected_attn)


@pytest.mark.parametrize("kind", ["additive", "none", "location_aware"])
def test_oracle_length_decoding_writes_exactly_the_target_length(kind):
    model, vocabs = untrained(kind, seed=1)
    lengths = [len(t) for _, t in PAIRS]
    batch = make_batch(PAIRS, vocabs)
    tokens, _ = decode(model, batch.src, batch.src_lengths, 99, oracle_lengths=torch.tensor(lengths))
    for row, n in zip(tokens.tolist(), lengths):
        assert Vocab.EOS not in row[:n] and row[n] == Vocab.EOS


def test_window_mask_is_centred_on_the_median_and_never_empty():
    prev = torch.tensor([[0.1, 0.2, 0.4, 0.2, 0.1, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    mask = window_mask(prev, back=1, ahead=2)
    assert mask.tolist() == [[False, True, True, True, True, False], [True, True, True, False, False, False]]
    with pytest.raises(ValueError, match="back and ahead"):
        window_mask(prev, -1, 2)


def test_a_window_keeps_the_weights_inside_it():
    model, vocabs = untrained("additive", seed=2)
    batch = make_batch(PAIRS, vocabs)
    _, attn = decode(model, batch.src, batch.src_lengths, 4, window=(1, 1))  # (B, T, S)
    first = attn[:, 0]  # the first step's window is centred on position 1: positions 1 and 2 only
    assert torch.all(first[:, 2:] == 0)
    torch.testing.assert_close(attn.sum(-1)[:, 0], torch.ones(len(PAIRS)))
    none_model, _ = untrained("none")
    with pytest.raises(ValueError, match="attention weights"):
        decode(none_model, batch.src, batch.src_lengths, 4, window=(1, 1))


def test_item_accuracy_compares_items_at_the_same_place():
    target = "2026-11-24;1999-02-01;1903-03-03"
    assert item_accuracy(target, target) == 1.0
    assert item_accuracy("2026-11-24;1903-03-03", target) == pytest.approx(1 / 3)  # the last date came second
    assert item_accuracy("2026-11-24;1999-02-01", target) == pytest.approx(2 / 3)  # stopped early
    assert item_accuracy("2026-11-24;1999-02-01;1903-03-03;1903-03-03", target) == 1.0  # extra items not counted
    assert item_accuracy("", target) == 0.0
    assert items_produced("") == 0 and items_produced("a;b") == 2
    assert split_dates("x;y") == ["x", "y"]


def test_digit_groups_compare_by_place_value():
    assert split_digit_groups("1234567") == ["567", "234", "1"]
    assert split_digit_groups("12") == ["12"]
    assert item_accuracy("234567", "1234567", split_digit_groups) == pytest.approx(2 / 3)  # only the millions missing
    assert place_accuracy("234567", "1234567") == pytest.approx(6 / 7)
    assert place_accuracy("1234567", "1234567") == 1.0
    with pytest.raises(ValueError):
        item_accuracy("1", "", split_digit_groups)


def test_decode_outputs_keeps_the_pairs_order():
    model, vocabs = untrained("additive", seed=3)
    one_by_one = [decode_outputs(model, [pair], vocabs, oracle=True)[0] for pair in PAIRS]
    assert decode_outputs(model, PAIRS, vocabs, oracle=True, batch_size=2) == one_by_one
    assert decode_outputs(model, [], vocabs) == []  # no pairs, no outputs: as greedy_outputs (one loop)


def spy_on_greedy_decode(monkeypatch, model, calls):
    """Record the max_len and the model's mode of every greedy_decode call."""
    real = model.greedy_decode

    def spy(src, src_lengths, max_len, **controls):
        calls.append((max_len, model.training))
        return real(src, src_lengths, max_len, **controls)

    monkeypatch.setattr(model, "greedy_decode", spy)


def test_greedy_outputs_and_decode_outputs_are_one_loop(monkeypatch):
    model, vocabs = untrained("additive", seed=3)
    assert greedy_outputs(model, [], vocabs) == decode_outputs(model, [], vocabs) == []  # no pairs: no outputs
    assert greedy_outputs(model, PAIRS, vocabs, max_len=4) == decode_outputs(model, PAIRS, vocabs, max_len=4)
    calls = []
    spy_on_greedy_decode(monkeypatch, model, calls)
    # chunks of 2 by source length: ("a", "2"), ("ccc", "12") | ("abcab", "1;2"), ("abcabcabc", "1;2;33")
    greedy_outputs(model, PAIRS, vocabs, batch_size=2)
    assert [cap for cap, _ in calls] == [6 + 5, 6 + 5]  # one cap for every chunk: the longest target of all, + 5
    calls.clear()
    decode_outputs(model, PAIRS, vocabs, batch_size=2)
    assert [cap for cap, _ in calls] == [2 + 10, 6 + 10]  # each chunk's longest target + extra_steps
    calls.clear()
    decode_outputs(model, PAIRS, vocabs, batch_size=2, max_len=50, oracle=True)
    assert [cap for cap, _ in calls] == [2 + 1, 6 + 1]  # oracle lengths decide: the target's length, then EOS


def test_evaluation_puts_every_module_back_in_its_mode(monkeypatch):
    model, vocabs = untrained("additive")
    calls = []
    spy_on_greedy_decode(monkeypatch, model, calls)
    evaluations = [
        lambda: exact_match(model, PAIRS, vocabs),
        lambda: token_accuracy(model, PAIRS, vocabs),
        lambda: accuracy_by_length(model, PAIRS, vocabs, buckets=2),
        lambda: greedy_outputs(model, PAIRS, vocabs),
        lambda: decode_outputs(model, PAIRS, vocabs, oracle=True, window=(1, 1)),
        lambda: translate(model, "abc", vocabs),
    ]
    for setting in ("train", "eval", "mixed"):
        model.train(setting != "eval")
        if setting == "mixed":
            model.encoder.eval()  # each submodule gets its own mode back
        modes = {name: module.training for name, module in model.named_modules()}
        for evaluate in evaluations:
            evaluate()
            assert {name: module.training for name, module in model.named_modules()} == modes
    assert calls and not any(training for _, training in calls)  # decoding itself always ran in eval mode
