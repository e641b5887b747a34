"""Build, check and verify the course's reference models (reference/ and its manifest).

Introduced in notebook 06.

    python -m rnn_attention.reference verify           # each file against the manifest: sha256, config, key
    python -m rnn_attention.reference build [NN ...]   # train the models of notebooks NN from scratch, write them
    python -m rnn_attention.reference check [NN ...]   # train them again from scratch, compare with the manifest

`make reference` runs `check` for every notebook. A model is listed once even
when several notebooks show it (09's additive model is 06's). Every model is
trained by the course's own code (`load_or_train` with train=True), one CPU
thread each, `workers` at a time, with its validation exact match recorded
every `CURVE_EVERY` steps: the convergence curve the manifest keeps.

`check` fails when a retrained model's test exact match or token accuracy
differs from the manifest's by more than the tolerance: the spread between the
seeds of the same model in the manifest (how much a different seed moves it),
and at least `MIN_TOLERANCE`. On the machine and torch build that wrote the
manifest the runs are repeated bit for bit; elsewhere, floating-point sums in
another order move them a little, within the seeds' spread.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from .environment import describe_machine
from .train import get_config, load_or_train, prepare_data
from .train.checkpoints import load_checkpoint, save_checkpoint
from .train.config import config_hash, resolve_config, run_only_fields
from .train.references import MANIFEST_FORMAT, MANIFEST_NAME, REFERENCE_DIR, TRAIN_ENV, file_sha256, read_manifest

__all__ = [
    "CURVE_EVERY",
    "MIN_TOLERANCE",
    "SCORE_KINDS",
    "UNDER_TRAINED_STEPS",
    "ALIGNMENT_SEEDS",
    "alignment_configs",
    "under_trained",
    "notebook_jobs",
    "all_jobs",
    "build",
    "check",
    "verify",
]

CURVE_EVERY = 100  # steps between the points of a model's convergence curve
MIN_TOLERANCE = 0.01  # the least difference `check` allows, for a model trained with one seed
SCORE_KINDS = ("additive", "concat", "dot", "general")  # notebook 09's four scores
# The notebooks whose alignment snapshots a notebook reads (07 reads 06's): the others' are dropped from
# the reference files, which keeps the folder small.
KEEP_SNAPSHOTS = ("06", "07")
# Notebook 12's under-trained model: 06's recipe stopped after this many of its 600 steps, so that greedy
# decoding still makes mistakes for beam search to fix (or not). The one reference model that is not converged.
UNDER_TRAINED_STEPS = 250


def _dates_jobs():
    return [(get_config(task="dates"), None)]


def _under_trained_jobs():
    return [(get_config(task="dates", max_steps=UNDER_TRAINED_STEPS), None)]


def under_trained(entry: dict) -> bool:
    """Whether a manifest entry is a model stopped early on purpose (notebook 12's), not a converged one."""
    return entry["notebooks"] == ["12"] and entry["config"]["max_steps"] == UNDER_TRAINED_STEPS


def _score_jobs():
    return [(get_config(task="dates", attention=kind), None) for kind in SCORE_KINDS]


# Notebook 13's new models. On dates, with notebook 06's recipe (the same data and step budget): a second
# seed of notebook 09's additive, dot, concat and general models (concat is the additive network and general
# the dot network, so those two pairs must come out equal: the notebook checks it), location-aware attention
# and Luong's architecture with its dot score (two seeds each). On numbers, with notebook 08's recipe: the dot
# score, location-aware attention and Luong's architecture, two seeds each, beside 08's additive and location
# models. Its other models are 06's, 09's and 08's, loaded as those notebooks load them.
ALIGNMENT_SEEDS = (0, 1)
# (task, decoder, attention, seeds) of each model notebook 13 trains.
ALIGNMENT_MODELS = (
    ("dates", "bahdanau", "additive", (1,)),
    ("dates", "bahdanau", "dot", (1,)),
    ("dates", "bahdanau", "concat", (1,)),
    ("dates", "bahdanau", "general", (1,)),
    ("dates", "bahdanau", "location_aware", ALIGNMENT_SEEDS),
    ("dates", "luong", "dot", ALIGNMENT_SEEDS),
    ("numbers", "luong", "dot", ALIGNMENT_SEEDS),
    ("numbers", "bahdanau", "dot", ALIGNMENT_SEEDS),
    ("numbers", "bahdanau", "location_aware", ALIGNMENT_SEEDS),
)
# The one model that needs more steps than its task's recipe: with 08's 1500 steps, Bahdanau's decoder with the
# dot score wrote 0.956 and 0.983 of the test numbers exactly, its validation curve flattened only because the
# learning rate had decayed; with 3000 steps, seed 1 wrote 0.996 (and aligned as before: accuracy 0.34 against
# 0.37). The other numbers models write >= 0.997 with 1500 steps.
ALIGNMENT_STEPS = {("numbers", "bahdanau", "dot"): 3000}


def alignment_config(task: str, decoder: str, attention: str, seed: int):
    """The config of one of notebook 13's models: 06's recipe on dates, 08's on numbers (ALIGNMENT_STEPS aside)."""
    if task == "dates":
        return get_config(task="dates", decoder=decoder, attention=attention, seed=seed)
    if task == "numbers":
        from .experiments.length import RECIPE as NUMBERS_RECIPE

        steps = {"max_steps": ALIGNMENT_STEPS.get((task, decoder, attention), NUMBERS_RECIPE["max_steps"])}
        return get_config(
            task="numbers", decoder=decoder, attention=attention, seed=seed, **{**NUMBERS_RECIPE, **steps}
        )
    raise ValueError(f"notebook 13 trains models on 'dates' and 'numbers', got task {task!r}")


def alignment_configs() -> list:
    """The configs of notebook 13's own reference models (not those it reuses from notebooks 06, 08 and 09)."""
    return [
        alignment_config(task, decoder, attention, seed)
        for task, decoder, attention, seeds in ALIGNMENT_MODELS
        for seed in seeds
    ]


def _alignment_jobs():
    return [(cfg, None) for cfg in alignment_configs()]


def _length_jobs():
    from .experiments.length import experiment_configs

    return [(cfg, None) for cfgs in experiment_configs().values() for cfg in cfgs]


def _extrapolation_jobs():
    from .experiments.extrapolation import training_jobs

    return training_jobs()


def _copy_length_jobs():
    from .experiments.copy_length import eos_dates_jobs, training_jobs

    return training_jobs() + eos_dates_jobs()["-EOS"]


# notebook -> the (config, splits or None) of every model it shows (07 shows 06's model).
NOTEBOOK_JOBS = {
    "06": _dates_jobs,
    "07": _dates_jobs,
    "08": _length_jobs,
    "09": _score_jobs,
    "10": _extrapolation_jobs,
    "11": _copy_length_jobs,
    "12": _under_trained_jobs,  # and 06's model, loaded as 06 loads it
    "13": _alignment_jobs,  # and the models of 06, 08 and 09, loaded as those notebooks load them
}


def notebook_jobs(notebooks=None) -> list[dict]:
    """One job per distinct model: {"cfg" (resolved), "splits", "key", "notebooks"} for the notebooks named."""
    jobs: dict[str, dict] = {}
    for notebook in notebooks or NOTEBOOK_JOBS:
        if notebook not in NOTEBOOK_JOBS:
            raise ValueError(f"no reference models for notebook {notebook!r}: expected one of {sorted(NOTEBOOK_JOBS)}")
        for cfg, splits in NOTEBOOK_JOBS[notebook]():
            train_pairs = splits["train"] if splits is not None else prepare_data(cfg)[0]["train"]
            resolved = resolve_config(cfg, train_pairs)
            key = config_hash(resolved, train_pairs)
            job = jobs.setdefault(key, {"cfg": cfg, "splits": splits, "key": key, "notebooks": []})
            job["notebooks"].append(notebook)
    return list(jobs.values())


def all_jobs() -> list[dict]:
    """Every reference model of every notebook."""
    return notebook_jobs()


@contextlib.contextmanager
def _training_everything():
    """COURSE_TRAIN=1 while the block runs (and in the worker processes it starts): never load a reference."""
    old = os.environ.get(TRAIN_ENV)
    os.environ[TRAIN_ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(TRAIN_ENV, None)
        else:
            os.environ[TRAIN_ENV] = old


def train_jobs(jobs, out_dir: Path, workers: int = 2, verbose: bool = True) -> dict:
    """Train every job from scratch into out_dir (`workers` at a time); {key: TrainedRun}."""
    from .experiments.parallel import train_missing

    runs = {}
    with _training_everything():
        prepared = [(job["cfg"].replace(valid_every=CURVE_EVERY, progress=False), job["splits"]) for job in jobs]
        train_missing(prepared, out_dir, workers, verbose)
        for job, (cfg, splits) in zip(jobs, prepared):
            runs[job["key"]] = load_or_train(cfg, out_dir, verbose=False, splits=splits, train=True)
    return runs


def _entry(job: dict, run, path: Path) -> dict:
    """The manifest's record of one reference model."""
    info, history = run.info, run.history
    run_only = set(run_only_fields())
    learned = {k: v for k, v in json.loads(json.dumps(vars(run.cfg))).items() if k not in run_only}
    return {
        "file": path.name,
        "sha256": file_sha256(path),
        "bytes": path.stat().st_size,
        "notebooks": job["notebooks"],
        "task": run.cfg.task,
        "attention": run.cfg.attention,
        "decoder": run.cfg.decoder,
        "seed": run.cfg.seed,
        "config": learned,
        "config_hash": job["key"],
        "steps": info["steps"],
        "seconds": round(info["seconds"], 1),
        "machine": describe_machine(info["device"], run.cfg.num_threads),
        "torch": info["torch"],
        "metrics": {"exact_match": info["exact_match"], "token_accuracy": info["token_accuracy"]},
        "curve": history.get("valid_curve", []),
    }


def _write_json_atomically(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def build(
    notebooks=None, folder: Path | None = None, workers: int = 2, verbose: bool = True, missing: bool = False
) -> dict:
    """Train the reference models of `notebooks` (default: all) from scratch and write them with the manifest.

    missing=True trains only the models the manifest does not list yet (a notebook that added a model).
    """
    folder = Path(folder or REFERENCE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = notebook_jobs(notebooks)
    manifest = read_manifest(folder)
    if missing:
        jobs = [job for job in jobs if job["key"] not in manifest["models"]]
    with tempfile.TemporaryDirectory(prefix="reference-") as tmp:
        runs = train_jobs(jobs, Path(tmp), workers, verbose)
        for job in jobs:
            run = runs[job["key"]]
            if not any(nb in KEEP_SNAPSHOTS for nb in job["notebooks"]):
                run.history.pop("alignments", None)
                run.history.pop("probe", None)
            architecture = "" if run.cfg.decoder == "bahdanau" else f"{run.cfg.decoder}-"
            path = folder / f"{run.cfg.task}-{architecture}{run.cfg.attention}-{job['key']}.pt"
            save_checkpoint(path, run)
            manifest["models"][job["key"]] = _entry(job, run, path)
            if verbose:
                print(f"wrote {path.name}: exact match {run.info['exact_match']:.4f} in {run.info['seconds']:.0f} s")
    manifest["format"] = MANIFEST_FORMAT
    _write_json_atomically(folder / MANIFEST_NAME, manifest)
    return manifest


def tolerances(manifest: dict) -> dict:
    """{key: (exact match tolerance, token accuracy tolerance)}: the seed spread of the model's group."""
    groups = defaultdict(list)
    for key, entry in manifest["models"].items():
        config = {k: v for k, v in entry["config"].items() if k != "seed"}
        groups[json.dumps(config, sort_keys=True)].append(key)
    result = {}
    for keys in groups.values():
        spread = {}
        for metric in ("exact_match", "token_accuracy"):
            values = [manifest["models"][k]["metrics"][metric] for k in keys]
            spread[metric] = max(MIN_TOLERANCE, max(values) - min(values))
        for key in keys:
            result[key] = (spread["exact_match"], spread["token_accuracy"])
    return result


def compare(manifest: dict, key: str, run) -> list[str]:
    """What is out of tolerance between a retrained run and its manifest entry (empty when all is within)."""
    entry = manifest["models"][key]
    allowed = dict(zip(("exact_match", "token_accuracy"), tolerances(manifest)[key]))
    problems = []
    for metric, tolerance in allowed.items():
        got, want = run.info[metric], entry["metrics"][metric]
        if abs(got - want) > tolerance + 1e-12:
            problems.append(
                f"{entry['file']}: {metric} {got:.4f}, the manifest says {want:.4f} "
                f"(allowed difference {tolerance:.4f}, the seeds' spread)"
            )
    return problems


def check(notebooks=None, folder: Path | None = None, workers: int = 2, verbose: bool = True) -> list[str]:
    """Train the reference models again from scratch and compare with the manifest; the problems found."""
    manifest = read_manifest(folder)
    jobs = notebook_jobs(notebooks)
    problems = [
        f"no reference model for {job['cfg'].task}/{job['cfg'].attention} (key {job['key']})"
        for job in jobs
        if job["key"] not in manifest["models"]
    ]
    jobs = [job for job in jobs if job["key"] in manifest["models"]]
    with tempfile.TemporaryDirectory(prefix="reference-check-") as tmp:
        runs = train_jobs(jobs, Path(tmp), workers, verbose)
    for job in jobs:
        run, entry = runs[job["key"]], manifest["models"][job["key"]]
        found = compare(manifest, job["key"], run)
        problems += found
        if verbose:
            print(
                f"{'FAIL' if found else 'ok  '} {entry['file']}: exact match {run.info['exact_match']:.4f} "
                f"(manifest {entry['metrics']['exact_match']:.4f}), {run.info['seconds']:.0f} s "
                f"(manifest {entry['seconds']:.0f} s)"
            )
    return problems


def verify(folder: Path | None = None, jobs=None) -> list[str]:
    """Every file against the manifest (sha256, stored config and key), and a reference for every job."""
    folder = Path(folder or REFERENCE_DIR)
    manifest = read_manifest(folder)
    problems = []
    listed = {entry["file"] for entry in manifest["models"].values()}
    for path in sorted(folder.glob("*.pt")):
        if path.name not in listed:
            problems.append(f"{path.name} is in {folder} but not in its manifest")
    for key, entry in manifest["models"].items():
        path = folder / entry["file"]
        if not path.is_file():
            problems.append(f"{entry['file']} is in the manifest but missing")
            continue
        if file_sha256(path) != entry["sha256"]:
            problems.append(f"{entry['file']}: sha256 differs from the manifest's")
            continue
        run = load_checkpoint(path)
        if run.info.get("config_hash") != key or entry["config_hash"] != key:
            problems.append(f"{entry['file']}: stored key {run.info.get('config_hash')!r}, manifest key {key!r}")
    for job in jobs if jobs is not None else all_jobs():
        if job["key"] not in manifest["models"]:
            problems.append(
                f"notebook {'/'.join(job['notebooks'])} needs {job['cfg'].task}/{job['cfg'].attention} "
                f"seed {job['cfg'].seed} (key {job['key']}), which has no reference model"
            )
    return problems


def main(argv=None) -> int:
    """Command line: verify, build or check; exit status 1 when a problem was found."""
    parser = argparse.ArgumentParser(prog="python -m rnn_attention.reference", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("verify", "build", "check"))
    parser.add_argument("notebooks", nargs="*", help=f"notebooks (default: all of {sorted(NOTEBOOK_JOBS)})")
    parser.add_argument("--workers", type=int, default=2, help="models trained at once (one process each)")
    parser.add_argument("--missing", action="store_true", help="build: only the models the manifest lacks")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.command == "build":
        build(args.notebooks or None, workers=args.workers, missing=args.missing)
        problems = verify()
    elif args.command == "check":
        problems = check(args.notebooks or None, workers=args.workers)
    else:
        problems = verify()
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    print(f"reference {args.command}: {len(problems)} problem(s) in {time.perf_counter() - start:.0f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
