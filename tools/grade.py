"""Grade students' notebooks with the course's own check functions, in a way a notebook cannot fake.

    python tools/grade.py STUDENT.ipynb [MORE.ipynb ...] [--csv grades.csv] [--timeout 1200]
    make grade NB=STUDENT.ipynb

Two processes per notebook, and the student's code runs only in the second:

- the grader (this process) knows the exercises from the course's solutions/
  sources (`check_name(function)` calls) and runs the course's `check_*`
  functions itself, from its own import of the package;
- a worker (tools/grade_worker.py) executes the notebook's code cells, all of
  them, tags ignored, stored outputs never read, then answers one kind of
  request: "call `weighted_sum` with these arguments". The check in the
  grader gets a stand-in for the student's function that forwards each call
  and gets back the value (read with `torch.load(weights_only=True)`) or the
  exception's type and message. Printing a pass line, redefining `check_*`,
  patching `rnn_attention` or stored outputs change nothing: the verdict is
  computed where student code never ran.

As root the worker runs in new mount, pid, network and IPC namespaces,
chrooted into a private root (the OS, the Python install and a fresh copy of
the course package, read-only; its own home, /tmp and runs/), as an unused
uid without capabilities: it cannot write the course, see the course folder,
its solutions or other submissions, reach the grader, or outlive its notebook.
Without root (or without `unshare`) it runs as your user on a fresh read-only
copy of the package; the grader then checks after each notebook that the
course's files are unchanged (and restores them if not), but a determined
student's code can still reach your files: grade as root for isolation.

The table per notebook has the exercise, its status (passed, failed, not
attempted, missing: no such function in the notebook, timed out, unreadable)
and the first line of the check's message; cells that raised are listed under
it, and a notebook that printed a pass line its check did not confirm is
pointed out. `--csv` writes one row per notebook and exercise. Training cells
use COURSE_PROFILE=ci (small, CPU) unless the environment sets another profile.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import functools
import io
import json
import os
import pwd
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).resolve().with_name("grade_worker.py")
SYMBOLS = {"\u2705": "passed", "\u274c": "failed", "\u23f3": "not attempted"}
CHECK_LINE = re.compile(r"^(?P<symbol>[\u2705\u274c\u23f3])\s*(?P<name>Exercise\s+\d+\.\d+)\s+(?P<message>.*)$")
STATUSES = ("passed", "failed", "not attempted", "missing", "timed out", "unreadable")
DEFAULT_TIMEOUT = 1200  # seconds per notebook: notebook 08 trains three models under the ci profile
MAX_MESSAGE = 256 * 1024 * 1024
UID_RANGE = range(61000, 65000)  # the worker's uid: the first of these with no account


@dataclass
class Verdict:
    """One exercise as the grader's own check found it."""

    exercise: str
    status: str  # one of STATUSES
    message: str


@dataclass
class Report:
    """What grading one notebook found."""

    notebook: Path
    verdicts: list[Verdict]
    errors: list[str]  # cells that raised, as 'cell N: ErrorName: message'
    seconds: float
    problem: str | None = None  # the notebook could not be (fully) graded: why
    notes: list[str] = field(default_factory=list)  # things a teacher should look at

    def count(self, status: str) -> int:
        """How many exercises have this status."""
        return sum(v.status == status for v in self.verdicts)


@dataclass(frozen=True)
class Exercise:
    """One exercise of a course notebook: its label, the check to run, the student's function it checks."""

    label: str
    check: str
    function: str


# ------------------------------------------------------------ what was printed (information only)


