"""Checks of notebook 13 (are the heat maps right?): the AER of one pair's weights, Luong's attentional state."""

from __future__ import annotations

import torch

from .core import CheckFailed, CheckResult, Watch, call, expect_close, expect_shape, name_the_mistake, run_check

__all__ = ["check_alignment_error_rate", "check_attentional_state"]


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
