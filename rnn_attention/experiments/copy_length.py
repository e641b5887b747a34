"""What extrapolates: copy and reverse trained on lengths 1-20, tested at 1x to 10x that length (notebook 11).

Introduced in notebook 11.

The decoders share the encoder, the sizes, the data and the step budget; only
the attention (and, for one model, the stopping decision) differs:

* copy/additive            content-based: alpha_ij = softmax_j v_a^T tanh(W_a s_{i-1} + U_a h_j)
* copy/relative_shift      relative moves only: alpha_i = sharpen(shift(alpha_{i-1}, w_i)), alpha_0 on position 1
* copy/additive_no_eos     copy/additive trained without the EOS target (Newman et al. 2020), decoded to
                           the target's length
* reverse/additive         content-based, on reverse
* reverse/content_shift    a content-based jump gated with the previous weights, then the relative move
                           (the Neural Turing Machine's addressing, Graves et al. 2014)

Training: the committed copy (reverse) splits cut to sources of at most
`TRAIN_MAX_LEN` symbols. Testing: `N_TEST` strings of exactly L symbols for L
= 1x, 1.5x, 3x, 5x and 10x the training length, made at run time from the
toy tasks' alphabet (data.derived.toy_pairs_of_length; no training source
among them). Decoding is greedy and free-running (never teacher-forced); each
length reports exact match and per-character accuracy, per seed, plain
(the model decides when to stop) and with oracle length (EOS forbidden until
the target's length, then forced).

The last printed line is JSON:
{"profile", "seconds", "seeds", "train_max_len", "lengths",
 "models": {NAME: {"task", "attention", "train_eos", "train_seconds": [per seed], "steps",
                   "valid_curve": [per seed: [[step, seconds, valid exact match], ...]],
                   "free": [per seed: [{"length", "n", "exact_match", "char_accuracy"}, ...]],
                   "oracle": [the same, decoded to the target's length]}}}

    python -m rnn_attention.experiments.copy_length --profile ci --json
"""

from __future__ import annotations

import argparse
import json
import time

from ..data import load_split
from ..data.derived import sources_at_most, toy_pairs_of_length
from ..evaluate import decode_outputs
from ..train import PROFILES, get_config, load_or_train
from . import use_configured_threads
from .parallel import train_missing

__all__ = [
    "TRAIN_MAX_LEN",
    "FACTORS",
    "N_TEST",
    "SEEDS",
    "MODELS",
    "RECIPE",
    "test_lengths",
    "char_accuracy",
    "length_splits",
    "test_sets",
    "experiment_configs",
    "training_jobs",
    "evaluate_lengths",
    "worst_over_seeds",
    "run_copy_length",
    "eos_dates_jobs",
    "run_eos_dates",
    "format_table",
    "main",
]

TRAIN_MAX_LEN = 20  # L: training sources have 1..L symbols
FACTORS = (1, 1.5, 3, 5, 10)  # test lengths, as multiples of L
N_TEST = 100  # test strings per length
SEEDS = (0, 1)
# name -> (task, attention, TrainConfig changes)
MODELS: dict[str, tuple[str, str, dict]] = {
    "copy/additive": ("copy", "additive", {}),
    "copy/relative_shift": ("copy", "relative_shift", {}),
    "copy/additive_no_eos": ("copy", "additive", {"train_eos": False}),
    "reverse/additive": ("reverse", "additive", {}),
    "reverse/content_shift": ("reverse", "content_shift", {}),
}
# One recipe for every model and profile. Small: 16 + 32 + 32, so that ten models train in minutes on
# one CPU thread each. 800 steps: the content model's validation exact match is flat over its last 300
# (the curves are in reference/manifest.json); the shift models are at 1.00 from about step 300.
RECIPE: dict = dict(
    emb_size=16,
    hidden_size=32,
    attn_size=32,
    lr=1e-2,
    batch_size=64,
    warmup_steps=30,
    max_steps=800,
    epochs=100,
    valid_pairs=300,
    max_seconds=1200.0,
)


def test_lengths(train_max_len: int = TRAIN_MAX_LEN, factors=FACTORS) -> list[int]:
    """The test lengths: round(factor x L) for each factor (20, 30, 60, 100, 200 for L = 20)."""
    return [int(round(f * train_max_len)) for f in factors]


