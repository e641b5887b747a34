"""Training: one config dataclass, named profiles, device choice, `fit`, and checkpoints.

    cfg = get_config("ci", task="dates")             # a profile, then any overrides
    model, vocabs, history, info = load_or_train(cfg)  # load runs/<...>.pt if present, else train it

`load_or_train` keys each checkpoint on a hash of the config and of the training
data, so a changed config trains a new model; a corrupted file gets a warning and
a retrain; a file lock makes two processes that ask for the same model at once
(nbval runs notebooks in parallel) train it once: the second waits, then loads.

The command line does the same and prints a JSON summary as its last line:

    python -m rnn_attention.train --task dates --profile ci --data data --out runs/dates --json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import random
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from .models import Seq2Seq, attention_kinds, build_model, count_parameters

__all__ = [
    "TrainConfig",
    "PROFILES",
    "default_profile",
    "get_config",
    "choose_device",
    "seed_everything",
    "autocast_context",
    "compute_loss",
    "fit",
    "prepare_data",
    "config_hash",
    "checkpoint_path",
    "save_checkpoint",
    "load_checkpoint",
    "load_or_train",
    "train_and_evaluate",
    "main",
    "DEFAULT_RUNS_DIR",
]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUNS_DIR = ROOT / "runs"
CHECKPOINT_FORMAT = 1


@dataclass
class TrainConfig:
    """Everything that decides a training run; a changed field means a new checkpoint."""

    task: str = "dates"  # copy, reverse, dates, numbers (see rnn_attention.data)
    attention: str = "additive"  # additive, concat, dot, general, none, location
    emb_size: int = 32  # E
    hidden_size: int = 64  # H, of the decoder and of each encoder direction
    attn_size: int = 64  # A
    dropout: float = 0.0
    location_max_len: int | None = None  # positions of LocationDecoder; None = longest training source
    batch_size: int = 64
    lr: float = 3e-3  # Adam's peak learning rate
    warmup_steps: int = 30  # linear warm-up, then cosine decay to lr * final_lr_ratio
    final_lr_ratio: float = 0.05
    epochs: int = 10  # the run stops at whichever of epochs, max_steps, max_seconds comes first
    max_steps: int | None = None
    max_seconds: float | None = None
    clip: float = 1.0  # gradient norm clipping
    seed: int = 0
    amp: bool = True  # mixed precision on CUDA (bfloat16 if supported, else float16 + GradScaler)
    max_train_pairs: int | None = None  # None = the whole training split
    bucket: bool = True  # batches of similar source lengths: less padding, faster steps
    valid_pairs: int = 500  # validation exact match on this many pairs after every epoch
    snapshot_every: int = 50  # record the probe sentences' alignments every this many steps
    probe_size: int = 4
    log_every: int = 10  # steps between entries of the loss history
    # How the run is executed, not what it learns: left out of the checkpoint key.
    profile: str = "custom"
    device: str = "auto"  # auto = CUDA, then MPS, then CPU
    num_threads: int | None = None  # torch.set_num_threads on CPU; None leaves torch's default
    data_dir: str | None = None  # None = the repository's data/ folder
    progress: bool = True  # tqdm progress bars

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


# Fields that do not change what is learned: not part of the checkpoint key.
_RUN_ONLY_FIELDS = ("profile", "device", "num_threads", "data_dir", "progress")

PROFILES: dict[str, dict] = {
    # CI and 2-core laptops: about a minute per model on CPU. The step count must bind:
    # the learning-rate schedule follows whichever budget runs out first, so a
    # time-driven run would differ from machine to machine, and nbval compares
    # what the notebooks print. max_seconds is only a safety net, ~5x the usual time.
    "ci": dict(
        emb_size=32, hidden_size=64, attn_size=64, batch_size=64, lr=4e-3, epochs=3,
        max_steps=600, max_seconds=300.0, warmup_steps=30, valid_pairs=300, device="cpu", num_threads=1,
    ),
    # A laptop CPU: a few minutes, higher accuracy.
    "cpu": dict(
        emb_size=48, hidden_size=128, attn_size=96, batch_size=64, lr=3e-3, epochs=6,
        max_steps=4000, max_seconds=420.0, warmup_steps=50, valid_pairs=500,
    ),
    # CUDA: larger model and batches, mixed precision.
    "gpu": dict(
        emb_size=64, hidden_size=256, attn_size=128, batch_size=256, lr=3e-3, epochs=20,
        max_steps=6000, max_seconds=600.0, warmup_steps=100, valid_pairs=1000, amp=True,
    ),
}


def default_profile() -> str:
    """$COURSE_PROFILE if set, else "gpu" when CUDA is available, else "cpu"."""
    from .environment import course_profile  # one rule, shared with the notebooks' set-up cell

    return course_profile()


def get_config(profile: str | None = None, **overrides) -> TrainConfig:
    """The named profile's TrainConfig (default: `default_profile()`), with overrides applied."""
    profile = profile or default_profile()
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: expected one of {sorted(PROFILES)}")
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValueError(f"unknown TrainConfig field(s) {unknown}; fields are {sorted(names)}")
    return TrainConfig(**{**PROFILES[profile], "profile": profile, **overrides})


