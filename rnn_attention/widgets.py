"""The notebooks' interactive widgets, each built by a function that tests can drive without a browser.

Every builder returns an explorer object with:

- `.widget`: what the notebook displays (an ipywidgets box);
- its controls as attributes (for example `.length`, the "source length T_x" slider);
- `.state`: a dict of what the last redraw computed (weights, counts, the text line shown);
- `.figure`: the last matplotlib figure drawn.

Setting a control's `.value` in code redraws exactly as dragging it does, so a
test (or a notebook's check cell) can move a slider and read `.state`.
The figure is redrawn in place inside an `Output` widget, which works in
JupyterLab and in Jupyter Notebook 7.
"""

from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

__all__ = ["score_length_widget", "softmax_widget"]

_STYLE = {"description_width": "initial"}  # slider descriptions are never cut off
_LAYOUT = widgets.Layout(width="520px")


def _png_output(figure) -> dict:
    """The figure as a display_data output message (PNG), then released: no duplicate inline copy."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    title = figure.axes[0].get_title() if figure.axes else ""
    return {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": f"<Figure: {title}>"},
        "metadata": {},
    }


class _Explorer:
    """Shared plumbing: one Output area redrawn in place whenever a control changes."""

    def __init__(self, controls: list):
        self.output = widgets.Output()
        self.state: dict = {}
        self.figure = None
        for control in controls:
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([*controls, self.output])

    def _on_change(self, change=None) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Recompute, then replace the Output area's contents: the text line and the figure.

        Assigning `outputs` (a synced trait) instead of printing inside `with output:`
        updates the widget in place in every front end, and never leaks into the
        output of the cell that moved a slider (nbval would see that).
        """
        self.compute()
        self.figure = self.draw()
        text = {"output_type": "stream", "name": "stdout", "text": self.state["text"] + "\n"}
        self.output.outputs = (text, _png_output(self.figure))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


# ---- notebook 02


class ScoreLengthExplorer(_Explorer):
    """Scores e_1j = a(s_0, h_j) for the first T_x of a fixed pool of encoder states."""

    def __init__(self, attention, query, keys, initial_len: int):
        self.attention = attention
        self.query = query  # (1, Dq): one decoder state s_{i-1}
        self.keys = keys  # (1, S_max, Dk): encoder states h_1..h_{S_max}
        self.n_params = sum(p.numel() for p in attention.parameters())
        self.length = widgets.IntSlider(
            value=initial_len,
            min=1,
            max=keys.shape[1],
            description="source length T_x",
            continuous_update=False,
            style=_STYLE,
            layout=_LAYOUT,
        )
        super().__init__([self.length])
        self.redraw()

    def compute(self) -> None:
        T_x = int(self.length.value)
        with torch.no_grad():
            # the same a, with the same parameters, applied to h_1..h_{T_x}
            scores = self.attention.score(self.query, self.keys[:, :T_x])[0]  # (T_x,)
        n_params = sum(p.numel() for p in self.attention.parameters())
        self.state = {
            "T_x": T_x,
            "scores": scores,
            "n_scores": scores.numel(),
            "n_params": n_params,
            "text": f"T_x = {T_x}: {scores.numel()} scores, parameters of a = {n_params}",
        }

    def draw(self):
        scores = self.state["scores"].numpy()
        T_x, max_len = self.state["T_x"], self.length.max
        figure, ax = plt.subplots(figsize=(7.5, 2.8))
        positions = range(1, T_x + 1)
        ax.bar(positions, scores, color=["tab:blue" if s >= 0 else "tab:orange" for s in scores])
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xlim(0.4, max_len + 0.6)
        bound = max(0.1, 1.1 * self._bound)
        ax.set_ylim(-bound, bound)
        ax.set_xticks(range(1, max_len + 1, 1 if max_len <= 20 else 2))
        ax.set_xlabel("source position j")
        ax.set_ylabel("score e_1j")
        ax.set_title(f"T_x = {T_x}: {self.state['n_scores']} scores, parameters of a = {self.state['n_params']}")
        figure.tight_layout()
        return figure

    @property
    def _bound(self) -> float:
        """A fixed y range: the largest |score| over the whole pool, so the axes never jump."""
        if not hasattr(self, "_cached_bound"):
            with torch.no_grad():
                self._cached_bound = float(self.attention.score(self.query, self.keys).abs().max())
        return self._cached_bound


