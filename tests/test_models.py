"""Tests of rnn_attention.models as a whole: shapes, padding invariance, step == forward for every kind, decoding."""

import pytest
import torch

from rnn_attention.data.vocab import Vocab
from rnn_attention.masking import lengths_to_mask
from rnn_attention.models import (
    DECODERS,
    AdditiveKind,
    Decoder,
    Encoder,
    Seq2Seq,
    attention_kinds,
    build_model,
    count_parameters,
)

V_SRC, V_TGT, E, H, A = 17, 13, 8, 12, 10


ARCHITECTURES = ("bahdanau", "luong")


def tiny(kind="additive", max_len=20, seed=0, decoder="bahdanau", **changes):
    torch.manual_seed(seed)
    cfg = dict(
        emb_size=E, hidden_size=H, attn_size=A, attention=kind, location_max_len=max_len, decoder=decoder, **changes
    )
    return build_model(V_SRC, V_TGT, cfg).eval()


def random_batch(lengths, T=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    src = torch.randint(4, V_SRC, (len(lengths), int(lengths.max())), generator=g)
    src = src.masked_fill(~lengths_to_mask(lengths), Vocab.PAD)  # PAD after each sentence
    tgt_in = torch.randint(3, V_TGT, (len(lengths), T), generator=g)
    tgt_in[:, 0] = Vocab.SOS
    return src, lengths, tgt_in


def test_the_registry_holds_every_kind_of_the_course():
    assert set(attention_kinds()) >= {"none", "location", "additive", "concat", "dot", "general", "location_aware"}
    assert tuple(DECODERS) == ARCHITECTURES


@pytest.mark.parametrize("kind", attention_kinds())
@pytest.mark.parametrize("lengths", [[1], [5, 3, 1], [17, 9, 4, 17]])
@pytest.mark.parametrize("decoder", ARCHITECTURES)
def test_shapes_for_several_lengths(decoder, kind, lengths):
    model = tiny(kind, decoder=decoder)
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


@pytest.mark.parametrize("kind", attention_kinds())
@pytest.mark.parametrize("decoder", ARCHITECTURES)
def test_padding_invariance(decoder, kind):
    """A sentence alone and the same sentence in a padded batch give the same numbers."""
    model = tiny(kind, decoder=decoder)
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


def step_by_step(decoder, tgt_in, enc_outputs, final, src_mask):
    """The decoder's step run in a loop, each step given the previous step's weights."""
    dec_state = decoder.init_state(enc_outputs, final, src_mask)  # (B, H); Luong's: (B, 2K), [s_0; h~_0]
    carried = dec_state.shape[-1]
    projected_keys = decoder.project_keys(enc_outputs)
    logits, weights, prev_weights = [], [], None
    for i in range(tgt_in.shape[1]):
        step_logits, dec_state, prev_weights = decoder.step(
            tgt_in[:, i], dec_state, enc_outputs, src_mask, projected_keys, prev_weights
        )
        assert step_logits.shape == (tgt_in.shape[0], decoder.vocab_size) and dec_state.shape == (
            tgt_in.shape[0],
            carried,
        )
        logits.append(step_logits)
        weights.append(prev_weights)
    return logits, weights


@pytest.mark.parametrize("kind", attention_kinds())
@pytest.mark.parametrize("decoder", ARCHITECTURES)
def test_teacher_forced_forward_equals_step_by_step(decoder, kind):
    """For every registered kind and both architectures, training (forward) and decoding (step) agree."""
    model = tiny(kind, decoder=decoder, dropout=0.3)  # eval(): dropout off, but it is there to be switched off
    src, lengths, tgt_in = random_batch([7, 4, 2], T=5)
    logits, attn = model(src, lengths, tgt_in, return_attention=True)
    enc_outputs, final = model.encoder(src, lengths)
    step_logits, step_weights = step_by_step(model.decoder, tgt_in, enc_outputs, final, lengths_to_mask(lengths))
    for i in range(tgt_in.shape[1]):
        torch.testing.assert_close(step_logits[i], logits[:, i], atol=1e-6, rtol=0)
        if attn is None:
            assert step_weights[i] is None
        else:
            torch.testing.assert_close(step_weights[i], attn[:, i], atol=1e-6, rtol=0)


@pytest.mark.parametrize("kind", attention_kinds())
@pytest.mark.parametrize("decoder", ARCHITECTURES)
def test_greedy_decode_follows_the_steps(decoder, kind):
    """greedy_decode's tokens and weights are the steps' own, fed their argmax and their weights."""
    model = tiny(kind, decoder=decoder)
    src, lengths, _ = random_batch([6, 3], seed=3)
    tokens, attn = model.greedy_decode(src, lengths, max_len=4)
    enc_outputs, final = model.encoder(src, lengths)
    src_mask = lengths_to_mask(lengths)
    tgt_in = torch.cat([torch.full((2, 1), Vocab.SOS), tokens[:, :-1]], dim=1)  # what greedy decoding fed in
    finished = torch.cumsum(tokens == Vocab.EOS, dim=1) - (tokens == Vocab.EOS).long() > 0  # (B, T) after EOS
    logits, weights = step_by_step(model.decoder, tgt_in, enc_outputs, final, src_mask)
    for i in range(tokens.shape[1]):
        live = ~finished[:, i]
        assert (logits[i].argmax(-1)[live] == tokens[live, i]).all()
        if attn is not None:
            torch.testing.assert_close(attn[live, i], weights[i][live], atol=1e-6, rtol=0)


def test_keys_are_projected_once_per_sentence(monkeypatch):
    model = tiny("additive")
    calls = []
    original = model.decoder.attention.project_keys
    monkeypatch.setattr(model.decoder.attention, "project_keys", lambda k: calls.append(1) or original(k))
    model(*random_batch([5, 3], T=6))
    assert len(calls) == 1


def test_greedy_decode_stops_when_all_sentences_end():
    model = tiny()
    with torch.no_grad():  # force EOS to win at every step
        model.decoder.output.bias.fill_(-10.0)
        model.decoder.output.bias[Vocab.EOS] = 50.0
    tokens, attn = model.greedy_decode(*random_batch([4, 2])[:2], max_len=9)
    assert tokens.shape == (2, 1) and (tokens == Vocab.EOS).all() and attn.shape == (2, 1, 4)


def test_one_decoder_class_for_every_kind():
    for kind in attention_kinds():
        for decoder in ARCHITECTURES:
            assert type(tiny(kind, decoder=decoder).decoder) is DECODERS[decoder]
    assert DECODERS["bahdanau"] is Decoder


def test_s0_comes_from_the_backward_half_except_without_attention():
    """s_0 = tanh(W_init h<-_1) with attention; tanh(W_init final) from all of final without."""
    src, lengths, _ = random_batch([5, 2])
    for kind, size in (("additive", H), ("location", H), ("location_aware", H), ("none", 2 * H)):
        model = tiny(kind)
        assert model.decoder.init.in_features == size
        enc_outputs, final = model.encoder(src, lengths)
        s0 = model.decoder.init_state(enc_outputs, final, lengths_to_mask(lengths))
        torch.testing.assert_close(s0, torch.tanh(model.decoder.init(final[:, 2 * H - size :])))


def test_bad_inputs_raise_clear_errors():
    model = tiny()
    src, lengths, tgt_in = random_batch([4, 2])
    with pytest.raises(ValueError, match="src must be"):
        model(src.float(), lengths, tgt_in)
    with pytest.raises(ValueError, match="src_lengths"):
        model(src, lengths[:1], tgt_in)
    with pytest.raises(ValueError, match="src_lengths must lie"):
        model(src, torch.tensor([5, 2]), tgt_in)
    sizes = dict(emb_size=4, hidden_size=4, attn_size=4)
    with pytest.raises(ValueError, match="attention must be one of .*'additive'.*'location_aware'.*got 'magic'"):
        build_model(5, 5, dict(sizes, attention="magic"))
    with pytest.raises(ValueError, match=r"decoder must be one of \('bahdanau', 'luong'\), got 'transformer'"):
        build_model(5, 5, dict(sizes, decoder="transformer"))
    with pytest.raises(ValueError, match="location_max_len"):
        build_model(5, 5, dict(sizes, attention="location"))


def test_a_train_config_builds_the_same_model_as_a_dict():
    from rnn_attention.train import TrainConfig

    cfg = TrainConfig(emb_size=E, hidden_size=H, attn_size=A, attention="general")
    torch.manual_seed(0)
    from_config = build_model(V_SRC, V_TGT, cfg)
    torch.manual_seed(0)
    from_dict = build_model(V_SRC, V_TGT, dict(emb_size=E, hidden_size=H, attn_size=A, attention="general"))
    for (name, a), (_, b) in zip(from_config.state_dict().items(), from_dict.state_dict().items()):
        torch.testing.assert_close(a, b, msg=name)


def test_encoder_and_decoder_can_be_built_from_pieces():
    enc = Encoder(V_SRC, E, H)
    dec = Decoder(V_TGT, E, H, enc.output_size, AdditiveKind(H, enc.output_size, A))
    model = Seq2Seq(enc, dec).eval()
    logits = model(*random_batch([3, 1]))
    assert logits.shape == (2, 6, V_TGT)
    assert (model.sos_idx, model.eos_idx, model.pad_idx) == (Vocab.SOS, Vocab.EOS, Vocab.PAD)
    with pytest.raises(TypeError, match="attention must be an AttentionKind"):
        Decoder(V_TGT, E, H, enc.output_size, torch.nn.Linear(H, 2))
