"""The check runner and the comparisons every notebook's checks share.

A check is a function that runs the student's function on small inputs and
either returns a line saying what passed or raises `CheckFailed` saying what is
wrong. `run_check` turns that into one of three printed verdicts:

- "not attempted yet" while the exercise still raises NotImplementedError,
- "passed" with what was checked,
- what is wrong, with the expected and the given value.

A check never raises, so a notebook always runs top to bottom, and later
cells go on with the package's reference implementation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = [
    "CheckFailed",
    "CheckResult",
    "run_check",
    "expect_shape",
    "expect_close",
    "expect_mask",
    "expect_finite",
    "shorten",
]


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
    symbol = {"passed": "\u2705", "failed": "\u274c", "not attempted": "\u23f3"}[result.status]
    print(f"{symbol} {name} {result.message}")
    return result


def expect_shape(value, shape, what: str) -> None:
    """Fail unless `value` is a tensor of exactly `shape`."""
    if not isinstance(value, torch.Tensor):
        raise CheckFailed(f"{what} should be a torch.Tensor of shape {tuple(shape)}, got {type(value).__name__}")
    if tuple(value.shape) != tuple(shape):
        raise CheckFailed(f"{what} should have shape {tuple(shape)}, got {tuple(value.shape)}")


def expect_mask(value, expected: torch.Tensor, what: str) -> None:
    """Fail unless `value` is a torch.bool mask equal to `expected` (True = real token)."""
    expect_shape(value, expected.shape, what)
    if value.dtype != torch.bool:
        raise CheckFailed(f"{what} should have dtype torch.bool (True = real token), got {value.dtype}")
    if not torch.equal(value, expected):
        raise CheckFailed(f"{what}\n    expected: {expected.int().tolist()}\n    given:    {value.int().tolist()}")


def expect_close(value, expected, what: str, atol: float = 1e-5) -> None:
    """Fail unless `value` matches `expected` (shape and numbers, to atol)."""
    expected = torch.as_tensor(expected)
    expect_shape(value, expected.shape, what)
    difference = (value.detach().double() - expected.detach().double()).abs().max().item()
    if not math.isfinite(difference) or difference > atol:
        raise CheckFailed(
            f"{what} differs from the reference by up to {difference:.3g} (allowed {atol:g}).\n"
            f"    expected: {shorten(expected)}\n    given:    {shorten(value)}"
        )


def expect_finite(value, what: str, hint: str) -> None:
    """Fail with a hint unless every entry of `value` is a finite number."""
    if isinstance(value, torch.Tensor) and not torch.isfinite(value).all():
        raise CheckFailed(f"{what} contains nan or inf: {shorten(value)}. {hint}")


def shorten(tensor: torch.Tensor) -> str:
    """A compact one-line view of a small tensor for messages."""
    flat = tensor.detach().double().flatten()
    shown = ", ".join(f"{x:.4f}" for x in flat[:6].tolist())
    return f"[{shown}{', ...' if flat.numel() > 6 else ''}] (shape {tuple(tensor.shape)})"
