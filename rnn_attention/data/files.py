"""Reading and writing the task files: data/<task>/<split>.tsv, manifest.json, README.md.

Introduced in notebook 06.

The files are a cache of :func:`generate_task`: ``load_split`` reads them when they
are there and otherwise generates the same pairs in memory, so the course works
from a plain ``pip install`` too, and never downloads anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.metadata import version as _dist_version
from pathlib import Path

from babel.core import get_cldr_version

from .batching import BucketBatchSampler, padding_fraction, random_batches
from .tasks import (
    DATE_LOCALES,
    GENERATOR_VERSION,
    NUMBER_LANGS,
    SEED,
    SPLIT_SIZES,
    SPLITS,
    TASK_DESCRIPTIONS,
    TASKS,
    Pair,
    check_split,
    check_task,
    generate_task,
)
from .vocab import Vocab

BUCKET_BATCH_SIZE = 64  # the batch size of the padding measurement in the README


def default_data_dir() -> Path:
    """The repository's data/ folder, next to the package (may not exist after pip install)."""
    return Path(__file__).resolve().parents[2] / "data"


def tsv_bytes(pairs: Iterable[Pair]) -> bytes:
    """Serialise pairs as UTF-8 ``source<TAB>target\\n`` lines, no header."""
    lines = []
    for src, tgt in pairs:
        if any(c in src + tgt for c in "\t\r\n"):
            raise ValueError(f"a pair may not hold tabs or newlines: {src!r} -> {tgt!r}")
        lines.append(f"{src}\t{tgt}\n")
    return "".join(lines).encode("utf-8")


def write_tsv(path: str | os.PathLike, pairs: Iterable[Pair]) -> None:
    """Write pairs to a tsv file (bytes, so no platform newline translation)."""
    Path(path).write_bytes(tsv_bytes(pairs))


def read_tsv(path: str | os.PathLike) -> list[Pair]:
    """Read ``source<TAB>target`` lines; a line without exactly one tab is a ValueError."""
    path = Path(path)
    pairs: list[Pair] = []
    text = path.read_bytes().decode("utf-8")
    for lineno, line in enumerate(text.split("\n"), start=1):
        if line == "":
            continue  # the end of the file
        cols = line.split("\t")
        if len(cols) != 2:
            raise ValueError(
                f"{path}, line {lineno}: expected 'source<TAB>target', got {len(cols)} column(s): {line[:80]!r}"
            )
        pairs.append((cols[0], cols[1]))
    return pairs


@cache
def _generated(task: str, seed: int) -> dict[str, tuple[Pair, ...]]:
    """Generate a task once per process (tuples, so the cache cannot be changed)."""
    return {split: tuple(pairs) for split, pairs in generate_task(task, seed).items()}


def load_split(task: str, split: str, data_dir: str | os.PathLike | None = None) -> list[Pair]:
    """Pairs of one task and split: from data_dir's tsv file, or generated when absent.

    ``data_dir=None`` reads the repository's data/ folder and, when its file is
    missing (e.g. an installed package without the repository), generates the same
    pairs in memory from the seed. An explicit ``data_dir`` must hold the file.
    """
    check_task(task)
    check_split(split)
    if data_dir is None:
        path = default_data_dir() / task / f"{split}.tsv"
        if not path.is_file():
            return list(_generated(task, SEED)[split])
    else:
        path = Path(data_dir) / task / f"{split}.tsv"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: write it with 'python -m rnn_attention.data --out {data_dir}'")
    return read_tsv(path)


def load_task(task: str, data_dir: str | os.PathLike | None = None) -> dict[str, list[Pair]]:
    """All three splits of a task, as ``{"train": [...], "valid": [...], "test": [...]}``."""
    return {split: load_split(task, split, data_dir) for split in SPLITS}


# ----------------------------------------------------------------- manifest, README


