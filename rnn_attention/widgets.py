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


# ---- notebook 09


def softmax_entropy(weights: torch.Tensor) -> float:
    """Entropy -sum_j alpha_j log alpha_j in nats: log(n) for uniform weights, 0 for one-hot."""
    weights = weights.double()
    positive = weights[weights > 0]
    return float(-(positive * positive.log()).sum())


class ScalingExplorer(_Explorer):
    """alpha = softmax(q . k_j [/ sqrt(d)]) for random unit-variance q, k_j using their first d features."""

    def __init__(self, query, keys, d_options, initial_d: int, initial_scaled: bool):
        import math

        self.query = query  # (D_max,): one query with unit-variance entries
        self.keys = keys  # (S, D_max): S keys with unit-variance entries
        self.uniform_entropy = math.log(keys.shape[0])
        self.d = widgets.SelectionSlider(
            options=list(d_options),
            value=initial_d,
            description="key size d",
            continuous_update=False,
            style=_STYLE,
            layout=_LAYOUT,
        )
        self.scaled = widgets.Checkbox(value=initial_scaled, description="scale by sqrt(d)", style=_STYLE)
        super().__init__([self.d, self.scaled])
        self.redraw()

    def compute(self) -> None:
        import math

        d, scaled = int(self.d.value), bool(self.scaled.value)
        # e_j = q . k_j over the first d features; its spread grows like sqrt(d)
        scores = self.keys[:, :d] @ self.query[:d]  # (S,)
        if scaled:
            scores = scores / math.sqrt(d)  # e_j = q . k_j / sqrt(d): spread about 1 for every d
        weights = torch.softmax(scores, dim=0)  # (S,)
        entropy = softmax_entropy(weights)
        max_weight = float(weights.max())
        how = "scaled by sqrt(d)" if scaled else "not scaled"
        self.state = {
            "d": d,
            "scaled": scaled,
            "scores": scores,
            "weights": weights,
            "score_std": float(scores.std()),
            "max_weight": max_weight,
            "entropy": entropy,
            "text": (
                f"d = {d}, {how}: score std = {float(scores.std()):.2f}, max weight = {max_weight:.3f}, "
                f"entropy = {entropy:.2f} (uniform: {self.uniform_entropy:.2f})"
            ),
        }

    def draw(self):
        weights = self.state["weights"].numpy()
        S = weights.size
        figure, ax = plt.subplots(figsize=(7.5, 2.8))
        ax.bar(range(1, S + 1), weights, color="tab:blue", label="alpha_j")
        ax.axhline(1.0 / S, color="tab:red", linestyle="--", linewidth=1, label="uniform 1/S")
        ax.set_ylim(0.0, 1.05)
        ax.set_xticks(range(1, S + 1))
        ax.set_xlabel("key position j")
        ax.set_ylabel("weight alpha_j")
        how = "scaled" if self.state["scaled"] else "not scaled"
        ax.set_title(
            f"d = {self.state['d']} ({how}): max weight {self.state['max_weight']:.2f}, "
            f"entropy {self.state['entropy']:.2f} of {self.uniform_entropy:.2f}"
        )
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        figure.tight_layout()
        return figure


def scaling_widget(n_keys: int = 10, max_d: int = 1024, initial_d: int = 16, initial_scaled: bool = False, seed: int = 0):
    """A slider over the key size d and a 'scale by sqrt(d)' box: unscaled dot products saturate the softmax."""
    d_options = [2**k for k in range(0, max_d.bit_length()) if 2**k <= max_d]
    if initial_d not in d_options:
        raise ValueError(f"initial_d must be one of {d_options}, got {initial_d}")
    generator = torch.Generator().manual_seed(seed)
    query = torch.randn(max_d, generator=generator, dtype=torch.float64)  # (D_max,)
    keys = torch.randn(n_keys, max_d, generator=generator, dtype=torch.float64)  # (S, D_max)
    return ScalingExplorer(query, keys, d_options, initial_d, initial_scaled)


__all__ += ["scaling_widget", "softmax_entropy"]


# ---- notebook 05


