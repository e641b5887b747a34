"""Tests of rnn_attention.models: shapes, padding invariance, step == forward, location limits."""

import pytest
import torch

from rnn_attention.masking import lengths_to_mask
from rnn_attention.models import (
    AttentionDecoder,
    Encoder,
    LocationDecoder,
    PlainDecoder,
    Seq2Seq,
    build_model,
    count_parameters,
)

V_SRC, V_TGT, E, H, A = 17, 13, 8, 12, 10
KINDS = ["additive", "dot", "general", "concat", "none", "location"]


def tiny(kind="additive", max_len=20, seed=0):
    torch.manual_seed(seed)
    cfg = dict(emb_size=E, hidden_size=H, attn_size=A, attention=kind, location_max_len=max_len)
    return build_model(V_SRC, V_TGT, cfg).eval()


def random_batch(lengths, T=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    src = torch.randint(4, V_SRC, (len(lengths), int(lengths.max())), generator=g)
    src = src.masked_fill(~lengths_to_mask(lengths), 0)  # PAD after each sentence
    tgt_in = torch.randint(3, V_TGT, (len(lengths), T), generator=g)
    tgt_in[:, 0] = 1  # SOS
    return src, lengths, tgt_in


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengths", [[1], [5, 3, 1], [17, 9, 4, 17]])
def test_shapes_for_several_lengths(kind, lengths):
    model = tiny(kind)
    src, src_lengths, tgt_in = random_batch(lengths)
    B, S, T = src.shape[0], src.shape[1], tgt_in.shape[1]
    enc_outputs, final = model.encoder(src, src_lengths)
    assert enc_outputs.shape == (B, S, 2 * H) and final.shape == (B, 2 * H)
    logits, attn = model(src, src_lengths, tgt_in, return_attention=True)
    assert logits.shape == (B, T, V_TGT)
    tokens, greedy_attn = model.greedy_decode(src, src_lengths, max_len=7)
    assert tokens.shape[0] == B and 1 <= tokens.shape[1] <= 7
    if kind == "none":
        assert attn is None and greedy_attn is None
    else:
        assert attn.shape == (B, T, S)
        assert greedy_attn.shape == (B, tokens.shape[1], S)
        # each row is a distribution over the real positions only
        mask = lengths_to_mask(src_lengths)
        assert torch.allclose(attn.sum(-1), torch.ones(B, T), atol=1e-5)
        assert (attn.masked_select(~mask.unsqueeze(1).expand_as(attn)) == 0).all()


def test_parameter_count_does_not_depend_on_length():
    model = tiny("additive")
    before = count_parameters(model)
    for S in (3, 30, 300):
        model(*random_batch([S, 2]))
    assert count_parameters(model) == before


def test_encoder_outputs_are_zero_on_padding_and_final_is_both_directions():
    model = tiny()
    src, lengths, _ = random_batch([6, 2, 4])
    enc_outputs, final = model.encoder(src, lengths)
    assert (enc_outputs[1, 2:] == 0).all() and (enc_outputs[2, 4:] == 0).all()
    # final = [forward state at the last real token; backward state at the first token]
    for b, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(final[b, :H], enc_outputs[b, n - 1, :H])
        torch.testing.assert_close(final[b, H:], enc_outputs[b, 0, H:])


@pytest.mark.parametrize("kind", KINDS)
def test_padding_invariance(kind):
    """A sentence alone and the same sentence in a padded batch give the same numbers."""
    model = tiny(kind)
    src, lengths, tgt_in = random_batch([9, 3, 6, 1], seed=1)
    enc_all, final_all = model.encoder(src, lengths)
    logits_all, attn_all = model(src, lengths, tgt_in, return_attention=True)
    for b, n in enumerate(lengths.tolist()):
        alone = src[b : b + 1, :n]
        enc_one, final_one = model.encoder(alone, lengths[b : b + 1])
        torch.testing.assert_close(enc_one[0], enc_all[b, :n], atol=1e-5, rtol=0)
        torch.testing.assert_close(final_one[0], final_all[b], atol=1e-5, rtol=0)
        logits_one, attn_one = model(alone, lengths[b : b + 1], tgt_in[b : b + 1], return_attention=True)
        torch.testing.assert_close(logits_one[0], logits_all[b], atol=1e-5, rtol=0)
        if attn_one is not None:
            torch.testing.assert_close(attn_one[0], attn_all[b, :, :n], atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", ["additive", "dot", "general", "none", "location"])
def test_teacher_forced_forward_equals_step_by_step(kind):
    model = tiny(kind)
    src, lengths, tgt_in = random_batch([7, 4, 2], T=5)
    logits, attn = model(src, lengths, tgt_in, return_attention=True)
    enc_outputs, final = model.encoder(src, lengths)
    src_mask = lengths_to_mask(lengths)
    dec = model.decoder
    dec_state = dec.init_state(enc_outputs, final, src_mask)
    projected_keys = dec.project_keys(enc_outputs)
    for i in range(tgt_in.shape[1]):
        step_logits, dec_state, weights = dec.step(tgt_in[:, i], dec_state, enc_outputs, src_mask, projected_keys)
        assert step_logits.shape == (3, V_TGT) and dec_state.shape == (3, H)
        torch.testing.assert_close(step_logits, logits[:, i], atol=1e-5, rtol=0)
        if attn is None:
            assert weights is None
        else:
            torch.testing.assert_close(weights, attn[:, i], atol=1e-5, rtol=0)


def test_keys_are_projected_once_per_sentence(monkeypatch):
    model = tiny("additive")
    calls = []
    original = model.decoder.attention.project_keys
    monkeypatch.setattr(model.decoder.attention, "project_keys", lambda k: calls.append(1) or original(k))
    model(*random_batch([5, 3], T=6))
    assert len(calls) == 1


def test_greedy_decode_stops_when_all_sentences_end():
    model = tiny()
    with torch.no_grad():  # force EOS (index 2) to win at every step
        model.decoder.output.bias.fill_(-10.0)
        model.decoder.output.bias[2] = 50.0
    tokens, attn = model.greedy_decode(*random_batch([4, 2])[:2], max_len=9)
    assert tokens.shape == (2, 1) and (tokens == 2).all() and attn.shape == (2, 1, 4)


def test_location_decoder_cannot_attend_past_max_len():
    max_len = 5
    model = tiny("location", max_len=max_len)
    assert isinstance(model.decoder, LocationDecoder) and model.decoder.max_len == max_len
    src, lengths, tgt_in = random_batch([9, 3], seed=2)
    _, attn = model(src, lengths, tgt_in, return_attention=True)  # (B, T, S)
    assert (attn[:, :, max_len:] == 0).all()  # positions 6..9 get no weight at all
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, tgt_in.shape[1]))  # renormalised over 1..5
    strict = LocationDecoder(V_TGT, E, H, 2 * H, max_len=max_len, strict=True)
    strict_model = Seq2Seq(model.encoder, strict).eval()
    with pytest.raises(ValueError, match="max_len=5"):
        strict_model(src, lengths, tgt_in)
    strict_model(src[1:, :3], lengths[1:], tgt_in[1:])  # short enough: fine


