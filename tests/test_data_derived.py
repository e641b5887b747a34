"""Tests of rnn_attention.data.derived: repeated dates and sources cut to a length, made at run time."""

import pytest

from rnn_attention.data import load_split
from rnn_attention.data.derived import count_items, repeat_pairs, repeated_by_count, sources_at_most

PAIRS = [("24 Nov 2026", "2026-11-24"), ("1.2.1999", "1999-02-01"), ("mardi 3 mars 1903", "1903-03-03")]


def test_repeat_pairs_joins_k_items_and_cycles_the_counts():
    pairs = repeat_pairs(PAIRS, counts=(1, 2, 3), n=30, seed=0)
    assert len(pairs) == 30
    counts = sorted(count_items(t) for _, t in pairs)
    assert counts == [1] * 10 + [2] * 10 + [3] * 10
    by_target = dict(PAIRS)
    for source, target in pairs:
        dates, parts = target.split(";"), source.split(" ; ")
        assert len(dates) == len(parts)
        assert [by_target[p] for p in parts] == dates  # the i-th date of the target is the i-th source part's


def test_repeat_pairs_is_deterministic_and_depends_on_the_seed():
    assert repeat_pairs(PAIRS, (1, 4), 20, seed=5) == repeat_pairs(PAIRS, (1, 4), 20, seed=5)
    assert repeat_pairs(PAIRS, (1, 4), 20, seed=5) != repeat_pairs(PAIRS, (1, 4), 20, seed=6)


def test_repeat_pairs_of_the_committed_dates_are_pinned():
    """The same pairs on every machine: the first items of the training set of notebook 10 are fixed."""
    pairs = repeat_pairs(load_split("dates", "train"), (1, 2, 3), 12000, seed=0)
    again = repeat_pairs(load_split("dates", "train"), (1, 2, 3), 12000, seed=0)
    assert pairs == again
    assert max(len(s) for s, _ in pairs) <= 3 * 38 + 6
    assert {count_items(t) for _, t in pairs} == {1, 2, 3}


def test_repeated_by_count_gives_one_set_per_k():
    tests = repeated_by_count(PAIRS, range(1, 5), 7)
    assert list(tests) == [1, 2, 3, 4]
    for k, pairs in tests.items():
        assert len(pairs) == 7 and {count_items(t) for _, t in pairs} == {k}


def test_repeat_pairs_rejects_bad_input():
    with pytest.raises(ValueError, match="counts"):
        repeat_pairs(PAIRS, (0, 1), 5)
    with pytest.raises(ValueError, match="n must be"):
        repeat_pairs(PAIRS, (1,), 0)
    with pytest.raises(ValueError, match="at least one"):
        repeat_pairs([], (1,), 5)
    with pytest.raises(ValueError, match="separator"):
        repeat_pairs([("a ; b", "1;2")], (1,), 5)


def test_sources_at_most_keeps_the_order_and_the_short_ones():
    assert sources_at_most(PAIRS, 11) == PAIRS[:2]
    with pytest.raises(ValueError, match="no source"):
        sources_at_most(PAIRS, 3)
    numbers = sources_at_most(load_split("numbers", "train"), 60)
    assert max(len(s) for s, _ in numbers) == 60 and len(numbers) == 13607
