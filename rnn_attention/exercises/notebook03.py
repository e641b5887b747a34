"""Checks of notebook 03 (softmax to alpha): a stable softmax, and a masked one that survives an all-padding row."""

from __future__ import annotations

import torch

from ..masking import lengths_to_mask, masked_softmax
from .core import (
    CheckFailed,
    CheckResult,
    Watch,
    call,
    expect_close,
    expect_finite,
    expect_shape,
    name_the_mistake,
    run_check,
    shorten,
)

__all__ = ["check_stable_softmax", "check_masked_softmax"]

_OWN_SOFTMAX = (
    "Exercise 3.1 asks you to write the softmax yourself (subtract each row's maximum, exp, divide by the sum); "
    "torch.softmax does the subtraction for you"
)
_SOFTMAXES = {
    path: _OWN_SOFTMAX
    for path in (
        "torch:softmax",
        "torch:Tensor.softmax",
        "torch.nn.functional:softmax",
        "torch.special:softmax",
        "torch:_softmax",
        "torch:log_softmax",
        "torch:Tensor.log_softmax",
        "torch.nn.functional:log_softmax",
        "torch.special:log_softmax",
    )
}
_OWN_MASKED = "this exercise asks you to write the masked softmax yourself, not to call the package's masked_softmax"
_OVERFLOW = (
    "The fill value must fit the scores' dtype (float16 holds at most 65504): a constant such as -1e9, or the "
    "minimum of another dtype, does not; use torch.finfo(scores.dtype).min"
)

_DROPPED_AXIS = {
    "max": "scores.max(dim=-1) drops the row axis: keep it (keepdim=True), so that each row subtracts its own maximum",
    "amax": "scores.amax(dim=-1) drops the row axis: keep it (keepdim=True), so that each row subtracts its own maximum",
    "sum": "the sum over dim=-1 drops the row axis, so the division does not line up with the rows: keep it "
    "(.sum(dim=-1, keepdim=True)), so that each row is divided by its own sum",
}
_KEEP_SCORES = (
    "your function changed the caller's scores or mask: a softmax returns new weights and leaves its arguments as "
    "they were (the caller still needs the scores); use masked_fill, not masked_fill_, or work on a copy"
)
_DATA_FILL = (
    "the fill was computed from the scores (such as scores.min() - 1e4): a magic number that depends on the data is "
    "below the real scores only as far as the data allows, turns into -inf once it passes the dtype's lowest value "
    "(float16 stops at -65504), and its result changes with whatever the padded positions hold. "
    "Fill with torch.finfo(scores.dtype).min, which is below every real score by definition"
)
_REPAIRED_NAN = (
    "the nan was repaired after the softmax (as -inf then nan_to_num does): that also turns into 0 every nan from a "
    "real bug (an overflow, a nan score), which then no longer shows, and it is the -inf method notebook 03 advises "
    "against. Fill with torch.finfo(scores.dtype).min so that no nan arises, and give an all-padding row zeros"
)
_MASKED_REFUSED = {
    **{
        path: _DATA_FILL
        for path in ("torch:min", "torch:Tensor.min", "torch:amin", "torch:Tensor.amin", "torch:aminmax")
    },
    **{
        path: _REPAIRED_NAN
        for path in ("torch:nan_to_num", "torch:Tensor.nan_to_num", "torch:Tensor.nan_to_num_", "torch:isnan")
    },
    "torch:Tensor.aminmax": _DATA_FILL,
    "torch:Tensor.isnan": _REPAIRED_NAN,
}


def check_stable_softmax(stable_softmax) -> CheckResult:
    """Exercise 3.1: a softmax over the last axis that survives scores like 1000 and -1000."""

    def check(fn):
        generator = torch.Generator().manual_seed(3)
        cases = [
            ("small scores (B=2, T_x=5)", torch.randn(2, 5, generator=generator)),
            ("one position (T_x=1)", torch.tensor([[0.3]])),
            ("scores 100, 101, 102", torch.tensor([[100.0, 101.0, 102.0]])),
            ("scores 1000, 10, -1000", torch.tensor([[1000.0, 10.0, -1000.0]])),
            ("scores -1000, -1001", torch.tensor([[-1000.0, -1001.0]])),
            # rows whose scales differ by orders of magnitude: each needs its own maximum
            ("rows (1000, 999, 998) and (1, 2, 3)", torch.tensor([[1000.0, 999.0, 998.0], [1.0, 2.0, 3.0]])),
            (
                "three rows of three, around 1000, 1 and -1000",
                torch.tensor([[1000.0, 999.0, 998.0], [1.0, 2.0, 3.0], [-1000.0, -1001.0, -1002.0]]),
            ),
            ("float16 scores 10, 11, 12", torch.tensor([[10.0, 11.0, 12.0]], dtype=torch.float16)),
        ]
        for what, scores in cases:
            watch = Watch(
                refused_ops=_SOFTMAXES,
                refused_code={"rnn_attention.masking:masked_softmax": _OWN_SOFTMAX},
                broadcast_hints=_DROPPED_AXIS,
            )
            given = watch.done(call(fn, watch.wrap(scores), hints={"must match the size": _DROPPED_AXIS["max"]}))
            what = f"the softmax of {what}"
            expect_shape(given, scores.shape, what)
            expected = torch.softmax(scores, dim=-1)
            if scores.dim() == 2 and scores.shape[0] > 1:
                name_the_mistake(
                    given,
                    expected,
                    {
                        "the softmax ran over the rows (dim 0); it runs over the last axis, one softmax per row": torch.softmax(
                            scores, dim=0
                        ),
                    },
                )
            finite = torch.isfinite(given).all(dim=-1)
            if not finite.all() and finite.any():
                raise CheckFailed(
                    f"{what}: row {int((~finite).nonzero()[0])} is nan or inf while another row is fine: "
                    "subtract each row's own maximum (max over dim=-1, keepdim=True), not one maximum for all rows"
                )
            hint = "Subtract the largest score of each row before exp (max over dim=-1, keepdim=True)."
            if scores.dtype == torch.float16:
                hint = "exp(12) = 162755 overflows float16 (at most 65504): subtract each row's maximum before exp."
            expect_finite(given, what, hint)
            if given.dtype != scores.dtype:
                raise CheckFailed(f"{what} came back as {given.dtype}; return the weights in the scores' own dtype")
            expect_close(given, expected, what, atol=1e-3 if scores.dtype == torch.float16 else 1e-4)
        return "matches torch.softmax, also for scores of +-1000 in float32, rows of different scales, and float16."

    return run_check("Exercise 3.1", check, stable_softmax)