def char_accuracy(output: str, target: str) -> float:
    """The fraction of the target's characters that the output has at the same place (a short output loses the rest)."""
    if not target:
        raise ValueError("char_accuracy needs a non-empty target")
    return sum(a == b for a, b in zip(output, target)) / len(target)


def length_splits(task: str, train_max_len: int = TRAIN_MAX_LEN, data_dir=None) -> dict:
    """The committed splits of copy or reverse, cut to sources of at most train_max_len symbols."""
    return {
        s: sources_at_most(load_split(task, s, data_dir=data_dir), train_max_len) for s in ("train", "valid", "test")
    }


def test_sets(task: str, train_sources, lengths=None, n: int = N_TEST) -> dict[int, list]:
    """{L: n pairs of exactly L symbols}, made at run time, none of whose sources is a training source."""
    lengths = test_lengths() if lengths is None else lengths
    excluded = set(train_sources)
    return {L: toy_pairs_of_length(task, L, n, seed=11, exclude=excluded) for L in lengths}


def experiment_configs(profile: str | None = None, models=None, **overrides) -> dict:
    """{name: [TrainConfig per seed]}: the same recipe, only task, attention, train_eos and seed differ."""
    profile = get_config(profile).profile
    out = {}
    for name in models or MODELS:
        task, kind, changes = MODELS[name]
        out[name] = [
            get_config(
                profile, task=task, attention=kind, seed=seed, progress=False, **{**RECIPE, **changes, **overrides}
            )
            for seed in SEEDS
        ]
    return out


def training_jobs(profile: str | None = None, data_dir=None) -> list[tuple]:
    """[(TrainConfig, splits)] of every model: what `run_copy_length` loads or trains (and reference/ holds)."""
    extra = {"data_dir": str(data_dir)} if data_dir is not None else {}
    configs = experiment_configs(profile, **extra)
    splits = {task: length_splits(task, data_dir=data_dir) for task in ("copy", "reverse")}
    return [(cfg, splits[cfg.task]) for cfgs in configs.values() for cfg in cfgs]


def evaluate_lengths(model, vocabs, tests: dict, oracle: bool = False) -> list[dict]:
    """Per test length: n, exact match and per-character accuracy of greedy, free-running decoding."""
    rows = []
    for length, pairs in tests.items():
        outputs = decode_outputs(model, pairs, vocabs, oracle=oracle, batch_size=100)
        targets = [t for _, t in pairs]
        rows.append(
            {
                "length": length,
                "n": len(pairs),
                "exact_match": sum(o == t for o, t in zip(outputs, targets)) / len(pairs),
                "char_accuracy": sum(char_accuracy(o, t) for o, t in zip(outputs, targets)) / len(pairs),
            }
        )
    return rows


def worst_over_seeds(per_seed: list[list[dict]], length: int, key: str = "exact_match") -> float:
    """The minimum over seeds of `key` at one test length (what the notebook's claims and result lines read)."""
    values = [row[key] for rows in per_seed for row in rows if row["length"] == length]
    if not values:
        raise ValueError(f"no row for length {length}; lengths are {[r['length'] for r in per_seed[0]]}")
    return min(values)


def run_copy_length(
    profile: str | None = None,
    out_dir=None,
    verbose: bool = True,
    data_dir=None,
    models=None,
    workers: int | None = None,
    return_runs: bool = False,
    **overrides,
):
    """Train (or load) every model and seed, and measure each at every test length; the result dict (and runs)."""
    start = time.perf_counter()
    extra = {**overrides, **({"data_dir": str(data_dir)} if data_dir is not None else {})}
    configs = experiment_configs(profile, models, **extra)
    first = next(iter(configs.values()))[0]
    use_configured_threads(first)
    splits = {
        task: length_splits(task, data_dir=data_dir) for task in {cfg.task for cfgs in configs.values() for cfg in cfgs}
    }
    tests = {task: test_sets(task, [s for s, _ in splits[task]["train"]]) for task in splits}
    train_missing([(cfg, splits[cfg.task]) for cfgs in configs.values() for cfg in cfgs], out_dir, workers, verbose)
    result: dict = {
        "profile": first.profile,
        "seeds": list(SEEDS),
        "train_max_len": TRAIN_MAX_LEN,
        "lengths": test_lengths(),
        "models": {},
    }
    runs: dict = {}
    for name, cfgs in configs.items():
        runs[name] = [load_or_train(cfg, out_dir, verbose=verbose, splits=splits[cfg.task]) for cfg in cfgs]
        task, kind, _ = MODELS[name]
        train_eos = cfgs[0].train_eos
        result["models"][name] = {
            "task": task,
            "attention": kind,
            "train_eos": train_eos,
            "train_seconds": [round(run.info["seconds"], 1) for run in runs[name]],
            "steps": runs[name][0].info["steps"],
            "valid_curve": [run.history.get("valid_curve", []) for run in runs[name]],
            # a model trained without EOS never stops by itself: its plain decoding runs to the step cap
            "free": [evaluate_lengths(run.model, run.vocabs, tests[task]) for run in runs[name]],
            "oracle": [evaluate_lengths(run.model, run.vocabs, tests[task], oracle=True) for run in runs[name]],
        }
    result["seconds"] = round(time.perf_counter() - start, 1)
    return (result, runs, tests) if return_runs else result


