"""The grader's end of the pipe to a worker: messages, the notebook's progress, calls of the student's functions.

Everything read from the pipe is the student's: a message is two big-endian lengths, a JSON header and a blob
(worker.py writes them); a returned value is read with `torch.load(weights_only=True)`, an exception comes back
by name and message only. Time runs against the notebook's deadline.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import select
import struct
import time
from collections.abc import Callable

import torch

from rnn_attention.exercises.core import CheckFailed

from .worker import MAX_MESSAGE

STDERR_KEPT = 4096  # bytes of the worker's stderr kept, for the message when it dies


class GraderError(BaseException):
    """A fault of the grader (say, a check argument that cannot be sent): never the student's."""


class WorkerGone(BaseException):
    """The worker timed out or died: not the student's answer, so not an Exception a check would catch."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Channel:
    """The conversation with one worker: follow its execution of the notebook, then call its functions."""

    def __init__(
        self,
        to_worker: int,
        from_worker: int,
        deadline: float,
        gone_message: Callable[[], str],
        stderr: int | None = None,
    ):
        self.to_worker, self.from_worker, self.deadline = to_worker, from_worker, deadline
        self._gone_message = gone_message  # why the worker's end closed (its exit code, its last stderr line)
        self.running_cell = None
        self.stderr = stderr  # the worker's fd 2, read as it comes; only its last STDERR_KEPT bytes are kept
        self.stderr_tail = bytearray()

    def close(self) -> None:
        for fd in (self.to_worker, self.from_worker, self.stderr):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.stderr = None

    def _take_stderr(self) -> None:
        chunk = os.read(self.stderr, 1 << 16)
        if not chunk:
            os.close(self.stderr)
            self.stderr = None
            return
        self.stderr_tail += chunk
        del self.stderr_tail[:-STDERR_KEPT]

    def drain_stderr(self, seconds: float) -> None:
        """Read what the worker left on stderr, for at most `seconds` (a surviving child may keep it open)."""
        end = time.monotonic() + seconds
        while self.stderr is not None and time.monotonic() < end:
            ready, _, _ = select.select([self.stderr], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                return
            self._take_stderr()

    def _read(self, count: int) -> bytes:
        chunks, left = [], count
        while left:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerGone("timed out", self._timeout_message())
            watched = [self.from_worker] + ([self.stderr] if self.stderr is not None else [])
            ready, _, _ = select.select(watched, [], [], remaining)
            if self.stderr is not None and self.stderr in ready:
                self._take_stderr()
            if self.from_worker not in ready:
                continue
            chunk = os.read(self.from_worker, min(left, 1 << 20))
            if not chunk:
                raise WorkerGone("failed", self._gone_message())
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def receive(self) -> tuple[dict, bytes]:
        head, size = struct.unpack(">II", self._read(8))
        if head > 1 << 24 or size > MAX_MESSAGE:
            raise WorkerGone("failed", "the notebook's process sent a message too large to read")
        try:
            header = json.loads(self._read(head).decode("utf-8"))
        except ValueError as error:
            raise WorkerGone("failed", f"the notebook's process sent something unreadable ({error})") from None
        if not isinstance(header, dict):
            raise WorkerGone("failed", "the notebook's process sent something unreadable")
        return header, self._read(size)

    def send(self, header: dict, blob: bytes = b"") -> None:
        data = json.dumps(header).encode("utf-8")
        try:
            os.write(self.to_worker, struct.pack(">II", len(data), len(blob)))
            os.write(self.to_worker, data)
            view = memoryview(blob)
            while view:
                view = view[os.write(self.to_worker, view) :]
        except (BrokenPipeError, OSError):
            raise WorkerGone("failed", self._gone_message()) from None

    def _timeout_message(self) -> str:
        where = f" (cell {self.running_cell} was running)" if self.running_cell is not None else ""
        return f"the notebook did not finish within its time limit{where}"

    def wait_executed(self) -> dict:
        """Follow the execution cell by cell until the worker reports the notebook done."""
        while True:
            header, _ = self.receive()
            if header.get("type") == "cell":
                self.running_cell = header.get("index")
            elif header.get("type") == "executed":
                self.running_cell = None
                return header
            else:
                raise WorkerGone("failed", "the notebook's process sent something unexpected")

    def call(self, name: str, args: tuple):
        """Call the student's function `name` in the worker; return its value or raise what it raised."""
        buffer = io.BytesIO()
        try:
            torch.save(args, buffer)
        except Exception as error:
            raise GraderError(f"the check's arguments cannot be sent to the notebook's process: {error}") from None
        self.send({"type": "call", "name": name, "grad": torch.is_grad_enabled()}, buffer.getvalue())
        header, blob = self.receive()
        if header.get("type") == "value":
            try:
                value = torch.load(io.BytesIO(blob), weights_only=True, map_location="cpu")
            except Exception as error:
                raise student_exception(
                    "UnreadableReturnValue", f"the grader could not read the returned value ({error})"
                ) from None
            try:
                return restore_value(value)
            except ReturnValueTooLarge as error:
                raise student_exception("ReturnValueTooLarge", str(error)) from None
        if header.get("type") == "raised":
            kind, message = header.get("kind"), str(header.get("message", ""))[:4000]
            if kind == "not_implemented":
                raise NotImplementedError(message)
            if kind == "check_failed":
                raise CheckFailed(message)
            raise student_exception(str(header.get("name", "Exception")), message)
        raise WorkerGone("failed", "the notebook's process sent something unexpected")