def _stream_text(nb: nbformat.NotebookNode):
    """(cell index, text) of every stdout stream output, in order."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                yield index, output.get("text", "")


def _check_lines(texts) -> list[Verdict]:
    found: dict[str, Verdict] = {}
    for text in texts:
        for line in text.splitlines():
            match = CHECK_LINE.match(line.strip())
            if match:
                name = " ".join(match["name"].split())
                found[name] = Verdict(name, SYMBOLS[match["symbol"]], match["message"].strip())
    return sorted(found.values(), key=_exercise_key)


def parse_checks(nb: nbformat.NotebookNode) -> list[Verdict]:
    """The check lines in a notebook's stdout outputs; a re-run check replaces the earlier verdict.

    Never used for grading (anyone can print such a line); the grader uses it to point out a
    notebook that printed a pass its check does not confirm.
    """
    return _check_lines(text for _, text in _stream_text(nb))


def _exercise_key(verdict: Verdict) -> tuple[int, ...]:
    """Exercise 3.10 sorts after Exercise 3.2."""
    return tuple(int(part) for part in verdict.exercise.split()[1].split("."))


def parse_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Cells whose stored outputs hold an error, with the error's name and first line."""
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                value = (output.get("evalue") or "").splitlines()
                errors.append(f"cell {index}: {output.get('ename')}: {value[0] if value else ''}")
    return errors


# ------------------------------------------------------------ the course's exercises


def _course_modules():
    """The grader's own import of the course package (from ROOT, never from a student's copy)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import rnn_attention.exercises as exercises

    return exercises


def _check_failed() -> type:
    """The course's CheckFailed (in rnn_attention.exercises, or its core module once the checks are split up)."""
    exercises = _course_modules()
    if hasattr(exercises, "CheckFailed"):
        return exercises.CheckFailed
    import importlib

    return importlib.import_module("rnn_attention.exercises.core").CheckFailed


def exercise_calls(source: Path) -> list[tuple[str, str]]:
    """(check name, function name) of each top-level `check_x(function)` call in a solutions/*.py source."""
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    calls = []
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id.startswith("check_")
            and len(call.args) == 1
            and isinstance(call.args[0], ast.Name)
        ):
            calls.append((call.func.id, call.args[0].id))
    return calls


def _not_yet(*args):
    raise NotImplementedError


@functools.cache
def course_exercises(stem: str) -> tuple[Exercise, ...]:
    """The exercises of solutions/<stem>.py, labelled by running each check once on a blank function."""
    source = ROOT / "solutions" / f"{stem}.py"
    if not source.is_file():
        return ()
    exercises = _course_modules()
    found = []
    for check_name, function in exercise_calls(source):
        check = getattr(exercises, check_name, None)
        if check is None:
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            result = check(_not_yet)
        found.append(Exercise(result.name, check_name, function))
    return tuple(found)


def course_stems() -> list[str]:
    return sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.py"))


def match_course_notebook(path: Path, code: list[str] | None = None) -> str | None:
    """Which course notebook a submission is: by its name, its number, or the checks its code calls."""
    stems = course_stems()
    if path.stem in stems:
        return path.stem
    named = [s for s in stems if s in path.stem]
    if len(named) == 1:
        return named[0]
    number = re.search(r"(?<!\d)(\d\d)(?!\d)", path.stem)
    numbered = [s for s in stems if number and s.startswith(number[1] + "_")]
    if len(numbered) == 1:
        return numbered[0]
    if code:
        text = "\n".join(code)
        scores = {s: sum(f"{c}(" in text for c, _ in exercise_calls(ROOT / "solutions" / f"{s}.py")) for s in stems}
        best = max(scores.values(), default=0)
        winners = [s for s, n in scores.items() if n == best]
        if best and len(winners) == 1:
            return winners[0]
    return None


def expected_exercises(path: Path) -> list[str]:
    """The labels of the exercises of the course notebook this file is (empty when it is none)."""
    stem = match_course_notebook(Path(path))
    return [e.label for e in course_exercises(stem)] if stem else []


def add_missing(verdicts: list[Verdict], expected: list[str]) -> list[Verdict]:
    """Add a 'missing' verdict for each expected exercise that has none."""
    seen = {v.exercise for v in verdicts}
    missing = [
        Verdict(name, "missing", "no verdict: the exercise's function is not in the notebook")
        for name in expected
        if name not in seen
    ]
    return sorted(verdicts + missing, key=_exercise_key)


# ------------------------------------------------------------ the sandbox


