"""Grading one notebook: run it in a worker (sandbox.py), then the course's checks here on its functions."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import stat
import time
from pathlib import Path

import nbformat
import nbtext

import rnn_attention.exercises as course_checks
from rnn_attention.exercises.watch import elsewhere

from . import sandbox
from .channel import Channel, GraderError, WorkerGone
from .exercises import Exercise, course_exercises, expected_exercises, match_course_notebook
from .report import Report, Verdict, check_lines

DEFAULT_TIMEOUT = 1200  # seconds per notebook: notebook 08 trains three models under the ci profile


@functools.cache
def _probe(isolation: str) -> str | None:
    """None when the worker can start in this mode here, else why not (run once per process)."""
    deadline = time.monotonic() + 120
    try:
        with sandbox.Sandbox([[0, "pass"]], [], deadline, isolation) as worker:
            header = worker.wait_executed()
    except WorkerGone as gone:
        return gone.message
    if header.get("errors"):
        return "the worker's first cell failed: " + "; ".join(map(str, header["errors"]))
    return None


def choose_isolation(requested: str = "auto") -> tuple[str, str]:
    """The isolation to use, and a note to print when it is the weaker one."""
    if requested == "copy":
        return "copy", ""
    available, why = sandbox.sandbox_available()
    if available:
        problem = _probe("sandbox")
        if problem is None:
            return "sandbox", ""
        why = f"the sandbox did not start ({problem})"
    if requested == "sandbox":
        raise RuntimeError(f"--isolation sandbox is not possible here: {why}")
    return "copy", (
        f"note: {why}, so student code runs as your user on a read-only copy of the package; "
        "the course's files are checked (and restored) after each notebook. Grade as root for full isolation."
    )


def grade(path: Path | str, timeout: int = DEFAULT_TIMEOUT, isolation: str = "auto") -> Report:
    """Execute one notebook in a worker and run the course's checks on its functions from here."""
    path = Path(path)
    start = time.perf_counter()
    data, refused = read_submission(path)
    if refused:
        verdicts = [Verdict(label, "unreadable", refused) for label in expected_exercises(path)]
        return Report(path, verdicts, [], time.perf_counter() - start, problem="refused: " + refused)
    mode, _ = choose_isolation(isolation)
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as error:  # not JSON, not UTF-8, not a notebook
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        expected = expected_exercises(path)
        verdicts = [Verdict(label, "unreadable", "the file is not a readable notebook") for label in expected]
        return Report(path, verdicts, [], time.perf_counter() - start, problem=f"not a valid notebook file ({reason})")
    report_digest = hashlib.sha256(data).hexdigest()
    cells = nbtext.code_sources(nb)
    stem = match_course_notebook(path, [source for _, source in cells])
    exercises = course_exercises(stem) if stem else ()
    report = Report(path, [], [], 0.0, digest=report_digest)
    snapshot = None
    if mode == "copy":
        sandbox.preload_course()  # before the snapshot: importing writes the bytecode caches it covers
        late = tampered_after_restore()
        if late:
            expected = [e.label for e in exercises]
            return Report(path, [Verdict(label, "unreadable", late) for label in expected], [], 0.0, problem=late)
        snapshot = sandbox.course_files()
    deadline = time.monotonic() + timeout
    try:
        box = sandbox.Sandbox(cells, [e.function for e in exercises], deadline, mode)
        with box as worker:
            _run(worker, exercises, report)
            report.limits = box.describe_limits()
    finally:
        if snapshot is not None:
            changed = sandbox.restore_course(snapshot)
            if changed:
                report.notes.append("the notebook changed the course's files (restored): " + ", ".join(changed))
            _RESTORED.update(snapshot=snapshot, root=sandbox.ROOT, after=str(path))
    report.seconds = time.perf_counter() - start
    return report


MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024
_RESTORED: dict = {}  # copy mode: the course's files as the last restore left them ("snapshot"), and after whom


