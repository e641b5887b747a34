"""Checks of notebook 06 (training): one decoder step assembled from its pieces, and teacher forcing."""

from __future__ import annotations

import copy

import torch

from ..data import Vocab, collate
from ..masking import lengths_to_mask
from ..models import Decoder, build_model
from .core import CheckFailed, CheckResult, Watch, expect_close, expect_shape, name_the_mistake, run_check

__all__ = ["check_decoder_step", "check_teacher_forcing"]


def _close(value, reference) -> bool:
    """True when `value` is a tensor of the reference's shape and numbers (to 1e-5)."""
    return (
        isinstance(value, torch.Tensor)
        and value.shape == reference.shape
        and torch.allclose(value, reference, atol=1e-5)
    )


def _explain_order(decoder, inputs, given, expected) -> None:
    """Fail with the mistake's name when the answer is one of the usual wrong orders of a step."""
    y_prev, dec_state, enc_outputs, src_mask, projected_keys = inputs
    logits, new_state, attn_weights = given
    embedded = decoder.embedding(y_prev)  # E y_{i-1}: (B, E)
    context, _ = decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)  # c_i from s_{i-1}: (B, K)
    wrong_orders = {  # in the order a step computes alpha_i, s_i and the logits
        "alpha_i was scored with the new state s_i; e_ij = a(s_{i-1}, h_j) scores with the previous state "
        "s_{i-1} (dec_state), so attention comes before the GRU": (
            attn_weights,
            expected[2],
            lambda: decoder.attention(new_state, enc_outputs, src_mask, projected_keys)[1],
        ),
        "the GRU's input is [E y_{i-1}; c_i], in that order: the embedding first, then the context": (
            new_state,
            expected[1],
            lambda: decoder.rnn(torch.cat([context, embedded], dim=-1), dec_state),
        ),
        "the read-out saw s_{i-1}; it sees the new state: W_o [s_i; c_i; E y_{i-1}]": (
            logits,
            expected[0],
            lambda: decoder.output(torch.cat([dec_state, context, embedded], dim=-1)),
        ),
        "the read-out's input is [s_i; c_i; E y_{i-1}], in that order: the new state, the context, the embedding": (
            logits,
            expected[0],
            lambda: decoder.output(torch.cat([context, expected[1], embedded], dim=-1)),
        ),
        "these are probabilities (a softmax of the logits); return the logits, W_o [s_i; c_i; E y_{i-1}] itself": (
            logits,
            expected[0],
            lambda: torch.softmax(expected[0], dim=-1),
        ),
        "alpha_i puts weight on padded positions: pass src_mask to the attention": (
            attn_weights,
            expected[2],
            lambda: decoder.attention(dec_state, enc_outputs, None, projected_keys)[1],
        ),
    }
    for message, (value, reference, wrong) in wrong_orders.items():
        if _close(value, reference):
            continue
        try:
            matches_wrong = _close(value, wrong())
        except Exception:  # the answer does not even fit this wrong order: nothing to explain here
            matches_wrong = False
        if matches_wrong:
            raise CheckFailed(message)


class StepByHand(Decoder):
    """The decoder 6.1 hands the student: its pieces work, its ready-made step refuses (it is the exercise)."""

    def step(self, *args, **kwargs):
        raise CheckFailed("6.1 asks you to assemble the step from its pieces, not to call decoder.step")

    def _recurrence(self, *args, **kwargs):
        raise CheckFailed("6.1 asks you to assemble the step from its pieces, not to call decoder._recurrence")

    def _read_out(self, *args, **kwargs):
        raise CheckFailed("6.1 asks you to assemble the step from its pieces, not to call decoder._read_out")

    def forward(self, *args, **kwargs):
        raise CheckFailed("6.1 asks for one step from its pieces, not a call of the whole decoder")


