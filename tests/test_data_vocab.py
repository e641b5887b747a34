"""Tests of Vocab: special ids, deterministic building, encode/decode, strict mode, JSON."""

from __future__ import annotations

import json

import pytest
import torch

from rnn_attention.data import Vocab, build_vocabs, load_split


def test_special_ids_are_fixed():
    v = Vocab.build(["hello"])
    assert (Vocab.PAD, Vocab.SOS, Vocab.EOS, Vocab.UNK) == (0, 1, 2, 3)
    assert v.itos[:4] == ["<pad>", "<sos>", "<eos>", "<unk>"]
    assert [v.stoi[t] for t in Vocab.SPECIALS] == [0, 1, 2, 3]
    assert len(v) == 4 + 4  # e h l o


def test_build_is_sorted_and_independent_of_text_order():
    a = Vocab.build(["cab", "bcd"])
    b = Vocab.build(["bcd", "cab"])
    assert a == b and a.itos[4:] == ["a", "b", "c", "d"]
    assert Vocab.build(["aab"], min_freq=2).itos[4:] == ["a"]
    assert a != Vocab.build(["cab"])


def test_encode_decode_round_trip_on_real_data():
    train = load_split("dates", "train")
    src_vocab, tgt_vocab = build_vocabs(train)
    for s, t in train[:2000]:
        assert src_vocab.decode(src_vocab.encode(s)) == s
        ids = tgt_vocab.encode(t, add_sos=True, add_eos=True)
        assert ids[0] == Vocab.SOS and ids[-1] == Vocab.EOS and len(ids) == len(t) + 2
        assert tgt_vocab.decode(ids) == t
    assert len(tgt_vocab) == 4 + 11  # ten digits and '-'


def test_decode_stops_at_eos_and_strips_specials():
    v = Vocab.build(["abc"])
    a, b, c = v.encode("abc")
    assert v.decode([Vocab.SOS, a, b, Vocab.EOS, c, Vocab.PAD]) == "ab"
    assert v.decode(torch.tensor([a, Vocab.PAD, c])) == "ac"
    assert v.decode([Vocab.SOS, a, Vocab.EOS, c], strip_special=False) == "<sos>a<eos>c"
    assert v.decode(__import__("numpy").array([a, c])) == v.decode([torch.tensor(a), c]) == "ac"
    with pytest.raises(ValueError, match="id 99 out of range"):
        v.decode([99])
    with pytest.raises(TypeError, match="integer ids, got 1.5"):
        v.decode([1.5])


def test_unknown_symbols_map_to_unk_or_raise_when_strict():
    v = Vocab.build(["abc"])
    assert v.encode("abz") == [4, 5, Vocab.UNK]
    assert v.decode(v.encode("abz")) == "ab<unk>"
    with pytest.raises(ValueError, match=r"symbol 'z' at position 2 of 'abz' is not in the vocabulary"):
        v.encode("abz", strict=True)


def test_word_level():
    v = Vocab.build(["the cat sat", "the dog"], level="word")
    assert v.tokens("the  cat") == ["the", "cat"]
    assert v.itos[4:] == ["cat", "dog", "sat", "the"]
    assert v.decode(v.encode("the dog sat")) == "the dog sat"
    assert v.encode("the bird") == [v.stoi["the"], Vocab.UNK]


def test_save_and_load(tmp_path):
    v = Vocab.build(["zéro", "un"])
    v.save(tmp_path / "v.json")
    w = Vocab.load(tmp_path / "v.json")
    assert w == v and w.encode("néro") == v.encode("néro")
    data = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))
    assert data["itos"][:4] == list(Vocab.SPECIALS)
    data["itos"] = data["itos"][1:]
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="must start with"):
        Vocab.load(tmp_path / "bad.json")


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="level must be one of"):
        Vocab.build(["a"], level="byte")
    with pytest.raises(TypeError, match="single str"):
        Vocab.build("abc")
    with pytest.raises(ValueError, match="given twice"):
        Vocab(["a", "a"])


def test_decode_and_from_dict_reject_what_they_cannot_read():
    vocab = Vocab(list("ab"))
    with pytest.raises(TypeError, match=r"decode expects a sequence of integer ids, got NoneType"):
        vocab.decode(None)
    with pytest.raises(TypeError, match=r"got str"):
        vocab.decode("ab")
    with pytest.raises(ValueError, match=r"needs a list 'itos' of symbols, got NoneType"):
        Vocab.from_dict({**vocab.to_dict(), "itos": None})
    with pytest.raises(ValueError, match=r"must start with .*got \['a'\]"):
        Vocab.from_dict({**vocab.to_dict(), "itos": ["a"]})
