"""Tests of rnn_attention.models.kinds: the registry, a custom kind trained end to end, each kind of attention."""

from pathlib import Path

import pytest
import torch

from rnn_attention.attention import AdditiveAttention, attend
from rnn_attention.evaluate import make_batch
from rnn_attention.masking import lengths_to_mask
from rnn_attention.models import (
    KINDS,
    AdditiveKind,
    AttentionKind,
    Decoder,
    DotKind,
    GeneralKind,
    LocationAwareKind,
    LocationKind,
    NoAttentionKind,
    Seq2Seq,
    attention_kinds,
    build_attention,
    build_model,
    count_parameters,
    register_attention,
    unregister_attention,
)
from rnn_attention.train import TrainConfig, config_hash, config_key, load_checkpoint, resolve_config

H, K, A = 6, 8, 5


def keys_and_mask(lengths, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    mask = lengths_to_mask(lengths)  # (B, S)
    keys = torch.randn(len(lengths), int(lengths.max()), K, generator=g) * mask.unsqueeze(-1)  # (B, S, K)
    query = torch.randn(len(lengths), H, generator=g)  # (B, H)
    return query, keys, mask


# ---- the registry


def test_register_and_unregister_a_kind():
    @register_attention("test_first_position")
    class FirstPosition(AttentionKind):
        def forward(self, query, keys, mask=None, projected_keys=None):
            return keys[:, 0], None

    try:
        assert "test_first_position" in attention_kinds()
        module = build_attention(dict(attention="test_first_position"), H, K)
        assert isinstance(module, FirstPosition) and (module.query_size, module.key_size) == (H, K)
        with pytest.raises(ValueError, match="already registered to FirstPosition"):
            register_attention("test_first_position")(NoAttentionKind)
    finally:
        unregister_attention("test_first_position")
    assert "test_first_position" not in attention_kinds()
    with pytest.raises(ValueError, match="attention must be one of"):
        build_attention(dict(attention="test_first_position"), H, K)
    with pytest.raises(ValueError, match="not registered"):
        unregister_attention("test_first_position")


@pytest.fixture
def uniform_kind():
    """A new kind of attention: one class plus one registry line, removed again after the test."""

    # The registry line. The name is the test's own: a real kind called "uniform" (the README's example) must not
    # collide with it.
    @register_attention("test_uniform")
    class UniformKind(AttentionKind):
        """alpha_ij = 1 / T_x over the real tokens: c_i is the mean of the h_j, whatever s_{i-1} is."""

        def forward(self, query, keys, mask=None, projected_keys=None):
            scores = keys.new_zeros(keys.shape[:2])  # (B, S): e_ij = 0 for every j
            return attend(scores, keys, mask)  # (B, K), (B, S)

    yield UniformKind
    unregister_attention("test_uniform")


def test_a_custom_kind_builds_and_trains_with_the_real_loop(uniform_kind):
    from rnn_attention.data import PairDataset, build_vocabs, make_loader
    from rnn_attention.evaluate import make_batch
    from rnn_attention.train import fit, get_config

    g = torch.Generator().manual_seed(0)
    words = [
        "".join("abcde"[int(i)] for i in torch.randint(0, 5, (int(n),), generator=g))
        for n in torch.randint(1, 6, (200,), generator=g)
    ]
    pairs = [(w, w) for w in words]  # a tiny copy task
    vocabs = build_vocabs(pairs)
    cfg = get_config(
        "ci",
        attention="test_uniform",
        emb_size=8,
        hidden_size=16,
        attn_size=8,
        batch_size=32,
        epochs=20,
        max_steps=40,
        max_seconds=60.0,
        lr=1e-2,
        warmup_steps=5,
        log_every=5,
        snapshot_every=0,
        valid_pairs=0,
        progress=False,
        device="cpu",
    )
    torch.manual_seed(0)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    assert isinstance(model.decoder.attention, uniform_kind)
    history = fit(model, make_loader(PairDataset(pairs, *vocabs), cfg.batch_size, seed=0), cfg, torch.device("cpu"))
    assert history["steps"] == 40
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    batch = make_batch(pairs[:3], vocabs)
    _, attn = model(batch.src, batch.src_lengths, batch.tgt_in, return_attention=True)
    lengths = torch.tensor([len(s) for s, _ in pairs[:3]])
    torch.testing.assert_close(attn[:, 0], lengths_to_mask(lengths) / lengths.unsqueeze(1))  # uniform, as defined


def test_every_kind_builds_from_a_plain_dict():
    cfg = dict(attn_size=A, location_max_len=4)
    for kind in attention_kinds():
        module = build_attention(dict(cfg, attention=kind), H, K)
        context, weights = module(*keys_and_mask([5, 2]))
        assert context.shape == (2, K) and (weights is None or weights.shape == (2, 5))


# ---- none, location, dot


def test_summary_context_is_final_read_off_the_encoder_states():
    torch.manual_seed(0)
    model = build_model(11, 9, dict(emb_size=4, hidden_size=H, attention="none"))
    assert isinstance(model.decoder.attention, NoAttentionKind) and count_parameters(model.decoder.attention) == 0
    src, lengths = torch.randint(4, 11, (3, 6)), torch.tensor([6, 2, 4])
    enc_outputs, final = model.encoder(src, lengths)
    torch.testing.assert_close(NoAttentionKind.summary(enc_outputs, lengths_to_mask(lengths)), final)
    context, weights = model.decoder.attention(torch.randn(3, H), enc_outputs, lengths_to_mask(lengths))
    assert weights is None
    torch.testing.assert_close(context, final)


def test_location_context_cannot_attend_past_max_len():
    max_len = 5
    torch.manual_seed(0)
    cfg = dict(emb_size=4, hidden_size=H, attention="location", location_max_len=max_len)
    model = build_model(11, 9, cfg).eval()
    assert isinstance(model.decoder.attention, LocationKind) and model.decoder.attention.max_len == max_len
    src, lengths, tgt_in = torch.randint(4, 11, (2, 9)), torch.tensor([9, 3]), torch.randint(3, 9, (2, 4))
    _, attn = model(src, lengths, tgt_in, return_attention=True)  # (B, T, S)
    assert (attn[:, :, max_len:] == 0).all()  # positions 6..9 get no weight at all
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, 4))  # renormalised over 1..5
    strict = build_model(11, 9, dict(cfg, location_strict=True)).eval()
    with pytest.raises(ValueError, match="max_len=5"):
        strict(src, lengths, tgt_in)
    strict(src[1:, :3], lengths[1:], tgt_in[1:])  # short enough: fine
    direct = Seq2Seq(model.encoder, Decoder(9, 4, H, 2 * H, LocationKind(H, 2 * H, max_len, strict=True)))
    with pytest.raises(ValueError, match="max_len=5"):
        direct(src, lengths, tgt_in)


