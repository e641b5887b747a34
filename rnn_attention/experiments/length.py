"""Accuracy against source length: Bahdanau attention vs no attention vs fixed-size location weights (notebook 08).

The three models share the encoder, the decoder's sizes, the data and the
training budget; only what the decoder may look at differs:

* additive: alpha_ij = softmax_j a(s_{i-1}, h_j), one weight per position of *this* input;
* none:     no alpha at all, every step sees the encoder's fixed-size summary
            (a bidirectional variant of Cho et al. 2014);
* location: alpha_i = softmax(W s_{i-1}) from nn.Linear(H, max_len): fixed-size weights
            that never look at h_j (max_len = the longest training source).

A controlled experiment: each model is trained with several seeds (mean and
min-max are reported), and because a longer number also has more digits to
write, accuracy is reported both per source-length bucket and *at a fixed
target length* (only the targets of 6, or 9, digits), where reading length
changes and writing length does not. Besides exact match, `place_accuracy` is
the fraction of digits right at their place value.

In the spirit of Bahdanau et al. (2015), Figure 2. The last printed line is JSON:
{"task", "profile", "seeds", "seconds", "train_sources_by_bucket": [...],
 KIND: {"accuracy_by_length": [{"lo", "hi", "n", "exact_match_mean", "exact_match_min", "exact_match_max",
                                "exact_match_per_seed", "place_accuracy_mean"}, ...],
        "fixed_target": {"6": [...same rows...], "9": [...]}, "train_seconds", "steps", "params", "machine"}, ...}

    python -m rnn_attention.experiments.length --profile ci --json
"""

from __future__ import annotations

import argparse
import json
import time

from ..environment import describe_machine
from ..evaluate import greedy_outputs, length_buckets, place_accuracy
from ..train import PROFILES, get_config, load_or_train, prepare_data
from . import mean_or_none as _mean
from . import spread, use_configured_threads
from .parallel import train_missing

__all__ = [
    "TASK",
    "MODELS",
    "N_BUCKETS",
    "FIXED_TARGETS",
    "SEEDS",
    "RECIPE",
    "experiment_configs",
    "bucket_rows",
    "run_length_experiment",
    "format_table",
    "main",
]

TASK = "numbers"
MODELS = ("additive", "none", "location")
N_BUCKETS = 6
# Source-length buckets at a fixed target length (digits): each holds 50-200 test pairs.
FIXED_TARGETS: dict[int, tuple[tuple[int, int], ...]] = {
    6: ((26, 45), (46, 55), (56, 71)),
    9: ((55, 74), (75, 84), (85, 94), (95, 111)),
}
# One recipe in every profile (a GPU trains the same models, only faster), converged: attention reaches
# 0.99-1.00 exact match in every length bucket (the curves are in reference/manifest.json). The model is
# larger than notebook 06's (E=48, H=128, A=96): numbers are longer and harder than dates. Two seeds
# give every result its min-max band; step counts bind, max_seconds is a safety net.
SEEDS = (0, 1)
RECIPE: dict = dict(
    emb_size=48,
    hidden_size=128,
    attn_size=96,
    batch_size=64,
    lr=3e-3,
    warmup_steps=50,
    valid_pairs=500,
    max_steps=1500,
    epochs=100,
    max_seconds=1800.0,
)


def experiment_configs(profile: str | None = None, task: str = TASK, **overrides) -> dict:
    """{kind: [TrainConfig per seed]}, identical except for `attention` and `seed`."""
    base = get_config(profile, task=task)
    extra = {**RECIPE, **overrides}
    return {
        kind: [get_config(base.profile, task=task, attention=kind, seed=seed, **extra) for seed in SEEDS]
        for kind in MODELS
    }


def bucket_rows(pairs, outputs_per_seed, buckets) -> list[dict]:
    """Per (lo, hi) source-length bucket: n, exact match mean/min/max/per seed, place accuracy mean."""
    rows = []
    for lo, hi in buckets:
        idx = [i for i, (src, _) in enumerate(pairs) if lo <= len(src) <= hi]
        ems = [_mean([outputs[i] == pairs[i][1] for i in idx]) for outputs in outputs_per_seed]
        places = [_mean([place_accuracy(outputs[i], pairs[i][1]) for i in idx]) for outputs in outputs_per_seed]
        real = [e for e in ems if e is not None]
        rows.append(
            {
                "lo": lo,
                "hi": hi,
                "n": len(idx),
                **spread("exact_match", real),
                "exact_match_per_seed": ems,
                "place_accuracy_mean": _mean([p for p in places if p is not None]),
            }
        )
    return rows