def choose_device(preference: str = "auto", verbose: bool = True) -> torch.device:
    """CUDA if present, then Apple MPS, then CPU (or the device named), and say which."""
    if preference and preference != "auto":
        device, why = torch.device(preference), "as configured"
    else:
        from .environment import describe_device  # the one CUDA -> MPS -> CPU rule of the course

        device, why = describe_device()
    if verbose:
        print(f"Training on {device.type} ({why})")
    return device


def seed_everything(seed: int) -> None:
    """Seed Python and torch (CPU and every GPU) so a run can be repeated."""
    random.seed(seed)
    torch.manual_seed(seed)


def autocast_context(device: torch.device, enabled: bool = True):
    """(context manager, GradScaler or None) for mixed precision: bf16 if supported, else fp16 + scaler.

    Only on CUDA: on CPU and MPS training runs in float32 (a nullcontext).
    """
    if not enabled or device.type != "cuda":
        return contextlib.nullcontext(), None
    if torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16), None
    return torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda")


# ----------------------------------------------------------------------------- data


def prepare_data(cfg: TrainConfig):
    """Load the task's splits and build the vocabularies from the training split.

    Returns (splits, (src_vocab, tgt_vocab)) with splits = {"train", "valid", "test"} -> pairs.
    """
    from .data import load_split
    from .data.vocab import build_vocabs

    splits = {s: load_split(cfg.task, s, data_dir=cfg.data_dir) for s in ("train", "valid", "test")}
    if cfg.max_train_pairs:
        splits["train"] = splits["train"][: cfg.max_train_pairs]
    return splits, build_vocabs(splits["train"])