def test_location_weights_ignore_the_keys_content():
    model = tiny("location", max_len=8)
    att = model.decoder.attention
    query = torch.randn(2, H)
    keys_a, keys_b = torch.randn(2, 6, 2 * H), torch.randn(2, 6, 2 * H)
    _, w_a = att(query, keys_a)
    _, w_b = att(query, keys_b)
    torch.testing.assert_close(w_a, w_b)


def test_dot_attention_projects_keys_to_the_query_size():
    model = tiny("dot")
    att = model.decoder.attention
    keys = torch.randn(2, 4, 2 * H)
    assert att.project_keys(keys).shape == (2, 4, H)
    context, weights = att(torch.randn(2, H), keys)
    assert context.shape == (2, 2 * H) and weights.shape == (2, 4)


def test_plain_decoder_sees_only_the_summary():
    model = tiny("none")
    assert isinstance(model.decoder, PlainDecoder) and isinstance(model.decoder, AttentionDecoder)
    src, lengths, tgt_in = random_batch([6, 4])
    enc_outputs, final = model.encoder(src, lengths)
    torch.testing.assert_close(PlainDecoder.summary(enc_outputs, lengths_to_mask(lengths)), final)


def test_bad_inputs_raise_clear_errors():
    model = tiny()
    src, lengths, tgt_in = random_batch([4, 2])
    with pytest.raises(ValueError, match="src must be"):
        model(src.float(), lengths, tgt_in)
    with pytest.raises(ValueError, match="src_lengths"):
        model(src, lengths[:1], tgt_in)
    with pytest.raises(ValueError, match="src_lengths must lie"):
        model(src, torch.tensor([5, 2]), tgt_in)
    with pytest.raises(ValueError, match="attention must be one of"):
        build_model(5, 5, dict(emb_size=4, hidden_size=4, attn_size=4, attention="magic"))
    with pytest.raises(ValueError, match="location_max_len"):
        build_model(5, 5, dict(emb_size=4, hidden_size=4, attn_size=4, attention="location"))


def test_encoder_and_decoder_can_be_built_from_pieces():
    enc = Encoder(V_SRC, E, H)
    dec = AttentionDecoder(V_TGT, E, H, enc.output_size, A)
    model = Seq2Seq(enc, dec).eval()
    logits = model(*random_batch([3, 1]))
    assert logits.shape == (2, 6, V_TGT)


@pytest.mark.parametrize("lengths", [[11, 3, 7, 1, 9], [4], [6, 6, 6]])
def test_encoder_reversal_path_equals_packing(lengths):
    """The CPU path (reverse within each length) computes exactly what packing computes."""
    torch.manual_seed(0)
    enc = Encoder(20, 8, 6)
    lengths = torch.tensor(lengths)
    src = torch.randint(4, 20, (len(lengths), int(lengths.max())))
    for b, length in enumerate(lengths.tolist()):
        src[b, length:] = 0
    results = {}
    for packed in (True, False):
        enc.zero_grad()
        outputs, final = enc(src, lengths, packed=packed)
        (outputs.square().sum() + final.sum()).backward()
        results[packed] = (outputs.detach(), final.detach(), [p.grad.clone() for p in enc.parameters()])
    (out_p, fin_p, grads_p), (out_r, fin_r, grads_r) = results[True], results[False]
    assert torch.allclose(out_p, out_r, atol=1e-6) and torch.allclose(fin_p, fin_r, atol=1e-6)
    for g_p, g_r in zip(grads_p, grads_r):
        assert torch.allclose(g_p, g_r, atol=1e-5)
    # padding stays exactly zero on both paths
    mask = torch.arange(src.shape[1]) < lengths.unsqueeze(1)
    assert (out_r * (~mask).unsqueeze(2)).abs().max().item() == 0.0
