"""Where a training step's time goes, for the course's two recipes (make bench; python -m rnn_attention.train_bench).

Introduced in notebook 06.

One step of `fit` is: the encoder (a bidirectional GRU over the source), the
decoder's recurrence (one GRU cell and one attention call per output step), the
read-out and the loss (batched over every step at once), the backward pass and
the optimizer's update. This measures each part on real batches of the dates
recipe (notebooks 06, 07, 09) and of the numbers recipe (08, 10), at one CPU
thread, and two things that would change a recipe's speed: the batch size (the
cost per example at 64, 128 and 256 pairs) and a second thread. All figures
are medians over the same batches, and ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from torch import nn

from .data import PairDataset, make_loader
from .data.vocab import Vocab
from .experiments.length import RECIPE as LENGTH_RECIPE
from .masking import lengths_to_mask
from .models import build_model
from .train import get_config, prepare_data

__all__ = ["recipes", "phase_times", "step_ms", "run", "main"]


def recipes() -> dict:
    """{name: TrainConfig} of the two recipes the reference models use."""
    return {
        "dates (06, 07, 09)": get_config(task="dates"),
        "numbers (08, 10)": get_config(task="numbers", **LENGTH_RECIPE),
    }


def _batches(cfg, batch_size: int, n: int) -> tuple:
    """The first n batches of the training split (bucketed by length, as fit trains), and the vocabularies."""
    splits, vocabs = prepare_data(cfg)
    loader = make_loader(PairDataset(splits["train"], *vocabs), batch_size, shuffle=True, bucket=True, seed=0)
    batches = []
    for batch in loader:
        batches.append(batch)
        if len(batches) == n:
            break
    return batches, vocabs


def phase_times(cfg, n: int = 12, warmup: int = 3) -> dict:
    """Median ms per step of each phase: encoder, decoder recurrence, read-out + loss, backward, optimizer."""
    if n < 1:
        raise ValueError(f"a measurement needs at least one timed step: n must be >= 1, got {n}")
    batches, vocabs = _batches(cfg, cfg.batch_size, n + warmup)
    torch.manual_seed(0)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg).train()
    decoder = model.decoder
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    times = {name: [] for name in ("encoder", "decoder recurrence", "read-out and loss", "backward", "optimizer")}
    for k, batch in enumerate(batches):
        marks = [time.perf_counter()]
        enc_outputs, final = model.encoder(batch.src, batch.src_lengths)  # (B, S, K)
        marks.append(time.perf_counter())
        src_mask = lengths_to_mask(batch.src_lengths, batch.src.shape[1])  # (B, S)
        state = decoder.init_state(enc_outputs, final, src_mask)
        keys = decoder.project_keys(enc_outputs)
        embedded = decoder.embedding(batch.tgt_in)  # (B, T, E)
        states, contexts, weights = [], [], None
        for i in range(batch.tgt_in.shape[1]):
            state, context, weights = decoder._recurrence(embedded[:, i], state, enc_outputs, src_mask, keys, weights)
            states.append(state)
            contexts.append(context)
        marks.append(time.perf_counter())
        logits = decoder._read_out(torch.stack(states, 1), torch.stack(contexts, 1), embedded)  # (B, T, V)
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(), ignore_index=Vocab.PAD)
        marks.append(time.perf_counter())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        marks.append(time.perf_counter())
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        marks.append(time.perf_counter())
        if k >= warmup:
            for name, start, end in zip(times, marks, marks[1:]):
                times[name].append(1000 * (end - start))
    return {name: statistics.median(values) for name, values in times.items()}


def step_ms(cfg, batch_size: int, threads: int = 1, n: int = 10, warmup: int = 3) -> float:
    """Median ms of one whole training step (forward, backward, update) at this batch size and thread count."""
    from .train.loop import compute_loss

    if n < 1:
        raise ValueError(f"a measurement needs at least one timed step: n must be >= 1, got {n}")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        batches, vocabs = _batches(cfg, batch_size, n + warmup)
        torch.manual_seed(0)
        model = build_model(len(vocabs[0]), len(vocabs[1]), cfg).train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
        times = []
        for k, batch in enumerate(batches):
            start = time.perf_counter()
            loss, _, _ = compute_loss(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if k >= warmup:
                times.append(1000 * (time.perf_counter() - start))
        return statistics.median(times)
    finally:
        torch.set_num_threads(before)


def run() -> dict:
    """Every measurement, as one JSON-ready dict."""
    torch.set_num_threads(1)
    result = {}
    for name, cfg in recipes().items():
        phases = phase_times(cfg)
        total = sum(phases.values())
        per_example = {bs: step_ms(cfg, bs) / bs for bs in (64, 128, 256)}
        result[name] = {
            "ms_per_step": round(total, 1),
            "share": {phase: round(ms / total, 3) for phase, ms in phases.items()},
            "per_example_ratio_128_vs_64": round(per_example[128] / per_example[64], 2),
            "per_example_ratio_256_vs_64": round(per_example[256] / per_example[64], 2),
            "two_threads_speedup": round(step_ms(cfg, cfg.batch_size) / step_ms(cfg, cfg.batch_size, threads=2), 2),
        }
    return result


def main(argv=None) -> dict:
    """Print a table, and with --json the dict as the last line."""
    parser = argparse.ArgumentParser(prog="python -m rnn_attention.train_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run()
    for name, entry in result.items():
        shares = ", ".join(f"{phase} {100 * share:.0f}%" for phase, share in entry["share"].items())
        print(f"{name}: {entry['ms_per_step']:.0f} ms per step ({shares})")
        print(
            f"  cost per example at batch 128 / 256 vs 64: {entry['per_example_ratio_128_vs_64']:.2f}x / "
            f"{entry['per_example_ratio_256_vs_64']:.2f}x; two threads: {entry['two_threads_speedup']:.2f}x faster"
        )
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
