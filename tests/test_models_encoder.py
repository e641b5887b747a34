"""Tests of rnn_attention.models.encoder: the packed path and the CPU reversal path agree, padding stays zero."""

import pytest
import torch

from rnn_attention.models import Encoder, reverse_within_lengths, run_one_direction


def padded_src(lengths, vocab_size=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    src = torch.randint(4, vocab_size, (len(lengths), int(lengths.max())), generator=g)
    for b, length in enumerate(lengths.tolist()):
        src[b, length:] = 0
    return src, lengths


def test_encoder_outputs_are_zero_on_padding_and_final_is_both_directions():
    torch.manual_seed(0)
    enc, H = Encoder(20, 8, 6), 6
    src, lengths = padded_src([6, 2, 4])
    for packed in (True, False):
        enc_outputs, final = enc(src, lengths, packed=packed)
        assert (enc_outputs[1, 2:] == 0).all() and (enc_outputs[2, 4:] == 0).all()
        # final = [forward state at the last real token; backward state at the first token]
        for b, n in enumerate(lengths.tolist()):
            torch.testing.assert_close(final[b, :H], enc_outputs[b, n - 1, :H])
            torch.testing.assert_close(final[b, H:], enc_outputs[b, 0, H:])


@pytest.mark.parametrize("lengths", [[11, 3, 7, 1, 9], [4], [6, 6, 6]])
def test_encoder_reversal_path_equals_packing(lengths):
    """The CPU path (reverse within each length) computes exactly what packing computes."""
    torch.manual_seed(0)
    enc = Encoder(20, 8, 6)
    src, lengths = padded_src(lengths)
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


def test_reverse_within_lengths_reverses_real_tokens_and_undoes_itself():
    x = torch.arange(8.0).view(2, 4, 1)  # (B, S, 1): rows 0..3 and 4..7
    lengths = torch.tensor([4, 2])
    flipped = reverse_within_lengths(x, lengths)
    assert flipped[:, :, 0].tolist() == [[3.0, 2.0, 1.0, 0.0], [5.0, 4.0, 6.0, 7.0]]  # padding stays put
    torch.testing.assert_close(reverse_within_lengths(flipped, lengths), x)


def test_run_one_direction_is_that_direction_of_the_bidirectional_gru():
    torch.manual_seed(0)
    gru = torch.nn.GRU(5, 3, batch_first=True, bidirectional=True)
    x = torch.randn(2, 6, 5)
    both, _ = gru(x)  # (B, S, 2H)
    torch.testing.assert_close(run_one_direction(gru, x), both[:, :, :3])
    backward = run_one_direction(gru, x.flip(1), backward=True).flip(1)  # the backward GRU reads right to left
    torch.testing.assert_close(backward, both[:, :, 3:])


def test_building_the_one_direction_template_draws_no_random_numbers():
    """A seeded run must not depend on whether an encoder ran before (the template is made lazily)."""
    from rnn_attention.models import encoder

    encoder._parameterless_gru.cache_clear()
    state = torch.random.get_rng_state()
    encoder._parameterless_gru(8, 6)
    assert torch.equal(torch.random.get_rng_state(), state)
