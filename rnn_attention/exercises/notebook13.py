"""Checks of notebook 13 (are the heat maps right?): the AER of one pair's weights, Luong's attentional state,
one step of Luong's decoder from its pieces."""

from __future__ import annotations

import copy

import torch

from ..masking import lengths_to_mask
from ..models import LuongDecoder, build_model
from .core import CheckFailed, CheckResult, Watch, call, expect_close, expect_shape, name_the_mistake, run_check

__all__ = ["check_alignment_error_rate", "check_attentional_state", "check_luong_step"]


def _links(positions, gold) -> tuple[set, set]:
    """(A, G) of one pair: A from one position per step (zipped with the gold steps), G from the gold sets."""
    A = {(t, int(j)) for t, j in enumerate(positions)}
    G = {(t, j) for t, step in enumerate(gold) for j in step}
    return A, G


def _aer(A: set, G: set) -> float:
    return 1.0 - 2.0 * len(A & G) / (len(A) + len(G))


def _aer_cases():
    """(name, weights (T_y + 1, T_x) with the EOS row last, gold: T_y sets), the gold sets never empty."""
    cases = []
    # the pencil case: "15 févr. 2027"-like; two steps look inside a word, one misses, the EOS row looks at 0
    weights = torch.tensor(
        [
            [0.1, 0.6, 0.2, 0.1, 0.0],  # step 0 -> 1, gold {0, 1, 2}: right
            [0.1, 0.1, 0.7, 0.1, 0.0],  # step 1 -> 2, gold {0, 1, 2}: right
            [0.0, 0.1, 0.1, 0.7, 0.1],  # step 2 -> 3, gold {4}: wrong
            [0.8, 0.0, 0.0, 0.1, 0.1],  # EOS -> 0
        ],
        dtype=torch.float64,
    )
    cases.append(("the pencil example", weights, [{0, 1, 2}, {0, 1, 2}, {4}]))  # AER = 1 - 2*2/(3+7) = 0.6
    cases.append(("a perfect one-hot alignment", torch.eye(4, 6, dtype=torch.float64), [{0}, {1}, {2}]))
    generator = torch.Generator().manual_seed(13)
    for T_y, T_x in ((4, 9), (7, 5), (10, 14)):
        weights = torch.softmax(3.0 * torch.randn(T_y + 1, T_x, generator=generator, dtype=torch.float64), dim=-1)
        gold = []
        for _ in range(T_y):
            size = 1 + int(torch.randint(0, 3, (1,), generator=generator))  # 1 to 3 positions, as in a word
            start = int(torch.randint(0, T_x - size + 1, (1,), generator=generator))
            gold.append(set(range(start, start + size)))
        gold[0] = {int(weights[0].argmax())}  # at least one right link
        cases.append((f"a ({T_y} + 1, {T_x}) matrix", weights, gold))
    return cases


_OWN_AER = "this exercise asks you to compute the AER yourself, not to call the package's alignment_error_rate"


def check_alignment_error_rate(alignment_error_rate) -> CheckResult:
    """Exercise 13.1: AER = 1 - 2|A n G| / (|A| + |G|) of one pair, A by arg-max of the weights without the EOS row."""

    def check(fn):
        for name, weights, gold in _aer_cases():
            T_y = len(gold)
            A, G = _links(weights[:T_y].argmax(dim=-1).tolist(), gold)
            expected = _aer(A, G)
            watch = Watch(refused_code={"rnn_attention.alignment:predicted_alignments": _OWN_AER})
            given = watch.done(call(fn, watch.wrap(weights), [set(step) for step in gold]))
            if isinstance(given, torch.Tensor):
                expect_shape(given, (), f"the AER of {name}")
                given = given.item()
            if not isinstance(given, (int, float)):
                raise CheckFailed(f"the AER of {name} should be one number, got {type(given).__name__}")
            hits = len(A & G)
            A_eos, _ = _links(weights.argmax(dim=-1).tolist(), gold)
            A_cols, _ = _links(weights.argmax(dim=0).tolist()[:T_y], gold)
            name_the_mistake(
                given,
                expected,
                {
                    "you took the arg-max over the wrong axis: row i of the weights is target step i and its "
                    "columns are the source positions j, so the position of step i is weights[i].argmax(), "
                    "an arg-max over dim=-1": _aer(A_cols, G),
                    "you counted the EOS row: the last row is the step that predicts EOS, which is no target "
                    "character and has no gold set; drop it (weights[:-1]) before the arg-max": _aer(A_eos, G),
                    "that is 1 - precision, 1 - |A n G| / |A|: precision forgets the gold links the model missed; "
                    "AER = 1 - 2|A n G| / (|A| + |G|)": 1.0 - hits / len(A),
                    "that is the precision |A n G| / |A|, not an error rate: AER = 1 - 2|A n G| / (|A| + |G|)": hits
                    / len(A),
                    "that is 1 - recall, 1 - |A n G| / |G|; AER = 1 - 2|A n G| / (|A| + |G|) counts both the "
                    "wrong links and the missed ones": 1.0 - hits / len(G),
                    "that is 2|A n G| / (|A| + |G|), the agreement; the error rate is 1 minus it": 1.0 - expected,
                },
            )
            if abs(float(given) - expected) > 1e-6:
                raise CheckFailed(
                    f"for {name} expected AER {expected:.4f} (|A| = {len(A)}, |G| = {len(G)}, |A n G| = {hits}), "
                    f"got {float(given):.4f}"
                )
        return "0 for a perfect alignment, 0.6 for the pencil example, the EOS row left out."

    return run_check("Exercise 13.1", check, alignment_error_rate)


