"""Tests of the relative-move attentions of notebook 11 (relative_shift, content_shift), and -EOS training."""

import pytest
import torch

from rnn_attention.data.derived import toy_pairs_of_length
from rnn_attention.data.vocab import Vocab
from rnn_attention.evaluate import make_batch
from rnn_attention.models import build_model
from rnn_attention.models.kinds import ContentShiftKind, RelativeShiftKind, sharpen_weights, shift_weights
from rnn_attention.train import get_config
from rnn_attention.train.loop import compute_loss


def test_the_shift_by_hand():
    """w = (0.2, 0.5, 0.3), moves -1/0/+1 = (0.1, 0.6, 0.3): shifted_j = 0.3 w_{j-1} + 0.6 w_j + 0.1 w_{j+1}."""
    weights = torch.tensor([[0.2, 0.5, 0.3]])
    moves = torch.tensor([[0.1, 0.6, 0.3]])
    shifted = shift_weights(weights, moves)
    # 0.6*0.2 + 0.1*0.5 = 0.17; 0.3*0.2 + 0.6*0.5 + 0.1*0.3 = 0.39; 0.3*0.5 + 0.6*0.3 = 0.33
    assert torch.allclose(shifted, torch.tensor([[0.17, 0.39, 0.33]]))
    # 0.3*0.3 moved off the right end and 0.1*0.2 off the left: lost, not wrapped around
    assert shifted.sum().item() == pytest.approx(0.89)


def test_the_shift_pads_with_zeros_and_does_not_wrap_around():
    last = torch.tensor([[0.0, 0.0, 1.0]])
    assert torch.equal(shift_weights(last, torch.tensor([[0.0, 0.0, 1.0]])), torch.zeros(1, 3))
    assert torch.equal(shift_weights(last, torch.tensor([[1.0, 0.0, 0.0]])), torch.tensor([[0.0, 1.0, 0.0]]))


def test_sharpening_by_hand_and_its_zeros():
    out = sharpen_weights(torch.tensor([[0.5, 0.25, 0.25, 0.0]]), torch.tensor([2.0]))
    assert torch.allclose(out, torch.tensor([[2 / 3, 1 / 6, 1 / 6, 0.0]]))
    assert torch.equal(sharpen_weights(torch.zeros(1, 3), torch.tensor([3.0])), torch.zeros(1, 3))  # never NaN
    masked = sharpen_weights(torch.tensor([[0.5, 0.5, 0.5]]), torch.tensor([1.0]), torch.tensor([[True, True, False]]))
    assert torch.allclose(masked, torch.tensor([[0.5, 0.5, 0.0]]))


def test_bad_shapes_are_refused_with_what_was_given():
    with pytest.raises(ValueError, match=r"moves \(B, 3\).*got weights \(2, 4\) and moves \(2, 2\)"):
        shift_weights(torch.zeros(2, 4), torch.zeros(2, 2))


@pytest.mark.parametrize("kind", [RelativeShiftKind, ContentShiftKind])
@pytest.mark.parametrize("S", [1, 2, 7, 300])
def test_rows_sum_to_one_over_real_positions_for_any_length(kind, S):
    torch.manual_seed(0)
    attention = kind(8, 6) if kind is RelativeShiftKind else kind(8, 6, 5)
    keys = torch.randn(3, S, 6)
    lengths = torch.tensor([S, max(1, S // 2), 1])
    mask = torch.arange(S).unsqueeze(0) < lengths.unsqueeze(1)  # (3, S)
    weights = None
    for _ in range(4):
        context, weights = attention(torch.randn(3, 8), keys, mask, attention.project_keys(keys), weights)
        assert context.shape == (3, 6) and weights.shape == (3, S)
        assert torch.allclose(weights.sum(-1), torch.ones(3), atol=1e-5)
        assert torch.all(weights[~mask] == 0)


def test_the_first_step_starts_on_position_1_and_a_stay_keeps_it_there():
    attention = RelativeShiftKind(4, 2)
    with torch.no_grad():
        attention.W_shift.weight.zero_()
        attention.W_shift.bias.copy_(torch.tensor([-50.0, 50.0, -50.0]))  # the move 0, almost surely
    _, weights = attention(torch.zeros(1, 4), torch.randn(1, 5, 2))
    assert torch.allclose(weights, torch.tensor([[1.0, 0, 0, 0, 0]]), atol=1e-6)


def test_a_padded_batch_gives_what_each_sentence_gives_alone():
    torch.manual_seed(1)
    attention = ContentShiftKind(8, 6, 5)
    keys, query = torch.randn(2, 9, 6), torch.randn(2, 8)
    mask = torch.tensor([[True] * 9, [True] * 4 + [False] * 5])
    w_batch = None
    w_alone = None
    for _ in range(3):
        _, w_batch = attention(query, keys, mask, None, w_batch)
        _, w_alone = attention(query[1:], keys[1:, :4], None, None, w_alone)
    assert torch.allclose(w_batch[1, :4], w_alone[0], atol=1e-6)


@pytest.mark.parametrize("kind", ["relative_shift", "content_shift"])
def test_the_kinds_train_with_finite_gradients_and_decode_past_the_training_lengths(kind):
    cfg = get_config("ci", task="copy", attention=kind, emb_size=8, hidden_size=8, attn_size=8)
    model = build_model(40, 40, cfg)
    pairs = toy_pairs_of_length("copy", 6, 4)
    vocab = Vocab.build([s for s, _ in pairs] + ["0123456789abcdefghijklmnopqrstuvwxyz"])
    batch = make_batch(pairs, (vocab, vocab))
    loss, _, _ = compute_loss(model, batch)
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    long = make_batch(toy_pairs_of_length("copy", 120, 2), (vocab, vocab))
    tokens, attn = model.greedy_decode(long.src, long.src_lengths, max_len=5)
    assert attn.shape == (2, tokens.shape[1], 120)


def test_training_without_eos_leaves_the_eos_target_out_of_the_loss():
    cfg = get_config("ci", task="copy", emb_size=8, hidden_size=8, attn_size=8)
    model = build_model(40, 40, cfg)
    vocab = Vocab.build(["abc"])
    batch = make_batch([("abc", "abc"), ("a", "a")], (vocab, vocab))
    _, _, with_eos = compute_loss(model, batch)
    _, _, without = compute_loss(model, batch, train_eos=False)
    assert (with_eos, without) == (6, 4)  # 3 + 1 characters, and one EOS each
    with pytest.raises(TypeError, match="TrainConfig.train_eos must be a bool"):
        get_config("ci", train_eos="no")


def test_toy_pairs_of_length_are_reproducible_distinct_and_exclude_what_is_asked():
    first = toy_pairs_of_length("reverse", 3, 50, seed=4)
    assert first == toy_pairs_of_length("reverse", 3, 50, seed=4)
    assert all(len(s) == 3 and t == s[::-1] for s, t in first) and len({s for s, _ in first}) == 50
    again = toy_pairs_of_length("reverse", 3, 50, seed=4, exclude=[s for s, _ in first[:10]])
    assert not {s for s, _ in first[:10]} & {s for s, _ in again}
    with pytest.raises(ValueError, match="'copy' or 'reverse'"):
        toy_pairs_of_length("dates", 3, 1)
