"""Notebook 10: order-aware item scores, the local (conv) encoder, location-aware attention with coverage."""

import pytest
import torch

from rnn_attention.items import copied_from, copy_table, in_order_recall, item_accuracy, lcs_length
from rnn_attention.models import LocationAwareKind, build_model
from rnn_attention.models.local_encoder import ConvEncoder
from rnn_attention.train import TrainConfig, get_config
from rnn_attention.train.config import config_hash

# ---- order-aware scores, each checkable by hand ----


def test_lcs_length_by_hand():
    assert lcs_length("ABCD", "BCDD") == 3  # B, C, D
    assert lcs_length("ABC", "CBA") == 1
    assert lcs_length([], ["A"]) == 0
    assert lcs_length(["2001-01-01", "X"], ["2001-01-01"]) == 1


def test_in_order_recall_sees_a_shift_that_the_per_place_score_misses():
    target = "A;B;C;D"
    assert item_accuracy("X;C;D;D", target) == 0.25  # only D in place 4
    assert in_order_recall("X;C;D;D", target) == 0.5  # C, D in order
    assert in_order_recall("D;C;B;A", target) == 0.25  # reversed: one date in order
    assert in_order_recall("A;B;C;D", target) == 1.0
    assert in_order_recall("", target) == 0.0
    with pytest.raises(ValueError, match="no items"):
        in_order_recall("A", "")


def test_in_order_recall_is_never_below_the_per_place_score():
    target = "A;B;C;D;E"
    for output in ("A;C;C;D;E", "B;C;D;E;E", "E;D;C;B;A", "A;B", "A;B;C;D;E;F", "X;X;X;X;X"):
        assert in_order_recall(output, target) >= item_accuracy(output, target)


def test_copied_from_names_the_target_date_each_output_date_equals():
    assert copied_from("X;C;D;D", "A;B;C;D") == [0, 3, 4, 4]
    assert copied_from("A;B", "A;B;C") == [1, 2]
    assert copied_from("A;A;B", "B;A;B") == [2, 2, 3]  # B equals dates 1 and 3: the one nearest to place 3
    assert copied_from("B;B", "B;A;B") == [1, 1]  # place 2 is as near to 1 as to 3: the earlier
    assert copied_from("", "A;B") == []


def test_copy_table_rows_sum_to_one_and_its_diagonal_is_the_per_place_score():
    targets = ["A;B;C;D", "E;F;G;H"]
    outputs = ["X;C;D;D", "E;F;G;H"]
    table = copy_table(outputs, targets)
    assert len(table) == 4 and all(len(row) == 5 for row in table)
    assert all(abs(sum(row) - 1) < 1e-12 for row in table)
    assert table[0] == [0.5, 0.5, 0, 0, 0]  # date 1: none of them once, date 1 once
    assert table[1][3] == 0.5 and table[3][4] == 1.0
    per_place = [
        sum(o.split(";")[p : p + 1] == [t.split(";")[p]] for o, t in zip(outputs, targets)) / 2 for p in range(4)
    ]
    assert [table[p][p + 1] for p in range(4)] == per_place
    assert copy_table(["A"], ["A;B"]) == [[0, 1, 0], [1, 0, 0]]  # a missing date counts as "none"
    with pytest.raises(ValueError, match="as many outputs as targets"):
        copy_table(["A"], ["A;B", "C;D"])
    with pytest.raises(ValueError, match="same number of items"):
        copy_table(["A", "B"], ["A;B", "C"])


# ---- the local encoder ----


def test_conv_encoder_states_read_only_their_neighbours():
    torch.manual_seed(0)
    enc = ConvEncoder(vocab_size=20, emb_size=6, hidden_size=5, kernel_size=3).eval()
    src = torch.randint(4, 20, (1, 12))
    out, final = enc(src, torch.tensor([12]))
    assert out.shape == (1, 12, 10) and final.shape == (1, 10)
    changed = src.clone()
    changed[0, 8] = 4 if int(src[0, 8]) != 4 else 5
    out2, _ = enc(changed, torch.tensor([12]))
    moved = (out2 - out).abs().sum(-1)[0] > 0  # (S,): which states changed
    assert moved.tolist() == [j in (7, 8, 9) for j in range(12)]  # r = 3: positions 7, 8, 9 only


def test_conv_encoder_same_characters_same_state_wherever_they_sit():
    torch.manual_seed(0)
    enc = ConvEncoder(vocab_size=20, emb_size=6, hidden_size=5, kernel_size=3).eval()
    piece = [5, 6, 7, 8, 9]
    short = torch.tensor([piece])
    long = torch.tensor([[10, 11, 12] + piece + [13, 14]])
    out_s, _ = enc(short, torch.tensor([5]))
    out_l, _ = enc(long, torch.tensor([10]))
    torch.testing.assert_close(out_s[0, 1:4], out_l[0, 4:7])  # interior of the piece: the same states


def test_conv_encoder_padded_batch_equals_one_by_one_and_is_zero_on_padding():
    torch.manual_seed(0)
    enc = ConvEncoder(vocab_size=20, emb_size=6, hidden_size=5).eval()
    src = torch.randint(4, 20, (2, 9))
    src[1, 4:] = 0
    lengths = torch.tensor([9, 4])
    out, final = enc(src, lengths)
    alone, final_alone = enc(src[1:, :4], lengths[1:])
    torch.testing.assert_close(out[1, :4], alone[0])
    torch.testing.assert_close(final[1], final_alone[0])
    assert out[1, 4:].abs().sum() == 0


