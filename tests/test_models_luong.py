"""Luong's decoder (models/luong.py): the step written out by hand, the dot score without parameters, the state
carried by decoding, beam search, checkpoints. test_models.py runs the shared tests (shapes, padding, forward ==
step, greedy) for both architectures and every kind."""

import pytest
import torch

from rnn_attention.masking import lengths_to_mask, masked_softmax
from rnn_attention.models import DECODERS, AdditiveKind, DotKind, GeneralKind, LuongDecoder, build_model
from rnn_attention.train import load_checkpoint, load_or_train, prepare_data, save_checkpoint

V_SRC, V_TGT, E, H, A = 17, 13, 8, 12, 10
K = 2 * H  # one h_j: the bidirectional encoder's two directions

pytestmark = pytest.mark.usefixtures("one_thread")


def tiny(kind="dot", seed=0):
    torch.manual_seed(seed)
    cfg = dict(emb_size=E, hidden_size=H, attn_size=A, attention=kind, decoder="luong", location_max_len=20)
    return build_model(V_SRC, V_TGT, cfg).eval()


def batch(lengths=(5, 3), T=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    src = torch.randint(4, V_SRC, (len(lengths), int(lengths.max())), generator=g)
    src = src.masked_fill(~lengths_to_mask(lengths), 0)
    tgt_in = torch.randint(3, V_TGT, (len(lengths), T), generator=g)
    tgt_in[:, 0] = 1
    return src, lengths, tgt_in


def test_get_config_builds_luongs_decoder_for_each_score():
    from rnn_attention.train import get_config

    for kind in ("dot", "general", "concat"):
        cfg = get_config("ci", decoder="luong", attention=kind, emb_size=E, hidden_size=H, attn_size=A)
        model = build_model(V_SRC, V_TGT, cfg)
        assert type(model.decoder) is LuongDecoder is DECODERS["luong"]
        assert model.decoder.hidden_size == K  # the decoder's state has the size of one h_j


def test_the_dot_score_has_no_parameters():
    decoder = tiny("dot").decoder
    assert isinstance(decoder.attention, DotKind) and decoder.attention.P is None
    assert sum(p.numel() for p in decoder.attention.parameters()) == 0


def test_a_dot_score_between_different_sizes_is_a_clear_error():
    with pytest.raises(ValueError, match=r"decoder state size equal .* got decoder size 12 and encoder output size 24"):
        LuongDecoder(V_TGT, E, 12, 24, DotKind(12, 24))
    with pytest.raises(ValueError, match="built for a query of size 12, .* state s_i of size 24"):
        LuongDecoder(V_TGT, E, 24, 24, GeneralKind(12, 24))
    with pytest.raises(TypeError, match="attention must be an AttentionKind"):
        LuongDecoder(V_TGT, E, 24, 24, torch.nn.Linear(24, 2))
    decoder = LuongDecoder(V_TGT, E, 24, 24, AdditiveKind(24, 24, A))
    with pytest.raises(ValueError, match=r"carries \[s_i; h~_i\] of shape \(B, 48\), got \(2, 24\)"):
        decoder.split_state(torch.zeros(2, 24))


def test_two_steps_written_out_from_the_equations():
    """s_i = GRU([E y; h~_{i-1}], s_{i-1}); alpha_i = softmax(s_i . h_j); h~_i = tanh(W_c [c_i; s_i]); W_s h~_i."""
    model = tiny("dot")
    decoder = model.decoder
    src, lengths, tgt_in = batch()
    with torch.no_grad():
        enc_outputs, final = model.encoder(src, lengths)  # (B, S, K)
        mask = lengths_to_mask(lengths)
        carried = decoder.init_state(enc_outputs, final, mask)
        s, h_tilde = decoder.split_state(carried)
        assert s.shape == h_tilde.shape == (2, K) and (h_tilde == 0).all()
        torch.testing.assert_close(s, torch.tanh(decoder.init(final[:, H:])))  # s_0 from h<-_1, as Bahdanau's
        for i in range(2):
            y = tgt_in[:, i]
            logits, carried, weights = decoder.step(y, carried, enc_outputs, mask, decoder.project_keys(enc_outputs))
            s = decoder.rnn(torch.cat([decoder.embedding(y), h_tilde], dim=-1), s)  # the RNN step first
            alpha = masked_softmax(torch.einsum("bk,bsk->bs", s, enc_outputs), mask)  # scored with s_i
            c = torch.einsum("bs,bsk->bk", alpha, enc_outputs)
            h_tilde = torch.tanh(torch.cat([c, s], dim=-1) @ decoder.W_c.weight.T)
            torch.testing.assert_close(weights, alpha, atol=1e-6, rtol=0)
            torch.testing.assert_close(carried, torch.cat([s, h_tilde], dim=-1), atol=1e-6, rtol=0)
            torch.testing.assert_close(logits, decoder.output(h_tilde), atol=1e-6, rtol=0)


def test_the_attention_is_queried_with_the_state_after_the_step():
    model = tiny("general")
    decoder = model.decoder
    queries = []
    original = decoder.attention.forward
    decoder.attention.forward = lambda query, *rest: queries.append(query) or original(query, *rest)
    src, lengths, tgt_in = batch()
    with torch.no_grad():
        enc_outputs, final = model.encoder(src, lengths)
        carried = decoder.init_state(enc_outputs, final, lengths_to_mask(lengths))
        _, new, _ = decoder.step(tgt_in[:, 0], carried, enc_outputs, lengths_to_mask(lengths), None)
    del decoder.attention.forward
    s_before, s_after = carried[:, :K], new[:, :K]
    assert len(queries) == 1 and torch.equal(queries[0], s_after) and not torch.allclose(queries[0], s_before)


def test_input_feeding_the_previous_attentional_state_changes_the_next_step():
    model = tiny("dot")
    decoder = model.decoder
    src, lengths, tgt_in = batch()
    with torch.no_grad():
        enc_outputs, final = model.encoder(src, lengths)
        mask = lengths_to_mask(lengths)
        carried = decoder.init_state(enc_outputs, final, mask)
        other = carried.clone()
        other[:, K:] = 0.5  # the same s_{i-1}, another h~_{i-1}
        a = decoder.step(tgt_in[:, 1], carried, enc_outputs, mask, None)[0]
        b = decoder.step(tgt_in[:, 1], other, enc_outputs, mask, None)[0]
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("kind", ["dot", "general", "concat", "location_aware"])
def test_teacher_forcing_the_greedy_output_reproduces_it(kind):
    model = tiny(kind, seed=3)
    src, lengths, _ = batch((7, 4, 2), seed=2)
    tokens, attn = model.greedy_decode(src, lengths, max_len=6)
    tgt_in = torch.cat([torch.full((3, 1), 1), tokens[:, :-1]], dim=1)
    with torch.no_grad():
        logits, forced_attn = model(src, lengths, tgt_in, return_attention=True)
    live = torch.cumsum(tokens == 2, dim=1) - (tokens == 2).long() == 0  # up to and including EOS
    assert (logits.argmax(-1)[live] == tokens[live]).all()
    torch.testing.assert_close(forced_attn[live], attn[live], atol=1e-6, rtol=0)


def test_beam_of_one_is_greedy_and_a_wider_beam_scores_its_output_as_the_model_does():
    from rnn_attention.models.beam import sequence_log_probs

    model = tiny("dot", seed=5)
    src, lengths, _ = batch((6, 5, 3, 1), seed=4)
    greedy, _ = model.greedy_decode(src, lengths, max_len=6)
    one, _ = model.beam_search(src, lengths, 6, beam_size=1)
    assert torch.equal(one, greedy)
    tokens, scores = model.beam_search(src, lengths, 6, beam_size=3)
    torch.testing.assert_close(scores, sequence_log_probs(model, src, lengths, tokens), atol=1e-4, rtol=0)
    for b, n in enumerate(lengths.tolist()):  # each sentence alone gives the same output
        alone, _ = model.beam_search(src[b : b + 1, :n], lengths[b : b + 1], 6, beam_size=3)
        assert torch.equal(tokens[b, : alone.shape[1]], alone[0])


def test_a_luong_checkpoint_saves_loads_and_trains(tmp_path, tiny_cfg):
    cfg = tiny_cfg(decoder="luong", attention="dot")
    run = load_or_train(cfg, tmp_path, verbose=False)
    assert type(run.model.decoder) is LuongDecoder and not run.loaded
    again = load_or_train(cfg, tmp_path, verbose=False)
    assert again.loaded and again.cfg.decoder == "luong"
    path = save_checkpoint(tmp_path / "copy.pt", run)
    loaded = load_checkpoint(path)
    src, lengths, tgt_in = torch.tensor([[5, 6, 7], [5, 4, 0]]), torch.tensor([3, 2]), torch.tensor([[1, 5, 6]] * 2)
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(src, lengths, tgt_in), run.model.eval()(src, lengths, tgt_in))
    # a Bahdanau config of the same sizes is another model, with its own checkpoint
    bahdanau = tiny_cfg(attention="dot")
    _, vocabs = prepare_data(bahdanau)
    assert type(build_model(len(vocabs[0]), len(vocabs[1]), bahdanau).decoder) is not LuongDecoder