def _data_fingerprint(pairs) -> str:
    """A short hash of the training pairs: new data means a new checkpoint."""
    digest = hashlib.sha256()
    for src, tgt in pairs:
        digest.update(src.encode("utf-8") + b"\t" + tgt.encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


def _resolved(cfg: TrainConfig, train_pairs) -> TrainConfig:
    """Fill in what depends on the data (LocationDecoder's max_len)."""
    if cfg.attention == "location" and not cfg.location_max_len:
        cfg = cfg.replace(location_max_len=max(len(s) for s, _ in train_pairs))
    return cfg


def config_hash(cfg: TrainConfig, train_pairs=None) -> str:
    """Hash of the fields that decide what is learned (and of the training data, if given)."""
    key = {k: v for k, v in asdict(cfg).items() if k not in _RUN_ONLY_FIELDS}
    if train_pairs is not None:
        key["data"] = _data_fingerprint(train_pairs)
    key["format"] = CHECKPOINT_FORMAT
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


# ------------------------------------------------------------------------- training


def compute_loss(model: Seq2Seq, batch, pad_idx: int = 0):
    """Teacher-forced cross-entropy over the real target tokens; returns (loss, n_correct, n_tokens)."""
    logits = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    target = batch.tgt_out  # (B, T)
    loss = nn.functional.cross_entropy(logits.float().flatten(0, 1), target.flatten(), ignore_index=pad_idx)
    real = target != pad_idx  # (B, T)
    correct = ((logits.argmax(-1) == target) & real).sum()
    return loss, int(correct), int(real.sum())


def _lr_factor(step: int, progress: float, cfg: TrainConfig) -> float:
    """Linear warm-up over warmup_steps, then cosine decay to final_lr_ratio as progress goes 0 -> 1."""
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    progress = min(max(progress, 0.0), 1.0)
    return cfg.final_lr_ratio + (1 - cfg.final_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def _probe_alignments(model, probe_batch, probe_pairs, vocabs, max_len):
    """Teacher-forced alignments (T_k, S_k) of each probe pair, and the model's greedy outputs."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        _, attn = model(probe_batch.src, probe_batch.src_lengths, probe_batch.tgt_in, return_attention=True)
        tokens, _ = model.greedy_decode(probe_batch.src, probe_batch.src_lengths, max_len)
    model.train(was_training)
    outputs = [vocabs[1].decode(row) for row in tokens.cpu()]
    if attn is None:
        return None, outputs
    matrices = []
    for k, (src, tgt) in enumerate(probe_pairs):
        S, T = int(probe_batch.src_lengths[k]), len(vocabs[1].tokens(tgt)) + 1  # + EOS
        matrices.append(attn[k, :T, :S].float().cpu().clone())  # (T, S)
    return matrices, outputs


def fit(model: Seq2Seq, train_loader, cfg: TrainConfig, device: torch.device, vocabs=None,
        valid_pairs=None, probe_pairs=None) -> dict:
    """Train with Adam, warm-up + cosine decay, clipping and (on CUDA) mixed precision.

    Stops at cfg.epochs, cfg.max_steps or cfg.max_seconds, whichever comes first;
    the learning-rate schedule follows whichever budget is running out fastest, so
    a slow machine still ends its run at a low learning rate.

    Returns the history: lists `step`, `loss`, `token_accuracy`, `seconds` (every
    cfg.log_every steps); `epoch_end` steps and `valid_exact_match` per epoch
    (when valid_pairs are given); `alignments`, a list of {"step", "attn": [(T_k, S_k)
    tensors], "outputs": [str]} every cfg.snapshot_every steps for `probe` =
    {"src": [...], "tgt": [...]}; and `steps`, `epochs`, `seconds` at the end.
    """
    from tqdm.auto import tqdm

    from . import evaluate

    if cfg.num_threads and device.type == "cpu":
        # Small recurrent steps gain little from threads, and lose a lot when
        # notebooks run in parallel on few cores (threads then fight for them).
        torch.set_num_threads(cfg.num_threads)
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    amp_ctx, scaler = autocast_context(device, cfg.amp)
    steps_per_epoch = len(train_loader)
    total_steps = cfg.epochs * steps_per_epoch
    if cfg.max_steps:
        total_steps = min(total_steps, cfg.max_steps)
    max_decode = None
    history: dict = {
        "step": [], "loss": [], "token_accuracy": [], "seconds": [],
        "epoch_end": [], "valid_exact_match": [], "alignments": [],
        "probe": {"src": [s for s, _ in probe_pairs or []], "tgt": [t for _, t in probe_pairs or []]},
    }
    probe_batch = None
    if probe_pairs and vocabs is not None:
        probe_batch = evaluate.make_batch(probe_pairs, vocabs).to(device)
        max_decode = max(len(t) for _, t in probe_pairs) + 2

    def snapshot(step):
        if probe_batch is None:
            return
        matrices, outputs = _probe_alignments(model, probe_batch, probe_pairs, vocabs, max_decode)
        history["alignments"].append({"step": step, "attn": matrices, "outputs": outputs})

    start = time.perf_counter()
    step, loss_sum, correct, tokens, done = 0, 0.0, 0, 0, False
    snapshot(0)
    bar = tqdm(total=total_steps, desc=f"{cfg.task}/{cfg.attention}", disable=not cfg.progress, leave=False)
    epoch = 0
    while not done and epoch < cfg.epochs:
        for batch in train_loader:
            elapsed = time.perf_counter() - start
            if step >= total_steps or (cfg.max_seconds and elapsed >= cfg.max_seconds):
                done = True
                break
            progress = step / max(total_steps, 1)
            if cfg.max_seconds:
                progress = max(progress, elapsed / cfg.max_seconds)
            for group in optimizer.param_groups:
                group["lr"] = cfg.lr * _lr_factor(step, progress, cfg)
            batch = batch.to(device)
            with amp_ctx:
                loss, n_correct, n_tokens = compute_loss(model, batch)
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
                optimizer.step()
            step += 1
            loss_sum += loss.item() * n_tokens
            correct, tokens = correct + n_correct, tokens + n_tokens
            if step % cfg.log_every == 0:
                history["step"].append(step)
                history["loss"].append(loss_sum / max(tokens, 1))
                history["token_accuracy"].append(correct / max(tokens, 1))
                history["seconds"].append(time.perf_counter() - start)
                bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", acc=f"{history['token_accuracy'][-1]:.3f}")
                loss_sum, correct, tokens = 0.0, 0, 0
            if cfg.snapshot_every and step % cfg.snapshot_every == 0:
                snapshot(step)
            bar.update(1)
        else:
            epoch += 1
            if valid_pairs and vocabs is not None:
                em = evaluate.exact_match(model, valid_pairs, vocabs)
                model.train()
                history["epoch_end"].append(step)
                history["valid_exact_match"].append(em)
                bar.set_postfix(valid_exact=f"{em:.3f}")
    bar.close()
    if not history["alignments"] or history["alignments"][-1]["step"] != step:
        snapshot(step)
    history["steps"] = step
    history["epochs"] = step / max(steps_per_epoch, 1)
    history["seconds_total"] = time.perf_counter() - start
    model.eval()
    return history


# ---------------------------------------------------------------------- checkpoints


def checkpoint_path(cfg: TrainConfig, out_dir=None, key: str | None = None) -> Path:
    """runs/<task>-<attention>-<hash>.pt (the hash of the config and data)."""
    out_dir = Path(out_dir) if out_dir is not None else DEFAULT_RUNS_DIR
    key = key or config_hash(cfg)
    return out_dir / f"{cfg.task}-{cfg.attention}-{key}.pt"


def save_checkpoint(path, model: Seq2Seq, cfg: TrainConfig, vocabs, history: dict, info: dict) -> Path:
    """Write atomically: a temporary file in the same folder, then os.replace over the target.

    Only tensors, str, int, float, lists and dicts are stored, so that
    `torch.load(path, weights_only=True)` can read it back safely.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "config": asdict(cfg),
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "src_vocab": vocabs[0].to_dict(),
        "tgt_vocab": vocabs[1].to_dict(),
        "history": history,
        "info": info,
    }
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(path, device: torch.device | str = "cpu"):
    """Read a checkpoint written by save_checkpoint: (model, (src_vocab, tgt_vocab), history, info, cfg).

    Raises RuntimeError (or ValueError) if the file is not a readable checkpoint.
    """
    from .data.vocab import Vocab

    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a checkpoint of format {CHECKPOINT_FORMAT}")
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in payload["config"].items() if k in names})
    vocabs = (Vocab.from_dict(payload["src_vocab"]), Vocab.from_dict(payload["tgt_vocab"]))
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    model.load_state_dict(payload["model"])
    model.to(device).eval()
    return model, vocabs, payload["history"], payload["info"], cfg