def test_conv_encoder_refuses_an_even_kernel_and_a_bad_input():
    with pytest.raises(ValueError, match="odd"):
        ConvEncoder(20, 6, 5, kernel_size=4)
    enc = ConvEncoder(20, 6, 5)
    with pytest.raises(ValueError, match="src"):
        enc(torch.zeros(2, 3), torch.tensor([3, 3]))


# ---- location-aware attention with coverage ----


def test_coverage_features_by_hand():
    att = LocationAwareKind(query_size=4, key_size=6, attn_size=5, filters=1, kernel_size=3, coverage=True)
    with torch.no_grad():
        att.F.weight.copy_(torch.tensor([[[1.0, 2.0, 3.0], [0.0, 10.0, 0.0]]]))  # (k=1, 2 channels, r=3)
    prev = torch.tensor([[0.0, 0.0, 1.0, 0.0, 0.0]])  # alpha_{i-1}
    coverage = torch.tensor([[1.0, 1.0, 1.0, 0.0, 0.0]])  # positions 1-3 already covered
    f = att.location_features(prev, coverage)[0, :, 0]
    # prev channel as in the single-channel example (0, 3, 2, 1, 0), plus 10 x coverage at the same position
    torch.testing.assert_close(f, torch.tensor([10.0, 13.0, 12.0, 1.0, 0.0]))
    unfolded = LocationAwareKind(4, 6, 5, filters=1, kernel_size=3, coverage=True, unfold=True)
    unfolded.load_state_dict(att.state_dict())
    torch.testing.assert_close(unfolded.location_features(prev, coverage), att.location_features(prev, coverage))
    with pytest.raises(ValueError, match="cumulative weights"):
        att.location_features(prev)


def test_coverage_kind_needs_the_sum_after_the_first_step():
    att = LocationAwareKind(4, 6, 5, coverage=True)
    keys, query = torch.randn(2, 7, 6), torch.randn(2, 4)
    context, weights = att(query, keys)  # first step: no previous weights, nothing covered
    assert context.shape == (2, 6) and torch.allclose(weights.sum(-1), torch.ones(2))
    with pytest.raises(ValueError, match="cumulative weights"):
        att(query, keys, prev_weights=weights)


def small_cfg(**changes):
    return get_config("ci", task="dates", attention="location_aware", emb_size=8, hidden_size=8, attn_size=8, **changes)


@pytest.mark.parametrize("encoder", ["bigru", "conv"])
def test_a_coverage_model_decodes_as_it_trains_and_its_decoder_carries_the_sum(encoder):
    torch.manual_seed(0)
    model = build_model(20, 9, small_cfg(location_coverage=True, location_kernel_size=7, encoder=encoder)).eval()
    src = torch.randint(4, 20, (2, 10))
    src[1, 6:] = 0
    lengths = torch.tensor([10, 6])
    tokens, attn = model.greedy_decode(src, lengths, 6)
    tgt_in = torch.cat([torch.full((2, 1), model.sos_idx), tokens[:, :-1]], dim=1)
    _, forced = model(src, lengths, tgt_in, return_attention=True)
    steps = tokens.shape[1]
    first_eos = [(tokens[b] == model.eos_idx).nonzero() for b in range(2)]
    for b in range(2):
        n = int(first_eos[b][0]) + 1 if len(first_eos[b]) else steps
        torch.testing.assert_close(forced[b, :n], attn[b, :n])
    # the state the decoder carries: s_i, then the sum of the weights so far
    enc_outputs, final = model.encoder(src, lengths)
    mask = torch.arange(10) < lengths.unsqueeze(1)
    state = model.decoder.init_state(enc_outputs, final, mask)
    assert state.shape == (2, 8 + 10) and state[:, 8:].abs().sum() == 0
    weights, total = None, torch.zeros(2, 10)
    y = torch.full((2,), model.sos_idx)
    for _ in range(3):
        _, state, weights = model.decoder.step(y, state, enc_outputs, mask, None, weights)
        total = total + weights
        torch.testing.assert_close(state[:, 8:], total)
    tokens_beam, _ = model.beam_search(src[:1], lengths[:1], 6, beam_size=1)  # beam 1 = greedy
    n = tokens_beam.shape[1]
    assert tokens_beam[0].tolist() == tokens[0, :n].tolist()


def test_new_fields_keep_old_hashes_and_old_models():
    old = TrainConfig()
    assert old.location_coverage is False and old.encoder == "bigru" and old.encoder_kernel_size == 9
    assert config_hash(old) == "c8c01b2ea9aa"  # tests/test_train_config.py's pinned hash of TrainConfig()
    torch.manual_seed(0)
    plain = build_model(20, 9, small_cfg())
    assert plain.decoder.attention.F.weight.shape == (8, 1, 11)  # old checkpoints' shape
    assert not plain.decoder.attention.uses_coverage
    with pytest.raises(ValueError, match="encoder"):
        build_model(20, 9, small_cfg(encoder="transformer"))
    with pytest.raises(TypeError, match="location_coverage"):
        small_cfg(location_coverage=1)
