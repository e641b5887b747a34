"""Notebook 10's widget: accuracy beyond the training range, over precomputed results (no training, no model).

The results are the dict that `experiments.extrapolation.run_extrapolation`
returns. A slider picks one test point (a count k of repeated dates, or a
source-length bucket); the left panel shows the chosen measure against k (or
length) for every decoder, mean with the min-max band over seeds and the
training range shaded; the right panel compares the decoders at the chosen
point: exact match, per-item accuracy, and per-item accuracy with oracle length.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from .core import LAYOUT, STYLE, Explorer, require_between

__all__ = ["ExtrapolationExplorer", "extrapolation_widget", "MEASURES"]

MEASURES = {
    "exact match": "exact_match",
    "per-item accuracy": "item_accuracy",
    "per-item accuracy, oracle length": "oracle_item_accuracy",
}
COLOURS = {
    "additive": "tab:blue",
    "none": "tab:red",
    "location": "tab:orange",
    "location_aware": "tab:green",
    "location_aware_window": "tab:purple",
}


class ExtrapolationExplorer(Explorer):
    """A slider over the test points of one test ("repeated": k; "longer": length buckets) and a measure menu."""

    def __init__(self, result: dict, test: str, initial_index: int, initial_measure: str):
        self.result, self.test = result, test
        self.kinds = list(result[test])
        self.rows = {kind: result[test][kind] for kind in self.kinds}
        first = self.rows[self.kinds[0]]
        if test == "repeated":
            self.points = [row["k"] for row in first]
            self.labels = [f"k = {k}" for k in self.points]
            low, high = min(result["train_counts"]), max(result["train_counts"])
            self.train_range = (low - 0.5, high + 0.5)
            self.inside = [low <= k <= high for k in self.points]
            description, xlabel = "test count k (dates in the input)", "dates in the input, k"
        else:
            self.points = [(row["lo"] + row["hi"]) / 2 for row in first]
            self.labels = [f"{row['lo']}-{row['hi']} characters" for row in first]
            self.train_range = (0, result["train_max_len"])
            self.inside = [row["hi"] <= result["train_max_len"] for row in first]
            description, xlabel = "source length bucket", "source length (characters, bucket middle)"
        self.xlabel = xlabel
        self.point = widgets.SelectionSlider(
            options=list(zip(self.labels, range(len(self.points)))),
            value=initial_index,
            description=description,
            continuous_update=False,
            style=STYLE,
            layout=LAYOUT,
        )
        self.measure = widgets.Dropdown(
            options=list(MEASURES), value=initial_measure, description="measure", style=STYLE
        )
        super().__init__([self.point, self.measure])
        self.redraw()

    def compute(self) -> None:
        i, key = int(self.point.value), MEASURES[self.measure.value]
        at_point = {}
        for kind in self.kinds:
            row = self.rows[kind][i]
            at_point[kind] = {name: row.get(f"{name}_mean") for name in MEASURES.values()}
            at_point[kind]["items_out"] = row.get("items_out_mean")
        where = "inside" if self.inside[i] else "outside"
        parts = [f"{kind} {at_point[kind][key]:.2f}" for kind in self.kinds if at_point[kind][key] is not None]
        self.state = {
            "index": i,
            "label": self.labels[i],
            "measure": self.measure.value,
            "inside_training_range": self.inside[i],
            "at_point": at_point,
            "text": f"{self.labels[i]} ({where} the training range), {self.measure.value}: " + ", ".join(parts),
        }

    def draw(self):
        key, i = MEASURES[self.measure.value], self.state["index"]
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.6, 1]})
        left.axvspan(*self.train_range, color="0.88", label="training range")
        for kind in self.kinds:
            rows = self.rows[kind]
            mean = [row.get(f"{key}_mean") for row in rows]
            low = [row.get(f"{key}_min", row.get(f"{key}_mean")) for row in rows]
            high = [row.get(f"{key}_max", row.get(f"{key}_mean")) for row in rows]
            colour = COLOURS.get(kind, None)
            left.plot(self.points, mean, marker="o", color=colour, label=kind)
            left.fill_between(self.points, low, high, color=colour, alpha=0.2, linewidth=0)
        left.axvline(self.points[i], color="black", linewidth=1, linestyle=":")
        left.set_ylim(0, 1.02)
        left.set_xlabel(self.xlabel)
        left.set_ylabel(self.measure.value)
        left.set_title(f"{self.measure.value} (mean, band = min-max over seeds)")
        left.legend(loc="upper right", fontsize=7, frameon=False)
        width = 0.8 / len(MEASURES)
        for m, name in enumerate(MEASURES.values()):
            values = [self.state["at_point"][kind][name] or 0.0 for kind in self.kinds]
            right.bar(
                [x + (m - 1) * width for x in range(len(self.kinds))], values, width=width, label=list(MEASURES)[m]
            )
        right.set_xticks(range(len(self.kinds)))
        right.set_xticklabels([kind.replace("_", "\n") for kind in self.kinds], fontsize=7)
        right.set_ylim(0, 1.02)
        right.set_title(self.labels[i])
        right.legend(loc="upper right", fontsize=7, frameon=False)
        figure.tight_layout()
        return figure


def extrapolation_widget(
    result: dict,
    test: str = "repeated",
    initial_index: int | None = None,
    initial_measure: str = "per-item accuracy, oracle length",
):
    """The explorer over one test of a run_extrapolation result; starts at the first point past the training range."""
    if test not in ("repeated", "longer"):
        raise ValueError(f"test must be 'repeated' or 'longer', got {test!r}")
    if test not in result or not result[test]:
        raise ValueError(f"the result has no {test!r} test; pass what run_extrapolation returned")
    if initial_measure not in MEASURES:
        raise ValueError(f"initial_measure must be one of {list(MEASURES)}, got {initial_measure!r}")
    rows = next(iter(result[test].values()))
    if initial_index is None:  # the first point outside the training range: the interesting one
        if test == "repeated":
            beyond = [i for i, row in enumerate(rows) if row["k"] > max(result["train_counts"])]
        else:
            beyond = [i for i, row in enumerate(rows) if row["lo"] > result["train_max_len"]]
        initial_index = beyond[0] if beyond else 0
    require_between("initial_index", initial_index, 0, len(rows) - 1)
    return ExtrapolationExplorer(result, test, initial_index, initial_measure)
