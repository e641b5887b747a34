"""The widgets and check functions of notebooks 04 and 05, driven without a browser."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention import AdditiveAttention, lengths_to_mask
from rnn_attention.exercises import (
    check_context_vector,
    check_feature_bounds,
    check_make_mask,
    check_one_by_one,
    check_pad_batch,
    check_state_gradients,
)
from rnn_attention.widgets import (
    context_hull_widget,
    convex_hull_2d,
    focus_weights,
    inside_hull_2d,
    padded_batch_widget,
    random_lengths,
)


def not_done(*args):
    raise NotImplementedError


# ---- notebook 04


def test_hull_widget_starts_meaningful_and_names_its_sliders():
    explorer = context_hull_widget(initial_len=5)
    assert explorer.length.description == "source length T_x"
    assert all(s.continuous_update is False for s in (explorer.length, explorer.focus, explorer.temperature))
    assert explorer.length.style.description_width == "initial"
    assert explorer.state["text"] == "T_x = 5: c_i has 2 numbers, weights sum to 1.000"
    assert explorer.state["weights"].shape == (5,) and explorer.state["inside"]
    assert explorer.figure is not None and len(explorer.output.outputs) == 2  # text line and picture


@pytest.mark.parametrize("T_x", [1, 2, 7])
def test_hull_widget_follows_T_x_and_context_stays_in_the_hull(T_x):
    explorer = context_hull_widget(max_len=10, initial_len=5)
    explorer.length.value = T_x
    assert explorer.focus.max == T_x and explorer.focus.value <= T_x
    # each redraw costs a figure: a few corners of the slider space are enough
    for focus, tau in [(1, 0.1), (T_x, 1.0), ((T_x + 1) // 2, 20.0)]:
        explorer.focus.value = focus
        explorer.temperature.value = tau
        state = explorer.state
        assert state["T_x"] == T_x and state["weights"].shape == (T_x,)
        assert state["weights"].sum().item() == pytest.approx(1.0)
        assert state["context"].shape == (2,)  # the size of one h_j, whatever T_x
        assert torch.allclose(state["context"], state["weights"] @ explorer.pool[:T_x])
        assert state["inside"]
        assert state["text"] == f"T_x = {T_x}: c_i has 2 numbers, weights sum to 1.000"


def test_hull_widget_sharp_weights_pick_one_state_flat_weights_average():
    explorer = context_hull_widget(max_len=10, initial_len=6)
    explorer.focus.value, explorer.temperature.value = 4, 0.1
    assert torch.allclose(explorer.state["context"], explorer.pool[3], atol=1e-3)
    explorer.temperature.value = 20.0
    assert explorer.state["weights"].max() - explorer.state["weights"].min() < 0.5


def test_hull_widget_rejects_bad_start():
    with pytest.raises(ValueError, match="initial_len"):
        context_hull_widget(max_len=4, initial_len=5)


def test_convex_hull_and_inside():
    square = torch.tensor([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [1.0, 1.0]])
    hull = convex_hull_2d(square)
    assert len(hull) == 4 and (1.0, 1.0) not in hull
    assert inside_hull_2d((1.0, 1.0), hull) and inside_hull_2d((2.0, 1.0), hull)
    assert not inside_hull_2d((2.1, 1.0), hull)
    segment = convex_hull_2d(torch.tensor([[0.0, 0.0], [1.0, 1.0]]))
    assert inside_hull_2d((0.5, 0.5), segment) and not inside_hull_2d((0.5, 0.6), segment)
    assert focus_weights(5, 3, 1.0).argmax().item() == 2


def test_checks_of_notebook_04(capsys):
    assert check_context_vector(not_done).status == "not attempted"
    assert check_context_vector(lambda w, h: torch.bmm(w.unsqueeze(1), h).squeeze(1))
    assert check_context_vector(lambda w, h: h.sum(1)).status == "failed"  # forgot the weights
    assert check_state_gradients(lambda a, g: a[:, None] * g[None, :])
    assert check_state_gradients(lambda a, g: g.expand(a.numel(), -1)).status == "failed"  # forgot alpha
    assert check_feature_bounds(lambda h: (h.min(0).values, h.max(0).values))
    assert check_feature_bounds(lambda h: (h.min(1).values, h.max(1).values)).status == "failed"
    out = capsys.readouterr().out
    assert out.count("passed") == 3 and "not attempted yet" in out


# ---- notebook 05


def test_batch_widget_starts_meaningful_and_names_its_sliders():
    explorer = padded_batch_widget(initial_batch=4, initial_len=9)
    assert explorer.max_len.description == "maximum source length S"
    assert explorer.batch_size.description == "batch size B"
    assert explorer.max_len.continuous_update is False and explorer.batch_size.continuous_update is False
    state = explorer.state
    assert state["mask"].shape == (4, 9) and state["weights"].shape == (4, 9)
    assert state["text"] == f"B = 4, S = 9: {int(state['lengths'].sum())} real positions of 36"
    assert len(explorer.output.outputs) == 2 and len(explorer.figure.axes) >= 2  # text line; mask and weights


@pytest.mark.parametrize("S, B", [(1, 1), (5, 3), (16, 8)])
def test_batch_widget_weights_live_on_the_mask(S, B):
    explorer = padded_batch_widget(max_batch=8, max_len=16)
    explorer.max_len.value = S
    explorer.batch_size.value = B
    state = explorer.state
    assert (state["B"], state["S"]) == (B, S)
    assert int(state["lengths"].max()) == S and (state["lengths"] >= 1).all()
    assert torch.equal(state["mask"], lengths_to_mask(state["lengths"], S))
    assert state["n_real"] == int(state["lengths"].sum())
    assert torch.allclose(state["row_sums"], torch.ones(B))
    assert state["weight_on_padding"] == 0.0 and (state["weights"][~state["mask"]] == 0).all()
    assert state["text"] == f"B = {B}, S = {S}: {state['n_real']} real positions of {B * S}"


def test_random_lengths_are_reproducible():
    assert torch.equal(random_lengths(5, 9, seed=3), random_lengths(5, 9, seed=3))
    assert random_lengths(5, 9)[0] == 9


def test_checks_of_notebook_05(capsys):
    from torch.nn.utils.rnn import pad_sequence

    assert check_make_mask(not_done).status == "not attempted"
    assert check_make_mask(lambda n, s: torch.arange(s)[None, :] < n[:, None])
    assert check_make_mask(lambda n, s: torch.arange(s)[None, :] <= n[:, None]).status == "failed"  # off by one
    assert check_make_mask(lambda n, s: (torch.arange(s)[None, :] < n[:, None]).int()).status == "failed"  # not bool

    def pad_batch(seqs):
        padded = pad_sequence(seqs, batch_first=True)
        return padded, lengths_to_mask(torch.tensor([len(s) for s in seqs]), padded.shape[1])

    assert check_pad_batch(pad_batch)
    assert check_pad_batch(lambda seqs: (pad_sequence(seqs, batch_first=True, padding_value=1.0), None)).status == "failed"

    def one_by_one(attention, query, keys, lengths):
        contexts, weights = torch.zeros(keys.shape[0], keys.shape[2], dtype=keys.dtype), torch.zeros(keys.shape[:2], dtype=keys.dtype)
        for b, n in enumerate(lengths.tolist()):
            c, w = attention(query[b : b + 1], keys[b : b + 1, :n])
            contexts[b], weights[b, :n] = c[0], w[0]
        return contexts, weights

    assert check_one_by_one(one_by_one)
    assert check_one_by_one(lambda attention, q, k, n: attention(q, k)).status == "failed"  # forgot the lengths
    out = capsys.readouterr().out
    assert out.count("passed") == 3 and "not attempted yet" in out
