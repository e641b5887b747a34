"""Notebook 13's widget: one test sentence at a time, a model's forced-decoding map over the gold cells."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ..alignment import alignment_accuracy, alignment_error_rate, predicted_alignments
from ..plotting import plot_attention
from .core import LAYOUT, STYLE, Explorer, require_between

__all__ = ["GoldMapExplorer", "gold_map_widget"]


class GoldMapExplorer(Explorer):
    """A sentence slider and a model menu: the map (T_y + 1, T_x), gold cells outlined, arg-max cells marked."""

    def __init__(self, weights_by_model: dict, pairs, gold, initial_index: int, initial_model: str):
        self.weights_by_model, self.pairs, self.gold = weights_by_model, pairs, gold
        self.index = widgets.IntSlider(
            value=initial_index,
            min=0,
            max=len(pairs) - 1,
            description="test sentence",
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.model = widgets.Dropdown(
            options=list(weights_by_model), value=initial_model, description="model", style=STYLE
        )
        super().__init__([self.index, self.model])
        self.redraw()

    def compute(self) -> None:
        k, name = int(self.index.value), self.model.value
        source, target = self.pairs[k]
        weights, gold = self.weights_by_model[name][k], self.gold[k]  # (T_y + 1, T_x), T_y sets
        predicted = predicted_alignments(weights, target_length=len(target))  # one position per character
        hits = [bool(g) and p <= g for p, g in zip(predicted, gold)]  # None-gold steps ('-') are never hits
        scored = sum(1 for g in gold if g)
        aer = alignment_error_rate([predicted], [gold]) if scored else None
        accuracy = alignment_accuracy([predicted], [gold]) if scored else None
        self.state = {
            "index": k,
            "model": name,
            "source": source,
            "target": target,
            "weights": weights,
            "predicted": predicted,
            "hits": hits,
            "aer": aer,
            "accuracy": accuracy,
            "text": (
                f"{name}, sentence {k}: {source!r} -> {target!r}; arg-max in the gold set at "
                f"{sum(hits)} of {scored} steps" + ("" if aer is None else f" (accuracy {accuracy:.3f}, AER {aer:.3f})")
            ),
        }

    def draw(self):
        state = self.state
        source, target = state["source"], state["target"]
        width = min(12.0, 4.0 + 0.32 * len(source))
        figure, ax = plt.subplots(figsize=(max(width, 5.0), min(8.0, 1.8 + 0.32 * (len(target) + 1))))
        title = f"{state['model']}: {source} -> {target} (red: gold; o / x: arg-max in / outside it)"
        plot_attention(state["weights"], list(source), list(target) + ["<eos>"], ax=ax, title=title)
        for i, positions in enumerate(self.gold[state["index"]]):
            for j in positions:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=1.5))
        for i, (positions, hit, gold) in enumerate(zip(state["predicted"], state["hits"], self.gold[state["index"]])):
            if gold:  # a step no source character writes (the '-' of a date) is not scored: no mark
                (j,) = positions
                ax.plot(j, i, marker="o" if hit else "x", color="white", markersize=5)
        figure.tight_layout()
        return figure


def gold_map_widget(weights_by_model: dict, pairs, gold, initial_index: int = 0, initial_model: str | None = None):
    """A slider over test sentences and a menu of models: each map with its gold cells (red) and arg-max (o / x).

    weights_by_model: {name: one (T_y + 1, T_x) weight matrix per pair} (forced_attention's output);
    pairs: the (source, target) pairs; gold: gold_alignments of the same pairs.
    """
    if not isinstance(weights_by_model, dict) or not weights_by_model:
        raise ValueError(
            f"weights_by_model must be a non-empty dict {{name: weights per pair}}, got {weights_by_model!r}"
        )
    if len(pairs) == 0 or len(gold) != len(pairs):
        raise ValueError(
            f"expected one gold alignment per pair and at least one pair, got {len(gold)} and {len(pairs)}"
        )
    for name, weights in weights_by_model.items():
        if len(weights) != len(pairs):
            raise ValueError(f"model {name!r} has {len(weights)} weight matrices for {len(pairs)} pairs")
    require_between("initial_index", initial_index, 0, len(pairs) - 1, "len(pairs) - 1")
    initial_model = next(iter(weights_by_model)) if initial_model is None else initial_model
    if initial_model not in weights_by_model:
        raise ValueError(f"initial_model must be one of {list(weights_by_model)}, got {initial_model!r}")
    return GoldMapExplorer(weights_by_model, pairs, gold, initial_index, initial_model)
