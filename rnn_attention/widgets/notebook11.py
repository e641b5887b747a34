"""Notebook 11's widget: a test-length slider, the alignments of two (or more) models on one string side by side."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..data.derived import toy_pairs_of_length
from ..evaluate import eval_mode
from ..plotting import plot_attention
from .core import LAYOUT, STYLE, Explorer

__all__ = ["LengthAlignmentExplorer", "length_alignment_widget"]

MAX_LABELS = 30  # more positions than this: the axes show every n-th position number instead of the symbols


class LengthAlignmentExplorer(Explorer):
    """A "test length T_x" slider: one test string of that length, each model's greedy output and alignment.

    The string is made at run time (data.derived.toy_pairs_of_length, the same for a given length and
    seed) and decoded greedily, free-running, by every model, up to T_x + `extra_steps` tokens.
    `.state` holds "length", "source", "target" and, per model name, "outputs", "tokens" (the output
    symbols, <eos> included when the model stopped), "weights" ((T, S)
    tensors, one row per output symbol, <eos> included when the model stopped), "exact" (bool) and
    "char_accuracy"; "text", the lines shown.
    """

    def __init__(self, models: dict, task: str, lengths, initial_length: int, seed: int, extra_steps: int):
        self.models, self.task, self.seed, self.extra_steps = dict(models), task, int(seed), int(extra_steps)
        self.length = widgets.SelectionSlider(
            options=[int(L) for L in lengths],
            value=int(initial_length),
            description="test length T_x",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        super().__init__([self.length])
        self.redraw()

    def compute(self) -> None:
        L = int(self.length.value)
        source, target = toy_pairs_of_length(self.task, L, 1, seed=self.seed)[0]
        outputs, tokens_of, weights, exact, accuracy = {}, {}, {}, {}, {}
        lines = [f"a test string of T_x = {L} symbols ({self.task}): {source[:40]}{'...' if L > 40 else ''}"]
        for name, (model, vocabs) in self.models.items():
            src_vocab, tgt_vocab = vocabs
            device = next(model.parameters()).device
            src = torch.tensor([src_vocab.encode(source, strict=True)], dtype=torch.long, device=device)  # (1, S)
            with eval_mode(model), torch.no_grad():
                tokens, attn = model.greedy_decode(src, torch.tensor([L]), L + self.extra_steps)  # (1, T), (1, T, S)
            ids = tokens[0].tolist()
            n = ids.index(tgt_vocab.EOS) + 1 if tgt_vocab.EOS in ids else len(ids)
            output = tgt_vocab.decode(ids)
            outputs[name] = output
            tokens_of[name] = [tgt_vocab.itos[i] for i in ids[:n]]
            weights[name] = attn[0, :n].float().cpu()  # (T, S)
            exact[name] = output == target
            accuracy[name] = sum(a == b for a, b in zip(output, target)) / len(target)
            lines.append(
                f"{name:>16}: {'exact' if exact[name] else 'wrong'}, {accuracy[name]:.2f} of the characters "
                f"right, {len(output)} written for {len(target)}"
            )
        self.state = {
            "length": L,
            "source": source,
            "target": target,
            "outputs": outputs,
            "tokens": tokens_of,
            "weights": weights,
            "exact": exact,
            "char_accuracy": accuracy,
            "text": "\n".join(lines),
        }

    def draw(self):
        """One heat map per model, side by side, on the same 0-1 colour scale."""
        L = self.state["length"]
        names = list(self.models)
        figure, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.6), squeeze=False)
        for ax, name in zip(axes[0], names):
            w = self.state["weights"][name]  # (T, S)
            tgt_tokens = self.state["tokens"][name]
            verdict = "exact" if self.state["exact"][name] else f"{self.state['char_accuracy'][name]:.2f} right"
            plot_attention(w, list(self.state["source"]), tgt_tokens, ax=ax, title=f"{name}, T_x = {L}: {verdict}")
            if L > MAX_LABELS:  # position numbers, every n-th: symbols would not be readable
                step = max(1, L // 10)
                ax.set_xticks(range(0, L, step))
                ax.set_xticklabels([str(j + 1) for j in range(0, L, step)], rotation=0)
                ax.set_yticks(range(0, w.shape[0], step))
                ax.set_yticklabels([str(i + 1) for i in range(0, w.shape[0], step)])
                ax.set_xlabel("source position j")
                ax.set_ylabel("output step i")
        figure.tight_layout()
        return figure


def length_alignment_widget(
    models: dict, task: str, lengths, initial_length: int | None = None, seed: int = 0, extra_steps: int = 5
) -> LengthAlignmentExplorer:
    """A slider over the test lengths showing, for one string of each, every model's alignment side by side.

    models: {name: (model, vocabs)}; task: "copy" or "reverse"; lengths: the test lengths the slider offers.
    """
    lengths = [int(L) for L in lengths]
    if not models:
        raise ValueError("models must name at least one (model, vocabs) pair, got none")
    if task not in ("copy", "reverse"):
        raise ValueError(f"task must be 'copy' or 'reverse', got {task!r}")
    if not lengths or min(lengths) < 1:
        raise ValueError(f"lengths must be positive test lengths, got {lengths!r}")
    initial_length = lengths[0] if initial_length is None else int(initial_length)
    if initial_length not in lengths:
        raise ValueError(f"initial_length must be one of the lengths {lengths}, got {initial_length}")
    return LengthAlignmentExplorer(models, task, lengths, initial_length, seed, extra_steps)