def random_lengths(batch_size: int, max_len: int, seed: int = 0) -> torch.Tensor:
    """B lengths in 1..max_len, the first one equal to max_len (the batch is padded to it), from a seed."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, max_len + 1, (batch_size,), generator=generator)  # (B,)
    lengths[0] = max_len
    return lengths


class PaddedBatchExplorer(_Explorer):
    """A batch of random lengths padded to S: its mask and its attention weights, side by side."""

    def __init__(self, attention, key_pool, query_pool, initial_batch: int, initial_len: int, seed: int):
        self.attention = attention
        self.key_pool = key_pool  # (B_max, S_max, H): encoder states, cropped to (B, S)
        self.query_pool = query_pool  # (B_max, H): one decoder state s_{i-1} per sentence
        self.seed = seed
        self.batch_size = widgets.IntSlider(
            value=initial_batch, min=1, max=key_pool.shape[0], description="batch size B",
            continuous_update=False, style=_STYLE, layout=_LAYOUT,
        )
        self.max_len = widgets.IntSlider(
            value=initial_len, min=1, max=key_pool.shape[1], description="maximum source length S",
            continuous_update=False, style=_STYLE, layout=_LAYOUT,
        )
        super().__init__([self.max_len, self.batch_size])
        self.redraw()

    def compute(self) -> None:
        from .masking import lengths_to_mask

        B, S = int(self.batch_size.value), int(self.max_len.value)
        lengths = random_lengths(B, S, seed=self.seed)  # (B,)
        src_mask = lengths_to_mask(lengths, max_len=S)  # (B, S): True = real token
        keys = self.key_pool[:B, :S] * src_mask.unsqueeze(-1)  # (B, S, H): zero on padding, as packing gives
        with torch.no_grad():
            _, weights = self.attention(self.query_pool[:B], keys, mask=src_mask)  # (B, S)
        n_real = int(src_mask.sum())
        self.state = {
            "B": B,
            "S": S,
            "lengths": lengths,
            "mask": src_mask,
            "weights": weights,
            "n_real": n_real,
            "row_sums": weights.sum(dim=1),
            "weight_on_padding": float(weights[~src_mask].sum()),
            "text": f"B = {B}, S = {S}: {n_real} real positions of {B * S}",
        }

    def draw(self):
        state = self.state
        B, S = state["B"], state["S"]
        figure, (ax_mask, ax_weights) = plt.subplots(1, 2, figsize=(10, 1.6 + 0.32 * self.batch_size.max))
        labels = [f"b={b + 1}, len {int(n)}" for b, n in enumerate(state["lengths"])]
        ax_mask.imshow(state["mask"].float().numpy(), cmap="Greys", vmin=0, vmax=1.6, aspect="auto")
        for b in range(B):
            for j in range(S):
                real = bool(state["mask"][b, j])
                ax_mask.text(j, b, "1" if real else "0", ha="center", va="center", fontsize=8,
                             color="white" if real else "black")
        ax_mask.set_title("src_mask: 1 = real token, 0 = padding")
        image = ax_weights.imshow(state["weights"].numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
        padding = (~state["mask"]).float().numpy()
        ax_weights.imshow(padding, cmap="Greys", vmin=0, vmax=4, alpha=padding, aspect="auto")  # grey out padding
        ax_weights.set_title("attention weights alpha_bj (rows sum to 1)")
        figure.colorbar(image, ax=ax_weights, fraction=0.046, pad=0.04)
        for ax in (ax_mask, ax_weights):
            ax.set_xticks(range(S))
            ax.set_xticklabels(range(1, S + 1), fontsize=8)
            ax.set_yticks(range(B))
            ax.set_yticklabels(labels, fontsize=8)
            ax.set_xlabel("source position j")
            ax.set_xlim(-0.5, self.max_len.max - 0.5)  # fixed axes: padding grows to the right
            ax.set_ylim(self.batch_size.max - 0.5, -0.5)
        figure.suptitle(state["text"])
        figure.tight_layout()
        return figure


def padded_batch_widget(
    max_batch: int = 8, max_len: int = 16, initial_batch: int = 4, initial_len: int = 9, seed: int = 0
) -> PaddedBatchExplorer:
    """Sliders over the maximum source length S and the batch size B: the mask and the weights as heat maps."""
    from .attention import AdditiveAttention

    if not 1 <= initial_batch <= max_batch:
        raise ValueError(f"initial_batch must be between 1 and max_batch={max_batch}, got {initial_batch}")
    if not 1 <= initial_len <= max_len:
        raise ValueError(f"initial_len must be between 1 and max_len={max_len}, got {initial_len}")
    hidden = 6
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        attention = AdditiveAttention(hidden, hidden, 8)
    key_pool = 2 * torch.randn(max_batch, max_len, hidden, generator=generator)  # (B_max, S_max, H)
    query_pool = 2 * torch.randn(max_batch, hidden, generator=generator)  # (B_max, H)
    return PaddedBatchExplorer(attention, key_pool, query_pool, initial_batch, initial_len, seed)


__all__ += ["padded_batch_widget", "random_lengths"]


# ---- notebook 07


class TranslateExplorer:
    """A text box and a button: translate the input, show the output and its alignment heat map.

    Bad input (empty, too long, symbols the model never saw) gets a friendly
    message instead of a traceback. `.state` holds the last result: "input",
    "output", "weights" (T, S) or None, "src_tokens", "tgt_tokens", "error"
    (None or the message) and "text" (the line shown above the figure).
    """

    def __init__(self, model, vocabs, initial_text: str, max_src_len: int, max_len: int):
        self.model, self.vocabs = model, vocabs
        self.max_src_len, self.max_len = max_src_len, max_len
        self.text_box = widgets.Text(
            value=initial_text,
            description="date to translate",
            placeholder="for example: 3 mai 1999",
            continuous_update=False,
            style=_STYLE,
            layout=_LAYOUT,
        )
        self.button = widgets.Button(description="Translate", button_style="primary")
        self.button.on_click(self._on_click)
        self.text_box.observe(self._on_click, names="value")  # Enter in the box translates too
        self.message = widgets.HTML()
        self.output = widgets.Output()
        self.state: dict = {}
        self.figure = None
        self.widget = widgets.VBox([widgets.HBox([self.text_box, self.button]), self.message, self.output])
        self.translate()

    def _on_click(self, _=None) -> None:
        self.translate()

    def click(self) -> None:
        """What pressing the button does (for tests and check cells)."""
        self.button.click()

    def compute(self) -> None:
        """Translate the text box's value into self.state; never raises."""
        from .evaluate import translate

        text = str(self.text_box.value).strip()
        self.state = {"input": text, "output": None, "weights": None, "src_tokens": [], "tgt_tokens": [], "error": None}
        try:
            if not text:
                raise ValueError("the box is empty: type a date, for example 3 mai 1999")
            output, weights, src_tokens, tgt_tokens = translate(
                self.model, text, self.vocabs, max_len=self.max_len, max_src_len=self.max_src_len
            )
        except (ValueError, TypeError) as error:
            self.state["error"] = str(error)
        except Exception as error:  # never a traceback in the widget: say what happened
            self.state["error"] = f"the model could not translate this input ({type(error).__name__}: {error})"
        else:
            self.state.update(output=output, weights=weights, src_tokens=src_tokens, tgt_tokens=tgt_tokens)
        if self.state["error"]:
            self.state["text"] = f"Cannot translate {text!r}: {self.state['error']}."
        else:
            self.state["text"] = f"{text}  ->  {self.state['output']}"

    def draw(self):
        """The alignment heat map of the last translation (None after bad input)."""
        from .plotting import plot_attention

        if self.state["weights"] is None:
            return None
        S = len(self.state["src_tokens"])
        figure, ax = plt.subplots(figsize=(max(4.0, 1.8 + 0.3 * S), 4.0))
        plot_attention(self.state["weights"], self.state["src_tokens"], self.state["tgt_tokens"], ax=ax,
                       title=self.state["text"])
        figure.tight_layout()
        return figure

    def translate(self) -> None:
        """Recompute and redraw in place: the message line, then the figure (if any)."""
        import html

        self.compute()
        self.figure = self.draw()
        colour = "#b00020" if self.state["error"] else "black"
        self.message.value = f"<span style='color:{colour}'>{html.escape(self.state['text'])}</span>"
        outputs = [{"output_type": "stream", "name": "stdout", "text": self.state["text"] + "\n"}]
        if self.figure is not None:
            outputs.append(_png_output(self.figure))
        self.output.outputs = tuple(outputs)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def translate_widget(model, vocabs, initial_text: str = "Freitag, 16. Oktober 2065", max_src_len: int | None = None,
                     max_len: int = 20) -> TranslateExplorer:
    """A translate-your-own-input box for a trained Seq2Seq; max_src_len defaults to the model's longest training source."""
    if max_src_len is None:
        max_src_len = 40
    return TranslateExplorer(model, vocabs, initial_text, int(max_src_len), int(max_len))


