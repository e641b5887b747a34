"""Notebook 12's beam-search widget, driven without a browser: move the slider, read the state and the figure."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from rnn_attention import evaluate
from rnn_attention.data import build_vocabs, load_split
from rnn_attention.models import build_model
from rnn_attention.widgets import beam_search_widget

pytestmark = pytest.mark.usefixtures("one_thread")

SOURCE = "3 mai 1999"
MAX_LEN = 14


@pytest.fixture(scope="module")
def model_and_vocabs():
    """A tiny dates model trained for a few dozen steps: under-trained on purpose, its outputs still end."""
    pairs = load_split("dates", "train")
    vocabs = build_vocabs(pairs)
    torch.manual_seed(0)
    model = build_model(len(vocabs[0]), len(vocabs[1]), dict(emb_size=8, hidden_size=16, attn_size=8))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for step in range(40):
        batch = evaluate.make_batch(pairs[32 * step : 32 * (step + 1)], vocabs)
        logits = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), batch.tgt_out, ignore_index=0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), vocabs


def _encoded(vocabs, text):
    src = torch.tensor([vocabs[0].encode(text, strict=True)])
    return src, torch.tensor([src.shape[1]])


def test_slider_sets_the_hypotheses_per_step_and_the_chosen_output(model_and_vocabs):
    model, vocabs = model_and_vocabs
    explorer = beam_search_widget(model, vocabs, SOURCE, max_beam=8, initial_beam=4, max_len=MAX_LEN)
    assert (explorer.beam.min, explorer.beam.max, explorer.beam.value) == (1, 8, 4)
    V = len(vocabs[1])
    src, lengths = _encoded(vocabs, SOURCE)
    for K in (1, 2, 3, 8, 4):
        explorer.beam.value = K
        state = explorer.state
        assert state["beam_size"] == K and state["steps"]
        # one step's K alive hypotheses (fewer only if the step offers fewer than K non-<eos> candidates)
        assert all(len(alive) == min(K, V - 1) for alive in state["steps"])
        for step, alive in enumerate(state["steps"], start=1):
            assert all(len(text) == step for text, _ in alive)
            scores = [s for _, s in alive]
            assert scores == sorted(scores, reverse=True)
        tokens, scores = model.beam_search(src, lengths, MAX_LEN, beam_size=K)
        assert state["output"] == vocabs[1].decode(tokens[0]) and state["score"] == pytest.approx(float(scores[0]))
        assert state["weights"].shape == (len(state["tokens"]), len(SOURCE))
        assert torch.allclose(state["weights"].sum(dim=1), torch.ones(len(state["tokens"])), atol=1e-5)
        assert explorer.figure is not None and f"(beam of {K})" in explorer.figure.axes[0].get_title()
        assert len(explorer.output.outputs) == 2 and f"beam of {K}" in explorer.output.outputs[0]["text"]
        assert explorer.output.outputs[0]["text"].count("\nstep ") == len(state["steps"])


def test_beam_of_one_shows_greedy_output_and_alignment(model_and_vocabs):
    model, vocabs = model_and_vocabs
    explorer = beam_search_widget(model, vocabs, SOURCE, initial_beam=3, max_len=MAX_LEN)
    explorer.beam.value = 1
    output, weights, _, tgt_tokens = evaluate.translate(model, SOURCE, vocabs, max_len=MAX_LEN)
    assert explorer.state["output"] == output and explorer.state["tokens"] == tgt_tokens
    assert torch.allclose(explorer.state["weights"], weights, atol=1e-5)
    assert all(len(alive) == 1 for alive in explorer.state["steps"])


def test_trying_restores_the_slider(model_and_vocabs):
    model, vocabs = model_and_vocabs
    explorer = beam_search_widget(model, vocabs, SOURCE, initial_beam=2, max_len=MAX_LEN)
    before = explorer.state["text"]
    with explorer.trying():
        explorer.beam.value = 8
        assert explorer.state["beam_size"] == 8
    assert explorer.beam.value == 2 and explorer.state["text"] == before


def test_bad_arguments_are_named(model_and_vocabs):
    model, vocabs = model_and_vocabs
    with pytest.raises(ValueError, match="initial_beam"):
        beam_search_widget(model, vocabs, SOURCE, max_beam=4, initial_beam=5)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        beam_search_widget(model, vocabs, "3 mai 1999 ☺")
    with pytest.raises(ValueError, match="source"):
        beam_search_widget(model, vocabs, "  ")