_CONCAT = (
    "[c_t; s_t] puts the context first and the state after it: torch.cat([context, state], dim=-1) is (B, C + H), "
    "and W_c is (H, C + H), so multiply by W_c.T"
)
_SHAPES = {"cannot be multiplied": _CONCAT, "must match the size": _CONCAT, "Expected size": _CONCAT}


def check_attentional_state(attentional_state) -> CheckResult:
    """Exercise 13.2: Luong's attentional state h~_t = tanh(W_c [c_t; s_t]), from the state after this step's RNN."""

    def check(fn):
        generator = torch.Generator().manual_seed(1315)
        cases = []
        # pencil: c = (1, 0), s = (0, 1), W_c = [[1, 0, 0, 2], [0, 0, 0, 0]] -> tanh((1 + 2, 0)) = (0.9951, 0)
        cases.append(
            (
                "the pencil example",
                torch.tensor([[1.0, 0.0]]),
                torch.tensor([[5.0, 5.0]]),
                torch.tensor([[0.0, 1.0]]),
                torch.tensor([[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]]),
            )
        )
        for B, C, H in ((2, 3, 3), (3, 4, 4), (2, 6, 4)):
            cases.append(
                (
                    f"B={B}, C={C}, H={H}",
                    torch.randn(B, C, generator=generator, dtype=torch.float64),  # c_t
                    torch.randn(B, H, generator=generator, dtype=torch.float64),  # s_{t-1}
                    torch.randn(B, H, generator=generator, dtype=torch.float64),  # s_t
                    torch.randn(H, C + H, generator=generator, dtype=torch.float64) / 2,  # W_c
                )
            )
        for name, context, previous, state, W_c in cases:
            expected = torch.tanh(torch.cat([context, state], dim=-1) @ W_c.T)  # (B, H)
            given = call(fn, context.clone(), previous.clone(), state.clone(), W_c.clone(), hints=_SHAPES)
            what = f"h~_t of {name}"
            expect_shape(given, expected.shape, what)
            swapped = torch.tanh(torch.cat([state, context], dim=-1) @ W_c.T)  # (B, H + C): multiplies, wrongly
            name_the_mistake(
                given,
                expected,
                {
                    "you used s_{t-1}, the state before this step: Luong's decoder runs the RNN first and "
                    "builds h~_t from the new state s_t": torch.tanh(torch.cat([context, previous], dim=-1) @ W_c.T),
                    "there is no tanh: h~_t = tanh(W_c [c_t; s_t])": torch.cat([context, state], dim=-1) @ W_c.T,
                    "the context and the state are swapped: [c_t; s_t] is the context first, then the state "
                    "(W_c's first C columns read the context)": swapped,
                    "s_{t-1} and no tanh: h~_t = tanh(W_c [c_t; s_t]) with the state after this step": torch.cat(
                        [context, previous], dim=-1
                    )
                    @ W_c.T,
                },
            )
            expect_close(given, expected, what, atol=1e-5)
        return "h~_t = tanh(W_c [c_t; s_t]) with the state after this step, one row per example."

    return run_check("Exercise 13.2", check, attentional_state)


class LuongByHand(LuongDecoder):
    """The decoder 13.3 hands the student: its pieces work, its ready-made step refuses (it is the exercise)."""

    def step(self, *args, **kwargs):
        raise CheckFailed("13.3 asks you to assemble the step from its pieces, not to call decoder.step")

    def _recurrence(self, *args, **kwargs):
        raise CheckFailed("13.3 asks you to assemble the step from its pieces, not to call decoder._recurrence")

    def forward(self, *args, **kwargs):
        raise CheckFailed("13.3 asks for one step from its pieces, not a call of the whole decoder")