def student_exception(name: str, message: str) -> Exception:
    """An exception named like the one the student's code raised (run_check prints its name and message)."""
    name = re.sub(r"\W", "", name)[:80] or "Exception"
    if not name[0].isalpha():
        name = "E" + name
    return type(name, (Exception,), {"__module__": "student"})(message)


class Opaque:
    """A returned value of a type the grader does not read back: only its type name and repr travel."""

    def __init__(self, shown: str):
        self._shown = shown

    def __repr__(self) -> str:
        return self._shown


MAX_NODES = 1_000_000  # containers and leaves in one returned value
MAX_DEPTH = 100  # nesting of containers in one returned value
MAX_ELEMENTS = 50_000_000  # elements of one returned tensor


class ReturnValueTooLarge(Exception):
    """A returned value with too many parts, nested too deeply, or sharing its parts (a "billion laughs")."""


def restore_value(value):
    """A value as the worker sent it, with each described object (`{"__opaque__": ...}`) made an Opaque again.

    Bounded: a value whose containers are shared (the pickle memo lets 2 KB unfold into 10**31 leaves), nest
    deeper than MAX_DEPTH or hold more than MAX_NODES parts is refused with ReturnValueTooLarge, which the
    check sees as what the student's function raised.
    """
    seen: set[int] = set()
    count = 0

    def restore(value, depth):
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise ReturnValueTooLarge(f"the returned value has more than {MAX_NODES:,} parts: too large to grade")
        if isinstance(value, torch.Tensor) and value.numel() > MAX_ELEMENTS:  # stride 0 makes 10**12 from 4 bytes
            raise ReturnValueTooLarge(f"the returned tensor has {value.numel():,} elements: too large to grade")
        if not isinstance(value, (tuple, list, dict)):
            return value
        if depth > MAX_DEPTH:
            raise ReturnValueTooLarge(f"the returned value is nested more than {MAX_DEPTH} deep: too large to grade")
        if value and id(value) in seen:
            raise ReturnValueTooLarge("the returned value shares the same list, tuple or dict in several places")
        seen.add(id(value))
        if isinstance(value, dict) and set(value) == {"__opaque__", "repr"}:
            name = re.sub(r"\W", "", str(value["__opaque__"]))[:80] or "object"
            return type(name, (Opaque,), {})(str(value["repr"])[:1000])
        if isinstance(value, tuple):
            return tuple(restore(v, depth + 1) for v in value)
        if isinstance(value, list):
            return [restore(v, depth + 1) for v in value]
        return {k: restore(v, depth + 1) for k, v in value.items()}

    return restore(value, 0)
