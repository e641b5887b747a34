"""Train (or load) one model from the command line and print its test accuracy.

Introduced in notebook 06.

    python -m rnn_attention.train --task dates --profile ci --set hidden_size=32 --json

With --json the last line printed is the summary as JSON: task, decoder, attention,
profile, exact_match, token_accuracy, seconds, device, params, epochs, steps,
steps_planned, stopped_by_time, loaded, path.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import types
import typing

from ..data import TASKS
from ..environment import check_device
from ..models import attention_kinds
from .checkpoints import TrainedRun, load_or_train, runs_dir
from .config import PROFILES, TrainConfig, get_config

__all__ = ["SUMMARY_KEYS", "summary", "build_parser", "parse_set", "config_from_args", "main"]

SUMMARY_KEYS = (
    "task",
    "decoder",
    "attention",
    "profile",
    "exact_match",
    "token_accuracy",
    "seconds",
    "device",
    "params",
    "epochs",
    "steps",
    "steps_planned",
    "stopped_by_time",
)
NONE_WORDS = ("none", "null")
TRUE_WORDS = ("1", "true", "yes")


def summary(run: TrainedRun) -> dict:
    """The JSON-ready summary of a run: SUMMARY_KEYS of its info, plus loaded and path."""
    return {**{k: run.info.get(k) for k in SUMMARY_KEYS}, "loaded": run.loaded, "path": str(run.path)}


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m rnn_attention.train`."""
    parser = argparse.ArgumentParser(prog="python -m rnn_attention.train", description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="dates", choices=TASKS)
    parser.add_argument(
        "--profile", default=None, help=f"one of {sorted(PROFILES)} (default: $COURSE_PROFILE or by device)"
    )
    parser.add_argument("--attention", default=None, choices=attention_kinds())
    parser.add_argument(
        "--data", default=None, help="folder with <task>/{train,valid,test}.tsv (default: the repo's data/)"
    )
    parser.add_argument(
        "--out", default=None, help="checkpoint folder (default: $COURSE_RUNS_DIR, else runs/ in the course checkout)"
    )
    parser.add_argument("--device", default=None, help="auto, cpu, cuda, mps")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=None)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override any TrainConfig field, e.g. --set hidden_size=32 (repeatable)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line, last")
    return parser


def _field_type(annotation) -> type:
    """The one non-None type of a field's annotation (`int | None` -> int)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation


def parse_set(items) -> dict:
    """--set FIELD=VALUE pairs, each value converted to its field's type ("none" gives None)."""
    hints = typing.get_type_hints(TrainConfig)
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    out = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or name not in hints:
            raise SystemExit(f"--set expects FIELD=VALUE with FIELD one of {sorted(names)}, got {item!r}")
        kind = _field_type(hints[name])
        if raw.lower() in NONE_WORDS:
            out[name] = None
        elif kind is bool:
            out[name] = raw.lower() in TRUE_WORDS
        else:
            try:
                out[name] = kind(raw)
            except ValueError:
                raise SystemExit(
                    f"--set {name}: expected {'an' if kind is int else 'a'} {kind.__name__}, got {raw!r}"
                ) from None
    return out


def config_from_args(args) -> TrainConfig:
    """The TrainConfig the parsed command line asks for."""
    overrides = {"task": args.task, **parse_set(args.set)}
    for name, value in (
        ("attention", args.attention),
        ("data_dir", args.data),
        ("device", args.device),
        ("seed", args.seed),
        ("max_seconds", args.max_seconds),
        ("max_steps", args.max_steps),
    ):
        if value is not None:
            overrides[name] = value
    if args.no_progress or args.json:
        overrides["progress"] = False
    return get_config(args.profile, **overrides)


def main(argv=None) -> dict:
    """Train (or load) one model and report its test accuracy; with --json the last line is JSON."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:  # a bad profile, field value or device: one line, before any data is read or model trained
        cfg = config_from_args(args)
        check_device(cfg.device)
        if args.out is None:
            runs_dir()  # a COURSE_RUNS_DIR that is a file, missing or not writable: one line naming it
    except (ValueError, TypeError) as error:
        raise SystemExit(f"{parser.prog}: {error}") from None
    result = summary(load_or_train(cfg, args.out, verbose=True))
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>15}: {v}")
    return result


if __name__ == "__main__":
    main()