@contextlib.contextmanager
def _file_lock(path: Path):
    """Hold an exclusive lock on <path>.lock while the block runs (no-op without fcntl)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; parallel runs may then train twice
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(path) + ".lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # waits while another process trains
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _pick_probe(pairs, n: int, seed: int):
    """A fixed handful of test pairs spread over the length range, for the alignment snapshots."""
    if n <= 0 or not pairs:
        return []
    ordered = sorted(pairs, key=lambda p: (len(p[0]), p))
    picks = [ordered[round(i * (len(ordered) - 1) / max(n - 1, 1))] for i in range(n)]
    return picks


def train_model(cfg: TrainConfig, splits=None, vocabs=None, device=None):
    """Train cfg's model from scratch: (model, vocabs, history, info)."""
    from . import evaluate
    from .data import PairDataset, make_loader

    if splits is None or vocabs is None:
        splits, vocabs = prepare_data(cfg)
    cfg = _resolved(cfg, splits["train"])
    device = device or choose_device(cfg.device)
    seed_everything(cfg.seed)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg).to(device)
    loader = make_loader(PairDataset(splits["train"], *vocabs), cfg.batch_size, shuffle=True,
                         bucket=cfg.bucket, seed=cfg.seed)
    valid = splits["valid"][: cfg.valid_pairs] if cfg.valid_pairs else None
    probe = _pick_probe(splits["test"], cfg.probe_size, cfg.seed)
    history = fit(model, loader, cfg, device, vocabs=vocabs, valid_pairs=valid, probe_pairs=probe)
    test_em = evaluate.exact_match(model, splits["test"], vocabs)
    test_tok = evaluate.token_accuracy(model, splits["test"], vocabs)
    info = {
        "task": cfg.task, "attention": cfg.attention, "profile": cfg.profile,
        "exact_match": test_em, "token_accuracy": test_tok,
        "seconds": history["seconds_total"], "device": device.type, "params": count_parameters(model),
        "epochs": history["epochs"], "steps": history["steps"], "torch": str(torch.__version__),
    }
    return model, vocabs, history, info


