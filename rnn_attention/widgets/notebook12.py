"""Notebook 12's widget: one source, a beam-size slider, the hypotheses alive at each step, the chosen alignment."""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..evaluate import eval_mode
from ..models.beam import beam_search
from ..plotting import plot_attention
from .core import LAYOUT, STYLE, Explorer, require_between

__all__ = ["BeamSearchExplorer", "beam_search_widget"]


class BeamSearchExplorer(Explorer):
    """A "beam size K" slider over one source: every step's alive hypotheses, the chosen output, its alignment.

    The search is `models.beam.beam_search(..., trace=...)` on the one source. `.state` holds:
    "beam_size"; "steps", one list per step of the (text, score) alive hypotheses after it, best first
    (at most K: hypotheses whose score is -inf, which exist only when K exceeds what the step offers,
    are left out); "finished", one list per step of the normalised scores of the hypotheses that
    ended with <eos> at that step; "output" and "score" (the chosen output and its score, as
    `Seq2Seq.beam_search` returns them); "tokens" (the chosen output's symbols, <eos> included);
    "weights" (T, S): the teacher-forced attention of the chosen output, or None for a model without
    attention; "text", the lines shown.
    """

    def __init__(self, model, vocabs, source: str, max_beam: int, initial_beam: int, max_len: int, length_penalty):
        self.model, self.vocabs = model, vocabs
        self.max_len, self.length_penalty = max_len, float(length_penalty)
        src_vocab, _ = vocabs
        self.source = source
        self.src_tokens = src_vocab.tokens(source)
        device = next(model.parameters()).device
        self.src = torch.tensor([src_vocab.encode(source, strict=True)], dtype=torch.long, device=device)  # (1, S)
        self.src_lengths = torch.tensor([self.src.shape[1]], dtype=torch.long)  # (1,)
        self.beam = widgets.IntSlider(
            value=initial_beam,
            min=1,
            max=max_beam,
            description="beam size K",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        super().__init__([self.beam])
        self.redraw()

    def compute(self) -> None:
        K = int(self.beam.value)
        tgt_vocab = self.vocabs[1]
        trace: list = []
        with eval_mode(self.model), torch.no_grad():
            tokens, scores = beam_search(
                self.model, self.src, self.src_lengths, self.max_len, K, self.length_penalty, trace=trace
            )  # (1, T), (1,)
            sos = torch.full((1, 1), self.model.sos_idx, dtype=torch.long, device=tokens.device)
            tgt_in = torch.cat([sos, tokens[:, :-1]], dim=1)  # (1, T): the chosen output, teacher-forced
            _, attn = self.model(self.src, self.src_lengths, tgt_in, return_attention=True)  # (1, T, S) or None
        ids = tokens[0].tolist()
        n = ids.index(tgt_vocab.EOS) + 1 if tgt_vocab.EOS in ids else len(ids)
        steps, finished = [], []
        for record in trace:
            alive = [
                (tgt_vocab.decode(t, strip_special=False), s)
                for t, s in zip(record["tokens"][0].tolist(), record["scores"][0].tolist())
                if math.isfinite(s)
            ]
            steps.append(alive)
            finished.append([s for s in record["finished_scores"][0].tolist() if math.isfinite(s)])
        output, score = tgt_vocab.decode(ids), float(scores[0])
        lines = [f"{self.source}  ->  {output!r} (score {score:.3f}, beam of {K}, {len(steps)} steps)"]
        for step, (alive, ended) in enumerate(zip(steps, finished), start=1):
            shown = ", ".join(f"{text!r} {s:.2f}" for text, s in alive)
            line = f"step {step:2d}: {shown}"
            if ended:
                line += "   | ended with <eos>: " + ", ".join(f"{s:.2f}" for s in ended)
            lines.append(line)
        self.state = {
            "beam_size": K,
            "steps": steps,
            "finished": finished,
            "output": output,
            "score": score,
            "tokens": [tgt_vocab.itos[i] for i in ids[:n]],
            "weights": None if attn is None else attn[0, :n].float().cpu(),
            "text": "\n".join(lines),
        }

    def draw(self):
        """The chosen output's alignment heat map (None for a model without attention)."""
        if self.state["weights"] is None:
            return None
        S = len(self.src_tokens)
        figure, ax = plt.subplots(figsize=(max(4.0, 1.8 + 0.3 * S), 4.0))
        title = f"{self.source}  ->  {self.state['output']} (beam of {self.state['beam_size']})"
        plot_attention(self.state["weights"], self.src_tokens, self.state["tokens"], ax=ax, title=title)
        figure.tight_layout()
        return figure


def beam_search_widget(
    model, vocabs, source: str, max_beam: int = 8, initial_beam: int = 4, max_len: int = 20, length_penalty=0.0
) -> BeamSearchExplorer:
    """A beam-size slider (1..max_beam) over one source text: the search step by step and the chosen alignment.

    Raises ValueError for a source with symbols the model never saw, or a bad max_beam / initial_beam.
    """
    max_beam, initial_beam, max_len = int(max_beam), int(initial_beam), int(max_len)
    require_between("max_beam", max_beam, 1, 64)
    require_between("initial_beam", initial_beam, 1, max_beam, "max_beam")
    require_between("max_len", max_len, 1, 10_000)
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"source must be a non-empty text, got {source!r}")
    return BeamSearchExplorer(model, vocabs, source, max_beam, initial_beam, max_len, length_penalty)