def score_length_widget(
    max_len: int = 30,
    initial_len: int = 7,
    query_size: int = 3,
    key_size: int = 4,
    attn_size: int = 8,
    seed: int = 0,
) -> ScoreLengthExplorer:
    """A slider over T_x: the number of scores follows T_x, the parameter count of a does not."""
    from .attention import AdditiveAttention

    if not 1 <= initial_len <= max_len:
        raise ValueError(f"initial_len must be between 1 and max_len={max_len}, got {initial_len}")
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        attention = AdditiveAttention(query_size, key_size, attn_size)
    query = torch.randn(1, query_size, generator=generator)  # (1, Dq)
    keys = 1.5 * torch.randn(1, max_len, key_size, generator=generator)  # (1, S_max, Dk)
    return ScoreLengthExplorer(attention, query, keys, initial_len)


# ---- notebook 03


class SoftmaxExplorer(_Explorer):
    """alpha = masked_softmax(e / tau) over the first T_x of a fixed pool of scores; the rest is padding."""

    def __init__(self, scores, initial_len: int, initial_temperature: float):
        self.pool = scores  # (S_max,): scores e_1j of a padded batch row
        self.length = widgets.IntSlider(
            value=initial_len,
            min=1,
            max=scores.numel(),
            description="source length T_x",
            continuous_update=False,
            style=_STYLE,
            layout=_LAYOUT,
        )
        self.temperature = widgets.FloatSlider(
            value=initial_temperature,
            min=0.1,
            max=5.0,
            step=0.1,
            description="temperature tau",
            continuous_update=False,
            style=_STYLE,
            layout=_LAYOUT,
        )
        super().__init__([self.length, self.temperature])
        self.redraw()

    def compute(self) -> None:
        from .masking import lengths_to_mask, masked_softmax

        T_x, tau = int(self.length.value), float(self.temperature.value)
        S_max = self.pool.numel()
        mask = lengths_to_mask(torch.tensor([T_x]), max_len=S_max)  # (1, S_max): True = real position
        # alpha_j = exp(e_j / tau) / sum_k exp(e_k / tau), over the real positions only
        padded = masked_softmax(self.pool.unsqueeze(0) / tau, mask)[0]  # (S_max,)
        weights = padded[:T_x]  # (T_x,)
        total = float(weights.sum())
        self.state = {
            "T_x": T_x,
            "temperature": tau,
            "weights": weights,
            "padded_weights": padded,
            "n_weights": weights.numel(),
            "sum": total,
            "text": f"T_x = {T_x}: {weights.numel()} weights, sum = {total:.3f}, temperature = {tau:.1f}",
        }

    def draw(self):
        T_x, S_max = self.state["T_x"], self.pool.numel()
        weights = self.state["weights"].numpy()
        figure, ax = plt.subplots(figsize=(7.5, 2.8))
        ax.bar(range(1, T_x + 1), weights, color="tab:blue", label="alpha_j (real positions)")
        if T_x < S_max:
            padding = range(T_x + 1, S_max + 1)
            ax.plot(padding, [0.0] * len(padding), "x", color="grey", label="padding: masked, weight 0")
        ax.axhline(1.0 / T_x, color="tab:red", linestyle="--", linewidth=1, label="uniform 1/T_x")
        ax.set_xlim(0.4, S_max + 0.6)
        ax.set_ylim(0.0, 1.3)  # room above 1 for the legend
        ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
        ax.set_xticks(range(1, S_max + 1))
        ax.set_xlabel("source position j")
        ax.set_ylabel("weight alpha_j")
        ax.set_title(self.state["text"])
        ax.legend(loc="upper center", ncol=3, fontsize=8, frameon=False)
        figure.tight_layout()
        return figure