def test_location_weights_ignore_the_keys_content():
    att = LocationKind(H, K, max_len=8)
    query = torch.randn(2, H)
    _, w_a = att(query, torch.randn(2, 6, K))
    _, w_b = att(query, torch.randn(2, 6, K))
    torch.testing.assert_close(w_a, w_b)


def test_dot_context_projects_keys_to_the_query_size():
    att = build_attention(dict(attention="dot"), H, K)
    keys = torch.randn(2, 4, K)
    assert att.project_keys(keys).shape == (2, 4, H)
    context, weights = att(torch.randn(2, H), keys)
    assert context.shape == (2, K) and weights.shape == (2, 4)
    assert build_attention(dict(attention="dot"), K, K).P is None  # same sizes: the plain dot score, no parameters


def test_additive_context_uses_the_fast_tanh_and_is_the_reference_score():
    torch.manual_seed(0)
    att = build_attention(dict(attention="additive", attn_size=A), H, K)
    assert isinstance(att, AdditiveKind) and isinstance(att, AdditiveAttention) and att.tanh_via_sigmoid
    assert type(build_attention(dict(attention="concat", attn_size=A), H, K)) is AdditiveKind
    reference = AdditiveAttention(H, K, A)  # the literal v_a^T tanh(W_a s + U_a h)
    reference.load_state_dict(att.state_dict())
    query, keys, mask = keys_and_mask([5, 3])
    for a, b in zip(att(query, keys, mask), reference(query, keys, mask)):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


# ---- location-aware attention (Chorowski et al. 2015)


def location_aware(seed=0, **kwargs):
    torch.manual_seed(seed)
    return LocationAwareKind(H, K, A, **kwargs)