def _masked_case(fn, scores, mask, what, atol=1e-5):
    """Run fn on (scores, mask) as Watched tensors; fail with the misconception each wrong kind of answer shows."""
    watch = Watch(
        refused_code={"rnn_attention.masking:masked_softmax": _OWN_MASKED},
        refused_ops=_MASKED_REFUSED,
        keep_inputs=_KEEP_SCORES,
    )
    given = watch.done(call(fn, watch.wrap(scores), watch.wrap(mask), hints={"without overflow": _OVERFLOW}))
    expected = masked_softmax(scores, mask)
    expect_shape(given, scores.shape, what)
    real = mask.any(dim=-1)  # rows with at least one real position
    if not torch.isfinite(given[real]).all():
        expect_finite(given, what, "Fill the padded scores with a finite value before the softmax.")
    if not torch.isfinite(given).all():
        raise CheckFailed(
            f"{what}: a row with no real position gave nan ({shorten(given[~real])}); filling with -inf makes its "
            "softmax 0/0. Fill with torch.finfo(scores.dtype).min, and give such a row zeros"
        )
    if not real.all() and (given[~real] != 0).any():
        raise CheckFailed(
            f"{what}: a row with no real position must give zeros, got {shorten(given[~real])}: the softmax of a row "
            "of equal fill values is uniform; multiply by the mask (or zero such rows)"
        )
    sums = given.double().sum(dim=-1)
    for row in real.nonzero().flatten().tolist():
        padded, total = given[row][~mask[row]], sums[row].item()
        if (padded == 0).all() and abs(total - 1) <= max(atol, 1e-5):
            continue
        low = scores[row][mask[row]].min().item()
        if low < -1e3:
            raise CheckFailed(
                f"{what}: row {row} has real scores as low as {low:.3g}, and its real weights sum to "
                f"{given[row][mask[row]].double().sum().item():.4f}: the padded scores were above the real ones "
                "when the softmax ran (a fill constant such as -1e4 or -1e9 is not below every real score). "
                "Fill with torch.finfo(scores.dtype).min, the lowest number the dtype has"
            )
        if not (padded == 0).all():
            raise CheckFailed(
                f"{what}: padded positions must get weight exactly 0, row {row} gives them {shorten(padded)}; "
                "fill their scores before the softmax"
            )
        raise CheckFailed(
            f"{what}: every row with a real position must sum to 1, row {row} sums to {total:.4f}. Zeroing the "
            "padded weights after the softmax loses their share: mask the scores before the softmax"
        )
    if given.dtype != scores.dtype:
        raise CheckFailed(f"{what} came back as {given.dtype}; return the weights in the scores' own dtype")
    expect_close(given, expected, what, atol=atol)


def check_masked_softmax(my_masked_softmax) -> CheckResult:
    """Exercise 3.2: weights only on real positions, rows summing to one, zeros (no NaN) for an all-padding row."""

    def check(fn):
        generator = torch.Generator().manual_seed(4)
        scores = 3 * torch.randn(3, 5, generator=generator)  # (B, S)
        _masked_case(fn, scores, lengths_to_mask(torch.tensor([3, 5, 1])), "the weights for lengths (3, 5, 1)")
        empty = torch.tensor([[True, True, False], [False, False, False]])  # second row: padding only
        scores = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
        _masked_case(fn, scores, empty, "the weights of a batch with an all-padding row")
        # rows whose scales differ by orders of magnitude: a constant fill is not below every real score
        scores = torch.tensor([[-3.0e4, -3.0001e4, 0.0, 0.0], [5.0, 4.0, 6.0, 0.0], [-2.0e10, -2.0001e10, 0.0, 0.0]])
        mask = lengths_to_mask(torch.tensor([2, 3, 2]), 4)
        _masked_case(fn, scores, mask, "the weights of rows around -3e4, 5 and -2e10 (float32)")
        row_mask = torch.tensor([[True, True, False]])
        for dtype in (torch.float16, torch.bfloat16):
            name = str(dtype).replace("torch.", "")
            half = torch.tensor([[1.0, 2.0, 3.0]], dtype=dtype)
            _masked_case(fn, half, row_mask, f"{name} weights", atol=1e-2)
        low = torch.tensor([[-20000.0, -20001.0, 0.0]], dtype=torch.float16)  # notebook 03's example
        _masked_case(fn, low, row_mask, "float16 weights of real scores -20000, -20001", atol=1e-2)
        return "0 on padding, rows sum to 1, an all-padding row gives zeros, any scale, float16 and bfloat16."

    return run_check("Exercise 3.2", check, my_masked_softmax)
