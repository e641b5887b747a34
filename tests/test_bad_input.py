"""Input the package cannot handle gets a clear error or a correct result, never a raw torch error (issue 12)."""

import pytest
import torch

from rnn_attention import AdditiveAttention, GeneralAttention, scaled_dot_product_attention
from rnn_attention.data import Vocab
from rnn_attention.evaluate import MAX_SOURCE_SYMBOLS, greedy_outputs, translate
from rnn_attention.models import build_model
from rnn_attention.widgets import scaling_widget
from rnn_attention.widgets.notebook04 import context_hull_widget

SIZES = dict(emb_size=4, hidden_size=6, attn_size=5, attention="additive")


def test_query_and_keys_of_different_dtypes():
    attention = AdditiveAttention(3, 4, 5)
    with pytest.raises(TypeError, match=r"same dtype, got query torch.float32 and keys torch.float64"):
        attention(torch.randn(2, 3), torch.randn(2, 6, 4, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"share one dtype"):
        scaled_dot_product_attention(torch.randn(1, 2, 3), torch.randn(1, 4, 3).half(), torch.randn(1, 4, 3))
    with torch.autocast("cpu", dtype=torch.bfloat16):  # mixed precision: two dtypes meet by design
        context, weights = attention(torch.randn(2, 3).bfloat16(), torch.randn(2, 6, 4))
    assert torch.isfinite(context.float()).all() and weights.shape == (2, 6)


@pytest.mark.parametrize("sizes", [(0, 4), (-1, 4), (3, 0), (3.0, 4), (True, 4)])
def test_general_attention_refuses_sizes_that_are_not_positive_ints(sizes):
    with pytest.raises(ValueError, match=r"must be a positive int"):
        GeneralAttention(*sizes)


def test_scaled_dot_product_with_no_features_is_an_error_not_nan():
    with pytest.raises(ValueError, match=r"need D >= 1 features .* undefined at D = 0"):
        scaled_dot_product_attention(torch.randn(1, 2, 0), torch.randn(1, 3, 0), torch.randn(1, 3, 4))


def test_the_encoder_refuses_an_empty_batch_and_ids_outside_its_vocabulary():
    model = build_model(9, 7, SIZES).eval()
    with pytest.raises(ValueError, match=r"at least one sentence of at least one token, got shape \(0, 3\)"):
        model.greedy_decode(torch.zeros(0, 3, dtype=torch.long), torch.zeros(0, dtype=torch.long), 5)
    with pytest.raises(ValueError, match=r"token ids from 4 to 12; this encoder's vocabulary has ids 0..8"):
        model.greedy_decode(torch.tensor([[4, 12]]), torch.tensor([2]), 5)


def test_greedy_outputs_of_no_pairs_is_no_outputs():
    vocabs = (Vocab(list("ab")), Vocab(list("12")))
    assert greedy_outputs(build_model(6, 6, SIZES), [], vocabs) == []


def test_translate_caps_an_unbounded_input_and_says_how_to_lift_the_cap():
    vocabs = (Vocab(list("1")), Vocab(list("1")))
    model = build_model(len(vocabs[0]), len(vocabs[1]), SIZES).eval()
    with pytest.raises(ValueError, match=rf"more than the cap of {MAX_SOURCE_SYMBOLS} .*max_src_len=None"):
        translate(model, "1" * 100_000, vocabs)
    output, weights, src_tokens, _ = translate(model, "1" * 300, vocabs, max_len=3, max_src_len=None)
    assert weights.shape[1] == len(src_tokens) == 300  # under the cap, or with it lifted: any length runs


@pytest.mark.parametrize("n_keys", [0, -3, 2.5])
def test_scaling_widget_needs_at_least_one_key(n_keys):
    with pytest.raises(ValueError, match=r"n_keys must be a positive int"):
        scaling_widget(n_keys=n_keys)


def test_a_check_that_drives_a_widget_puts_its_sliders_back():
    explorer = context_hull_widget(initial_len=5)
    before = [control.value for control in explorer.controls]
    with explorer.trying():
        explorer.length.value, explorer.temperature.value = 9, 20.0
        assert explorer.state["T_x"] == 9
    assert [control.value for control in explorer.controls] == before and explorer.state["T_x"] == 5