def softmax_widget(max_len: int = 20, initial_len: int = 7, initial_temperature: float = 1.0, seed: int = 0):
    """Sliders over T_x and the temperature: the bars always sum to one over the T_x real positions."""
    if not 1 <= initial_len <= max_len:
        raise ValueError(f"initial_len must be between 1 and max_len={max_len}, got {initial_len}")
    if not 0.1 <= initial_temperature <= 5.0:
        raise ValueError(f"initial_temperature must be between 0.1 and 5.0, got {initial_temperature}")
    generator = torch.Generator().manual_seed(seed)
    scores = 1.5 * torch.randn(max_len, generator=generator)  # (S_max,): a fixed pool of scores
    return SoftmaxExplorer(scores, initial_len, initial_temperature)


# ---- notebook 04


def convex_hull_2d(points) -> list:
    """Corners of the convex hull of 2-D points (N, 2), counter-clockwise (Andrew's monotone chain)."""
    pts = sorted({(float(x), float(y)) for x, y in torch.as_tensor(points).tolist()})
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def inside_hull_2d(point, hull: list, tol: float = 1e-9) -> bool:
    """True when a 2-D point lies inside or on a convex hull given by convex_hull_2d."""
    x, y = (float(v) for v in point)
    if len(hull) == 1:
        return abs(x - hull[0][0]) <= tol and abs(y - hull[0][1]) <= tol
    if len(hull) == 2:  # a segment
        (ax, ay), (bx, by) = hull
        cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
        within = min(ax, bx) - tol <= x <= max(ax, bx) + tol and min(ay, by) - tol <= y <= max(ay, by) + tol
        return abs(cross) <= tol and within
    # counter-clockwise polygon: the point must lie left of (or on) every edge
    return all(
        (bx - ax) * (y - ay) - (by - ay) * (x - ax) >= -tol for (ax, ay), (bx, by) in zip(hull, hull[1:] + hull[:1])
    )


def focus_weights(length: int, focus: int, temperature: float) -> torch.Tensor:
    """alpha_j = softmax_j(-(j - focus)^2 / temperature) for j = 1..length: a bump around `focus`."""
    positions = torch.arange(1, length + 1, dtype=torch.float64)  # (S,)
    scores = -((positions - focus) ** 2)  # (S,): e_j, highest at the focus position
    return torch.softmax(scores / temperature, dim=0)  # (S,)


