"""Longer than anything in training: train on short inputs, test on longer ones (notebook 10).

Two tests, four decoders that share everything but the context module
(additive, none, location, location_aware), several seeds each:

* **longer**: numbers whose source has at most `train_max_len` characters in
  training; the whole test split (sources up to 111 characters) in testing.
* **repeated**: sources of k dates joined by " ; ", targets the k ISO dates
  joined by ";" (Chorowski et al. 2015 repeated utterances the same way);
  trained on k in `train_counts`, tested on every k in `test_counts`.

Exact match alone mixes two failures, so each bucket (or k) also reports the
per-item accuracy (dates; for numbers, groups of three digits by place value),
how many items the model wrote, and the per-item accuracy under oracle length
(EOS forbidden until the target's length: Newman et al. 2020), which takes the
stopping decision away. `location_aware_window` is the location-aware model
decoded with a window around the median of the previous weights (Chorowski et
al. 2015, section 2.3): the same checkpoints, a different decoding.

The last printed line is JSON:
{"profile", "seconds", "seeds", "train_max_len", "train_counts",
 "longer": {KIND: [{"lo", "hi", "n", "exact_match_mean", "exact_match_min", "exact_match_max",
                    "item_accuracy_mean", "oracle_item_accuracy_mean"}, ...]},
 "repeated": {KIND: [{"k", "n", "exact_match_mean", "exact_match_min", "exact_match_max",
                      "item_accuracy_mean", "oracle_item_accuracy_mean", "items_out_mean"}, ...]}}

    python -m rnn_attention.experiments.extrapolation --profile ci --json
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections import Counter
from pathlib import Path

from ..data import load_split
from ..data.derived import SOURCE_SEPARATOR, TARGET_SEPARATOR, repeat_pairs, repeated_by_count, sources_at_most
from ..data.gold import date_fields
from ..evaluate import decode_outputs, item_accuracy, items_produced, split_dates, split_digit_groups
from ..items import copied_from, copy_table, in_order_recall
from ..train import PROFILES, get_config, load_or_train, runs_dir
from . import mean_or_none as _mean
from . import spread, use_configured_threads
from .parallel import train_missing

__all__ = [
    "KINDS",
    "WINDOWED",
    "LONGER_BUCKETS",
    "LEVERS",
    "LEVER_WIDTH",
    "lever_configs",
    "date_jumps",
    "SETTINGS",
    "RECIPE",
    "training_jobs",
    "settings",
    "longer_splits",
    "repeated_splits",
    "repeated_tests",
    "experiment_configs",
    "evaluate_buckets",
    "evaluate_counts",
    "summarise",
    "run_extrapolation",
    "format_tables",
    "main",
]

KINDS = ("additive", "none", "location", "location_aware")
# Decoded with a window of (back, ahead) positions around the median of alpha_{i-1}: the
# crossing inside one date (its year is up to 38 characters after its day) must fit in it.
WINDOWED = {"location_aware_window": ("location_aware", (40, 40))}
LONGER_BUCKETS = ((2, 30), (31, 60), (61, 70), (71, 80), (81, 95), (96, 111))
# The levers of notebook 10's last section, trained on the repeated dates only, each the location-aware
# model with a change or two (TrainConfig fields): (c) coverage (the cumulative weights as a second
# channel of the location features, as Tacotron 2 does) and a kernel of 121 characters, wide enough to
# see every jump to the next date (at most 60 characters either side); (b) on top of it, a local encoder
# whose h_j reads 9 characters, so that no state knows how far it is from the end.
LEVER_WIDTH = 121
LEVERS_SHOWN = True  # whether notebook 10 measures the levers (run_extrapolation(levers=True)) and ships them
LEVERS = {
    "coverage": dict(attention="location_aware", location_coverage=True, location_kernel_size=LEVER_WIDTH),
    "local_coverage": dict(
        attention="location_aware", location_coverage=True, location_kernel_size=LEVER_WIDTH, encoder="conv"
    ),
}

# Seeds, the training budget of each test and the sizes of the derived data: one recipe in every
# profile (a GPU trains the same models, only faster), converged: in-range exact match 0.99-1.00 (the
# curves are in reference/manifest.json). Step counts bind (max_seconds is a safety net), so results
# do not depend on the machine's load.
_MODEL = dict(emb_size=48, hidden_size=128, attn_size=96, lr=3e-3, warmup_steps=50, batch_size=64)
RECIPE: dict = dict(
    seeds=(0, 1),
    train_max_len=60,
    train_counts=(1, 2, 3),
    test_counts=tuple(range(1, 9)),
    n_train_repeated=24000,
    n_test_per_count=200,
    n_test_longer=None,
    longer=dict(_MODEL, max_steps=1000, epochs=100, max_seconds=1800.0, valid_pairs=300),
    repeated=dict(_MODEL, max_steps=1000, epochs=100, max_seconds=1800.0, valid_pairs=300),
)
SETTINGS: dict[str, dict] = {profile: RECIPE for profile in PROFILES}  # the same in every profile
VALID_TEST_PAIRS = 300  # the in-range valid/test sets of the repeated training runs (load_or_train measures them)


def settings(profile: str | None = None, **changes) -> dict:
    """The experiment's settings for a profile (default: the course's profile), with "profile" set.

    `changes` replace entries (tests use tiny ones: seeds=(0,), n_test_per_count=3, ...).
    """
    profile = get_config(profile).profile
    if profile not in SETTINGS:
        raise ValueError(f"no extrapolation settings for profile {profile!r}: expected one of {sorted(SETTINGS)}")
    unknown = sorted(set(changes) - set(SETTINGS[profile]))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown}; settings are {sorted(SETTINGS[profile])}")
    return {**SETTINGS[profile], **changes, "profile": profile}


def longer_splits(train_max_len: int, data_dir=None) -> dict:
    """Numbers cut to sources of at most train_max_len characters: train, valid, and 300 in-range test pairs.

    (load_or_train reports its exact match on that test set; the experiment measures every length itself.)
    """
    splits = {
        s: sources_at_most(load_split("numbers", s, data_dir=data_dir), train_max_len)
        for s in ("train", "valid", "test")
    }
    splits["test"] = splits["test"][:VALID_TEST_PAIRS]
    return splits


def repeated_splits(train_counts, n_train: int, data_dir=None) -> dict:
    """Repeated dates with k in train_counts: train from the dates train split, valid/test from theirs."""
    return {
        "train": repeat_pairs(load_split("dates", "train", data_dir=data_dir), train_counts, n_train, seed=0),
        "valid": repeat_pairs(load_split("dates", "valid", data_dir=data_dir), train_counts, VALID_TEST_PAIRS, seed=1),
        "test": repeat_pairs(load_split("dates", "test", data_dir=data_dir), train_counts, VALID_TEST_PAIRS, seed=2),
    }


def repeated_tests(test_counts, n_per_count: int, data_dir=None) -> dict[int, list]:
    """{k: n_per_count test pairs of exactly k dates}, from the dates test split (dates never seen in training)."""
    return repeated_by_count(load_split("dates", "test", data_dir=data_dir), test_counts, n_per_count, seed=3)


def experiment_configs(profile: str | None = None, test: str = "longer", setting_changes=None, **overrides) -> dict:
    """{kind: [TrainConfig per seed]} for one test ("longer" or "repeated"): identical but for attention and seed."""
    s = settings(profile, **(setting_changes or {}))
    if test not in ("longer", "repeated"):
        raise ValueError(f"test must be 'longer' or 'repeated', got {test!r}")
    task = "numbers" if test == "longer" else "dates"
    extra = {**s[test], **overrides}
    return {
        kind: [
            get_config(s["profile"], task=task, attention=kind, seed=seed, progress=False, **extra)
            for seed in s["seeds"]
        ]
        for kind in KINDS
    }


def lever_configs(profile: str | None = None, setting_changes=None, **overrides) -> dict:
    """{lever: [TrainConfig per seed]}: the repeated test's location-aware model with each lever's changes."""
    s = settings(profile, **(setting_changes or {}))
    extra = {**s["repeated"], **overrides}
    return {
        name: [
            get_config(s["profile"], task="dates", seed=seed, progress=False, **{**extra, **changes})
            for seed in s["seeds"]
        ]
        for name, changes in LEVERS.items()
    }


def training_jobs(profile: str | None = None, data_dir=None, levers: bool | None = None) -> list[tuple]:
    """[(TrainConfig, splits)] of every model both tests (and, if levers, the levers) train: what notebook 10 loads.

    levers=None: LEVERS_SHOWN, whether notebook 10 shows the levers (and so needs their reference models).
    """
    s = settings(profile)
    extra = {"data_dir": str(data_dir)} if data_dir is not None else {}
    data = {
        "longer": longer_splits(s["train_max_len"], data_dir),
        "repeated": repeated_splits(s["train_counts"], s["n_train_repeated"], data_dir),
    }
    configs = {test: experiment_configs(s["profile"], test, **extra) for test in data}
    jobs = [(cfg, data[test]) for test in configs for cfgs in configs[test].values() for cfg in cfgs]
    if not (LEVERS_SHOWN if levers is None else levers):
        return jobs
    return jobs + [(cfg, data["repeated"]) for cfgs in lever_configs(s["profile"], **extra).values() for cfg in cfgs]


def evaluate_buckets(model, vocabs, pairs, buckets=LONGER_BUCKETS, window=None) -> list[dict]:
    """Per source-length bucket: n, exact match, per-item accuracy (digit groups), the same with oracle length.

    Also at a fixed target length: exact match and n of the bucket's targets of each number of digits
    ("exact_match_by_digits", "n_by_digits": {digits: ...}), so a longer source is not a longer number.
    """
    free = decode_outputs(model, pairs, vocabs, window=window)
    oracle = decode_outputs(model, pairs, vocabs, oracle=True, window=window)
    rows = []
    for lo, hi in buckets:
        idx = [i for i, (src, _) in enumerate(pairs) if lo <= len(src) <= hi]
        targets = [pairs[i][1] for i in idx]
        digits = sorted({len(t) for t in targets})
        rows.append(
            {
                "lo": lo,
                "hi": hi,
                "n": len(idx),
                "n_by_digits": {d: sum(len(t) == d for t in targets) for d in digits},
                "exact_match_by_digits": {
                    d: _mean([free[i] == t for i, t in zip(idx, targets) if len(t) == d]) for d in digits
                },
                "exact_match": _mean([free[i] == t for i, t in zip(idx, targets)]),
                "item_accuracy": _mean([item_accuracy(free[i], t, split_digit_groups) for i, t in zip(idx, targets)]),
                "oracle_item_accuracy": _mean(
                    [item_accuracy(oracle[i], t, split_digit_groups) for i, t in zip(idx, targets)]
                ),
            }
        )
    return rows


def evaluate_counts(model, vocabs, tests: dict, window=None) -> list[dict]:
    """Per count k: n, exact match, per-date accuracy, dates written, per-date accuracy with oracle length.

    And the order-aware scores: in-order recall (LCS of the dates over k; free and with oracle length),
    the table of which target date each output date copies (oracle length) and its most common pattern.
    """
    rows = []
    for k, pairs in tests.items():
        free = decode_outputs(model, pairs, vocabs, window=window)
        oracle = decode_outputs(model, pairs, vocabs, oracle=True, window=window)
        targets = [t for _, t in pairs]
        rows.append(
            {
                "k": k,
                "n": len(pairs),
                "exact_match": _mean([o == t for o, t in zip(free, targets)]),
                "item_accuracy": _mean([item_accuracy(o, t, split_dates) for o, t in zip(free, targets)]),
                "items_out": _mean([items_produced(o, split_dates) for o in free]),
                "oracle_item_accuracy": _mean([item_accuracy(o, t, split_dates) for o, t in zip(oracle, targets)]),
                # which place of the output is right, with oracle length: is it where it looks, or when it stops?
                "oracle_item_accuracy_by_place": [
                    _mean([split_dates(o)[p : p + 1] == [t.split(";")[p]] for o, t in zip(oracle, targets)])
                    for p in range(k)
                ],
                "in_order_recall": _mean([in_order_recall(o, t) for o, t in zip(free, targets)]),
                "oracle_in_order_recall": _mean([in_order_recall(o, t) for o, t in zip(oracle, targets)]),
                "oracle_copy_table": copy_table(oracle, targets),
                "oracle_top_pattern": _top_pattern(oracle, targets, k),
            }
        )
    return rows


def _top_pattern(outputs, targets, k: int) -> list:
    """[pattern, share]: the most common `copied_from` list (cut or padded to k places with 0) and its share."""
    patterns = Counter(tuple((copied_from(o, t) + [0] * k)[:k]) for o, t in zip(outputs, targets))
    pattern, count = patterns.most_common(1)[0]
    return [list(pattern), count / len(targets)]


@functools.cache
def _date_fields(date: str, iso: str) -> dict:
    return date_fields(date, iso)  # the same test dates come back at every k: find their fields once


def date_jumps(pairs) -> list[int]:
    """For each pair of neighbouring dates in repeated-dates sources: how far the year of date p + 1 starts
    after the last character of the day of date p, in characters (what attention must jump between dates).

    The fields are found with data.gold.date_fields; a date whose fields cannot be found is an error there.
    """
    jumps = []
    for source, target in pairs:
        offset, ends = 0, []
        for date, iso in zip(source.split(SOURCE_SEPARATOR), target.split(TARGET_SEPARATOR)):
            fields = _date_fields(date, iso)
            ends.append((offset + fields["day"][1] - 1, offset + fields["year"][0]))  # last day char, first year char
            offset += len(date) + len(SOURCE_SEPARATOR)
        jumps += [ends[p + 1][1] - ends[p][0] for p in range(len(ends) - 1)]
    return jumps


def summarise(per_seed: list[list[dict]], key: str) -> list[dict]:
    """Rows of several seeds -> one row per bucket or k: the key ("lo"/"hi" or "k"), n, mean/min/max, means."""
    rows = []
    for seed_rows in zip(*per_seed):
        first = seed_rows[0]
        row = {k: first[k] for k in key.split(",")}
        row["n"] = first["n"]
        ems = [r["exact_match"] for r in seed_rows if r["exact_match"] is not None]
        row.update(**spread("exact_match", ems), exact_match_per_seed=ems)
        for name in ("item_accuracy", "oracle_item_accuracy", "items_out", "in_order_recall", "oracle_in_order_recall"):
            if name in first:
                values = [r[name] for r in seed_rows if r[name] is not None]
                row.update(spread(name, values))
        if "oracle_item_accuracy_by_place" in first:
            row["oracle_item_accuracy_by_place_mean"] = [
                _mean(list(values)) for values in zip(*(r["oracle_item_accuracy_by_place"] for r in seed_rows))
            ]
        if "oracle_copy_table" in first:  # the mean table over seeds, and each seed's most common pattern
            row["oracle_copy_table_mean"] = [
                [_mean(list(cells)) for cells in zip(*rows_p)]
                for rows_p in zip(*(r["oracle_copy_table"] for r in seed_rows))
            ]
            row["oracle_top_pattern_per_seed"] = [r["oracle_top_pattern"] for r in seed_rows]
        if "exact_match_by_digits" in first:  # mean over seeds, at each number of digits
            row["n_by_digits"] = first["n_by_digits"]
            row["exact_match_by_digits_mean"] = {
                d: _mean([r["exact_match_by_digits"][d] for r in seed_rows]) for d in first["exact_match_by_digits"]
            }
        rows.append(row)
    return rows


def run_extrapolation(
    profile: str | None = None,
    out_dir=None,
    verbose: bool = True,
    data_dir=None,
    return_runs: bool = False,
    setting_changes: dict | None = None,
    workers: int | None = None,
    levers: bool = False,
    **overrides,
):
    """Train (or load) every model of both tests and measure them; the result dict (and the runs, if asked).

    setting_changes replace entries of SETTINGS[profile]; overrides are TrainConfig fields for every model;
    workers: how many models to train at once, in separate processes (default: see parallel.train_workers);
    levers: also the LEVERS models, measured on the repeated test (result["levers"], runs["levers"]).
    """
    start = time.perf_counter()
    s = settings(profile, **(setting_changes or {}))
    out_dir = Path(out_dir) if out_dir is not None else runs_dir() / "extrapolation"
    extra = {**overrides, **({"data_dir": str(data_dir)} if data_dir is not None else {})}
    result: dict = {
        "profile": s["profile"],
        "seeds": list(s["seeds"]),
        "train_max_len": s["train_max_len"],
        "train_counts": list(s["train_counts"]),
        "longer": {},
        "repeated": {},
        "train_seconds": {},
    }
    runs: dict = {"longer": {}, "repeated": {}}
    if levers:
        result["levers"], runs["levers"] = {}, {}
    configs = {
        test: experiment_configs(s["profile"], test, setting_changes, **extra) for test in ("longer", "repeated")
    }
    lever_cfgs = lever_configs(s["profile"], setting_changes, **extra) if levers else {}
    use_configured_threads(configs["longer"]["additive"][0])

    data = {
        "longer": longer_splits(s["train_max_len"], data_dir),
        "repeated": repeated_splits(s["train_counts"], s["n_train_repeated"], data_dir),
    }
    longer_test = load_split("numbers", "test", data_dir=data_dir)  # every length, up to 111 characters
    if s["n_test_longer"]:
        longer_test = longer_test[:: max(1, len(longer_test) // s["n_test_longer"])][: s["n_test_longer"]]
    tests = {"longer": longer_test, "repeated": repeated_tests(s["test_counts"], s["n_test_per_count"], data_dir)}
    train_missing(
        [(cfg, data[test]) for test in configs for cfgs in configs[test].values() for cfg in cfgs]
        + [(cfg, data["repeated"]) for cfgs in lever_cfgs.values() for cfg in cfgs],
        out_dir,
        workers,
        verbose,
    )
    for test in ("longer", "repeated"):
        per_seed: dict[str, list] = {}
        for kind, cfgs in configs[test].items():
            runs[test][kind] = [load_or_train(cfg, out_dir, verbose=verbose, splits=data[test]) for cfg in cfgs]
            result["train_seconds"][f"{test}/{kind}"] = sum(run.info["seconds"] for run in runs[test][kind])
        for name, (kind, window) in {**{k: (k, None) for k in KINDS}, **WINDOWED}.items():
            if test == "longer" and window is not None:
                continue  # the window is sized for dates; the longer test reports the plain decoders
            per_seed[name] = [
                evaluate_buckets(run.model, run.vocabs, tests[test], window=window)
                if test == "longer"
                else evaluate_counts(run.model, run.vocabs, tests[test], window=window)
                for run in runs[test][kind]
            ]
            result[test][name] = summarise(per_seed[name], "lo,hi" if test == "longer" else "k")
    for name, cfgs in lever_cfgs.items():
        runs["levers"][name] = [load_or_train(cfg, out_dir, verbose=verbose, splits=data["repeated"]) for cfg in cfgs]
        result["train_seconds"][f"levers/{name}"] = sum(run.info["seconds"] for run in runs["levers"][name])
        per_lever = [evaluate_counts(run.model, run.vocabs, tests["repeated"]) for run in runs["levers"][name]]
        result["levers"][name] = summarise(per_lever, "k")
    result["seconds"] = time.perf_counter() - start
    return (result, runs) if return_runs else result


def _cell(value, width=6):
    return f"{value:{width}.2f}" if value is not None else f"{'-':>{width}}"


def format_tables(result: dict) -> str:
    """Both tests as text tables: exact match mean [min-max], per-item accuracy, oracle per-item accuracy."""
    lines = []
    for test, key in (("longer", "source length"), ("repeated", "k")):
        kinds = list(result[test])
        lines.append(f"{test}: exact match mean [min-max] / per-item accuracy / with oracle length")
        lines.append(f"{key:>14} {'n':>5} " + " ".join(f"{k:>24}" for k in kinds))
        for i, row in enumerate(result[test][kinds[0]]):
            label = f"{row['lo']:>6} - {row['hi']:<5}" if test == "longer" else f"{row['k']:>14}"
            cells = []
            for k in kinds:
                r = result[test][k][i]
                cells.append(
                    f"{_cell(r['exact_match_mean'], 4)} [{_cell(r['exact_match_min'], 4)}-"
                    f"{_cell(r['exact_match_max'], 4)}] {_cell(r['item_accuracy_mean'], 4)} "
                    f"{_cell(r['oracle_item_accuracy_mean'], 4)}"
                )
            lines.append(f"{label} {row['n']:>5} " + " ".join(f"{c:>24}" for c in cells))
        lines.append("")
    return "\n".join(lines).rstrip()


def main(argv=None) -> dict:
    """Command line: run both tests, print the tables, and with --json a JSON line last."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_attention.experiments.extrapolation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--profile", default=None, help=f"one of {sorted(PROFILES)}")
    parser.add_argument("--data", default=None, help="data folder (default: the repo's data/)")
    parser.add_argument("--out", default=None, help="checkpoint folder (default: runs/extrapolation)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run_extrapolation(args.profile, args.out, verbose=not args.json, data_dir=args.data)
    print(format_tables(result))
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