def eos_dates_jobs(profile: str | None = None, data_dir=None) -> dict:
    """{"+EOS": [(cfg, splits) per seed], "-EOS": [...]}: notebook 10's repeated-dates additive models, and the same
    trained without EOS (its reference models are notebook 10's; the -EOS ones are notebook 11's)."""
    from .extrapolation import experiment_configs as repeated_configs
    from .extrapolation import repeated_splits, settings

    s = settings(profile)
    extra = {"data_dir": str(data_dir)} if data_dir is not None else {}
    data = repeated_splits(s["train_counts"], s["n_train_repeated"], data_dir)
    with_eos = repeated_configs(s["profile"], "repeated", **extra)["additive"]
    return {
        "+EOS": [(cfg, data) for cfg in with_eos],
        "-EOS": [(cfg.replace(train_eos=False), data) for cfg in with_eos],
    }


def run_eos_dates(profile: str | None = None, out_dir=None, verbose: bool = True, data_dir=None) -> dict:
    """Repeated dates (notebook 10), additive attention with and without EOS in training, decoded to oracle length.

    {"+EOS" / "-EOS": {"train_seconds": [per seed], "rows": [per seed: evaluate_counts rows]}}
    """
    from .extrapolation import evaluate_counts, repeated_tests, settings

    s = settings(profile)
    tests = repeated_tests(s["test_counts"], s["n_test_per_count"], data_dir)
    jobs = eos_dates_jobs(profile, data_dir)
    train_missing([job for pairs in jobs.values() for job in pairs], out_dir, None, verbose)
    out = {}
    for label, pairs in jobs.items():
        runs = [load_or_train(cfg, out_dir, verbose=verbose, splits=splits) for cfg, splits in pairs]
        out[label] = {
            "train_seconds": [round(run.info["seconds"], 1) for run in runs],
            "rows": [evaluate_counts(run.model, run.vocabs, tests) for run in runs],
        }
    return out


def format_table(result: dict, decoding: str = "free") -> str:
    """One row per model and seed: exact match / per-character accuracy at every test length."""
    lengths = result["lengths"]
    lines = [f"{decoding} decoding: exact match / per-character accuracy, trained on 1-{result['train_max_len']}"]
    lines.append(f"{'model':>22} {'seed':>4} " + " ".join(f"{'L=' + str(L):>11}" for L in lengths))
    for name, entry in result["models"].items():
        for seed, rows in zip(result["seeds"], entry[decoding]):
            cells = [f"{r['exact_match']:.2f} / {r['char_accuracy']:.2f}" for r in rows]
            lines.append(f"{name:>22} {seed:>4} " + " ".join(f"{c:>11}" for c in cells))
    return "\n".join(lines)


def main(argv=None) -> dict:
    """Command line: run the experiment, print the tables, and with --json a JSON line last."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_attention.experiments.copy_length", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--profile", default=None, help=f"one of {sorted(PROFILES)}")
    parser.add_argument("--data", default=None, help="data folder (default: the repo's data/)")
    parser.add_argument("--out", default=None, help="checkpoint folder (default: runs/)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run_copy_length(args.profile, args.out, verbose=not args.json, data_dir=args.data)
    print(format_table(result, "free"))
    print(format_table(result, "oracle"))
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
