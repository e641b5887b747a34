"""Watching how an answer is computed: `Watch` and the `Watched` tensors a check hands a student's function.

A check can refuse a shortcut (calling the package's reference, a loop where the
exercise asks for none, an in-place change of the caller's tensors) only while
the student's function runs, because the grader runs it in another process.
The checks of every notebook use these through `rnn_attention.exercises.core`.
"""

from __future__ import annotations

import contextlib
import os
import sys

import torch
from torch.overrides import TorchFunctionMode

from .core import CheckFailed

__all__ = ["Watch", "Watched", "elsewhere"]


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
#
# Stripping the wrapper does not escape a Watch: while the student's function
# runs, a torch function mode (`_WatchMode`) sees every torch operation, also on
# plain tensors made from the watched ones by `torch.Tensor.as_subclass`, `.data`,
# `torch.Tensor(x)`, a `.numpy()` round trip and the like. In the check's own
# process the mode is pushed by the first `wrap` and popped by `done` (and is
# inert once the check's frame has returned); in tools/grade's worker it spans
# the call (`Watch.during_call`). Disguising a call remains possible for a
# student who works at it (another thread, torch's private switches): refusals
# are feedback that is hard to dodge by accident, not a proof.

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
        self._mode = None

    def __getstate__(self):
        state = dict(self.__dict__)
        # resolved afresh, counted afresh, the arguments' storages found afresh, where the call runs
        state.update(count=0, _codes=None, _ops=None, _inputs=set(), _before=[], _mode=None)
        return state

    def wrap(self, tensor: torch.Tensor) -> Watched:
        """A Watched copy of `tensor`, reporting to this watch (and, in this process, the mode that sees the rest)."""
        with torch._C.DisableTorchFunction():  # the check's own copying is not the student's work
            watched = torch._C.TensorBase.as_subclass(tensor.detach().clone(), Watched)
        watched.__dict__["_watch"] = self
        if self.keep_inputs or self.int_index:
            watched.__dict__["_input"] = True
            self._inputs.add(_storage(watched))
        if self.keep_inputs:
            self._before.append((watched, tensor.detach().clone()))
        if self.armed and self._mode is None and not _ELSEWHERE:
            _drop_dead_modes()
            self._mode = _WatchMode(self, sys._getframe(1))
            torch._C._push_on_torch_function_stack(self._mode)
            _clean_up_after_each_cell()
        return watched

    @contextlib.contextmanager
    def during_call(self, args):
        """The student's function runs in here (tools/grade's worker): every torch operation is inspected."""
        self.note_inputs(args)
        mode = _WatchMode(self, None)
        torch._C._push_on_torch_function_stack(mode)
        try:
            yield
        finally:
            _drop_modes(lambda m: m is mode)

    def done(self, value):
        """Stop watching (the check's own comparisons are free) and return `value` with plain tensors."""
        self.armed = False
        if self._mode is not None:
            _drop_modes(lambda mode: mode is self._mode or not mode.live())
            self._mode = None
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
            if isinstance(key, int) and not isinstance(key, bool) and _is_input(self, args[0]):
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

    def __deepcopy__(self, memo):
        """A watched copy (torch's default deepcopy refuses this subclass)."""
        copy = torch._C.TensorBase.as_subclass(_plain_tensor(self).clone(), Watched)
        copy.__dict__.update(self.__dict__)
        memo[id(self)] = copy
        return copy

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


class _WatchMode(TorchFunctionMode):
    """Sees every torch operation while the student's function runs, on watched tensors or not.

    Operations with a Watched argument are left to Watched.__torch_function__ (inspected once); the check's
    own code (rnn_attention/exercises) is not inspected. `frame`: the check's frame that pushed the mode;
    once it has returned, the mode does nothing and is dropped at the next `wrap` or `done`.
    """

    def __init__(self, watch: Watch, frame):
        super().__init__()
        self.watch, self.frame, self.dead = watch, frame, False

    def live(self) -> bool:
        if self.dead or self.frame is None:
            return not self.dead
        frame = sys._getframe(1)
        while frame is not None:
            if frame is self.frame:
                return True
            frame = frame.f_back
        self.dead, self.frame = True, None
        return False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        watch = self.watch
        if (
            not self.dead
            and watch.armed
            and not _ELSEWHERE
            and _watch_in(args) is None
            and _watch_in(tuple(kwargs.values())) is None
            and self.live()
            and not _called_by_the_check()
        ):
            watch.inspect(func, args, kwargs)
        return func(*args, **kwargs)


_TORCH = os.path.dirname(torch.__file__) + os.sep
_EXERCISES = os.path.dirname(os.path.abspath(__file__)) + os.sep
_ELSEWHERE = False  # True while the student's function runs in another process (tools/grade's worker)


@contextlib.contextmanager
def elsewhere():
    """The checks in here call a function that runs in another process: that process watches, not this one."""
    global _ELSEWHERE
    before, _ELSEWHERE = _ELSEWHERE, True
    try:
        yield
    finally:
        _ELSEWHERE = before


def _called_by_the_check() -> bool:
    """Whether the torch operation being inspected was called by the check's own code, not the student's."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_TORCH):
        frame = frame.f_back
    return frame is not None and frame.f_code.co_filename.startswith(_EXERCISES)


def _drop_dead_modes(*_) -> None:
    """Take every _WatchMode whose check has returned off the stack (a check that failed inside the student's
    call never reached `done`)."""
    _drop_modes(lambda mode: not mode.live())


def _clean_up_after_each_cell() -> None:
    """In IPython, drop dead watch modes after each cell, so that none slows the notebook's later torch code."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and _drop_dead_modes not in shell.events.callbacks.get("post_run_cell", []):
        shell.events.register("post_run_cell", _drop_dead_modes)


def _drop_modes(which) -> None:
    """Take the _WatchModes for which `which(mode)` is true off torch's mode stack; keep every other mode in order."""
    kept = []
    while torch._C._len_torch_function_stack():
        mode = torch._C._pop_torch_function_stack()
        if not (isinstance(mode, _WatchMode) and which(mode)):
            kept.append(mode)
    for mode in reversed(kept):
        torch._C._push_on_torch_function_stack(mode)


def _is_input(watch: Watch, tensor) -> bool:
    """Whether `tensor` is (a view of, or a plain alias of) one of the watched arguments."""
    if isinstance(tensor, Watched) and tensor.__dict__.get("_input"):
        return True
    return isinstance(tensor, torch.Tensor) and bool(watch._inputs) and _storage(tensor) in watch._inputs


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