def _luong_variants(decoder, y_prev, s_prev, h_prev, enc_outputs, src_mask) -> dict:
    """{mistake (None = right): (logits, s_i, h~_i)} for one step of Luong's decoder and its usual wrong forms."""
    embedded = decoder.embedding(y_prev)  # (B, E)

    def finish(s, query, joined=lambda c, s: torch.cat([c, s], dim=-1), squash=torch.tanh, read=None):
        context, _ = decoder.attention(query, enc_outputs, src_mask)  # (B, K)
        h_tilde = squash(decoder.W_c(joined(context, s)))  # (B, H)
        return decoder.output(h_tilde if read is None else read(s, h_tilde)), s, h_tilde

    s_i = decoder.rnn(torch.cat([embedded, h_prev], dim=-1), s_prev)  # (B, H)
    no_feeding = decoder.rnn(torch.cat([embedded, torch.zeros_like(h_prev)], dim=-1), s_prev)
    feeding_first = decoder.rnn(torch.cat([h_prev, embedded], dim=-1), s_prev)
    return {
        None: finish(s_i, s_i),
        "alpha_i was scored with s_{i-1}, the state before the step: Luong's decoder runs the GRU first and "
        "scores the h_j with the new state s_i": finish(s_i, s_prev),
        "h~_{i-1} did not reach the GRU (input feeding): its input is [E y_{i-1}; h~_{i-1}]": finish(
            no_feeding, no_feeding
        ),
        "the GRU's input is [E y_{i-1}; h~_{i-1}], in that order: the embedding first": finish(
            feeding_first, feeding_first
        ),
        "there is no tanh in h~_i: h~_i = tanh(W_c [c_i; s_i])": finish(s_i, s_i, squash=lambda x: x),
        "the context and the state are swapped: h~_i = tanh(W_c [c_i; s_i]), the context first": finish(
            s_i, s_i, joined=lambda c, s: torch.cat([s, c], dim=-1)
        ),
        "the read-out is W_s h~_i, the attentional state, not W_s s_i": finish(s_i, s_i, read=lambda s, h: s),
        "h~_i was built from s_{i-1}: h~_i = tanh(W_c [c_i; s_i]) with the state after the step": (
            lambda c: (decoder.output(h := torch.tanh(decoder.W_c(torch.cat([c, s_prev], dim=-1)))), s_i, h)
        )(decoder.attention(s_i, enc_outputs, src_mask)[0]),
    }


def check_luong_step(luong_step) -> CheckResult:
    """Exercise 13.3: one step of Luong's decoder from its pieces, against LuongDecoder.step with the same weights."""

    def check(fn):
        with torch.random.fork_rng():
            torch.manual_seed(13)
            sizes = dict(emb_size=5, hidden_size=6, decoder="luong", attention="dot")  # h_j and s_i of size 12
            decoder = build_model(11, 11, sizes).decoder.eval()
            student_decoder = copy.deepcopy(decoder)
            student_decoder.__class__ = LuongByHand  # the same weights; only the ready-made step refuses
            generator = torch.Generator().manual_seed(13)
            for lengths in ([3], [4, 2], [7, 1, 5]):
                B, S = len(lengths), max(lengths)
                src_mask = lengths_to_mask(torch.tensor(lengths), S)  # (B, S)
                enc_outputs = torch.randn(B, S, 12, generator=generator) * src_mask.unsqueeze(-1)  # (B, S, K)
                s_prev = torch.randn(B, 12, generator=generator)  # s_{i-1}: (B, H)
                h_prev = torch.tanh(torch.randn(B, 12, generator=generator))  # h~_{i-1}: (B, H)
                y_prev = torch.randint(0, 11, (B,), generator=generator)  # (B,)
                with torch.no_grad():
                    variants = _luong_variants(decoder, y_prev, s_prev, h_prev, enc_outputs, src_mask)
                    expected = variants.pop(None)
                    given = fn(student_decoder, y_prev, s_prev.clone(), h_prev.clone(), enc_outputs, src_mask)
                if not isinstance(given, tuple) or len(given) != 3:
                    raise CheckFailed("return three things: (logits, s_i, h_tilde)")
                for k, what in ((1, "s_i"), (2, "h~_i"), (0, "logits")):
                    expect_shape(given[k], expected[k].shape, f"{what} for source lengths {lengths}")
                right = [torch.allclose(g.float(), e, atol=1e-5) for g, e in zip(given, expected)]
                if not all(right):
                    for message, wrong in variants.items():
                        if all(torch.allclose(g.float(), w, atol=1e-5) for g, w in zip(given, wrong)):
                            raise CheckFailed(message)
                # in the order a step computes them: s_i, then h~_i, then the logits
                for k, what in ((1, "s_i"), (2, "h~_i"), (0, "logits")):
                    expect_close(given[k], expected[k], f"{what} for source lengths {lengths}")
        return "s_i, h~_i and the logits match LuongDecoder.step for source lengths [3], [4, 2] and [7, 1, 5]."

    return run_check("Exercise 13.3", check, luong_step)
