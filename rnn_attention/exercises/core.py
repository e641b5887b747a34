"""The check runner and the comparisons every notebook's checks share.

A check is a function that runs the student's function on small inputs and
either returns a line saying what passed or raises `CheckFailed` saying what is
wrong. `run_check` turns that into one of three printed verdicts:

- "not attempted yet" while the exercise still raises NotImplementedError,
- "passed" with what was checked,
- what is wrong, with the expected and the given value.

A check never raises, so a notebook always runs top to bottom, and later
cells go on with the package's reference implementation.

A failed comparison shows the row and position where the answer is furthest
off (`expect_close`); a known wrong answer gets its own message
(`name_the_mistake`); and `Watch` hands the student's function tensors that
refuse, during the call, what an exercise forbids (the package's reference,
torch.softmax, a loop). tools/grade calls the student's function in another
process, so a check may only pass picklable arguments and must learn everything
from what the call returns or raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = [
    "CheckFailed",
    "CheckResult",
    "run_check",
    "call",
    "expect_shape",
    "expect_close",
    "expect_mask",
    "expect_finite",
    "shorten",
    "name_the_mistake",
    "Watch",
    "Watched",
]


# The symbol that starts each printed verdict line; tools/grade/report.py reads these lines back.
VERDICT_SYMBOLS = {"passed": "\u2705", "failed": "\u274c", "not attempted": "\u23f3"}


class CheckFailed(AssertionError):
    """Raised inside a check when the student's answer is not right yet."""


@dataclass
class CheckResult:
    """What a check found: status is 'passed', 'failed' or 'not attempted'."""

    name: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "passed"

    def _ipython_display_(self):
        # The check already printed its message; show nothing more in Jupyter.
        return None


def run_check(name: str, check, *args) -> CheckResult:
    """Run `check(*args)`, print the verdict, and return it; never raise."""
    try:
        detail = check(*args)
    except NotImplementedError:
        result = CheckResult(
            name, "not attempted", "not attempted yet: fill in the function above and run both cells again."
        )
    except CheckFailed as failure:
        result = CheckResult(name, "failed", f"not yet right: {failure}")
    except Exception as error:  # the student's code raised: say what, do not stop the notebook
        result = CheckResult(name, "failed", f"your code raised {type(error).__name__}: {error}")
    else:
        result = CheckResult(name, "passed", f"passed: {detail}" if detail else "passed.")
    print(f"{VERDICT_SYMBOLS[result.status]} {name} {result.message}")
    return result


def call(fn, *args, hints: dict[str, str] | None = None):
    """fn(*args); an error whose message contains a key of `hints` fails with that hint added.

    Matching the message, not the type, works also where the function runs in
    another process (tools/grade), where the error comes back by name.
    """
    try:
        return fn(*args)
    except (NotImplementedError, CheckFailed):
        raise
    except Exception as error:
        text = str(error)
        for key, hint in (hints or {}).items():
            if key in text:
                first = text.splitlines()[0].rstrip(".") if text else ""
                raise CheckFailed(f"your code raised {type(error).__name__}: {first}. {hint}") from None
        raise


