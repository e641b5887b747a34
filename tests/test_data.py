"""Tests of the generated data: determinism, committed files, splits, lengths, ambiguity."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

import pytest
from babel.dates import get_month_names
from num2words import num2words

from rnn_attention import data as D
from rnn_attention.data import files as F
from rnn_attention.data import tasks as T

DATA_DIR = D.default_data_dir()
MIN_SIZES = {
    "copy": {"train": 10_000, "valid": 1_000, "test": 1_000},
    "reverse": {"train": 10_000, "valid": 1_000, "test": 1_000},
    "dates": {"train": 20_000, "valid": 2_000, "test": 2_000},
    "numbers": {"train": 20_000, "valid": 2_000, "test": 2_000},
}


@pytest.fixture(scope="module")
def fresh() -> dict[str, bytes]:
    """Every file of data/ generated in memory by this process."""
    return D.generate_files()


@pytest.fixture(scope="module")
def splits() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """The committed files, read back."""
    return {task: D.load_task(task, DATA_DIR) for task in D.TASKS}


def test_committed_data_equals_fresh_generation(fresh):
    bad = D.compare_files(DATA_DIR, fresh)
    assert bad == [], f"data/ is stale for {bad}: run `make data`"
    expected = {f"{t}/{s}.tsv" for t in D.TASKS for s in D.SPLITS} | {"manifest.json", "README.md"}
    assert set(fresh) == expected


def test_generation_is_byte_identical_across_processes_and_hash_seeds(tmp_path, fresh):
    # Another process, another hash seed, the C locale: the same bytes as this process.
    env = dict(os.environ, PYTHONHASHSEED="987", LC_ALL="C", LANG="C")
    subprocess.run(
        [sys.executable, "-m", "rnn_attention.data", "--out", str(tmp_path), "--tasks", "dates"],
        check=True,
        env=env,
        capture_output=True,
    )
    for split in D.SPLITS:
        rel = f"dates/{split}.tsv"
        assert (tmp_path / rel).read_bytes() == fresh[rel], rel
    # and a second generation in this process
    again = D.generate_task("dates")
    assert {s: D.tsv_bytes(p) for s, p in again.items()} == {s: fresh[f"dates/{s}.tsv"] for s in D.SPLITS}


def test_check_flag_detects_a_changed_file(tmp_path, capsys):
    from rnn_attention.data.__main__ import main

    assert main(["--out", str(tmp_path), "--tasks", "copy"]) == 0
    path = tmp_path / "copy" / "test.tsv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 1))
    assert main(["--out", str(tmp_path), "--tasks", "copy", "--check"]) == 1
    assert "copy/test.tsv" in capsys.readouterr().out


def test_manifest_matches_files(splits):
    manifest = json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == D.SEED and manifest["generator_version"] == D.GENERATOR_VERSION
    assert set(manifest["libraries"]) >= {"babel", "num2words"}
    for task in D.TASKS:
        for split in D.SPLITS:
            entry = manifest["tasks"][task]["splits"][split]
            path = DATA_DIR / entry["file"]
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            pairs = splits[task][split]
            assert entry["count"] == len(pairs)
            assert entry["source_length"]["max"] == max(len(s) for s, _ in pairs)
            assert entry["target_length"]["min"] == min(len(t) for _, t in pairs)


def test_files_are_utf8_tsv_without_header_and_small():
    total = 0
    for task in D.TASKS:
        for split in D.SPLITS:
            raw = (DATA_DIR / task / f"{split}.tsv").read_bytes()
            total += len(raw)
            text = raw.decode("utf-8")
            assert text.endswith("\n") and "\r" not in text
            assert all(line.count("\t") == 1 for line in text.splitlines())
    total += sum(p.stat().st_size for p in DATA_DIR.glob("*") if p.is_file())
    assert total < 20e6


def test_split_sizes(splits):
    for task, sizes in MIN_SIZES.items():
        for split, n in sizes.items():
            assert len(splits[task][split]) >= n, (task, split)


def _leak_key(task: str, src: str, tgt: str) -> str:
    return src if task in ("copy", "reverse") else tgt


def test_splits_are_disjoint(splits):
    for task in D.TASKS:
        keys = {split: {_leak_key(task, s, t) for s, t in splits[task][split]} for split in D.SPLITS}
        assert not keys["train"] & keys["valid"], task
        assert not keys["train"] & keys["test"], task
        assert not keys["valid"] & keys["test"], task
        targets = {split: {t for _, t in splits[task][split]} for split in D.SPLITS}
        assert not (
            targets["train"] & targets["valid"]
            or targets["train"] & targets["test"]
            or targets["valid"] & targets["test"]
        ), task


def test_no_source_has_two_targets(splits):
    for task in D.TASKS:
        seen: dict[str, str] = {}
        for split in D.SPLITS:
            for s, t in splits[task][split]:
                assert seen.setdefault(s, t) == t, f"{task}: {s!r} -> {seen[s]!r} and {t!r}"


def test_valid_and_test_cover_train_length_range(splits):
    for task in D.TASKS:
        train = [len(s) for s, _ in splits[task]["train"]]
        for split in ("valid", "test"):
            other = [len(s) for s, _ in splits[task][split]]
            assert min(other) <= min(train) and max(other) >= max(train), (task, split)
    for task in ("copy", "reverse"):
        for split in D.SPLITS:
            assert {len(s) for s, _ in splits[task][split]} == set(range(1, 61)), (task, split)
    numbers = [len(s) for s, _ in splits["numbers"]["test"]]
    assert min(numbers) <= 5 and max(numbers) > 90
    # stratified: every decile of train lengths is represented in test in proportion
    long_train = sum(n > 80 for n in (len(s) for s, _ in splits["numbers"]["train"])) / 24_000
    long_test = sum(n > 80 for n in numbers) / len(numbers)
    assert abs(long_train - long_test) < 0.02


def test_copy_and_reverse_targets(splits):
    for s, t in splits["copy"]["train"]:
        assert s == t and set(s) <= set(T.TOY_ALPHABET)
    for s, t in splits["reverse"]["train"]:
        assert t == s[::-1]


def test_dates_targets_parse_back_and_hold_the_year(splits):
    for split in D.SPLITS:
        for s, t in splits["dates"][split]:
            d = dt.date.fromisoformat(t)
            assert t == d.isoformat() and 1900 <= d.year <= 2099
            assert re.findall(r"\d{4}", s) == [str(d.year)], s
            assert str(d.day) in s, s


def test_dates_use_every_language(splits):
    locales = ("de", "fr", "es", "it", "pt", "nl", "en")
    names = {loc: set(get_month_names("wide", locale=loc).values()) for loc in locales}
    text = "\n".join(s for s, _ in splits["dates"]["train"])
    for loc in locales:
        own = names[loc] - set().union(*(names[o] for o in locales if o != loc))
        assert any(name in text for name in own), loc
    assert re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", text)  # numeric forms too
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", text)


@pytest.fixture(scope="module")
def leap_year_sources() -> dict[str, set[tuple[str, bool]]]:
    """Every pattern of every locale on every day of 2000: source -> {(date, kept by the rule)}."""
    readings: dict[str, set[tuple[str, bool]]] = defaultdict(set)
    day = dt.date(2000, 1, 1)
    while day.year == 2000:
        for loc in T.DATE_LOCALES:
            for pattern in T.date_patterns(loc):
                kept = not T.date_is_ambiguous(pattern, day.day, day.month)
                readings[T.format_date_source(day, loc, pattern)].add((day.isoformat(), kept))
        day += dt.timedelta(days=1)
    return readings


def test_every_date_pattern_is_unambiguous_over_a_leap_year(leap_year_sources):
    clashes = {}
    for src, readings in leap_year_sources.items():
        dates = {d for d, kept in readings if kept}
        if len(dates) > 1:
            clashes[src] = dates
    assert clashes == {}, list(clashes.items())[:5]
    for loc in T.DATE_LOCALES:
        for p in T.date_patterns(loc):
            assert "yy" not in T._unquoted(p).replace("yyyy", ""), (loc, p)


def test_the_month_first_rule_is_what_removes_ambiguity(leap_year_sources):
    # Without the rule, US M/d/y and day-first forms give one string two dates.
    assert {d for d, _ in leap_year_sources["4/1/2000"]} == {"2000-01-04", "2000-04-01"}
    assert T.is_month_first_numeric("M/d/y") and not T.is_month_first_numeric("MMM d, y")
    assert not T.is_month_first_numeric("dd/MM/y") and T.date_is_ambiguous("M/d/y", 1, 4)
    assert not T.date_is_ambiguous("M/d/y", 13, 4) and not T.date_is_ambiguous("M/d/y", 4, 4)


def test_numbers_round_trip(splits):
    pairs = splits["numbers"]["test"][::4]  # num2words is slow: a quarter of test
    for s, t in pairs:
        value = int(t)
        assert str(value) == t and 0 <= value < 10**9
        assert any(num2words(value, lang=lang) == s for lang in T.NUMBER_LANGS), (s, t)
    digits = {len(t) for _, t in splits["numbers"]["train"]}
    assert digits == set(range(1, 10))
    text = " ".join(s for s, _ in splits["numbers"]["train"])
    for word in ("twenty", "zwanzig", "vingt", "veinte"):  # en, de, fr, es
        assert word in text


def test_load_split_reads_files_and_generates_when_missing(monkeypatch, tmp_path, splits):
    assert D.load_split("copy", "test") == splits["copy"]["test"]
    assert all(isinstance(p, tuple) and len(p) == 2 for p in splits["copy"]["test"])
    monkeypatch.setattr(F, "default_data_dir", lambda: tmp_path / "nowhere")
    assert D.load_split("copy", "test") == splits["copy"]["test"]
    with pytest.raises(FileNotFoundError, match="rnn_attention.data --out"):
        D.load_split("copy", "test", data_dir=tmp_path)


def test_load_split_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown task 'date'.*copy, reverse, dates, numbers"):
        D.load_split("date", "train")
    with pytest.raises(ValueError, match="unknown split 'dev'.*train, valid, test"):
        D.load_split("dates", "dev")


def test_read_tsv_names_the_bad_line(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("a\tb\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.tsv, line 2: expected 'source<TAB>target'"):
        D.read_tsv(path)
    path.write_text("a\tb\nc\td", encoding="utf-8")  # no final newline
    assert D.read_tsv(path) == [("a", "b"), ("c", "d")]


def test_split_items_covers_lengths_and_keeps_keys_together():
    import random

    items = [(str(i % 50), "x" * (1 + i % 37), "y") for i in range(500)]  # 50 keys, 10 items each
    items = [(k, s + k, t) for k, s, t in items]
    out = T.split_items(items, {"train": 400, "valid": 50, "test": 50}, random.Random(0))
    where = {}
    for split, pairs in out.items():
        for s, _ in pairs:
            key = s.lstrip("x")
            assert where.setdefault(key, split) == split
    assert sum(map(len, out.values())) == 500
    # Distinct lengths 1..100: the extremes go to test, the runners-up to valid, the rest 8:1:1.
    items = [(str(n), "x" * n, "y") for n in range(1, 101)]
    out = T.split_items(items, {"train": 80, "valid": 10, "test": 10}, random.Random(0))
    lengths = {sp: sorted(len(s) for s, _ in p) for sp, p in out.items()}
    assert [len(v) for v in lengths.values()] == [80, 10, 10]
    assert lengths["test"][0] == 1 and lengths["test"][-1] == 100
    assert lengths["valid"][0] == 2 and lengths["valid"][-1] == 99
    assert all(sum(lo <= n < lo + 20 for n in lengths["test"]) >= 1 for lo in range(1, 100, 20))