class ContextHullExplorer(_Explorer):
    """c = sum_j alpha_j h_j for the first T_x of a fixed pool of 2-D states, drawn inside their hull."""

    def __init__(self, points, initial_len: int, initial_focus: int, initial_temperature: float):
        self.pool = points  # (S_max, 2): encoder states h_1..h_{S_max} in the plane
        self.length = widgets.IntSlider(
            value=initial_len, min=1, max=points.shape[0], description="source length T_x",
            continuous_update=False, style=_STYLE, layout=_LAYOUT,
        )
        self.focus = widgets.IntSlider(
            value=initial_focus, min=1, max=initial_len, description="focus position j",
            continuous_update=False, style=_STYLE, layout=_LAYOUT,
        )
        self.temperature = widgets.FloatSlider(
            value=initial_temperature, min=0.1, max=20.0, step=0.1, description="temperature tau (flat when large)",
            continuous_update=False, style=_STYLE, layout=_LAYOUT, readout_format=".1f",
        )
        self._holding = False
        super().__init__([self.length, self.focus, self.temperature])
        self.redraw()

    def _on_change(self, change=None) -> None:
        if self._holding:
            return
        self._holding = True  # shrinking focus.max may move focus.value: redraw once, not twice
        try:
            self.focus.max = int(self.length.value)
        finally:
            self._holding = False
        self.redraw()

    def compute(self) -> None:
        T_x = int(self.length.value)
        focus, tau = int(self.focus.value), float(self.temperature.value)
        points = self.pool[:T_x]  # (T_x, 2): h_1..h_{T_x}
        weights = focus_weights(T_x, focus, tau)  # (T_x,): alpha_1..alpha_{T_x}
        context = weights @ points  # (2,) = (T_x,) @ (T_x, 2): c = sum_j alpha_j h_j
        hull = convex_hull_2d(points)
        total = float(weights.sum())
        self.state = {
            "T_x": T_x,
            "focus": focus,
            "temperature": tau,
            "points": points,
            "weights": weights,
            "context": context,
            "hull": hull,
            "inside": inside_hull_2d(context.tolist(), hull, tol=1e-6),
            "sum": total,
            "text": f"T_x = {T_x}: c_i has {context.numel()} numbers, weights sum to {total:.3f}",
        }

    def draw(self):
        state = self.state
        points, weights, context, hull = state["points"], state["weights"], state["context"], state["hull"]
        figure, (ax, ax_bar) = plt.subplots(1, 2, figsize=(9.5, 4.6), gridspec_kw={"width_ratios": [3, 2]})
        if len(hull) >= 3:
            xs, ys = zip(*(hull + hull[:1]))
            ax.fill(xs, ys, color="tab:blue", alpha=0.12, label="convex hull of the h_j")
            ax.plot(xs, ys, color="tab:blue", lw=1)
        elif len(hull) == 2:
            xs, ys = zip(*hull)
            ax.plot(xs, ys, color="tab:blue", lw=3, alpha=0.3, label="convex hull of the h_j")
        sizes = 40 + 400 * weights.numpy()
        ax.scatter(points[:, 0], points[:, 1], s=sizes, color="tab:blue", zorder=3, label="h_j (size ~ alpha_j)")
        for j, (x, y) in enumerate(points.tolist(), start=1):
            ax.annotate(f"h_{j}", (x, y), textcoords="offset points", xytext=(7, 5), fontsize=9)
        ax.scatter([context[0]], [context[1]], marker="*", s=320, color="tab:red", zorder=4, label="c_i")
        pad = 0.6  # fixed axes from the whole pool: the picture never jumps
        ax.set_xlim(float(self.pool[:, 0].min()) - pad, float(self.pool[:, 0].max()) + pad)
        ax.set_ylim(float(self.pool[:, 1].min()) - pad, float(self.pool[:, 1].max()) + pad)
        ax.set_aspect("equal")
        ax.set_xlabel("feature 1")
        ax.set_ylabel("feature 2")
        ax.set_title(f"c_i = ({context[0]:.2f}, {context[1]:.2f})")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8, frameon=False)
        positions = range(1, state["T_x"] + 1)
        ax_bar.bar(positions, weights.numpy(), color="tab:blue")
        ax_bar.set_ylim(0, 1)
        ax_bar.set_xlim(0.4, self.pool.shape[0] + 0.6)
        ax_bar.set_xticks(range(1, self.pool.shape[0] + 1))
        ax_bar.set_xlabel("source position j")
        ax_bar.set_ylabel("alpha_j")
        ax_bar.set_title(f"{state['T_x']} weights, sum = {state['sum']:.3f}")
        figure.tight_layout()
        return figure


def context_hull_widget(
    max_len: int = 10, initial_len: int = 5, initial_focus: int = 2, initial_temperature: float = 1.0, seed: int = 10
) -> ContextHullExplorer:
    """Sliders over T_x, a focus position and a temperature: c_i moves as a star inside the hull of the h_j."""
    if not 1 <= initial_len <= max_len:
        raise ValueError(f"initial_len must be between 1 and max_len={max_len}, got {initial_len}")
    if not 1 <= initial_focus <= initial_len:
        raise ValueError(f"initial_focus must be between 1 and initial_len={initial_len}, got {initial_focus}")
    if not 0.1 <= initial_temperature <= 20.0:
        raise ValueError(f"initial_temperature must be between 0.1 and 20.0, got {initial_temperature}")
    generator = torch.Generator().manual_seed(seed)
    # a fixed pool of 2-D states, rounded so that c_i can be checked by hand
    points = (1.5 * torch.randn(max_len, 2, generator=generator, dtype=torch.float64)).round(decimals=1)  # (S_max, 2)
    return ContextHullExplorer(points, initial_len, initial_focus, initial_temperature)


__all__ += ["context_hull_widget", "convex_hull_2d", "inside_hull_2d", "focus_weights"]
