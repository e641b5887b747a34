"""Check functions the notebooks call after each exercise.

Each `check_*` function runs the student's function on small inputs and
prints one of three things:

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
    "check_weighted_sum",
    "check_score_param_count",
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
        result = CheckResult(name, "not attempted", "not attempted yet: fill in the function above and run both cells again.")
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


def expect_close(value, expected, what: str, atol: float = 1e-5) -> None:
    """Fail unless `value` matches `expected` (shape and numbers, to atol)."""
    expected = torch.as_tensor(expected)
    expect_shape(value, expected.shape, what)
    difference = (value.detach().double() - expected.detach().double()).abs().max().item()
    if not math.isfinite(difference) or difference > atol:
        raise CheckFailed(
            f"{what} differs from the reference by up to {difference:.3g} (allowed {atol:g}).\n"
            f"    expected: {_short(expected)}\n    given:    {_short(value)}"
        )


def _short(tensor: torch.Tensor) -> str:
    """A compact one-line view of a small tensor for messages."""
    flat = tensor.detach().double().flatten()
    shown = ", ".join(f"{x:.4f}" for x in flat[:6].tolist())
    return f"[{shown}{', ...' if flat.numel() > 6 else ''}] (shape {tuple(tensor.shape)})"


# ----------------------------------------------------------------- notebook 00


def check_weighted_sum(weighted_sum) -> CheckResult:
    """Exercise 0.1: c = sum_j alpha_j h_j for inputs of several lengths."""

    def check(fn):
        generator = torch.Generator().manual_seed(0)
        for length in (1, 3, 7, 20):
            keys = torch.randn(length, 4, generator=generator, dtype=torch.float64)  # (S, D)
            alpha = torch.softmax(torch.randn(length, generator=generator, dtype=torch.float64), dim=0)  # (S,)
            given = fn(alpha, keys)
            expect_close(given, alpha @ keys, f"c for T_x={length}")
        return "c has the size of one h_j (4) for T_x = 1, 3, 7 and 20."

    return run_check("Exercise 0.1", check, weighted_sum)


def check_score_param_count(count_params) -> CheckResult:
    """Exercise 0.2: the additive score's parameter count from its sizes."""
    from .attention import AdditiveAttention

    def check(fn):
        for sizes in ((2, 3, 4), (16, 32, 8), (256, 512, 128)):
            expected = sum(p.numel() for p in AdditiveAttention(*sizes).parameters())
            given = fn(*sizes)
            if given != expected:
                raise CheckFailed(f"for (query_size, key_size, attn_size) = {sizes} expected {expected}, got {given}")
        return "A*Dq + A*Dk + A parameters, and no T_x anywhere."

    return run_check("Exercise 0.2", check, count_params)
