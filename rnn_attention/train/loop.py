"""The training loop: `fit` with callbacks, the loss, the learning-rate schedule, mixed precision.

Introduced in notebook 06. The device, seed and thread helpers it uses live in
rnn_attention.environment (importable from here and from rnn_attention.train as before).

    history = fit(model, train_loader, cfg, device, callbacks=[AlignmentSnapshots(probe_pairs, vocabs)])

`fit` runs the optimisation and nothing else. What is recorded along the way is
done by callbacks, objects with any of these methods, called in list order:

    on_train_start(state)       before the first step; `state` is the FitState (model, cfg, history, ...)
    on_step_end(step, stats)    after each optimiser step; step = steps done so far (1, 2, ...)
    on_epoch_end(epoch, step)   after each full pass over train_loader; epoch = passes done so far
    on_train_end(step)          once, after the last step (history["steps"] etc. are already set)

`fit` always runs `HistoryLogger` first (loss and token accuracy every
cfg.log_every steps, validation exact match per epoch) and `ProgressBar` last;
the callbacks passed in run between them. `AlignmentSnapshots` records how the
alignments of a few probe sentences change over training (notebook 07 reads it).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

import torch
from torch import nn

from ..data.vocab import Vocab
from ..environment import check_device, choose_device, seed_everything, use_configured_threads
from ..evaluate import eval_mode, exact_match, make_batch
from .config import TrainConfig

__all__ = [
    "Callback",
    "FitState",
    "HistoryLogger",
    "ProgressBar",
    "AlignmentSnapshots",
    "pick_probe_pairs",
    "fit",
    "compute_loss",
    "lr_factor",
    "seed_everything",
    "autocast_context",
    "choose_device",
    "check_device",
    "use_configured_threads",
]

# ------------------------------------------------------------------------------- precision


def autocast_context(device: torch.device, enabled: bool = True):
    """(context manager, GradScaler or None) for mixed precision: bf16 if supported, else fp16 + scaler.

    Only on CUDA: on CPU and MPS training runs in float32 (a nullcontext).
    """
    if not enabled or device.type != "cuda":
        return contextlib.nullcontext(), None
    if torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16), None
    return torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda")


# ---------------------------------------------------------------------- loss and schedule


def compute_loss(model, batch, pad_idx: int = Vocab.PAD, train_eos: bool = True):
    """Teacher-forced cross-entropy over the real target tokens; returns (loss, n_correct, n_tokens).

    train_eos=False leaves the EOS target out of the loss (and of the counts), as padding:
    the model is never taught when to stop (Newman et al. 2020's -EOS training).
    """
    logits = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    target = batch.tgt_out  # (B, T)
    if not train_eos:
        target = target.masked_fill(target == Vocab.EOS, pad_idx)  # (B, T): EOS is not a target any more
    loss = nn.functional.cross_entropy(logits.float().flatten(0, 1), target.flatten(), ignore_index=pad_idx)
    real = target != pad_idx  # (B, T)
    correct = ((logits.argmax(-1) == target) & real).sum()
    return loss, int(correct), int(real.sum())


def lr_factor(step: int, progress: float, cfg: TrainConfig) -> float:
    """Linear warm-up over warmup_steps, then cosine decay to final_lr_ratio as progress goes 0 -> 1."""
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    progress = min(max(progress, 0.0), 1.0)
    cosine = 0.5 * (1 + math.cos(math.pi * progress))  # 1 -> 0
    return cfg.final_lr_ratio + (1 - cfg.final_lr_ratio) * cosine


# ------------------------------------------------------------------------------ callbacks


@dataclass
class FitState:
    """What `fit` shares with its callbacks (read it; `history` is theirs to fill)."""

    model: nn.Module
    cfg: TrainConfig
    device: torch.device
    history: dict
    steps_planned: int  # min(epochs * len(train_loader), max_steps): the time cap may stop it sooner
    steps_per_epoch: int
    start: float  # time.perf_counter() when training started


class Callback:
    """A callback that does nothing: subclass it and override the hooks you need."""

    def on_train_start(self, state: FitState) -> None:
        """Before the first step."""

    def on_step_end(self, step: int, stats: dict) -> None:
        """After optimiser step number `step` (1-based); stats: loss, n_correct, n_tokens, lr, seconds."""

    def on_epoch_end(self, epoch: int, step: int) -> None:
        """After `epoch` full passes over the training data, `step` steps in all."""

    def on_train_end(self, step: int) -> None:
        """Once, after the last of `step` steps."""


class HistoryLogger(Callback):
    """Fills the history: loss and token accuracy every cfg.log_every steps, validation exact match per epoch.

    Lists `step`, `loss`, `token_accuracy`, `seconds` (means over the last log_every
    steps), and `epoch_end`, `valid_exact_match` (when valid_pairs and vocabs are given).
    """

    def __init__(self, valid_pairs=None, vocabs=None):
        """Validate on valid_pairs with vocabs after each epoch, if both are given."""
        self.valid_pairs, self.vocabs = valid_pairs, vocabs

    def on_train_start(self, state):
        """Start the lists and the running sums."""
        self.state = state
        for name in ("step", "loss", "token_accuracy", "seconds", "epoch_end", "valid_exact_match"):
            state.history[name] = []
        if state.cfg.valid_every and self.valid_pairs and self.vocabs is not None:
            state.history["valid_curve"] = []  # [step, seconds, validation exact match] every valid_every steps
        self.curve_seconds = 0.0
        self.loss_sum, self.correct, self.tokens = 0.0, 0, 0

    def on_step_end(self, step, stats):
        """Add the step to the running sums; every log_every steps, write their means."""
        self.loss_sum += stats["loss"] * stats["n_tokens"]
        self.correct += stats["n_correct"]
        self.tokens += stats["n_tokens"]
        if step % self.state.cfg.log_every == 0:
            history = self.state.history
            history["step"].append(step)
            history["loss"].append(self.loss_sum / max(self.tokens, 1))
            history["token_accuracy"].append(self.correct / max(self.tokens, 1))
            history["seconds"].append(stats["seconds"])
            self.loss_sum, self.correct, self.tokens = 0.0, 0, 0
        if "valid_curve" in self.state.history and step % self.state.cfg.valid_every == 0:
            started = time.perf_counter()
            # puts the model back in train mode; a model trained without EOS is decoded to the target's length
            exact = exact_match(self.state.model, self.valid_pairs, self.vocabs, oracle=not self.state.cfg.train_eos)
            # seconds of training so far, without the time these measurements took
            self.state.history["valid_curve"].append([step, round(stats["seconds"] - self.curve_seconds, 2), exact])
            self.curve_seconds += time.perf_counter() - started

    def on_epoch_end(self, epoch, step):
        """Exact match of greedy decoding on the validation pairs."""
        if not self.valid_pairs or self.vocabs is None:
            return
        exact = exact_match(self.state.model, self.valid_pairs, self.vocabs, oracle=not self.state.cfg.train_eos)
        self.state.history["epoch_end"].append(step)
        self.state.history["valid_exact_match"].append(exact)


class ProgressBar(Callback):
    """A tqdm bar over the planned steps, showing the latest loss, token accuracy and validation exact match."""

    def on_train_start(self, state):
        """Open the bar (hidden when cfg.progress is False)."""
        from tqdm.auto import tqdm

        self.history = state.history
        self.bar = tqdm(
            total=state.steps_planned,
            desc=f"{state.cfg.task}/{state.cfg.attention}",
            disable=not state.cfg.progress,
            leave=False,
        )

    def on_step_end(self, step, stats):
        """Advance; show the means that HistoryLogger wrote at this step, if it did."""
        if self.history.get("step") and self.history["step"][-1] == step:
            self.bar.set_postfix(
                loss=f"{self.history['loss'][-1]:.3f}", acc=f"{self.history['token_accuracy'][-1]:.3f}"
            )
        self.bar.update(1)

    def on_epoch_end(self, epoch, step):
        """Show the validation exact match that HistoryLogger measured at this step, if it did."""
        if self.history.get("epoch_end") and self.history["epoch_end"][-1] == step:
            self.bar.set_postfix(valid_exact=f"{self.history['valid_exact_match'][-1]:.3f}")

    def on_train_end(self, step):
        """Close the bar."""
        self.bar.close()


def pick_probe_pairs(pairs, n: int) -> list:
    """A fixed handful of pairs spread over the length range, shortest to longest, for the snapshots."""
    if n <= 0 or not pairs:
        return []
    ordered = sorted(pairs, key=lambda p: (len(p[0]), p))
    return [ordered[round(i * (len(ordered) - 1) / max(n - 1, 1))] for i in range(n)]


class AlignmentSnapshots(Callback):
    """Records the probe pairs' alignments at step 0, every cfg.snapshot_every steps and at the end.

    history["probe"] = {"src": [...], "tgt": [...]}; history["alignments"] = [{"step",
    "attn": [(T_k, S_k) tensors, one per probe pair] or None (no attention), "outputs":
    [greedy output strings]}, ...]: what `widgets.alignment_history_widget` reads.
    """

    def __init__(self, probe_pairs, vocabs):
        """Snapshot these (source, target) pairs, encoded with vocabs = (src_vocab, tgt_vocab)."""
        self.probe_pairs, self.vocabs = list(probe_pairs), vocabs

    def on_train_start(self, state):
        """Encode the probe batch once, and take the snapshot of the untrained model."""
        self.state = state
        state.history["probe"] = {"src": [s for s, _ in self.probe_pairs], "tgt": [t for _, t in self.probe_pairs]}
        state.history["alignments"] = []
        self.batch = make_batch(self.probe_pairs, self.vocabs).to(state.device) if self.probe_pairs else None
        self.max_decode = max((len(t) for _, t in self.probe_pairs), default=0) + 2  # + EOS, + one spare
        self.snapshot(0)

    def on_step_end(self, step, stats):
        """Every snapshot_every steps."""
        every = self.state.cfg.snapshot_every
        if every and step % every == 0:
            self.snapshot(step)

    def on_train_end(self, step):
        """The trained model, unless the last step was just recorded."""
        alignments = self.state.history["alignments"]
        if not alignments or alignments[-1]["step"] != step:
            self.snapshot(step)

    @torch.no_grad()
    def snapshot(self, step: int) -> None:
        """Teacher-forced alignments (T_k, S_k) of each probe pair, and the model's greedy outputs."""
        if self.batch is None:
            return
        model, batch = self.state.model, self.batch
        with eval_mode(model):
            _, attn = model(batch.src, batch.src_lengths, batch.tgt_in, return_attention=True)  # (B, T, S)
            tokens, _ = model.greedy_decode(batch.src, batch.src_lengths, self.max_decode)  # (B, T')
        outputs = [self.vocabs[1].decode(row) for row in tokens.cpu()]
        matrices = None
        if attn is not None:
            matrices = []
            for k, (_, tgt) in enumerate(self.probe_pairs):
                S, T = int(batch.src_lengths[k]), len(self.vocabs[1].tokens(tgt)) + 1  # + EOS
                matrices.append(attn[k, :T, :S].float().cpu().clone())  # (T, S)
        self.state.history["alignments"].append({"step": step, "attn": matrices, "outputs": outputs})


# ----------------------------------------------------------------------------- the loop


def _optimizer_step(loss, model, optimizer, scaler, clip: float) -> None:
    """Backward, clip the gradient norm, step (through the GradScaler under float16)."""
    optimizer.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()


def fit(
    model, train_loader, cfg: TrainConfig, device: torch.device, callbacks=(), valid_pairs=None, vocabs=None
) -> dict:
    """Train with Adam, warm-up + cosine decay, clipping and (on CUDA) mixed precision; return the history.

    Stops after cfg.epochs or cfg.max_steps, whichever comes first; the
    learning-rate schedule follows these steps, so a run is the same on any
    machine. cfg.max_seconds is a safety net: a run it stops is marked
    `stopped_by_time` and says so in words. Besides what the
    callbacks record (see the module docstring), the history holds `steps`,
    `steps_planned`, `stopped_by_time`, `epochs` and `seconds_total`.
    """
    use_configured_threads(cfg, device)
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    amp_ctx, scaler = autocast_context(device, cfg.amp)
    steps_per_epoch = len(train_loader)
    steps_planned = cfg.epochs * steps_per_epoch
    if cfg.max_steps:
        steps_planned = min(steps_planned, cfg.max_steps)
    state = FitState(model, cfg, device, {}, steps_planned, steps_per_epoch, time.perf_counter())
    callbacks = [HistoryLogger(valid_pairs, vocabs), *callbacks, ProgressBar()]
    for callback in callbacks:
        callback.on_train_start(state)

    step, epoch, stopped_by_time, done = 0, 0, False, False
    while not done and epoch < cfg.epochs:
        for batch in train_loader:
            elapsed = time.perf_counter() - state.start
            stopped_by_time = bool(cfg.max_seconds) and elapsed >= cfg.max_seconds and step < steps_planned
            if step >= steps_planned or stopped_by_time:
                done = True
                break
            lr = cfg.lr * lr_factor(step, step / max(steps_planned, 1), cfg)
            for group in optimizer.param_groups:
                group["lr"] = lr
            batch = batch.to(device)
            with amp_ctx:
                loss, n_correct, n_tokens = compute_loss(model, batch, train_eos=cfg.train_eos)
            _optimizer_step(loss, model, optimizer, scaler, cfg.clip)
            step += 1
            stats = {
                "loss": loss.item(),
                "n_correct": n_correct,
                "n_tokens": n_tokens,
                "lr": lr,
                "seconds": time.perf_counter() - state.start,
            }
            for callback in callbacks:
                callback.on_step_end(step, stats)
        else:
            epoch += 1
            for callback in callbacks:
                callback.on_epoch_end(epoch, step)

    history = state.history
    history["steps"], history["steps_planned"], history["stopped_by_time"] = step, steps_planned, stopped_by_time
    history["epochs"] = step / max(steps_per_epoch, 1)
    for callback in callbacks:
        callback.on_train_end(step)
    history["seconds_total"] = time.perf_counter() - state.start
    if stopped_by_time:
        print(time_cap_message(step, steps_planned, cfg.max_seconds))
    model.eval()
    return history


def time_cap_message(steps: int, steps_planned: int, max_seconds: float) -> str:
    """What a student reads when the safety net stopped training early."""
    return (
        f"Training stopped by the time cap (max_seconds={max_seconds:g}) after {steps} of {steps_planned} "
        f"planned steps: this model is not finished, and the results below come from it. "
        f"The machine is busier or slower than the profile expects: close other programs and run the cell "
        f"again (it trains again rather than load this run), or raise max_seconds."
    )