def _length_stats(lengths: Sequence[int]) -> dict:
    """min/mean/max of a list of lengths."""
    return {"min": min(lengths), "mean": round(sum(lengths) / len(lengths), 2), "max": max(lengths)}


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose output is in the data (a change changes the files)."""
    return {
        "babel": _dist_version("babel"),
        "cldr": str(get_cldr_version()),
        "num2words": _dist_version("num2words"),
    }


def bucketing_saving(pairs: Sequence[Pair], batch_size: int = BUCKET_BATCH_SIZE, seed: int = 0) -> dict:
    """Fraction of padded source positions with random batches and with bucketed batches."""
    lengths = [len(s) for s, _ in pairs]
    plain = padding_fraction(lengths, random_batches(len(lengths), batch_size, seed))
    bucketed = padding_fraction(lengths, BucketBatchSampler(lengths, batch_size, seed=seed).batches(0))
    return {"batch_size": batch_size, "random": round(plain, 4), "bucketed": round(bucketed, 4)}


def build_manifest(data: dict[str, dict[str, Sequence[Pair]]], seed: int = SEED) -> dict:
    """Counts, length statistics, vocabulary sizes and sha256 of every split file."""
    tasks = {}
    for task, splits in data.items():
        train = splits["train"]
        src_vocab = Vocab.build(s for s, _ in train)
        tgt_vocab = Vocab.build(t for _, t in train)
        entry: dict = {
            "description": TASK_DESCRIPTIONS[task],
            "source_vocab_size": len(src_vocab),
            "target_vocab_size": len(tgt_vocab),
            "splits": {},
        }
        for split in SPLITS:
            pairs = splits[split]
            src_syms = sorted({c for s, _ in pairs for c in s})
            tgt_syms = sorted({c for _, t in pairs for c in t})
            entry["splits"][split] = {
                "file": f"{task}/{split}.tsv",
                "count": len(pairs),
                "source_length": _length_stats([len(s) for s, _ in pairs]),
                "target_length": _length_stats([len(t) for _, t in pairs]),
                "source_symbols": len(src_syms),
                "target_symbols": len(tgt_syms),
                "source_symbols_not_in_train": [c for c in src_syms if c not in src_vocab],
                "target_symbols_not_in_train": [c for c in tgt_syms if c not in tgt_vocab],
                "sha256": hashlib.sha256(tsv_bytes(pairs)).hexdigest(),
            }
        entry["padding_fraction"] = bucketing_saving(train)
        tasks[task] = entry
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "libraries": library_versions(),
        "format": "UTF-8, one pair per line: source<TAB>target<LF>, no header; lengths in characters",
        "tasks": tasks,
    }


def _examples(pairs: Sequence[Pair], k: int = 5) -> list[Pair]:
    """k examples spread from the shortest to the longest source."""
    ordered = sorted(pairs, key=lambda p: (len(p[0]), p[0]))
    return [ordered[round(i * (len(ordered) - 1) / (k - 1))] for i in range(k)]


def render_readme(data: dict[str, dict[str, Sequence[Pair]]], manifest: dict) -> str:
    """The text of data/README.md, made from the data and its manifest."""
    tasks = manifest["tasks"]
    libs = manifest["libraries"]
    out = [
        "# Data sets of the course",
        "",
        "<!-- Generated by `python -m rnn_attention.data --out data/` (`make data`); edit "
        "rnn_attention/data/files.py, not this file. -->",
        "",
        "Every file here is made by code in `rnn_attention.data` from a fixed seed "
        f"({manifest['seed']}, generator version {manifest['generator_version']}); nothing is downloaded. "
        "Running `make data` again writes byte-identical files, and a test checks that the "
        "committed files equal a fresh generation. `python -m rnn_attention.data --check --out data/` "
        "does the same check from the command line.",
        "",
        "Layout: `data/<task>/{train,valid,test}.tsv`, UTF-8, one pair per line, "
        "`source<TAB>target`, no header. `manifest.json` holds, per task and split, the count, "
        "min/mean/max source and target length (characters), the number of distinct symbols, "
        "symbols missing from train, and the sha256 of the file; plus the seed, the generator "
        "version and the library versions.",
        "",
        'In Python: `from rnn_attention.data import load_split; pairs = load_split("dates", "train")` '
        "(a list of `(source, target)`). Without these files (a plain `pip install`), "
        "`load_split` generates the same pairs in memory.",
        "",
        "## Summary",
        "",
        "| task | train | valid | test | source length min-max (mean) | target length min-max | "
        "source / target vocabulary |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for task, entry in tasks.items():
        sp = entry["splits"]
        sl, tl = sp["train"]["source_length"], sp["train"]["target_length"]
        out.append(
            f"| {task} | {sp['train']['count']:,} | {sp['valid']['count']:,} | {sp['test']['count']:,} | "
            f"{sl['min']}-{sl['max']} ({sl['mean']}) | {tl['min']}-{tl['max']} | "
            f"{entry['source_vocab_size']} / {entry['target_vocab_size']} |"
        )
    out += [
        "",
        "Lengths are for train; valid and test span at least the same range. Vocabulary sizes are "
        "character vocabularies built from train, including the 4 special tokens "
        "(`<pad>`=0, `<sos>`=1, `<eos>`=2, `<unk>`=3).",
        "",
    ]
    teaches = {
        "copy": "the simplest alignment: output position i looks at input position i. The "
        "attention matrix should become the diagonal, at every length from 1 to 60.",
        "reverse": "output position i looks at input position S+1-i: the anti-diagonal. A model "
        "without attention must carry the whole string in one vector before it can start.",
        "dates": "real, messy input to one fixed format. The year is read from the end of the "
        "source and written first, so the alignment crosses; month names and weekdays in seven "
        "languages must be recognised (the weekday is redundant: a good model learns to ignore it).",
        "numbers": "the long-input task. German compounds put units before tens "
        "(`vierundzwanzig` -> `24`), French counts in twenties (`quatre-vingt-dix`), and sources "
        "run from 2 to over 100 characters while targets stay at most 9 digits. A longer source "
        "is mostly a bigger number with more digits to write, so accuracy against source length "
        "mixes reading a long input with writing a long output: notebook 08 also measures it at a "
        "fixed number of digits, which separates the two.",
    }
    for task, entry in tasks.items():
        sp = entry["splits"]
        out += [f"## `{task}`", "", entry["description"], "", f"What it teaches: {teaches[task]}", ""]
        out += [
            f"Counts: {sp['train']['count']:,} train, {sp['valid']['count']:,} valid, "
            f"{sp['test']['count']:,} test. Five training examples, shortest to longest "
            "(source, tab, target):",
            "",
            "```",
        ]
        out += [f"{s}\t{t}" for s, t in _examples(data[task]["train"])]
        out += ["```", ""]
    out += [
        "## How the splits are made",
        "",
        "- Nothing leaks: a source string (copy, reverse), a date (dates) or a number value "
        "(numbers) is in one split only. For numbers, all the languages a value was drawn in "
        "stay together.",
        "- Every split covers the length range: the pairs with the longest and the shortest "
        "sources go to test and valid first, and the rest are dealt to the three splits in "
        "order of length, so each length appears in each split in proportion (8:1:1).",
        "- Every source determines its target: a test checks that no source string appears "
        "with two targets, in the files and over every date of a leap year in every pattern. "
        'Dates always have four-digit years (CLDR "short" patterns with `yy` are given `y`), '
        "and the US month-first numeric forms (`M/d/y`) are used only when they cannot be read "
        "day-first: the day is above 12 or equals the month. So `4/1/2038` always means "
        "4 January 2038 (the day-first reading of es, fr, it, pt, nl, de and en_GB).",
        f"- Dates use the CLDR standard patterns (short, medium, long, full) and the CLDR "
        f"skeletons yMd, yMMdd, yMEd, yMMMd, yMMMEd of each locale ({', '.join(DATE_LOCALES)}): "
        "numeric, abbreviated and spelled-out months, with and without weekday. Each of "
        f"{sum(SPLIT_SIZES['dates'].values()):,} distinct dates (1900-2099) is written in one "
        "random locale and pattern.",
        f"- Numbers: the number of digits (1 to 9) is drawn uniformly, then the value uniformly "
        f"among numbers of that many digits (log-uniform by decade), and a language among "
        f"{', '.join(NUMBER_LANGS)}; repeats are skipped, so there are few pairs below 100 "
        "(there are only 4 x 100 of them).",
        "",
        "## Bucketing by length",
        "",
        "Batches of random pairs are padded up to their longest source. `BucketBatchSampler` "
        "(`make_loader(..., bucket=True)`, the default) shuffles, then sorts each pool of 50 "
        "batches by length before cutting it into batches, and shuffles the batches. Fraction "
        f"of the source positions (B x S) that are padding, training split, batch size {BUCKET_BATCH_SIZE}:",
        "",
        "| task | random batches | bucketed batches |",
        "|---|---:|---:|",
    ]
    for task, entry in tasks.items():
        pf = entry["padding_fraction"]
        out.append(f"| {task} | {pf['random']:.1%} | {pf['bucketed']:.1%} |")
    out += [
        "",
        "## Real corpora",
        "",
        "`rnn_attention.data.load_parallel_tsv(path, max_pairs=None, min_len=1, max_len=None)` "
        "reads the common `eng-fra.txt` layout: `english<TAB>french`, with an optional third "
        "attribution column. It normalises (NFKC, lowercase, punctuation split into tokens), "
        "filters by length and stops after `max_pairs`. The course never downloads one; get "
        "one yourself:",
        "",
        "- the Tatoeba-derived sentence pairs at https://www.manythings.org/anki/ (e.g. "
        "`fra-eng.zip`, which holds `fra.txt` with three columns; the sentences are CC-BY 2.0 FR, "
        "see the attribution column);",
        "- the PyTorch seq2seq tutorial's https://download.pytorch.org/tutorial/data.zip, "
        "which holds `data/eng-fra.txt` (two columns).",
        "",
        "Unzip it where you like (keep it out of git) and pass the path of the `.txt` file. "
        "The tests use small files they write themselves.",
        "",
        "## Libraries and licences",
        "",
        f"- Babel {libs['babel']} (BSD-3-Clause) with its Unicode CLDR {libs['cldr']} data "
        "(Unicode License, https://www.unicode.org/license.txt): date patterns, month and "
        "weekday names.",
        f"- num2words {libs['num2words']} (LGPL-2.1): number words. It is used as a library, "
        "unmodified; the generated pairs are its output, quirks included (Spanish "
        "`veintiuno mil` where people write `veintiún mil`).",
        "- The copy and reverse strings come from Python's `random` module.",
        "",
    ]
    return "\n".join(out)


def generate_files(tasks: Sequence[str] = TASKS, seed: int = SEED) -> dict[str, bytes]:
    """Every file of data/ for these tasks, as {relative path: bytes}, made in memory."""
    data = {task: generate_task(check_task(task), seed) for task in tasks}
    manifest = build_manifest(data, seed)
    files = {f"{t}/{s}.tsv": tsv_bytes(data[t][s]) for t in data for s in SPLITS}
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    files["README.md"] = render_readme(data, manifest).encode("utf-8")
    return files


def write_files(out_dir: str | os.PathLike, files: dict[str, bytes]) -> list[Path]:
    """Write {relative path: bytes} under out_dir, creating folders; return the paths."""
    out_dir = Path(out_dir)
    written = []
    for rel, content in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def compare_files(out_dir: str | os.PathLike, files: dict[str, bytes]) -> list[str]:
    """Relative paths under out_dir that are missing or differ from ``files``."""
    out_dir = Path(out_dir)
    bad = []
    for rel, content in files.items():
        path = out_dir / rel
        if not path.is_file() or path.read_bytes() != content:
            bad.append(rel)
    return bad