def tampered_after_restore() -> str:
    """Copy mode: '' when the course's files are as the last restore left them; else a refusal naming them.

    A notebook's code runs as you in copy mode: anything it left behind (a process that escaped, a scheduled
    job) can change the checks' files after the restore, and the change would reach the next grading run.
    The files are restored again, and the grade is refused, so that the batch is graded again (as root).
    """
    snapshot = _RESTORED.get("snapshot")
    if snapshot is None or _RESTORED.get("root") != sandbox.ROOT:  # none yet, or of another course folder
        return ""
    changed = sandbox.restore_course(snapshot)
    if not changed:
        return ""
    return (
        f"refused: the course's files changed after {_RESTORED['after']} was graded and its changes were "
        f"restored ({', '.join(changed[:5])}); restored again, but grade this batch again, as root"
    )


def read_submission(path: Path) -> tuple[bytes, str]:
    """The submission's bytes, or why it is refused: a symbolic link or anything but a regular file is not read.

    The grader runs as root: following a student's link would grade a classmate's notebook, or print the first
    characters of /etc/shadow. O_NOFOLLOW refuses the link, O_NONBLOCK keeps a FIFO from blocking the open.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise FileNotFoundError(f"no notebook at {path}") from None
    except OSError:
        if os.path.islink(path):
            return b"", "not a regular file (a symbolic link); collect the student's own copy"
        if os.path.isdir(path):
            return b"", "not a regular file (a directory)"
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a FIFO, device or socket"
        return b"", f"not a regular file ({kind})"
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_NOTEBOOK_BYTES:
            return b"", f"over {MAX_NOTEBOOK_BYTES >> 20} MB"
        return handle.read(MAX_NOTEBOOK_BYTES + 1), ""


def _run(worker: Channel, exercises: tuple[Exercise, ...], report: Report) -> None:
    """Wait for the notebook to run, then check each exercise's function through the worker."""
    try:
        executed = worker.wait_executed()
    except WorkerGone as gone:
        report.problem = gone.message
        report.verdicts = [Verdict(e.label, gone.status, gone.message) for e in exercises]
        return
    for index, name, message in executed.get("errors", [])[:50]:
        report.errors.append(f"cell {index}: {name}: {message}"[:600])
    defined = executed.get("defined", {})
    gone = None
    for exercise in exercises:
        if gone is not None:
            report.verdicts.append(Verdict(exercise.label, gone.status, gone.message))
            continue
        if defined.get(exercise.function) is not True:
            report.verdicts.append(
                Verdict(
                    exercise.label,
                    "missing",
                    f"no function `{exercise.function}` in the notebook (deleted, renamed, or its cell raised)",
                )
            )
            continue

        def student_function(*args, _name=exercise.function):
            return worker.call(_name, args)

        try:
            with contextlib.redirect_stdout(io.StringIO()), elsewhere():  # the worker's Watch sees the student's ops
                result = getattr(course_checks, exercise.check)(student_function)
        except GraderError as error:
            raise RuntimeError(f"grader error in {exercise.label}: {error}") from None
        except WorkerGone as error:
            gone = error
            report.problem = error.message
            report.verdicts.append(Verdict(exercise.label, error.status, error.message))
            continue
        report.verdicts.append(Verdict(exercise.label, result.status, result.message))
    report.notes += _unconfirmed_passes(executed.get("printed", []), report.verdicts)


def _unconfirmed_passes(printed: list, verdicts: list[Verdict]) -> list[str]:
    """Notes on the pass lines the notebook printed while running that its checks here did not confirm."""
    graded = {v.exercise: v.status for v in verdicts}
    lines = check_lines(text for _, text in printed if isinstance(text, str))
    return [
        f"the notebook printed a pass for {line.exercise}, but its check found: {graded[line.exercise]}"
        for line in lines
        if line.status == "passed" and graded.get(line.exercise) not in (None, "passed")
    ]
