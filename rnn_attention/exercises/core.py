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
import sys
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


# --- Watching how an answer is computed ------------------------------------------------------------------------
#
# Some answers are right in value but wrong in how they were reached: a loop
# where the exercise asks for broadcasting, or a call of the package's own
# reference. A check hands the student's function `Watched` tensors instead of
# plain ones: they compute like any tensor, and every torch operation on them (or
# on tensors made from them) first asks their `Watch` whether it is allowed. A
# refused one raises CheckFailed *during the call*, so it also works where the
# function runs in another process (tools/grade pickles the arguments: a
# Watch travels with its tensors, by value, and resolves what it refuses there).

_METADATA = {
    "__get__",
    "__set__",
    "dim",
    "size",
    "__len__",
    "__reduce_ex__",
    "numel",
    "stride",
    "__repr__",
    "__format__",
    "is_contiguous",
    "element_size",
    "is_floating_point",
    "is_complex",
    "__hash__",
}


def _resolve(path: str):
    """'module:Qual.name' -> the object (functions unwrapped)."""
    import importlib
    import inspect

    module, _, qualname = path.partition(":")
    target = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return inspect.unwrap(target) if inspect.isfunction(target) else target


class Watch:
    """What a check refuses while the student's function runs on Watched tensors.

    - refused_code: {"module:qualname": message}: any torch operation on a watched
      tensor from inside that function or method (the package's reference);
    - refused_ops: {"module:qualname": message}: these torch functions themselves
      (torch.softmax in 3.1, reading a tensor element by element in 5.1);
    - int_index: message for indexing a watched tensor with a plain int (x[b]);
    - budget, budget_message: more torch operations than this in one call (a
      loop over a long axis) fail with the message;
    - keep_inputs: message for changing a wrapped tensor (an argument) in place,
      or a view of it (masked_fill_, mul_, x[...] = v, out=x): refused during the
      call, so also in tools/grade's worker; `done` compares the arguments with
      their values before the call as well;
    - broadcast_hints: {"sum": message}: an operation that fails with "must match
      the size" on a tensor that this reduction made (sum, max, ...) fails with
      the message, so that the hint blames the line that dropped the axis.
    """

    def __init__(
        self,
        refused_code=None,
        refused_ops=None,
        int_index=None,
        budget=None,
        budget_message="",
        keep_inputs=None,
        broadcast_hints=None,
    ):
        self.refused_code = dict(refused_code or {})
        self.refused_ops = dict(refused_ops or {})
        self.int_index = int_index
        self.budget, self.budget_message = budget, budget_message
        self.keep_inputs = keep_inputs
        self.broadcast_hints = dict(broadcast_hints or {})
        self.count, self.armed = 0, True
        self._codes = self._ops = None
        self._inputs, self._before = set(), []

    def __getstate__(self):
        state = dict(self.__dict__)
        # resolved afresh, counted afresh, the arguments' storages found afresh, where the call runs
        state.update(count=0, _codes=None, _ops=None, _inputs=set(), _before=[])
        return state

    def wrap(self, tensor: torch.Tensor) -> Watched:
        """A Watched copy of `tensor`, reporting to this watch."""
        watched = tensor.detach().clone().as_subclass(Watched)
        watched.__dict__["_watch"] = self
        if self.keep_inputs:
            watched.__dict__["_input"] = True
            self._before.append((watched, tensor.detach().clone()))
        return watched

    def done(self, value):
        """Stop watching (the check's own comparisons are free) and return `value` with plain tensors."""
        self.armed = False
        for watched, before in self._before:
            now = watched.as_subclass(torch.Tensor)
            if now.shape != before.shape or not torch.equal(now.isnan(), before.isnan()):
                raise CheckFailed(f"{self.keep_inputs} (an argument was changed in place)")
            if not torch.equal(now.nan_to_num(), before.nan_to_num()):
                raise CheckFailed(f"{self.keep_inputs} (an argument was changed in place)")
        return _unwatch(value)

    def note_inputs(self, values) -> None:
        """Remember the storage of each argument among `values`, so that an in-place change of it is seen."""
        for value in values:
            if isinstance(value, Watched) and value.__dict__.get("_input"):
                self._inputs.add(_storage(value))

    def _in_place_on_input(self, func, args, kwargs):
        """The name of `func` when it writes into an argument's storage (in place or out=), else None."""
        name = getattr(func, "__name__", "")
        in_place = (
            (name.endswith("_") and not name.startswith("_") and name not in _NOT_WRITES)
            or name in _IN_PLACE_DUNDERS
            or bool(kwargs.get("inplace"))
        )
        targets = [args[0]] if in_place and args else []
        out = kwargs.get("out")
        targets += list(out) if isinstance(out, (tuple, list)) else [out] if out is not None else []
        for target in targets:
            if isinstance(target, torch.Tensor) and _storage(target) in self._inputs:
                return name or "an operation"
        return None

    def _resolved(self):
        if self._codes is None:
            self._codes = {}
            for path, message in self.refused_code.items():
                try:
                    self._codes[_resolve(path).__code__] = message
                except (ImportError, AttributeError):
                    pass
            self._ops = {}
            for path, message in self.refused_ops.items():
                try:
                    self._ops[_resolve(path)] = message
                except (ImportError, AttributeError):
                    pass
        return self._codes, self._ops

    def inspect(self, func, args, kwargs=None) -> None:
        """Raise CheckFailed if this operation is one the check refuses."""
        if self.keep_inputs:
            self.note_inputs(args)
            name = self._in_place_on_input(func, args, kwargs or {})
            if name:
                raise CheckFailed(f"{self.keep_inputs} ({name} changed an argument in place)")
        codes, ops = self._resolved()
        try:
            message = ops.get(func)
        except TypeError:  # an unhashable callable: not one of ours
            message = None
        if message:
            raise CheckFailed(message)
        if self.int_index and func is torch.Tensor.__getitem__ and len(args) > 1:
            key = args[1]
            if isinstance(key, int) and not isinstance(key, bool):
                raise CheckFailed(self.int_index)
        if codes:
            frame = sys._getframe(2)
            for _ in range(40):
                if frame is None:
                    break
                if frame.f_code in codes:
                    raise CheckFailed(codes[frame.f_code])
                frame = frame.f_back
        if self.budget is not None and getattr(func, "__name__", "") not in _METADATA:
            self.count += 1
            if self.count > self.budget:
                raise CheckFailed(self.budget_message)