class GraderError(BaseException):
    """A fault of the grader (say, a check argument that cannot be sent): never the student's."""


class WorkerGone(BaseException):
    """The worker timed out or died: not the student's answer, so not an Exception a check would catch."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _sandbox_uid() -> int:
    for uid in UID_RANGE:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    raise RuntimeError(f"every uid in {UID_RANGE} has an account")


def _python_paths() -> list[str]:
    """Folders the worker's interpreter needs: its prefixes and everything on sys.path outside them."""
    paths = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.isdir(real) and "site-packages" in real:
            paths.add(real)
    # bind the outermost only; skip system folders the sandbox gets anyway
    paths = {p for p in paths if not any(p.startswith(s) for s in ("/usr/", "/etc/", "/lib/", "/lib64/", "/bin/"))}
    return sorted(p for p in paths if not any(p != q and p.startswith(q + os.sep) for q in paths))


def sandbox_available() -> tuple[bool, str]:
    """Whether the namespace sandbox can be used here, and why not."""
    if not sys.platform.startswith("linux"):
        return False, "not Linux"
    if os.geteuid() != 0:
        return False, "not root"
    if shutil.which("unshare") is None:
        return False, "no unshare command (util-linux)"
    return True, ""


def _copy_course(target: Path) -> None:
    """A fresh copy of the package and data/, read-only (files 0444, folders 0555)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "rnn_attention", target / "rnn_attention", ignore=ignore)
    if (ROOT / "data").is_dir():
        shutil.copytree(ROOT / "data", target / "data", ignore=ignore)
    (target / "runs").mkdir()  # in the sandbox a writable folder is mounted here
    _read_only(target)


def _read_only(folder: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o444)
        os.chmod(dirpath, 0o555)


def _child_env(home: str, course: str) -> dict:
    """The worker's environment: nothing of the grader's but the profile and thread settings."""
    env = {
        "PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "USER": "student",
        "LOGNAME": "student",
        "TMPDIR": os.path.join(home, "tmp") if not home.startswith("/home/student") else "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONPATH": course,
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": os.path.join(home, ".config", "matplotlib"),
        "COURSE_PROFILE": os.environ.get("COURSE_PROFILE", "ci"),
    }
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "CUDA_VISIBLE_DEVICES", "TZ"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


class Sandbox:
    """One notebook's worker: started on enter, killed (with everything it started) on exit."""

    def __init__(self, cells: list[tuple[int, str]], functions: list[str], deadline: float, isolation: str):
        self.cells, self.functions, self.deadline, self.isolation = cells, functions, deadline, isolation
        self.process = None
        self.running_cell = None

    def __enter__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="grade-"))
        os.chmod(self.tmp, 0o755)
        for name in ("course", "grade", "home", "runs"):
            (self.tmp / name).mkdir()
        _copy_course(self.tmp / "course")
        shutil.copy2(WORKER, self.tmp / "grade" / "worker.py")
        (self.tmp / "grade" / "cells.json").write_text(json.dumps(self.cells), encoding="utf-8")
        _read_only(self.tmp / "grade")
        runs = self.tmp / "runs"  # mounted on course/runs in the sandbox
        if self.isolation != "sandbox":
            runs = self.tmp / "course" / "runs"
            os.chmod(runs, 0o755)
        (self.tmp / "home" / "tmp").mkdir()
        to_worker_r, self.to_worker = os.pipe()
        self.from_worker, from_worker_w = os.pipe()
        self.log = open(self.tmp / "worker.log", "w+b")  # noqa: SIM115 -- closed in __exit__
        if self.isolation == "sandbox":
            uid = _sandbox_uid()
            for name in ("home", "runs"):
                for dirpath, _, filenames in os.walk(self.tmp / name):
                    os.chown(dirpath, uid, uid)
                    for filename in filenames:
                        os.chown(os.path.join(dirpath, filename), uid, uid)
            (self.tmp / "root").mkdir()
            home = "/home/student"
        self._add_checkpoints(runs)
        if self.isolation == "sandbox":
            run = {
                "fd_in": to_worker_r,
                "fd_out": from_worker_w,
                "course": "/course",
                "cells": "/grade/cells.json",
                "functions": self.functions,
            }
            spec = {
                "root": str(self.tmp / "root"),
                "uid": uid,
                "python": sys.executable,
                "python_paths": _python_paths(),
                "binds": [
                    [str(self.tmp / "course"), "/course", False],
                    [str(self.tmp / "runs"), "/course/runs", True],
                    [str(self.tmp / "grade"), "/grade", False],
                    [str(self.tmp / "home"), home, True],
                ],
                "cwd": home,
                "worker": "/grade/worker.py",
                "env": _child_env(home, "/course"),
                "run": run,
            }
            command = [
                "unshare",
                "--mount",
                "--pid",
                "--net",
                "--ipc",
                "--fork",
                "--kill-child",
                sys.executable,
                "-I",
                str(self.tmp / "grade" / "worker.py"),
                "boot",
                json.dumps(spec),
            ]
            env, cwd = {"PATH": "/usr/bin:/bin"}, str(self.tmp)
        else:
            home = str(self.tmp / "home")
            run = {
                "fd_in": to_worker_r,
                "fd_out": from_worker_w,
                "course": str(self.tmp / "course"),
                "cells": str(self.tmp / "grade" / "cells.json"),
                "functions": self.functions,
            }
            command = [sys.executable, "-I", str(self.tmp / "grade" / "worker.py"), "run", json.dumps(run)]
            env, cwd = _child_env(home, str(self.tmp / "course")), home
        self.process = subprocess.Popen(
            command,
            pass_fds=(to_worker_r, from_worker_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        os.close(to_worker_r)
        os.close(from_worker_w)
        return self

    def _add_checkpoints(self, runs: Path) -> None:
        """The teacher's trained models, so that notebooks 07-09 load rather than train them.

        In the sandbox a hard link (the file stays the teacher's and read-only to the worker,
        which may only replace its own link); otherwise a copy per notebook.
        """
        for checkpoint in sorted((ROOT / "runs").glob("*.pt")) if (ROOT / "runs").is_dir() else ():
            target = runs / checkpoint.name
            try:
                if self.isolation != "sandbox":
                    raise OSError("copy")
                os.link(checkpoint, target)
                if checkpoint.stat().st_mode & 0o022:  # group- or world-writable: a copy, not the teacher's file
                    target.unlink()
                    raise OSError("copy")
            except OSError:
                shutil.copy2(checkpoint, target)
                os.chmod(target, 0o644)

    def __exit__(self, *exc):
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for fd in (self.to_worker, self.from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.log.close()
        for dirpath, _dirnames, _ in os.walk(self.tmp):  # the read-only copies must be writable to delete
            os.chmod(dirpath, 0o755)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    # -- the channel; everything read from it is the student's
    def _read(self, count: int) -> bytes:
        chunks, left = [], count
        while left:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerGone("timed out", self._timeout_message())
            ready, _, _ = select.select([self.from_worker], [], [], remaining)
            if not ready:
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

    def _gone_message(self) -> str:
        code = self.process.poll() if self.process else None
        self.log.seek(0)
        tail = self.log.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
        last = f": {tail[-1][:300]}" if tail else ""
        return f"the notebook's process ended (exit code {code}) before this check{last}"

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
        import torch

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
                raise _student_exception(
                    "UnreadableReturnValue", f"the grader could not read the returned value ({error})"
                ) from None
            return _restore(value)
        if header.get("type") == "raised":
            kind, message = header.get("kind"), str(header.get("message", ""))[:4000]
            if kind == "not_implemented":
                raise NotImplementedError(message)
            if kind == "check_failed":
                raise _check_failed()(message)
            raise _student_exception(str(header.get("name", "Exception")), message)
        raise WorkerGone("failed", "the notebook's process sent something unexpected")


def _student_exception(name: str, message: str) -> Exception:
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


def _restore(value):
    if isinstance(value, dict) and set(value) == {"__opaque__", "repr"}:
        name = re.sub(r"\W", "", str(value["__opaque__"]))[:80] or "object"
        return type(name, (Opaque,), {})(str(value["repr"]))
    if isinstance(value, tuple):
        return tuple(_restore(v) for v in value)
    if isinstance(value, list):
        return [_restore(v) for v in value]
    if isinstance(value, dict):
        return {k: _restore(v) for k, v in value.items()}
    return value


# ------------------------------------------------------------ protecting the course when not root


def _course_files() -> dict[str, bytes]:
    """The course's own code, for the copy-mode check after each notebook."""
    files = {}
    for folder in (ROOT / "rnn_attention", ROOT / "tools"):
        for path in sorted(folder.rglob("*.py")):
            files[str(path)] = path.read_bytes()
    return files


def _restore_course(snapshot: dict[str, bytes]) -> list[str]:
    """Put back any course file that changed or vanished; remove any .py added; list what was wrong."""
    changed = []
    for name, data in snapshot.items():
        path = Path(name)
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if not same:
            changed.append(str(path.relative_to(ROOT)))
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                os.chmod(path, 0o644)
            path.write_bytes(data)
    for folder in (ROOT / "rnn_attention", ROOT / "tools"):
        for path in folder.rglob("*.py"):
            if str(path) not in snapshot:
                changed.append(str(path.relative_to(ROOT)))
                path.unlink()
    return changed


def _preload_course() -> None:
    """Import every course module now, so that later edits on disk cannot reach the grader's checks."""
    import importlib
    import pkgutil

    package = sys.modules["rnn_attention"]
    for module in pkgutil.walk_packages(package.__path__, "rnn_attention."):
        if module.name.endswith("__main__"):
            continue
        with contextlib.suppress(Exception):
            importlib.import_module(module.name)


# ------------------------------------------------------------ grading


@functools.cache
def _probe(isolation: str) -> str | None:
    """None when the worker can start in this mode here, else why not (run once per process)."""
    deadline = time.monotonic() + 120
    try:
        with Sandbox([[0, "pass"]], [], deadline, isolation) as box:
            header = box.wait_executed()
    except WorkerGone as gone:
        return gone.message
    if header.get("errors"):
        return "the worker's first cell failed: " + "; ".join(map(str, header["errors"]))
    return None


def choose_isolation(requested: str = "auto") -> tuple[str, str]:
    """The isolation to use, and a note to print when it is the weaker one."""
    if requested == "copy":
        return "copy", ""
    available, why = sandbox_available()
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
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    start = time.perf_counter()
    mode, _ = choose_isolation(isolation)
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception as error:  # not JSON, not UTF-8, not a notebook
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        expected = expected_exercises(path)
        verdicts = [Verdict(label, "unreadable", "the file is not a readable notebook") for label in expected]
        return Report(path, verdicts, [], time.perf_counter() - start, problem=f"not a valid notebook file ({reason})")
    cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    stem = match_course_notebook(path, [source for _, source in cells])
    exercises = course_exercises(stem) if stem else ()
    report = Report(path, [], [], 0.0)
    snapshot = _course_files() if mode == "copy" else None
    if mode == "copy":
        _course_modules()
        _preload_course()
    deadline = time.monotonic() + timeout
    try:
        with Sandbox(cells, [e.function for e in exercises], deadline, mode) as box:
            _run(box, exercises, report)
    finally:
        if snapshot is not None:
            changed = _restore_course(snapshot)
            if changed:
                report.notes.append("the notebook changed the course's files (restored): " + ", ".join(changed))
    report.seconds = time.perf_counter() - start
    return report


def _run(box: Sandbox, exercises: tuple[Exercise, ...], report: Report) -> None:
    try:
        executed = box.wait_executed()
    except WorkerGone as gone:
        report.problem = gone.message
        report.verdicts = [Verdict(e.label, gone.status, gone.message) for e in exercises]
        return
    for index, name, message in executed.get("errors", [])[:50]:
        report.errors.append(f"cell {index}: {name}: {message}"[:600])
    defined = executed.get("defined", {})
    exercises_module = _course_modules()
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
            return box.call(_name, args)

        try:
            with contextlib.redirect_stdout(io.StringIO()):
                result = getattr(exercises_module, exercise.check)(student_function)
        except GraderError as error:
            raise RuntimeError(f"grader error in {exercise.label}: {error}") from None
        except WorkerGone as error:
            gone = error
            report.problem = error.message
            report.verdicts.append(Verdict(exercise.label, error.status, error.message))
            continue
        report.verdicts.append(Verdict(exercise.label, result.status, result.message))
    printed = _check_lines(text for _, text in executed.get("printed", []) if isinstance(text, str))
    graded = {v.exercise: v.status for v in report.verdicts}
    for line in printed:
        if line.status == "passed" and graded.get(line.exercise) not in (None, "passed"):
            report.notes.append(
                f"the notebook printed a pass for {line.exercise}, but its check found: {graded[line.exercise]}"
            )


# ------------------------------------------------------------ output


def format_report(report: Report, width: int = 70) -> str:
    """A plain-text table of one notebook's exercises."""
    lines = [f"{report.notebook}  ({report.seconds:.0f} s)"]
    if report.problem:
        lines.append(f"  could not be graded in full: {report.problem}")
    if not report.verdicts:
        lines.append("  no exercises found: is this a notebook of the course (same name as one in solutions/)?")
    else:
        name_w = max(len(v.exercise) for v in report.verdicts)
        lines.append(f"  {'exercise':<{name_w}}  {'status':<13}  message")
        for v in report.verdicts:
            message = v.message.splitlines()[0] if v.message else ""
            message = message if len(message) <= width else message[: width - 3] + "..."
            lines.append(f"  {v.exercise:<{name_w}}  {v.status:<13}  {message}")
        total = len(report.verdicts)
        lines.append(
            f"  total: {report.count('passed')}/{total} passed, {report.count('failed')} failed, "
            f"{report.count('not attempted')} not attempted"
            + "".join(f", {report.count(s)} {s}" for s in ("missing", "timed out", "unreadable") if report.count(s))
        )
    for error in report.errors:
        lines.append(f"  raised outside a check: {error}")
    for note in report.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)


def write_csv(reports: list[Report], target: Path) -> None:
    """One row per notebook and exercise: notebook, exercise, status, message."""
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["notebook", "exercise", "status", "message"])
        for report in reports:
            if not report.verdicts and report.problem:
                writer.writerow([str(report.notebook), "", "unreadable", report.problem])
            for v in report.verdicts:
                writer.writerow(
                    [str(report.notebook), v.exercise, v.status, v.message.splitlines()[0] if v.message else ""]
                )


def main(argv: list[str]) -> int:
    """Command-line entry point; exit 0 when every notebook could be read and graded, 2 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="student notebooks (.ipynb)")
    parser.add_argument("--csv", type=Path, help="also write the verdicts to this CSV file")
    parser.add_argument(
        "--timeout", type=int, default=DEFAULT_TIMEOUT, help=f"seconds allowed per notebook (default {DEFAULT_TIMEOUT})"
    )
    parser.add_argument(
        "--isolation",
        choices=("auto", "sandbox", "copy"),
        default="auto",
        help="sandbox: namespaces, chroot and an unprivileged uid (needs root); copy: your user, a read-only copy; "
        "auto (default): sandbox when possible",
    )
    args = parser.parse_args(argv)
    mode, note = choose_isolation(args.isolation)
    if note:
        print(note, file=sys.stderr)
    reports, status = [], 0
    for path in args.notebooks:
        try:
            report = grade(path, timeout=args.timeout, isolation=mode)
        except Exception as error:  # one missing submission must not stop the class's grading
            print(f"{path}: could not be graded: {type(error).__name__}: {error}", file=sys.stderr)
            status = 2
            continue
        if report.problem and report.problem.startswith("not a valid notebook"):
            status = 2
        reports.append(report)
        print(format_report(report))
        print()
    if args.csv:
        write_csv(reports, args.csv)
        print(f"wrote {args.csv}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