def expect_shape(value, shape, what: str, mistakes: dict | None = None) -> None:
    """Fail unless `value` is a tensor of exactly `shape`; `mistakes` maps a wrong shape to what it means."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, torch.Tensor) for v in value):
        if tuple(value[1].shape) == tuple(shape) and not value[1].dtype.is_floating_point:
            raise CheckFailed(
                f"{what} is a pair (values, indices), as .min/.max/.sort return: take .values for the numbers, "
                ".indices for the positions"
            )
    if not isinstance(value, torch.Tensor):
        kind = type(value).__name__
        hint = ": take .values" if kind in ("min", "max", "sort", "topk", "mode", "median") else ""
        raise CheckFailed(f"{what} should be a torch.Tensor of shape {tuple(shape)}, got {kind}{hint}")
    if tuple(value.shape) != tuple(shape):
        meaning = (mistakes or {}).get(tuple(value.shape))
        raise CheckFailed(
            f"{what} should have shape {tuple(shape)}, got {tuple(value.shape)}" + (f": {meaning}" if meaning else "")
        )


def expect_mask(value, expected: torch.Tensor, what: str) -> None:
    """Fail unless `value` is a torch.bool mask equal to `expected` (True = real token)."""
    expect_shape(value, expected.shape, what)
    if value.dtype != torch.bool:
        raise CheckFailed(f"{what} should have dtype torch.bool (True = real token), got {value.dtype}")
    if not torch.equal(value, expected):
        raise CheckFailed(f"{what}\n    expected: {expected.int().tolist()}\n    given:    {value.int().tolist()}")


def expect_close(value, expected, what: str, atol: float = 1e-5) -> None:
    """Fail unless `value` matches `expected` (shape and numbers, to atol).

    The message names the entry where the two differ most (row and position)
    and shows that row of both, so the numbers printed are the ones that differ.
    """
    expected = torch.as_tensor(expected)
    expect_shape(value, expected.shape, what)
    given64, expected64 = value.detach().double(), expected.detach().double()
    gap = (given64 - expected64).abs()
    gap = torch.where(torch.isnan(gap) & ~(torch.isnan(given64) & torch.isnan(expected64)), math.inf, gap)
    gap = torch.nan_to_num(gap, nan=0.0)  # nan where both are nan: equal
    if gap.numel() == 0 or gap.max().item() <= atol:
        return
    flat = int(gap.flatten().argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), tuple(gap.shape))) if gap.dim() else ()
    worst = given64[index].item() if gap.dim() else given64.item()
    largest = gap.max().item()
    size = "nan or inf" if not math.isfinite(largest) or not math.isfinite(worst) else f"up to {largest:.3g}"
    raise CheckFailed(
        f"{what} differs from the reference by {size} (allowed {atol:g}){_where(index)}:\n"
        f"    expected: {_row(expected64, index)}\n    given:    {_row(given64, index)}"
    )


def _where(index: tuple) -> str:
    if not index:
        return ""
    if len(index) == 1:
        return f", most at position {index[0]}"
    return f", most at row {index[:-1] if len(index) > 2 else index[0]}, position {index[-1]}"


def _row(tensor: torch.Tensor, index: tuple, width: int = 7) -> str:
    """The row of `tensor` that holds `index`, a window of it around that entry, the entry marked with *...*."""
    if not index:
        return f"{tensor.item():.4f}"
    row = tensor[index[:-1]] if len(index) > 1 else tensor
    position = index[-1]
    start = max(0, min(position - width // 2, row.numel() - width))
    stop = min(row.numel(), start + width)
    shown = [f"*{x:.4f}*" if start + k == position else f"{x:.4f}" for k, x in enumerate(row[start:stop].tolist())]
    return f"[{'..., ' if start else ''}{', '.join(shown)}{', ...' if stop < row.numel() else ''}]"


def expect_finite(value, what: str, hint: str) -> None:
    """Fail with a hint unless every entry of `value` is a finite number."""
    if isinstance(value, torch.Tensor) and not torch.isfinite(value).all():
        raise CheckFailed(f"{what} contains nan or inf: {shorten(value)}. {hint}")


def shorten(tensor: torch.Tensor) -> str:
    """A compact one-line view of a small tensor for messages."""
    flat = tensor.detach().double().flatten()
    shown = ", ".join(f"{x:.4f}" for x in flat[:6].tolist())
    return f"[{shown}{', ...' if flat.numel() > 6 else ''}] (shape {tuple(tensor.shape)})"


def _same(value, other, atol: float) -> bool:
    """True when two answers agree: tensors of one shape to atol (nan where both are nan), or equal numbers."""
    if isinstance(other, torch.Tensor):
        if not isinstance(value, torch.Tensor) or value.shape != other.shape:
            return False
        if value.numel() == 0:
            return True
        return bool(torch.allclose(value.detach().double(), other.detach().double(), atol=atol, rtol=0, equal_nan=True))
    if isinstance(other, (tuple, list)):
        return (
            isinstance(value, (tuple, list))
            and len(value) == len(other)
            and all(_same(v, o, atol) for v, o in zip(value, other))
        )
    if other is None or isinstance(value, torch.Tensor):
        return value is other
    try:
        return abs(float(value) - float(other)) <= atol
    except (TypeError, ValueError):
        return False


def name_the_mistake(value, expected, mistakes: dict, atol: float = 1e-5) -> None:
    """Fail with the mistake's own message when `value` is one of the known wrong answers.

    `mistakes` maps a message to the wrong answer it names (a value, or a
    function of no arguments that computes it). A wrong answer that happens to
    equal the right one on this input cannot be told apart, and is skipped.
    Nothing happens when `value` is right or matches no known mistake.
    """
    if _same(value, expected, atol):
        return
    for message, wrong in mistakes.items():
        try:
            candidate = wrong() if callable(wrong) else wrong
        except Exception:  # this wrong answer does not even exist for this input
            continue
        if not _same(candidate, expected, atol) and _same(value, candidate, atol):
            raise CheckFailed(message)


# Watching how an answer is computed lives in watch.py; the checks import it from here, as before.
from .watch import Watch as Watch  # noqa: E402
from .watch import Watched as Watched  # noqa: E402