class Watched(torch.Tensor):
    """A tensor that reports each torch operation on it (and on what is made from it) to its Watch."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        watch = _watch_in(args) or _watch_in(tuple(kwargs.values()))
        if watch is not None and watch.armed:
            watch.inspect(func, args, kwargs)
        try:
            result = super().__torch_function__(func, types, args, kwargs)
        except RuntimeError as error:
            if watch is not None and watch.armed and watch.broadcast_hints and "must match the size" in str(error):
                for value in (*args, *kwargs.values()):
                    made_by = value.__dict__.get("_made_by") if isinstance(value, Watched) else None
                    if made_by in watch.broadcast_hints:
                        raise CheckFailed(watch.broadcast_hints[made_by]) from None
            raise
        if watch is not None:
            _tag(result, watch)
            name = getattr(func, "__name__", "")
            if name in watch.broadcast_hints:
                for item in result if isinstance(result, tuple) else (result,):
                    if isinstance(item, Watched):
                        item.__dict__["_made_by"] = name
        return result

    def as_subclass(self, cls):
        """Stay watched: `x.as_subclass(torch.Tensor)` must not strip the check's refusals in one call.

        (as_subclass does not pass through __torch_function__.) Another Tensor subclass is refused
        while the watch is armed; the check itself unwraps with `_plain_tensor`.
        """
        watch = self.__dict__.get("_watch")
        if isinstance(cls, type) and issubclass(Watched, cls):
            watched = _plain_tensor(self).as_subclass(Watched)
            if watch is not None:
                watched.__dict__["_watch"] = watch
            return watched
        if watch is not None and watch.armed:
            raise CheckFailed("the check's tensors cannot be turned into another class: work on them as they are")
        return torch._C.TensorBase.as_subclass(self, cls)


# Methods whose name ends in "_" that do not write into the tensor's numbers.
_NOT_WRITES = {"requires_grad_", "share_memory_", "retain_grad_", "record_stream_"}
_IN_PLACE_DUNDERS = {
    "__setitem__",
    "__iadd__",
    "__isub__",
    "__imul__",
    "__itruediv__",
    "__ifloordiv__",
    "__imod__",
    "__ipow__",
    "__imatmul__",
    "__iand__",
    "__ior__",
    "__ixor__",
    "__ilshift__",
    "__irshift__",
}


def _storage(tensor: torch.Tensor) -> int:
    """Where `tensor`'s numbers live: the same for a tensor and every view of it."""
    with torch._C.DisableTorchFunctionSubclass():
        return tensor.untyped_storage().data_ptr()


def _watch_in(values, depth: int = 0):
    for value in values:
        if isinstance(value, Watched):
            watch = value.__dict__.get("_watch")
            if watch is not None:
                return watch
        elif isinstance(value, (list, tuple)) and depth < 2:
            watch = _watch_in(value, depth + 1)
            if watch is not None:
                return watch
    return None


def _tag(result, watch: Watch) -> None:
    if isinstance(result, Watched):
        result.__dict__.setdefault("_watch", watch)
    elif isinstance(result, (list, tuple)):
        for item in result:
            _tag(item, watch)


def _plain_tensor(tensor: torch.Tensor) -> torch.Tensor:
    """The same tensor as a plain torch.Tensor (the base class's as_subclass, which Watched overrides)."""
    return torch._C.TensorBase.as_subclass(tensor, torch.Tensor)


def _unwatch(value):
    if isinstance(value, Watched):
        return _plain_tensor(value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_unwatch(v) for v in value)
    if isinstance(value, list):
        return [_unwatch(v) for v in value]
    return value