def check_decoder_step(decoder_step) -> CheckResult:
    """Exercise 6.1: one Bahdanau decoder step, against the package's Decoder.step with the same weights."""

    def check(fn):
        with torch.random.fork_rng():
            torch.manual_seed(6)
            sizes = dict(emb_size=5, hidden_size=6, attn_size=7, attention="additive")  # h_j of size K = 2H = 12
            decoder = build_model(11, 11, sizes).decoder.eval()
            student_decoder = copy.deepcopy(decoder)
            student_decoder.__class__ = StepByHand  # the same weights; only the ready-made step refuses
            generator = torch.Generator().manual_seed(6)
            for lengths in ([3], [4, 2], [7, 1, 5]):
                B, S = len(lengths), max(lengths)
                src_mask = lengths_to_mask(torch.tensor(lengths), S)  # (B, S)
                enc_outputs = torch.randn(B, S, 12, generator=generator) * src_mask.unsqueeze(-1)  # (B, S, K)
                dec_state = torch.randn(B, 6, generator=generator)  # (B, H)
                y_prev = torch.randint(0, 11, (B,), generator=generator)  # (B,)
                with torch.no_grad():
                    projected_keys = decoder.project_keys(enc_outputs)  # (B, S, A)
                    inputs = (y_prev, dec_state, enc_outputs, src_mask, projected_keys)
                    expected = decoder.step(*inputs)
                    given = fn(student_decoder, *inputs)
                    if not isinstance(given, tuple) or len(given) != 3:
                        raise CheckFailed("return three things: (logits, new_state, attn_weights)")
                    _explain_order(decoder, inputs, given, expected)
                # in the order a step computes them: alpha_i, then s_i, then the logits
                for k, what in ((2, "attn_weights alpha_i"), (1, "new_state s_i"), (0, "logits")):
                    expect_close(given[k], expected[k], f"{what} for source lengths {lengths}")
        return "alpha_i, s_i and the logits match decoder.step for source lengths [3], [4, 2] and [7, 1, 5]."

    return run_check("Exercise 6.1", check, decoder_step)


def check_teacher_forcing(teacher_forcing) -> CheckResult:
    """Exercise 6.2: tgt_in = <sos> y_1..y_n and tgt_out = y_1..y_n <eos>, as collate builds them."""

    def check(fn):
        sos, eos = Vocab.SOS, Vocab.EOS
        for ids in ([7], [5, 9, 4], [4, 12, 10, 10, 11, 6, 4, 5, 8, 13]):
            tgt_ids = torch.tensor(ids, dtype=torch.long)  # (n,)
            batch = collate([(torch.tensor([4]), tgt_ids, "x", "y")])
            watch = Watch(
                refused_code={
                    "rnn_attention.data.batching:collate": (
                        "6.2 asks you to build tgt_in and tgt_out yourself, not to read them off a batch made by collate"
                    )
                }
            )
            given = watch.done(fn(watch.wrap(tgt_ids), sos, eos))
            if not isinstance(given, (tuple, list)) or len(given) != 2:
                raise CheckFailed("return two tensors: (tgt_in, tgt_out)")
            tgt_in, tgt_out = batch.tgt_in[0], batch.tgt_out[0]
            n = len(ids)
            lengths = {
                (n,): "{what} has n symbols; both have n + 1: tgt_in = <sos> y_1..y_n, tgt_out = y_1..y_n <eos>",
                (n + 2,): "{what} has n + 2 symbols: tgt_in has <sos> but no <eos>, tgt_out <eos> but no <sos>",
            }
            for value, reference, what in zip(given, (tgt_in, tgt_out), ("tgt_in", "tgt_out")):
                mistakes = {shape: text.format(what=what) for shape, text in lengths.items()}
                expect_shape(value, reference.shape, f"{what} for a target of length {n}", mistakes)
                if value.dtype.is_floating_point:
                    raise CheckFailed(
                        f"{what} has dtype {value.dtype}; ids are integers (torch.long), which the embedding looks up: "
                        "torch.Tensor([sos]) makes a float tensor, torch.tensor([sos]) an integer one"
                    )
            ids_t = torch.tensor(ids)
            name_the_mistake(
                tuple(given),
                (tgt_in, tgt_out),
                {
                    "the pair is swapped: first tgt_in = <sos> y_1..y_n (what the decoder reads), then tgt_out": (
                        tgt_out,
                        tgt_in,
                    ),
                    f"<sos> and <eos> are swapped: tgt_in starts with <sos> (id {sos}), tgt_out ends with <eos> "
                    f"(id {eos})": (torch.cat([torch.tensor([eos]), ids_t]), torch.cat([ids_t, torch.tensor([sos])])),
                    "<sos> goes in front of the target, tgt_in = <sos> y_1..y_n, not after it": (
                        torch.cat([ids_t, torch.tensor([sos])]),
                        tgt_out,
                    ),
                },
                atol=0,
            )
            for value, reference, what in zip(given, (tgt_in, tgt_out), ("tgt_in", "tgt_out")):
                if value.tolist() != reference.tolist():
                    raise CheckFailed(f"{what} for target {ids}: expected {reference.tolist()}, got {value.tolist()}")
        return "tgt_in starts with <sos>, tgt_out ends with <eos>, both of length n + 1."

    return run_check("Exercise 6.2", check, teacher_forcing)
