"""Tests of rnn_attention.experiments.extrapolation with tiny models: the JSON the issue asks for, and caching."""

import json

import pytest

from rnn_attention.experiments import extrapolation
from rnn_attention.experiments.extrapolation import KINDS, format_tables, run_extrapolation, settings, summarise

TINY_SETTINGS = dict(seeds=(0, 1), test_counts=(1, 2, 4), n_train_repeated=60, n_test_per_count=3, n_test_longer=40)
TINY_MODEL = dict(emb_size=8, hidden_size=8, attn_size=8, max_steps=2, valid_pairs=5, snapshot_every=0, probe_size=1)

LONGER_KEYS = {
    "lo",
    "hi",
    "n",
    "exact_match_mean",
    "exact_match_min",
    "exact_match_max",
    "item_accuracy_mean",
    "oracle_item_accuracy_mean",
}
REPEATED_KEYS = {
    "k",
    "n",
    "exact_match_mean",
    "exact_match_min",
    "exact_match_max",
    "item_accuracy_mean",
    "oracle_item_accuracy_mean",
    "items_out_mean",
}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    result, runs = run_extrapolation(
        "ci", out, verbose=False, return_runs=True, setting_changes=TINY_SETTINGS, levers=True, **TINY_MODEL
    )
    return out, result, runs


def test_result_has_the_keys_the_issue_asks_for(tiny_run):
    _, result, _ = tiny_run
    assert {"profile", "seconds", "seeds", "train_max_len", "longer", "repeated"} <= set(result)
    assert result["profile"] == "ci" and result["seeds"] == [0, 1] and result["train_max_len"] == 60
    assert set(KINDS) <= set(result["longer"]) and set(KINDS) <= set(result["repeated"])
    assert "location_aware_window" in result["repeated"]
    for rows in result["longer"].values():
        assert [(r["lo"], r["hi"]) for r in rows] == list(extrapolation.LONGER_BUCKETS)
        assert all(LONGER_KEYS <= set(r) for r in rows)
        assert rows[-1]["hi"] >= 1.8 * result["train_max_len"]  # the test reaches 1.8 x the training length
    for rows in result["repeated"].values():
        assert [r["k"] for r in rows] == [1, 2, 4]
        assert all(REPEATED_KEYS <= set(r) and r["n"] == 3 for r in rows)
        for r in rows:
            assert r["exact_match_min"] <= r["exact_match_mean"] <= r["exact_match_max"]
            assert len(r["oracle_item_accuracy_by_place_mean"]) == r["k"]
    json.dumps(result)  # JSON-ready as it is
    assert "repeated" in format_tables(result)


TESTS = ("longer", "repeated")


def test_every_model_trains_once_then_loads(tiny_run):
    out, result, runs = tiny_run
    assert all(len(runs[test][kind]) == 2 for test in TESTS for kind in KINDS)
    assert all(run.info["steps"] == 2 for test in TESTS for kind in KINDS for run in runs[test][kind])
    assert set(runs["levers"]) == set(extrapolation.LEVERS) and all(len(r) == 2 for r in runs["levers"].values())
    again, runs_again = run_extrapolation(
        "ci", out, verbose=False, return_runs=True, setting_changes=TINY_SETTINGS, levers=True, **TINY_MODEL
    )
    assert all(run.loaded for test in runs_again for kind in runs_again[test] for run in runs_again[test][kind])
    assert again["repeated"] == result["repeated"] and again["longer"] == result["longer"]
    assert again["levers"] == result["levers"]


def test_the_levers_change_only_what_they_name(tiny_run):
    _, result, runs = tiny_run
    base = runs["repeated"]["location_aware"][0].cfg
    for name, changes in extrapolation.LEVERS.items():
        cfg = runs["levers"][name][0].cfg
        differ = {f for f in vars(cfg) if getattr(cfg, f) != getattr(base, f)}
        assert differ == {f for f, v in changes.items() if getattr(base, f) != v}, name
        assert [r["k"] for r in result["levers"][name]] == [1, 2, 4]
    assert runs["levers"]["local_coverage"][0].model.encoder.__class__.__name__ == "ConvEncoder"
    assert runs["levers"]["coverage"][0].model.decoder.attention.uses_coverage


def test_order_aware_scores_and_fixed_digit_rates_are_reported(tiny_run):
    _, result, _ = tiny_run
    for rows in result["repeated"].values():
        for r in rows:
            assert r["oracle_in_order_recall_mean"] >= r["oracle_item_accuracy_mean"] - 1e-12
            table = r["oracle_copy_table_mean"]
            assert len(table) == r["k"] and all(abs(sum(row) - 1) < 1e-9 for row in table)
            assert all(len(p[0]) == r["k"] and 0 < p[1] <= 1 for p in r["oracle_top_pattern_per_seed"])
    for rows in result["longer"].values():
        for r in rows:
            assert sum(r["n_by_digits"].values()) == r["n"]
            assert set(r["exact_match_by_digits_mean"]) == set(r["n_by_digits"])


def test_date_jumps_by_hand():
    # the day of date 1 ends at index 1 ("24"); the year of date 2 starts at 19 + 6 = 25
    assert extrapolation.date_jumps([("24 November 2026 ; 3 May 1999", "2026-11-24;1999-05-03")]) == [24]
    assert extrapolation.date_jumps([("24 November 2026", "2026-11-24")]) == []


def test_the_cli_prints_json_last(tiny_run, monkeypatch, capsys):
    out, result, _ = tiny_run
    monkeypatch.setitem(
        extrapolation.SETTINGS,
        "ci",
        {
            **extrapolation.SETTINGS["ci"],
            **TINY_SETTINGS,
            "longer": {**extrapolation.SETTINGS["ci"]["longer"], **TINY_MODEL},
            "repeated": {**extrapolation.SETTINGS["ci"]["repeated"], **TINY_MODEL},
        },
    )
    extrapolation.main(["--profile", "ci", "--out", str(out), "--json"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    printed = json.loads(last)
    assert printed["repeated"] == json.loads(json.dumps(result["repeated"]))


def test_summarise_gives_mean_min_max_over_seeds():
    rows = summarise(
        [
            [{"k": 1, "n": 2, "exact_match": 0.5, "item_accuracy": 0.5}],
            [{"k": 1, "n": 2, "exact_match": 1.0, "item_accuracy": 0.7}],
        ],
        "k",
    )
    assert rows == [
        {
            "k": 1,
            "n": 2,
            "exact_match_mean": 0.75,
            "exact_match_min": 0.5,
            "exact_match_max": 1.0,
            "exact_match_per_seed": [0.5, 1.0],
            "item_accuracy_mean": pytest.approx(0.6),
            "item_accuracy_min": 0.5,
            "item_accuracy_max": 0.7,
        }
    ]


def test_settings_reject_unknown_names():
    assert settings("cpu")["seeds"] == settings("gpu")["seeds"] == settings("ci")["seeds"] == (0, 1)
    with pytest.raises(ValueError, match="unknown setting"):
        settings("ci", seed=3)