def test_location_aware_is_built_from_the_config_with_defaults():
    att = build_attention(dict(attention="location_aware", attn_size=A), H, K)
    assert att.uses_previous_weights and att.F.out_channels == 8 and att.F.kernel_size == (11,)
    cfg = dict(attention="location_aware", attn_size=A, location_filters=3, location_kernel_size=5)
    att = build_attention(cfg, H, K)
    assert att.F.out_channels == 3 and att.F.kernel_size == (5,)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        LocationAwareKind(H, K, A, kernel_size=4)


def test_location_aware_has_the_same_parameters_for_every_length_up_to_300():
    att = location_aware()
    before = count_parameters(att)
    for S in (1, 7, 60, 300):
        query, keys, mask = keys_and_mask([S, max(1, S // 2)])
        prev = torch.softmax(torch.randn(2, S), dim=-1) * mask
        context, weights = att(query, keys, mask, prev_weights=prev)
        assert context.shape == (2, K) and weights.shape == (2, S)
        torch.testing.assert_close(weights.sum(-1), torch.ones(2))  # a distribution over the real tokens
        assert (weights[~mask] == 0).all()  # exactly 0 on padding
    assert count_parameters(att) == before
    assert before == H * A + K * A + 8 * 11 + 8 * A + A + A  # W, V, F, U, b, w: no S anywhere


def test_location_aware_reads_the_previous_weights():
    att = location_aware()
    query, keys, mask = keys_and_mask([7, 4])
    prev_a = torch.zeros(2, 7)
    prev_a[:, 1] = 1.0
    prev_b = torch.zeros(2, 7)
    prev_b[:, 3] = 1.0
    _, w_a = att(query, keys, mask, prev_weights=prev_a)
    _, w_b = att(query, keys, mask, prev_weights=prev_b)
    assert (w_a - w_b).abs().max() > 1e-3  # where the attention was changes where it goes


def test_location_aware_without_location_features_is_the_additive_score():
    """U = 0 removes f_ij: then e_ij = w^T tanh(W s + V h_j + b), Bahdanau's score (with b = 0)."""
    att = location_aware()
    with torch.no_grad():
        att.U.weight.zero_()
    additive = AdditiveAttention(H, K, A)
    with torch.no_grad():
        additive.W_a.weight.copy_(att.W.weight)
        additive.U_a.weight.copy_(att.V.weight)
        additive.v_a.weight.copy_(att.w.weight)
    query, keys, mask = keys_and_mask([6, 2])
    prev = torch.softmax(torch.randn(2, 6), dim=-1) * mask
    for a, b in zip(att(query, keys, mask, prev_weights=prev), additive(query, keys, mask)):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


def test_location_aware_first_step_puts_alpha_0_on_position_1():
    att = location_aware()
    query, keys, mask = keys_and_mask([5, 3])
    one_hot = torch.zeros(2, 5)
    one_hot[:, 0] = 1.0
    torch.testing.assert_close(att.initial_weights(keys), one_hot)
    # the four-argument call of notebooks 06 and 08 is the first step
    for a, b in zip(att(query, keys, mask, att.project_keys(keys)), att(query, keys, mask, prev_weights=one_hot)):
        torch.testing.assert_close(a, b)


def test_location_aware_padding_does_not_change_a_sentence():
    att = location_aware()
    query, keys, mask = keys_and_mask([9, 3])
    prev = torch.softmax(torch.randn(2, 9), dim=-1) * mask
    prev = prev / prev.sum(-1, keepdim=True)
    context, weights = att(query, keys, mask, prev_weights=prev)
    alone_context, alone_weights = att(query[1:], keys[1:, :3], mask[1:, :3], prev_weights=prev[1:, :3])
    torch.testing.assert_close(alone_weights[0], weights[1, :3], atol=1e-6, rtol=0)
    torch.testing.assert_close(alone_context[0], context[1], atol=1e-6, rtol=0)


def test_location_aware_fast_forms_give_the_reference_numbers():
    """tanh via sigmoid and the convolution as sliding windows: the same weights to float rounding, any length."""
    reference = location_aware(seed=4)
    fast = location_aware(seed=4, tanh_via_sigmoid=True, unfold=True)
    assert build_attention(dict(attention="location_aware", attn_size=A), H, K).unfold  # what training builds
    for S in (1, 5, 40):
        query, keys, mask = keys_and_mask([S, max(1, S - 2)])
        prev = torch.softmax(torch.randn(2, S), dim=-1) * mask
        torch.testing.assert_close(fast.location_features(prev), reference.location_features(prev), atol=1e-6, rtol=0)
        for a, b in zip(fast(query, keys, mask, prev_weights=prev), reference(query, keys, mask, prev_weights=prev)):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


# ---- the old "context module" names, and checkpoints saved under them

OLD_CHECKPOINTS = Path(__file__).parent / "fixtures" / "checkpoints_de5d1ca"
RENAMED = {
    "ContextModule": AttentionKind,
    "SummaryContext": NoAttentionKind,
    "LocationContext": LocationKind,
    "AdditiveContext": AdditiveKind,
    "DotContext": DotKind,
    "GeneralContext": GeneralKind,
    "LocationAwareContext": LocationAwareKind,
    "register_context": register_attention,
    "unregister_context": unregister_attention,
    "build_context": build_attention,
    "CONTEXTS": KINDS,
}
OLD_CLASS = {
    "none": "SummaryContext",
    "location": "LocationContext",
    "additive": "AdditiveContext",
    "dot": "DotContext",
    "general": "GeneralContext",
    "location_aware": "LocationAwareContext",
}


@pytest.mark.parametrize("old", sorted(RENAMED))
def test_the_old_names_are_deprecated_aliases_of_the_new(old):
    import rnn_attention.models as models
    import rnn_attention.models.contexts as contexts

    for module in (models, contexts):
        new = "KINDS" if old == "CONTEXTS" else RENAMED[old].__name__
        with pytest.warns(DeprecationWarning, match=f"{old} is deprecated: use {new} "):
            assert getattr(module, old) is RENAMED[old]


def test_a_kind_written_with_the_old_names_still_registers_and_builds():
    with pytest.warns(DeprecationWarning):
        from rnn_attention.models.contexts import ContextModule, build_context, register_context, unregister_context

    @register_context("test_old_style")
    class OldStyle(ContextModule):
        def forward(self, query, keys, mask=None, projected_keys=None):
            return keys[:, 0], None

    try:
        assert isinstance(build_attention(dict(attention="test_old_style"), H, K), OldStyle)
        assert isinstance(build_context(dict(attention="test_old_style"), H, K), AttentionKind)
    finally:
        unregister_context("test_old_style")


@pytest.mark.parametrize("kind", sorted(OLD_CLASS))
def test_checkpoints_saved_before_the_rename_load_and_compute_the_same(kind):
    """tests/fixtures/make_old_checkpoints.py wrote these with main at de5d1ca (ContextModule & co.)."""
    run = load_checkpoint(OLD_CHECKPOINTS / f"{kind}.pt")  # load_state_dict is strict: every key must match
    assert run.cfg.attention == kind and isinstance(run.model.decoder.attention, KINDS[kind])
    assert run.info["class"] == OLD_CLASS[kind]  # saved from the class of the old name
    batch = make_batch([("abcab", "12"), ("ccc", "21"), ("a", "1")], run.vocabs)
    with torch.no_grad():
        logits = run.model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    torch.testing.assert_close(logits, torch.tensor(run.info["logits"]), rtol=0, atol=1e-6)


def test_location_resolves_its_own_number_of_positions_from_the_training_data():
    pairs = [("abc", "1"), ("abcdefg", "2")]
    cfg = TrainConfig(attention="location")
    assert resolve_config(cfg, pairs).location_max_len == 7  # the longest training source
    assert resolve_config(cfg.replace(location_max_len=3), pairs).location_max_len == 3  # set: kept
    for kind in attention_kinds():
        if kind != "location":
            assert resolve_config(TrainConfig(attention=kind), pairs) == TrainConfig(attention=kind)
    assert resolve_config(TrainConfig(attention="no_such_kind"), pairs).attention == "no_such_kind"  # build refuses it


def test_location_strict_is_a_config_field():
    cfg = TrainConfig(attention="location", location_max_len=5, location_strict=True, emb_size=4, hidden_size=H)
    assert build_model(11, 9, cfg).decoder.attention.strict
    assert not build_model(11, 9, cfg.replace(location_strict=False)).decoder.attention.strict
    assert config_hash(cfg.replace(location_strict=False)) != config_hash(cfg)
    assert "location_strict" not in config_key(cfg.replace(location_strict=False))["fields"]  # default: no new hash
    with pytest.raises(TypeError, match="location_strict must be a bool"):
        cfg.replace(location_strict="yes")
