"""Tests of load_parallel_tsv on small corpora written here, good and malformed."""

from __future__ import annotations

import pytest

from rnn_attention.data import Vocab, load_parallel_tsv, normalize_text

ATTRIBUTION = "CC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #1158250 (Wittydev)"


def _write(tmp_path, text, name="eng-fra.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_two_and_three_columns(tmp_path):
    two = _write(tmp_path, "Go.\tVa !\nI'm OK.\tJe vais bien.\n", "two.txt")
    three = _write(tmp_path, f"Go.\tVa !\t{ATTRIBUTION}\nI'm OK.\tJe vais bien.\t{ATTRIBUTION}\n", "three.txt")
    expected = [("go .", "va !"), ("i'm ok .", "je vais bien .")]
    assert load_parallel_tsv(two) == expected
    assert load_parallel_tsv(three) == expected


def test_normalisation():
    assert normalize_text("  Qu’est-ce  que c'est ?") == "qu'est-ce que c'est ?"
    assert normalize_text("Ｃafé,ﬁne!") == "café , fine !"  # NFKC: full-width C, fi ligature
    assert normalize_text("Café", strip_accents=True) == "cafe"
    assert normalize_text("« Oui »") == "« oui »"


def test_length_filter_and_max_pairs(tmp_path):
    lines = ["Hi.\tSalut.", "Run!\tCours !", "I am very happy today.\tJe suis très heureux aujourd'hui.", ""]
    path = _write(tmp_path, "\ufeff" + "\n".join(lines) + "\n\n")
    assert len(load_parallel_tsv(path)) == 3
    assert load_parallel_tsv(path, max_len=3) == [("hi .", "salut ."), ("run !", "cours !")]
    assert load_parallel_tsv(path, min_len=4) == [("i am very happy today .", "je suis très heureux aujourd'hui .")]
    assert load_parallel_tsv(path, max_pairs=1) == [("hi .", "salut .")]
    assert load_parallel_tsv(path, normalize=False, max_pairs=1) == [("Hi.", "Salut.")]
    assert load_parallel_tsv(path, level="char", max_len=7) == [("hi .", "salut ."), ("run !", "cours !")]
    assert load_parallel_tsv(path, level="char", max_len=6) == []
    pairs = load_parallel_tsv(path)
    vocab = Vocab.build([s for s, _ in pairs], level="word")
    assert vocab.decode(vocab.encode(pairs[2][0])) == pairs[2][0]


def test_malformed_lines_name_file_and_line(tmp_path):
    path = _write(tmp_path, "Go.\tVa !\nHi.\tSalut.\nno tab on this line\n")
    with pytest.raises(ValueError, match=r"eng-fra\.txt, line 3: expected 'source<TAB>target'.*got 1 column"):
        load_parallel_tsv(path)
    path = _write(tmp_path, "Go.\tVa !\n\t Salut.\n")
    with pytest.raises(ValueError, match=r"line 2: empty source"):
        load_parallel_tsv(path)
    path = _write(tmp_path, "Go.\t  \n")
    with pytest.raises(ValueError, match=r"line 1: empty target"):
        load_parallel_tsv(path)
    path = _write(tmp_path, "a\tb\tc\td\n")
    with pytest.raises(ValueError, match=r"line 1: .*got 4 column"):
        load_parallel_tsv(path)
    with pytest.raises(FileNotFoundError, match="download one yourself"):
        load_parallel_tsv(tmp_path / "missing.txt")


def test_a_latin1_file_is_named_in_the_error(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Go.\tVa !\nCoffee.\tCaf\xe9.\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.txt, line 2: not UTF-8.*iconv -f latin1"):
        load_parallel_tsv(path)


def test_an_empty_file_is_an_error_not_an_empty_list(tmp_path):
    with pytest.raises(ValueError, match=r"empty\.txt holds no pairs.*the file is empty"):
        load_parallel_tsv(_write(tmp_path, "\n\n", "empty.txt"))


def test_max_pairs_zero_reads_nothing(tmp_path):
    assert load_parallel_tsv(_write(tmp_path, "Go.\tVa !\n"), max_pairs=0) == []