class AlignmentHistoryExplorer(_Explorer):
    """A "training step" slider over the alignment snapshots that `fit` recorded for a few probe sentences."""

    def __init__(self, history: dict, initial_probe: int, initial_step: int | None):
        snapshots = [s for s in history.get("alignments", []) if s.get("attn")]
        if not snapshots:
            raise ValueError("history has no alignment snapshots: train with cfg.snapshot_every > 0 and probe_size > 0")
        self.snapshots = {int(s["step"]): s for s in snapshots}
        self.probe_src = list(history["probe"]["src"])
        self.probe_tgt = list(history["probe"]["tgt"])
        steps = sorted(self.snapshots)
        if initial_step is None:
            initial_step = steps[-1]
        if initial_step not in self.snapshots:
            raise ValueError(f"initial_step must be one of the recorded steps {steps[0]}..{steps[-1]}, got {initial_step}")
        if not 0 <= initial_probe < len(self.probe_src):
            raise ValueError(f"initial_probe must be between 0 and {len(self.probe_src) - 1}, got {initial_probe}")
        self.step = widgets.SelectionSlider(
            options=steps,
            value=initial_step,
            description="training step",
            continuous_update=False,
            style=_STYLE,
            layout=_LAYOUT,
        )
        self.probe = widgets.Dropdown(
            options=[(src, k) for k, src in enumerate(self.probe_src)],
            value=initial_probe,
            description="sentence",
            style=_STYLE,
        )
        super().__init__([self.step, self.probe])
        self.redraw()

    def compute(self) -> None:
        step, k = int(self.step.value), int(self.probe.value)
        snapshot = self.snapshots[step]
        weights = snapshot["attn"][k].float()  # (T, S): teacher-forced alignment at this step
        output = snapshot["outputs"][k]
        T, S = weights.shape
        # entropy of each row, in nats; log S for uniform weights, 0 for a one-hot row
        entropy = -(torch.special.xlogy(weights, weights)).sum(dim=-1)  # (T,)
        mean_entropy = float(entropy.mean())
        self.state = {
            "step": step,
            "probe": k,
            "weights": weights,
            "output": output,
            "correct": output == self.probe_tgt[k],
            "mean_entropy": mean_entropy,
            "uniform_entropy": float(torch.log(torch.tensor(float(S)))),
            "text": (f"step {step}: greedy output {output!r} "
                     f"({'right' if output == self.probe_tgt[k] else 'target ' + self.probe_tgt[k]}), "
                     f"mean row entropy {mean_entropy:.2f} nats (uniform: {float(torch.log(torch.tensor(float(S)))):.2f})"),
        }

    def draw(self):
        from .plotting import plot_attention

        k = self.state["probe"]
        src_tokens = list(self.probe_src[k])
        tgt_tokens = list(self.probe_tgt[k]) + ["<eos>"]
        weights = self.state["weights"][: len(tgt_tokens), : len(src_tokens)]
        figure, ax = plt.subplots(figsize=(max(4.0, 1.8 + 0.3 * len(src_tokens)), 4.0))
        plot_attention(weights, src_tokens, tgt_tokens, ax=ax, title=f"training step {self.state['step']}")
        figure.tight_layout()
        return figure


def alignment_history_widget(history: dict, initial_probe: int = 2, initial_step: int | None = None):
    """Slide over the training steps and watch the alignment of one probe sentence appear."""
    return AlignmentHistoryExplorer(history, initial_probe, initial_step)


__all__ += ["translate_widget", "TranslateExplorer", "alignment_history_widget", "AlignmentHistoryExplorer"]