def load_or_train(cfg: TrainConfig | None = None, out_dir=None, device=None, verbose: bool = True):
    """Load the checkpoint that matches cfg if there is one, else train it and save it.

    Returns (model, (src_vocab, tgt_vocab), history, info); info["loaded"] says which
    happened and info["path"] where the checkpoint is.
    """
    cfg = cfg or get_config()
    splits, vocabs = prepare_data(cfg)
    cfg = _resolved(cfg, splits["train"])
    device = device or choose_device(cfg.device, verbose=verbose)
    key = config_hash(cfg, splits["train"])
    path = checkpoint_path(cfg, out_dir, key)
    with _file_lock(path):
        if path.exists():
            try:
                model, ck_vocabs, history, info, _ = load_checkpoint(path, device)
                if verbose:
                    print(f"Loaded {path.name}: test exact match {info['exact_match']:.4f} "
                          f"(trained in {info['seconds']:.0f} s on {info['device']})")
                return model, ck_vocabs, history, {**info, "loaded": True, "path": str(path)}
            except Exception as error:  # a truncated or foreign file: say so and train again
                warnings.warn(
                    f"checkpoint {path} could not be loaded ({type(error).__name__}: {error}); "
                    f"training a new model and overwriting it",
                    RuntimeWarning,
                    stacklevel=2,
                )
        model, vocabs, history, info = train_model(cfg, splits, vocabs, device)
        info = {**info, "config_hash": key}
        save_checkpoint(path, model, cfg, vocabs, history, info)
        if verbose:
            print(f"Trained {cfg.task}/{cfg.attention} in {info['seconds']:.0f} s: "
                  f"test exact match {info['exact_match']:.4f}; saved {path}")
    return model, vocabs, history, {**info, "loaded": False, "path": str(path)}


def train_and_evaluate(cfg: TrainConfig, out_dir=None, verbose: bool = True) -> dict:
    """load_or_train, then the summary the CLI prints."""
    model, vocabs, history, info = load_or_train(cfg, out_dir, verbose=verbose)
    return {k: info[k] for k in ("task", "attention", "profile", "exact_match", "token_accuracy", "seconds",
                                 "device", "params", "epochs", "steps", "loaded", "path")}


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m rnn_attention.train`."""
    parser = argparse.ArgumentParser(prog="python -m rnn_attention.train", description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="dates", choices=("copy", "reverse", "dates", "numbers"))
    parser.add_argument("--profile", default=None, help=f"one of {sorted(PROFILES)} (default: $COURSE_PROFILE or by device)")
    parser.add_argument("--attention", default=None, choices=attention_kinds())
    parser.add_argument("--data", default=None, help="folder with <task>/{train,valid,test}.tsv (default: the repo's data/)")
    parser.add_argument("--out", default=None, help=f"checkpoint folder (default: {DEFAULT_RUNS_DIR})")
    parser.add_argument("--device", default=None, help="auto, cpu, cuda, mps")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=None)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override any TrainConfig field, e.g. --set hidden_size=32 (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line, last")
    return parser


def _parse_set(items) -> dict:
    """--set FIELD=VALUE pairs, values converted to the field's type."""
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    out = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or name not in fields:
            raise SystemExit(f"--set expects FIELD=VALUE with FIELD one of {sorted(fields)}, got {item!r}")
        default = getattr(TrainConfig(), name)
        if raw.lower() in ("none", "null"):
            out[name] = None
        elif isinstance(default, bool):
            out[name] = raw.lower() in ("1", "true", "yes")
        elif isinstance(default, int) or name in ("max_steps", "location_max_len", "num_threads", "max_train_pairs"):
            out[name] = int(raw)
        elif isinstance(default, float) or name == "max_seconds":
            out[name] = float(raw)
        else:
            out[name] = raw
    return out


def config_from_args(args) -> TrainConfig:
    """The TrainConfig the parsed command line asks for."""
    overrides = {"task": args.task, **_parse_set(args.set)}
    for name, value in (("attention", args.attention), ("data_dir", args.data), ("device", args.device),
                        ("seed", args.seed), ("max_seconds", args.max_seconds), ("max_steps", args.max_steps)):
        if value is not None:
            overrides[name] = value
    if args.no_progress or args.json:
        overrides["progress"] = False
    return get_config(args.profile, **overrides)


def main(argv=None) -> dict:
    """Train (or load) one model and report its test accuracy; with --json the last line is JSON."""
    args = build_parser().parse_args(argv)
    cfg = config_from_args(args)
    summary = train_and_evaluate(cfg, args.out, verbose=True)
    if args.json:
        print(json.dumps(summary))
    else:
        for k, v in summary.items():
            print(f"{k:>15}: {v}")
    return summary


if __name__ == "__main__":
    main()
