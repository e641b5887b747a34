"""Benchmark: why batched attention and precomputed keys matter, in milliseconds.

Introduced in notebook 05.

Run ``python -m rnn_attention.bench`` for a readable table, or add ``--json``
to get one JSON object on the last line (``make bench`` prints the table).

Two questions, each answered with a ratio of two timings:

* ``speedup_vectorized``: additive attention for a whole batch written as a
  student first writes it (a Python loop over examples b and positions j,
  ``e = v_a . tanh(W_a s + U_a h_j)``, then a softmax and a weighted sum) against
  one call of the batched :class:`AdditiveAttention`.
* ``speedup_precompute``: a greedy-decoding-like loop of T steps (no gradients)
  that recomputes ``U_a h_j`` at every step against one that calls
  ``project_keys`` once and passes ``projected_keys``.

Both ratios are measured on the fast path, the module as the trained models use
it (``AdditiveAttention(..., tanh_via_sigmoid=True)``). A third ratio compares
the two forms of the score: ``speedup_fast_tanh`` is the precomputed decoding
loop with ``torch.tanh`` as the equation reads (``tanh_via_sigmoid=False``, the
reference) over the same loop with tanh(x) = 2 sigmoid(2x) - 1.

It also times the raw tensor operations that bound the second ratio (the key
projection matmul, and the minimal per-step work: add + tanh, the v_a
reduction, the masked softmax, the weighted sum), and reports the best ratio
they allow as ``bound_precompute = (t_keyproj + t_step_rest) / t_step_rest``.
The per-step work is timed with ``torch.tanh`` and with the identity
tanh(x) = 2 sigmoid(2x) - 1 of the fast path (faster on CPU); the
faster of the two sets the bound, and ``bound_precompute_tanh`` is the other.
Every time is the median of repeated runs after a warm-up; the variants of a
ratio run in turn so that other work on the machine slows both alike, and
the 1-minute load average is reported so a reader can tell a noisy run.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import time
from dataclasses import dataclass, replace

import torch

from .attention import AdditiveAttention
from .masking import lengths_to_mask

__all__ = [
    "BenchConfig",
    "make_inputs",
    "reference_form",
    "loop_attention",
    "batched_attention",
    "decode_recompute",
    "decode_precompute",
    "time_ms",
    "time_interleaved",
    "component_times",
    "run_benchmark",
    "format_table",
    "main",
]


@dataclass
class BenchConfig:
    """Sizes and repeat counts of the benchmark (defaults are the course's figures)."""

    batch_size: int = 64  # B
    src_len: int = 50  # S
    hidden_size: int = 256  # H = Dq = Dk
    attn_size: int = 256  # A
    decode_steps: int = 50  # T
    repeats: int = 21  # timed runs of each fast variant; the median is reported
    loop_repeats: int = 5  # timed runs of the (slow) Python-loop variant
    warmup: int = 3  # untimed runs first: allocator, caches, lazy init
    seed: int = 0


def make_inputs(cfg: BenchConfig):
    """The fast module, a query s (B, H), keys h (B, S, H) and a padding mask (B, S), from the seed."""
    gen = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    attn = AdditiveAttention(cfg.hidden_size, cfg.hidden_size, cfg.attn_size, tanh_via_sigmoid=True)
    query = torch.randn(cfg.batch_size, cfg.hidden_size, generator=gen)  # (B, H)
    keys = torch.randn(cfg.batch_size, cfg.src_len, cfg.hidden_size, generator=gen)  # (B, S, H)
    # Sentences of different lengths, the longest filling the batch
    lengths = torch.randint(max(1, cfg.src_len // 2), cfg.src_len + 1, (cfg.batch_size,), generator=gen)
    lengths[0] = cfg.src_len
    mask = lengths_to_mask(lengths, cfg.src_len)  # (B, S)
    return attn, query, keys, mask


def reference_form(attn: AdditiveAttention) -> AdditiveAttention:
    """The same module, weights shared, computing v_a^T tanh(W_a s + U_a h) as the equation reads."""
    reference = copy.copy(attn)  # shallow: the same W_a, U_a, v_a
    reference.tanh_via_sigmoid = False
    return reference


@torch.no_grad()
def loop_attention(attn: AdditiveAttention, query: torch.Tensor, keys: torch.Tensor, mask=None):
    """Additive attention as a student first writes it: one example, one position at a time."""
    B, S, _ = keys.shape
    contexts, weights = [], []
    for b in range(B):
        length = S if mask is None else int(mask[b].sum())
        scores = []
        for j in range(length):
            # e_bj = v_a^T tanh(W_a s_b + U_a h_bj)
            e = attn.v_a(torch.tanh(attn.W_a(query[b]) + attn.U_a(keys[b, j])))  # (1,)
            scores.append(e)
        alpha = torch.softmax(torch.cat(scores), dim=0)  # (length,)
        context = (alpha.unsqueeze(1) * keys[b, :length]).sum(dim=0)  # (H,)
        contexts.append(context)
        weights.append(torch.cat([alpha, alpha.new_zeros(S - length)]))  # (S,), 0 on padding
    return torch.stack(contexts), torch.stack(weights)  # (B, H), (B, S)


@torch.no_grad()
def batched_attention(attn: AdditiveAttention, query: torch.Tensor, keys: torch.Tensor):
    """The same attention, every example and position at once: one module call."""
    return attn(query, keys)  # (B, H), (B, S)


def _next_query(query: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
    """A fixed, cheap stand-in for the decoder update s_i = f(s_{i-1}, c_i)."""
    return torch.tanh(query + context)  # (B, H)


@torch.no_grad()
def decode_recompute(attn, query, keys, mask, steps: int):
    """T decoding steps that recompute U_a h_j inside every attention call."""
    contexts, weights = [], []
    for _ in range(steps):
        context, attn_weights = attn(query, keys, mask)  # (B, H), (B, S)
        query = _next_query(query, context)
        contexts.append(context)
        weights.append(attn_weights)
    return torch.stack(contexts, 1), torch.stack(weights, 1)  # (B, T, H), (B, T, S)


@torch.no_grad()
def decode_precompute(attn, query, keys, mask, steps: int):
    """T decoding steps that project the keys once and reuse U_a h_j at every step."""
    projected_keys = attn.project_keys(keys)  # (B, S, A), once per source sentence
    contexts, weights = [], []
    for _ in range(steps):
        context, attn_weights = attn(query, keys, mask, projected_keys=projected_keys)  # (B, H), (B, S)
        query = _next_query(query, context)
        contexts.append(context)
        weights.append(attn_weights)
    return torch.stack(contexts, 1), torch.stack(weights, 1)  # (B, T, H), (B, T, S)


def time_ms(fn, repeats: int, warmup: int) -> float:
    """Median wall-clock time of fn() in milliseconds, after `warmup` untimed calls."""
    return time_interleaved({"fn": (fn, repeats)}, warmup)["fn"]


def time_interleaved(fns: dict, warmup: int) -> dict:
    """Median ms of each fn in {name: (fn, repeats)}, the runs taken in turn.

    Taking turns (a, b, a, b, ...) rather than all of a then all of b means
    that a burst of other work on the machine slows both sides of a ratio alike.
    """
    for fn, _ in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    for turn in range(max(repeats for _, repeats in fns.values())):
        for name, (fn, repeats) in fns.items():
            if turn < repeats:
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: 1000.0 * statistics.median(ts) for name, ts in times.items()}


@torch.no_grad()
def component_times(attn, query, keys, mask, repeats: int, warmup: int) -> dict:
    """Time the raw tensor operations that bound one decoding step (ms each).

    The per-step work after the key projection is timed twice: with torch.tanh
    as the equation reads, and with tanh(x) = 2 sigmoid(2x) - 1 as
    AdditiveAttention(..., tanh_via_sigmoid=True) computes it; the faster one sets the bound.
    """
    B, S, H = keys.shape
    U = attn.U_a.weight.t().contiguous()  # (H, A)
    v = attn.v_a.weight.squeeze(0)  # (A,)
    v2, v_sum = 2 * v, v.sum()  # (A,), ()
    flat_keys = keys.reshape(B * S, H)  # (B*S, H)
    projected_keys = attn.project_keys(keys)  # (B, S, A)
    projected_query = attn.W_a(query).unsqueeze(1)  # (B, 1, A)
    hidden = torch.empty_like(projected_keys)  # (B, S, A)
    scores = torch.matmul(torch.tanh(projected_keys + projected_query), v)  # (B, S)
    fill = torch.finfo(scores.dtype).min
    weights = torch.softmax(scores.masked_fill(~mask, fill), dim=-1)  # (B, S)

    def keyproj():
        return torch.mm(flat_keys, U)  # (B*S, A) = (B*S, H) @ (H, A)

    def add_tanh():
        return torch.add(projected_keys, projected_query, out=hidden).tanh_()  # (B, S, A)

    def add_sigmoid():
        return torch.add(projected_keys, projected_query, out=hidden).mul_(2).sigmoid_()  # (B, S, A)

    def v_reduce():
        return torch.matmul(hidden, v)  # (B, S)

    def softmax():
        return torch.softmax(scores.masked_fill(~mask, fill), dim=-1)  # (B, S)

    def weighted_sum():
        return torch.bmm(weights.unsqueeze(1), keys)  # (B, 1, H)

    def step_rest_tanh():
        s = torch.matmul(add_tanh(), v)  # (B, S)
        w = torch.softmax(s.masked_fill(~mask, fill), dim=-1)  # (B, S)
        return torch.bmm(w.unsqueeze(1), keys)  # (B, 1, H)

    def step_rest_sigmoid():
        s = torch.matmul(add_sigmoid(), v2) - v_sum  # (B, S)
        w = torch.softmax(s.masked_fill(~mask, fill), dim=-1)  # (B, S)
        return torch.bmm(w.unsqueeze(1), keys)  # (B, 1, H)

    parts = {
        "keyproj": keyproj,
        "add_tanh": add_tanh,
        "add_sigmoid": add_sigmoid,
        "v_reduce": v_reduce,
        "softmax": softmax,
        "weighted_sum": weighted_sum,
        "step_rest_tanh": step_rest_tanh,
        "step_rest_sigmoid": step_rest_sigmoid,
    }
    return time_interleaved({name: (fn, repeats) for name, fn in parts.items()}, warmup)


def run_benchmark(cfg: BenchConfig | None = None) -> dict:
    """Time every variant and the raw components; return one flat, JSON-ready dict."""
    cfg = cfg or BenchConfig()
    attn, query, keys, mask = make_inputs(cfg)
    T = cfg.decode_steps
    load_before = _load_average()

    # Both sides of speedup_vectorized attend over all S positions (no mask): the same work.
    loop = time_interleaved(
        {
            "loop": (lambda: loop_attention(attn, query, keys), cfg.loop_repeats),
            "batched": (lambda: batched_attention(attn, query, keys), cfg.repeats),
        },
        cfg.warmup,
    )
    reference = reference_form(attn)
    decode = time_interleaved(
        {
            "recompute": (lambda: decode_recompute(attn, query, keys, mask, T), cfg.repeats),
            "precompute": (lambda: decode_precompute(attn, query, keys, mask, T), cfg.repeats),
            "precompute_tanh": (lambda: decode_precompute(reference, query, keys, mask, T), cfg.repeats),
        },
        cfg.warmup,
    )
    ms_loop, ms_batched = loop["loop"], loop["batched"]
    ms_recompute, ms_precompute = decode["recompute"], decode["precompute"]
    ms_precompute_tanh = decode["precompute_tanh"]
    # The components are short: more runs for the same noise
    parts = component_times(attn, query, keys, mask, cfg.repeats * 5, cfg.warmup)

    # What a precomputed-keys step cannot avoid, in the faster of the two forms
    step_rest = min(parts["step_rest_tanh"], parts["step_rest_sigmoid"])
    bound = (parts["keyproj"] + step_rest) / step_rest
    bound_tanh = (parts["keyproj"] + parts["step_rest_tanh"]) / parts["step_rest_tanh"]
    speedup_precompute = ms_recompute / ms_precompute
    return {
        "speedup_vectorized": ms_loop / ms_batched,
        "speedup_precompute": speedup_precompute,
        "bound_precompute": bound,
        "precompute_fraction_of_bound": speedup_precompute / bound,
        "speedup_fast_tanh": ms_precompute_tanh / ms_precompute,
        "bound_precompute_tanh": bound_tanh,
        "ms_loop": ms_loop,
        "ms_batched": ms_batched,
        "ms_decode_recompute": ms_recompute,
        "ms_decode_precompute": ms_precompute,
        "ms_decode_precompute_tanh": ms_precompute_tanh,
        "ms_step_recompute": ms_recompute / T,
        "ms_step_precompute": ms_precompute / T,
        "ms_keyproj": parts["keyproj"],
        "ms_step_rest": step_rest,
        "ms_step_rest_tanh": parts["step_rest_tanh"],
        "ms_step_rest_sigmoid": parts["step_rest_sigmoid"],
        "ms_add_tanh": parts["add_tanh"],
        "ms_add_sigmoid": parts["add_sigmoid"],
        "ms_v_reduce": parts["v_reduce"],
        "ms_softmax": parts["softmax"],
        "ms_weighted_sum": parts["weighted_sum"],
        "B": cfg.batch_size,
        "S": cfg.src_len,
        "H": cfg.hidden_size,
        "A": cfg.attn_size,
        "T": T,
        "repeats": cfg.repeats,
        "loop_repeats": cfg.loop_repeats,
        "num_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cpu_count": os.cpu_count(),
        # Other processes on the same cores make every figure slower and noisier
        "load_average_1min": max(load_before, _load_average()),
    }


def _load_average() -> float:
    """The 1-minute load average (-1.0 where the system does not report one)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return -1.0


def format_table(result: dict) -> str:
    """The benchmark as a short table a person can read."""
    r = result
    T = r["T"]
    rows = [
        f"additive attention, B={r['B']} S={r['S']} H={r['H']} A={r['A']}; "
        f"{r['num_threads']} threads on {r['cpu_count']} CPUs ({r['cpu_capability']}), torch {r['torch_version']}; "
        f"median of {r['repeats']} runs",
        "",
        f"{'variant':<48}{'ms':>10}",
        f"{'Python loop over b and j':<48}{r['ms_loop']:>10.3f}",
        f"{'batched AdditiveAttention':<48}{r['ms_batched']:>10.3f}",
        f"{'  speedup_vectorized':<48}{r['speedup_vectorized']:>9.1f}x",
        "",
        f"{f'decode {T} steps, U_a h_j recomputed every step':<48}{r['ms_decode_recompute']:>10.3f}",
        f"{f'decode {T} steps, project_keys once':<48}{r['ms_decode_precompute']:>10.3f}",
        f"{'  speedup_precompute':<48}{r['speedup_precompute']:>9.2f}x",
        "",
        f"{f'decode {T} steps, project_keys once, torch.tanh':<48}{r['ms_decode_precompute_tanh']:>10.3f}",
        f"{'  speedup_fast_tanh (2 sigmoid(2x) - 1 form)':<48}{r['speedup_fast_tanh']:>9.2f}x",
        "",
        "what bounds one decoding step (raw tensor ops)",
        f"{'key projection (B*S x H) @ (H x A)':<48}{r['ms_keyproj']:>10.3f}",
        f"{'add + tanh over B x S x A':<48}{r['ms_add_tanh']:>10.3f}",
        f"{'add + 2 sigmoid(2x) - 1 form (the module)':<48}{r['ms_add_sigmoid']:>10.3f}",
        f"{'v_a reduction':<48}{r['ms_v_reduce']:>10.3f}",
        f"{'masked softmax':<48}{r['ms_softmax']:>10.3f}",
        f"{'weighted sum':<48}{r['ms_weighted_sum']:>10.3f}",
        f"{'per-step work after the projection, tanh':<48}{r['ms_step_rest_tanh']:>10.3f}",
        f"{'per-step work after the projection, sigmoid':<48}{r['ms_step_rest_sigmoid']:>10.3f}",
        f"{'  bound_precompute (faster form)':<48}{r['bound_precompute']:>9.2f}x",
        f"{'  bound with torch.tanh':<48}{r['bound_precompute_tanh']:>9.2f}x",
        f"{'  speedup_precompute / bound_precompute':<48}{100 * r['precompute_fraction_of_bound']:>9.0f}%",
        "",
        f"1-minute load average {r['load_average_1min']:.2f}: above ~0.5 other processes share the cores",
    ]
    return "\n".join(rows)


def main(argv=None, config: BenchConfig | None = None) -> dict:
    """Command line: print the table, or with --json one JSON object as the last line."""
    config = config or BenchConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (last line)")
    parser.add_argument("--repeats", type=int, default=config.repeats, help="timed runs per fast variant")
    args = parser.parse_args(argv)
    result = run_benchmark(replace(config, repeats=args.repeats))
    if args.json:
        print(json.dumps(result))
    else:
        print(format_table(result))
    return result


if __name__ == "__main__":
    main()