def run_length_experiment(
    profile: str | None = None,
    out_dir=None,
    task: str = TASK,
    n_buckets: int = N_BUCKETS,
    verbose: bool = True,
    workers: int | None = None,
    **overrides,
) -> dict:
    """Train (or load) every model and seed, and measure them on the test split by source length.

    workers: how many models to train at once, in separate processes (default: see parallel.train_workers).
    """
    start = time.perf_counter()
    configs = experiment_configs(profile, task, **overrides)
    first = configs[MODELS[0]][0]
    use_configured_threads(first)
    splits, _ = prepare_data(first)
    test = splits["test"]
    buckets = length_buckets(test, n_buckets)
    result: dict = {
        "task": task,
        "profile": first.profile,
        "seeds": [cfg.seed for cfg in configs[MODELS[0]]],
        "train_sources_by_bucket": [sum(lo <= len(s) <= hi for s, _ in splits["train"]) for lo, hi in buckets],
    }
    train_missing([(cfg, None) for cfgs in configs.values() for cfg in cfgs], out_dir, workers, verbose)
    for kind, cfgs in configs.items():
        runs = [load_or_train(cfg, out_dir, verbose=verbose) for cfg in cfgs]
        outputs = [greedy_outputs(run.model, test, run.vocabs) for run in runs]
        fixed = {}
        for digits, ranges in FIXED_TARGETS.items():
            keep = [i for i, (_, t) in enumerate(test) if len(t) == digits]
            fixed[str(digits)] = bucket_rows([test[i] for i in keep], [[o[i] for i in keep] for o in outputs], ranges)
        result[kind] = {
            "accuracy_by_length": bucket_rows(test, outputs, buckets),
            "fixed_target": fixed,
            "train_seconds": sum(run.info["seconds"] for run in runs),
            "steps": runs[0].info["steps"],
            "steps_planned": runs[0].info.get("steps_planned"),
            "params": runs[0].info["params"],
            "machine": describe_machine(runs[0].info["device"], runs[0].cfg.num_threads),
            "loaded": all(run.loaded for run in runs),
        }
    result["seconds"] = time.perf_counter() - start
    return result


def _cell(row, width=17):
    if row["exact_match_mean"] is None:
        return f"{'-':>{width}}"
    text = f"{row['exact_match_mean']:.3f} [{row['exact_match_min']:.2f}-{row['exact_match_max']:.2f}]"
    return f"{text:>{width}}"


def format_table(result: dict, rows_of=lambda entry: entry["accuracy_by_length"]) -> str:
    """One row per length bucket, one column per model: exact match mean [min-max over seeds]."""
    kinds = [k for k in MODELS if k in result]
    lines = [f"{'source length':>14} {'n':>5} " + " ".join(f"{k:>17}" for k in kinds)]
    for i, row in enumerate(rows_of(result[kinds[0]])):
        cells = [_cell(rows_of(result[k])[i]) for k in kinds]
        lines.append(f"{row['lo']:>6} - {row['hi']:<5} {row['n']:>5} " + " ".join(cells))
    return "\n".join(lines)


def main(argv=None) -> dict:
    """Command line: run the experiment, print a table, and with --json a JSON line last."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_attention.experiments.length", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--profile", default=None, help=f"one of {sorted(PROFILES)}")
    parser.add_argument("--task", default=TASK, choices=("copy", "reverse", "dates", "numbers"))
    parser.add_argument("--data", default=None, help="data folder (default: the repo's data/)")
    parser.add_argument("--out", default=None, help="checkpoint folder (default: runs/)")
    parser.add_argument("--buckets", type=int, default=N_BUCKETS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    overrides = {"progress": not args.json}
    if args.data is not None:
        overrides["data_dir"] = args.data
    result = run_length_experiment(args.profile, args.out, args.task, args.buckets, verbose=True, **overrides)
    print(format_table(result))
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
