"""Accuracy against source length: Bahdanau attention vs no attention vs fixed-size location weights.

The three models share the encoder, the decoder's sizes, the data and the
training budget; only what the decoder may look at differs:

* additive: alpha_ij = softmax_j a(s_{i-1}, h_j), one weight per position of *this* input;
* none:     no alpha at all, every step sees the encoder's fixed-size summary (a bidirectional variant of Cho et al. 2014);
* location: alpha_i = softmax(W s_{i-1}) from nn.Linear(H, max_len): fixed-size weights
            that never look at h_j (max_len = the longest training source).

In the spirit of Bahdanau et al. (2015), Figure 2. The last printed line is JSON:
{"task", "seconds", "additive": {"accuracy_by_length": [{"lo", "hi", "n", "exact_match"}, ...]}, "none": ..., "location": ...}

    python -m rnn_attention.experiments.length --profile ci --data data --out runs/length --json
"""

from __future__ import annotations

import argparse
import json
import time

from ..evaluate import accuracy_by_length
from ..train import PROFILES, get_config, load_or_train, prepare_data

__all__ = ["TASK", "MODELS", "N_BUCKETS", "experiment_configs", "run_length_experiment", "main"]

# The task where length matters most: see the module docstring of run_length_experiment.
TASK = "numbers"
MODELS = ("additive", "none", "location")
N_BUCKETS = 6
# Per profile, what the experiment changes from the profile's defaults (same for all three models).
EXPERIMENT_OVERRIDES: dict[str, dict] = {
    "ci": dict(batch_size=128, lr=5e-3, max_seconds=400.0, max_steps=800, epochs=5),
    "cpu": dict(),
    "gpu": dict(),
}


def experiment_configs(profile: str | None = None, task: str = TASK, **overrides):
    """The three TrainConfigs, identical except for `attention`."""
    base = get_config(profile, task=task)
    extra = {**EXPERIMENT_OVERRIDES.get(base.profile, {}), **overrides}
    return {kind: get_config(base.profile, task=task, attention=kind, **extra) for kind in MODELS}


def run_length_experiment(profile: str | None = None, out_dir=None, task: str = TASK, n_buckets: int = N_BUCKETS,
                          verbose: bool = True, **overrides) -> dict:
    """Train (or load) the three models and measure exact match per source-length bucket of the test split."""
    start = time.perf_counter()
    configs = experiment_configs(profile, task, **overrides)
    splits, _ = prepare_data(next(iter(configs.values())))
    result: dict = {"task": task, "profile": next(iter(configs.values())).profile}
    for kind, cfg in configs.items():
        run = load_or_train(cfg, out_dir, verbose=verbose)
        result[kind] = {
            "accuracy_by_length": accuracy_by_length(run.model, splits["test"], run.vocabs, n_buckets),
            "exact_match": run.info["exact_match"],
            "train_seconds": run.info["seconds"],
            "steps": run.info["steps"],
            "params": run.info["params"],
            "loaded": run.loaded,
        }
    result["seconds"] = time.perf_counter() - start
    return result


def format_table(result: dict) -> str:
    """The experiment as a text table: one row per length bucket, one column per model."""
    kinds = [k for k in MODELS if k in result]
    lines = [f"{'source length':>14} {'n':>5} " + " ".join(f"{k:>9}" for k in kinds)]
    for i, row in enumerate(result[kinds[0]]["accuracy_by_length"]):
        cells = []
        for k in kinds:
            em = result[k]["accuracy_by_length"][i]["exact_match"]
            cells.append(f"{em:9.3f}" if em is not None else f"{'-':>9}")
        lines.append(f"{row['lo']:>6} - {row['hi']:<5} {row['n']:>5} " + " ".join(cells))
    return "\n".join(lines)


def main(argv=None) -> dict:
    """Command line: run the experiment, print a table, and with --json a JSON line last."""
    parser = argparse.ArgumentParser(prog="python -m rnn_attention.experiments.length", description=__doc__.split("\n")[0])
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
