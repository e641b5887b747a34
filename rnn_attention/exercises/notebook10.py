"""Checks of notebook 10 (longer than anything in training): location features, oracle length, per-item accuracy.

Each check compares the student's function with the package's reference on
small inputs, and recognises the plausible wrong answers by what they return,
so the message can name the mistake.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..data import Vocab
from ..evaluate import forbid_eos as reference_forbid_eos
from ..evaluate import item_accuracy as reference_item_accuracy
from .core import CheckFailed, CheckResult, Watch, expect_close, run_check, shorten

__all__ = ["check_location_features", "check_forbid_eos", "check_item_accuracy"]


def _reference_features(prev_weights, filters):
    """f_i = F * alpha_{i-1}: (B, S), (k, r) -> (B, S, k), as nn.Conv1d computes it (zero padding r // 2)."""
    return F.conv1d(prev_weights.unsqueeze(1), filters.unsqueeze(1), padding=filters.shape[1] // 2).transpose(1, 2)


def check_location_features(location_features) -> CheckResult:
    """Exercise 10.1: f_i = F * alpha_{i-1} for any source length S, against nn.Conv1d."""

    def diagnose(given, prev, filters, S):
        B, k, r = prev.shape[0], filters.shape[0], filters.shape[1]
        if not isinstance(given, torch.Tensor):
            raise CheckFailed(f"return a torch.Tensor of shape (B, S, k) = {(B, S, k)}, got {type(given).__name__}")
        shape = tuple(given.shape)
        if shape == (B, k, S) and S != k:
            raise CheckFailed(f"shape {shape} is (B, k, S): conv1d gives channels first; transpose to (B, S, k)")
        if shape == (B, S - r + 1, k) or shape == (B, k, S - r + 1):
            raise CheckFailed(
                f"for S = {S} your features have {S - r + 1} positions instead of {S}: without padding the "
                f"convolution loses r - 1 = {r - 1} positions; pad r // 2 = {r // 2} zeros on each side"
            )
        if shape != (B, S, k):
            raise CheckFailed(f"for S = {S}, B = {B}, k = {k} the features should have shape {(B, S, k)}, got {shape}")
        if torch.allclose(given, _reference_features(prev, filters.flip(1)), atol=1e-5) and r > 1:
            raise CheckFailed(
                "your features match the filters flipped: nn.Conv1d (and the package) compute a cross-correlation, "
                "f_ij = sum_t F[:, t] alpha_{i-1, j + t - r//2}, without flipping F"
            )
        shifted = F.conv1d(F.pad(prev.unsqueeze(1), (r - 1, 0)), filters.unsqueeze(1)).transpose(1, 2)
        if torch.allclose(given, shifted, atol=1e-5) and r > 1:
            raise CheckFailed(
                f"your features are shifted by r // 2 = {r // 2} positions: pad r // 2 zeros on *each* side, so "
                "that f_ij is centred on position j"
            )

    def check(fn):
        generator = torch.Generator().manual_seed(10)
        filters = torch.randn(4, 5, generator=generator)  # k = 4 filters of width r = 5
        for S in (12, 200, 3, 1):
            prev = torch.softmax(torch.randn(2, S, generator=generator) * 3, dim=-1)  # (B, S): alpha_{i-1}
            given = fn(prev, filters)
            expected = _reference_features(prev, filters)
            same_shape = isinstance(given, torch.Tensor) and given.shape == expected.shape
            if same_shape and torch.allclose(given, expected, atol=1e-5):
                continue
            diagnose(given, prev, filters, S)
            expect_close(given, expected, f"f_i for S = {S}")
        return (
            "f_i = F * alpha_{i-1} has shape (B, S, k) for S = 12, 200, 3 and 1 with the same 4 filters of "
            "width 5: the parameters never depend on the length."
        )

    return run_check("Exercise 10.1", check, location_features)


_KEEP_LOGITS = (
    "your function changed the caller's logits (or min_lengths): the exercise asks for new logits and says not to "
    "change logits in place, because the decoder still reads them (a beam, a second decoding); clone them first"
)


def check_forbid_eos(forbid_eos) -> CheckResult:
    """Exercise 10.2: EOS made impossible until each sentence has produced its min_lengths[b] tokens."""

    def check(fn):
        V, eos = 7, Vocab.EOS
        logits = torch.zeros(4, V)
        logits[:, eos] = 3.0  # EOS is the argmax everywhere before the change
        logits[:, 0] = -1.0  # a negative score elsewhere: a logit of 0 for EOS would win against it
        logits[:, 4:] = -2.0
        min_lengths = torch.tensor([0, 2, 3, 5])
        step = 2
        original = logits.clone()
        watch = Watch(keep_inputs=_KEEP_LOGITS)
        given = watch.done(fn(watch.wrap(logits), step, watch.wrap(min_lengths)))
        expected = reference_forbid_eos(original, step, min_lengths)
        if not isinstance(given, torch.Tensor) or tuple(given.shape) != (4, V):
            shape = tuple(given.shape) if isinstance(given, torch.Tensor) else type(given).__name__
            raise CheckFailed(f"return logits of the same shape (B, V) = (4, {V}), got {shape}")
        winners = given.argmax(dim=-1).tolist()
        should_stop = [bool(step >= n) for n in min_lengths.tolist()]  # [True, True, False, False]
        others_kept = torch.equal(given[:, :eos], original[:, :eos]) and torch.equal(
            given[:, eos + 1 :], original[:, eos + 1 :]
        )
        if not others_kept:
            if (given[:, eos] == original[:, eos]).all():
                raise CheckFailed("you changed another column than EOS: only logits[:, eos_idx] may change")
            raise CheckFailed(
                "you changed the scores of the other tokens: only EOS is forbidden; "
                f"expected {shorten(expected)}, given {shorten(given)}"
            )
        eos_wins = [w == eos for w in winners]
        if eos_wins == [not s for s in should_stop]:
            raise CheckFailed("the condition is the wrong way round: EOS must be forbidden while step < min_lengths[b]")
        if eos_wins == [True, False, False, False]:
            raise CheckFailed(
                f"at step {step} a sentence with min_lengths = 2 may stop (it has 2 tokens already): forbid EOS "
                "while step < min_lengths[b], not step <= min_lengths[b]"
            )
        if all(not w for w in eos_wins) or all(eos_wins):
            raise CheckFailed(
                "every sentence got the same treatment: compare step with each sentence's own min_lengths[b] "
                "(a (B,) tensor), not with one number for the batch"
            )
        if eos_wins != should_stop:
            raise CheckFailed(
                f"at step {step} with min_lengths {min_lengths.tolist()}, EOS should win in "
                f"{should_stop} but wins in {eos_wins}"
            )
        forbidden = ~torch.tensor(should_stop)
        if torch.any(given[forbidden, eos] > torch.finfo(given.dtype).min):
            if torch.all(given[forbidden, eos] == 0):
                raise CheckFailed(
                    "EOS got a logit of 0: that can still win when every other logit is negative; "
                    "use torch.finfo(logits.dtype).min"
                )
            got = given[forbidden, eos].tolist()
            raise CheckFailed(f"a forbidden EOS should get torch.finfo(dtype).min, got {got}")
        expect_close(given, expected, "the logits after forbidding EOS")
        return (
            "EOS is forbidden exactly while step < min_lengths[b], per sentence, with the lowest float, and the "
            "other tokens' logits are untouched."
        )

    return run_check("Exercise 10.2", check, forbid_eos)


def check_item_accuracy(item_accuracy) -> CheckResult:
    """Exercise 10.3: the fraction of the target's dates that the output has right at the same place."""

    cases = [
        ("2026-11-24;1999-02-01;1903-03-03", "2026-11-24;1999-02-01;1903-03-03"),
        ("2026-11-24;1903-03-03", "2026-11-24;1999-02-01;1903-03-03"),  # the last date moved up: 1/3
        ("2026-11-24;1999-02-01", "2026-11-24;1999-02-01;1903-03-03"),  # stopped early: 2/3
        ("2026-11-24;1999-02-01;1903-03-03;1903-03-03", "2026-11-24;1999-02-01;1903-03-03"),  # one more: 1
        ("1999-02-01;2026-11-24", "2026-11-24;1999-02-01"),  # swapped: 0
        ("2026-11-25", "2026-11-24"),  # one digit wrong: 0
        ("", "2026-11-24;1999-02-01"),  # nothing written: 0
    ]

    def check(fn):
        given = [fn(output, target) for output, target in cases]
        expected = [reference_item_accuracy(output, target) for output, target in cases]
        for value in given:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise CheckFailed(f"return a number between 0 and 1, got {value!r} ({type(value).__name__})")
        if all(abs(g - e) < 1e-9 for g, e in zip(given, expected)):
            return (
                "item k of the output is compared with item k of the target; missing dates count as wrong, "
                "extra ones are not counted, and a date in the wrong place is wrong."
            )
        exact = [float(o == t) for o, t in cases]
        if all(abs(g - e) < 1e-9 for g, e in zip(given, exact)):
            raise CheckFailed("that is exact match (all or nothing): count each date that is right at its place")
        if abs(given[4] - 1.0) < 1e-9 or abs(given[1] - 2 / 3) < 1e-9:
            raise CheckFailed(
                "a date in the wrong place counted as right: compare item k of the output with "
                "item k of the target (zip), not whether it appears anywhere"
            )
        if abs(given[2] - 1.0) < 1e-9:
            raise CheckFailed("stopping after 2 of 3 dates scored 1.0: divide by the number of *target* dates")
        if abs(given[3] - 0.75) < 1e-9:
            raise CheckFailed(
                "an extra date lowered the score: divide by the number of target dates; "
                "extra dates are reported separately (items produced)"
            )
        if 0 < given[5] < 1:
            raise CheckFailed("a date with one wrong digit got partial credit: an item is right only if all of it is")
        wrong = [(c, e, g) for c, e, g in zip(cases, expected, given) if abs(g - e) > 1e-9]
        (output, target), e, g = wrong[0]
        raise CheckFailed(f"for output {output!r} and target {target!r} expected {e:.4f}, got {g!r}")

    return run_check("Exercise 10.3", check, item_accuracy)
