"""Where a student's code runs: one worker process per notebook, started and killed by `Sandbox`.

Two isolations:

- "sandbox" (root, Linux, `unshare`): the worker runs in new mount, pid, network and IPC namespaces,
  chrooted into a private root (the OS, the Python install and a fresh copy of the course package,
  read-only; its own home, /tmp, /dev/shm and runs/, each a size-capped tmpfs), as an unused uid
  without capabilities (worker.py `boot` builds that root from the spec written here), in a control
  group of its own (cgroup.py: MEMORY_BYTES of RAM, tmpfs files included, and MAX_PROCESSES tasks)
  where the machine offers one;
- "copy": the worker runs as your user on a fresh read-only copy of the package; the grader snapshots
  the course's own files before the notebook (`course_files`) and puts them back after it
  (`restore_course`), and imports every course module first (`preload_course`) so that later edits on
  disk cannot reach its checks.

Limits, both modes: RLIMIT_DATA (MEMORY_BYTES: a huge allocation is a MemoryError in its cell),
RLIMIT_AS (ADDRESS_BYTES), RLIMIT_FSIZE (FILE_BYTES per file); printed output, stderr and returned values
are capped by worker.py and channel.py. Copy mode has no cgroup and no tmpfs: its home is on your disk,
capped per file only.

Either way the worker gets the notebook's code cells and the names of the functions to grade, nothing else
of the grader's; `Sandbox` hands back the `Channel` to talk to it.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import importlib
import json
import os
import pkgutil
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import cgroup
from .channel import Channel

ROOT = Path(__file__).resolve().parents[2]  # the course: its package is copied for the worker, its files protected
WORKER = Path(__file__).resolve().with_name("worker.py")
UID_RANGE = range(61000, 65000)  # the worker's uid: the first of these with no account, no process and no lock
MAX_PROCESSES = 512  # RLIMIT_NPROC of the sandbox's uid, which no other sandbox shares
REAP_SECONDS = 10  # how long __exit__ waits for a sandbox's processes to be gone
MEMORY_BYTES = 3 << 30  # RAM of one sandbox: its processes and its tmpfs files (cgroup); RLIMIT_DATA
ADDRESS_BYTES = MEMORY_BYTES + (4 << 30)  # RLIMIT_AS: thread stacks and malloc arenas reserve more than they use
FILE_BYTES = 512 << 20  # RLIMIT_FSIZE: the largest file a notebook may write
SCRATCH_BYTES = {"home": 512 << 20, "/tmp": 512 << 20, "/dev/shm": 64 << 20, "runs": 512 << 20}  # tmpfs sizes


def sandbox_available() -> tuple[bool, str]:
    """Whether the namespace sandbox can be used here, and why not."""
    if not sys.platform.startswith("linux"):
        return False, "not Linux"
    if os.geteuid() != 0:
        return False, "not root"
    if shutil.which("unshare") is None:
        return False, "no unshare command (util-linux)"
    return True, ""


class Sandbox:
    """One notebook's worker: started on enter (which returns its Channel), killed with all it started on exit."""

    def __init__(self, cells: list[tuple[int, str]], functions: list[str], deadline: float, isolation: str):
        self.cells, self.functions, self.deadline, self.isolation = cells, functions, deadline, isolation
        self.process = self.uid = self.uid_lock = self.cgroup = None
        self.limits = ""  # how memory is limited: "cgroup v1", "cgroup v2" or "rlimits (why no cgroup)"
        self.children_before: set[int] = set()

    def __enter__(self) -> Channel:
        self.tmp = Path(tempfile.mkdtemp(prefix="grade-"))
        try:
            return self._start()
        except BaseException:  # nothing left behind: the folder, the cgroup, the uid's lock
            if self.process is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            if self.cgroup is not None:
                self.cgroup.kill(REAP_SECONDS)
                self.cgroup.remove()
            if self.uid_lock is not None:
                os.close(self.uid_lock)
            _remove_tree(self.tmp)
            raise

    def _start(self) -> Channel:
        self._write_files()
        to_worker_r, to_worker = os.pipe()
        from_worker, from_worker_w = os.pipe()
        stderr_r, stderr_w = os.pipe()  # drained by the Channel, which keeps its last lines only
        if self.isolation == "sandbox":
            command, env, cwd = self._sandbox_command(to_worker_r, from_worker_w)
            self._make_cgroup()
            start = self.cgroup.join if self.cgroup is not None else None
        else:
            start = _limit_copy_mode
            command, env, cwd = self._copy_command(to_worker_r, from_worker_w)
            self.limits = "rlimits (copy mode: no cgroup without root)"
            _become_subreaper()  # a child that leaves the worker's session still ends up ours, to kill
            self.children_before = _children(os.getpid())
        self.process = subprocess.Popen(
            command,
            pass_fds=(to_worker_r, from_worker_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr_w,
            cwd=cwd,
            env=env,
            start_new_session=True,
            # in the child before exec: die with the grader (a grader killed with -9 left its sandbox running),
            # then join the cgroup (or set copy mode's rlimits)
            preexec_fn=functools.partial(_die_with_parent, then=start),
        )
        for fd in (to_worker_r, from_worker_w, stderr_w):
            os.close(fd)
        self.channel = Channel(to_worker, from_worker, self.deadline, self._gone_message, stderr_r)
        return self.channel

    def describe_limits(self) -> str:
        """One line: how this sandbox is limited, and its peak memory where a cgroup measured it."""
        mb = lambda n: f"{n >> 20} MB"  # noqa: E731
        text = f"{self.limits}: memory {mb(MEMORY_BYTES)}, file size {mb(FILE_BYTES)}"
        if self.isolation == "sandbox":
            text += ", " + ", ".join(f"{name} {mb(size)}" for name, size in SCRATCH_BYTES.items())
            text += f", {MAX_PROCESSES} tasks"
        peak = self.cgroup.peak_bytes() if self.cgroup is not None else None
        return text + (f"; peak memory {mb(peak)}" if peak else "")

    def _make_cgroup(self) -> None:
        """This sandbox's control group, or the reason there is none (rlimits and tmpfs sizes still apply)."""
        name = f"{os.getpid()}-{os.path.basename(self.tmp)}"
        try:
            self.cgroup = cgroup.Cgroup.create(name, MEMORY_BYTES, MAX_PROCESSES)
            self.limits = f"cgroup {self.cgroup.version}"
        except OSError as error:
            self.cgroup = None
            self.limits = f"rlimits (no cgroup: {error})"

    def _write_files(self) -> None:
        """The worker's folders: course/ (a read-only copy), grade/ (worker and cells, read-only), home/, runs/."""
        os.chmod(self.tmp, 0o755)
        for name in ("course", "grade", "home", "runs"):
            (self.tmp / name).mkdir()
        _copy_course(self.tmp / "course")
        shutil.copy2(WORKER, self.tmp / "grade" / "worker.py")
        (self.tmp / "grade" / "cells.json").write_text(json.dumps(self.cells), encoding="utf-8")
        _read_only(self.tmp / "grade")
        (self.tmp / "home" / "tmp").mkdir()

    def _sandbox_command(self, fd_in: int, fd_out: int) -> tuple[list[str], dict, str]:
        """`unshare` running worker.py `boot` with the spec of the private root: (command, environment, cwd)."""
        uid, self.uid_lock = _claim_uid()
        self.uid = uid
        for name in ("home", "runs"):
            for dirpath, _, filenames in os.walk(self.tmp / name):
                os.chown(dirpath, uid, uid)
                for filename in filenames:
                    os.chown(os.path.join(dirpath, filename), uid, uid)
        (self.tmp / "root").mkdir()
        home = "/home/student"
        self._add_checkpoints(self.tmp / "runs")  # copied into the tmpfs on course/runs in the sandbox
        seeded = sum(path.stat().st_size for path in (self.tmp / "runs").iterdir())
        run = {
            "fd_in": fd_in,
            "fd_out": fd_out,
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
                [str(self.tmp / "grade"), "/grade", False],
            ],
            # writable space: size-capped tmpfs mounts (RAM, counted in the cgroup), never the grading disk
            "scratch": [
                [home, SCRATCH_BYTES["home"], None],
                ["/course/runs", SCRATCH_BYTES["runs"] + seeded, str(self.tmp / "runs")],
            ],
            "tmp_bytes": SCRATCH_BYTES["/tmp"],
            "shm_bytes": SCRATCH_BYTES["/dev/shm"],
            "rlimits": _rlimits(),
            "cwd": home,
            "worker": "/grade/worker.py",
            "env": _child_env(home, "/course"),
            "run": run,
            "max_processes": MAX_PROCESSES,
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
        return command, {"PATH": "/usr/bin:/bin"}, str(self.tmp)

    def _copy_command(self, fd_in: int, fd_out: int) -> tuple[list[str], dict, str]:
        """worker.py `run` as your user, on the copy: (command, environment, cwd)."""
        runs = self.tmp / "course" / "runs"
        os.chmod(runs, 0o755)
        self._add_checkpoints(runs)
        home = str(self.tmp / "home")
        run = {
            "fd_in": fd_in,
            "fd_out": fd_out,
            "course": str(self.tmp / "course"),
            "cells": str(self.tmp / "grade" / "cells.json"),
            "functions": self.functions,
        }
        command = [sys.executable, "-I", str(self.tmp / "grade" / "worker.py"), "run", json.dumps(run)]
        return command, _child_env(home, str(self.tmp / "course")), home

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

    def _gone_message(self) -> str:
        code = None
        if self.process:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.process.wait(timeout=1)
        self.channel.drain_stderr(seconds=1)
        tail = bytes(self.channel.stderr_tail).decode("utf-8", "replace").strip().splitlines()
        last = f": {tail[-1][:300]}" if tail else ""
        if self.cgroup is not None and self.cgroup.out_of_memory():
            return (
                f"the notebook went over the sandbox's memory limit ({MEMORY_BYTES >> 20} MB, its files in "
                f"/tmp, /dev/shm, home and runs/ included) and was stopped (exit code {code}){last}"
            )
        return f"the notebook's process ended (exit code {code}) before this check{last}"

    def __exit__(self, *exc):
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            if self.isolation == "sandbox":
                if self.cgroup is not None:
                    self.cgroup.kill(REAP_SECONDS)
                _kill_uid(self.uid)
            else:
                _kill_new_children(self.children_before)
        if self.cgroup is not None:
            self.cgroup.remove()
        if self.uid_lock is not None:
            os.close(self.uid_lock)
        self.channel.close()
        _remove_tree(self.tmp)
        return False


def _remove_tree(folder: Path) -> None:
    for dirpath, _dirnames, _ in os.walk(folder):  # the read-only copies must be writable to delete
        os.chmod(dirpath, 0o755)
    shutil.rmtree(folder, ignore_errors=True)


def _rlimits() -> dict[str, int]:
    """resource.RLIMIT_* name -> limit, for the worker (both modes)."""
    return {"RLIMIT_DATA": MEMORY_BYTES, "RLIMIT_AS": ADDRESS_BYTES, "RLIMIT_FSIZE": FILE_BYTES}


def _die_with_parent(then=None) -> None:
    """In the child before exec: SIGKILL it when the grader that started it dies (prctl PR_SET_PDEATHSIG).

    `unshare --kill-child` passes the same death on to the sandbox's pid 1, and with it the whole pid namespace.
    The grader starts sandboxes from its main thread only (the signal follows the thread that forked).
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the grader died before the prctl: no signal will come
            os._exit(1)
    if then is not None:
        then()


def _limit_copy_mode() -> None:
    """Copy mode, in the child before exec: memory and file-size rlimits (no cgroup, no tmpfs without root)."""
    import resource

    for name, limit in _rlimits().items():
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(getattr(resource, name), (limit, limit))


def _sandbox_uid() -> int:
    """The first uid of UID_RANGE with no account and no process (another sandbox may still claim it)."""
    busy = _uids_in_use()
    for uid in UID_RANGE:
        if uid in busy:
            continue
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    raise RuntimeError(f"every uid in {UID_RANGE} has an account or a process")


def _claim_uid() -> tuple[int, int]:
    """A uid for one sandbox alone, and the lock that holds it (closed in __exit__).

    No account, no process left (a fork bomb's 512 tasks, not yet reaped, would use up the next notebook's
    RLIMIT_NPROC), and a lock in the temporary folder so that two graders at once (a teacher and a TA) never
    share one.
    """
    busy = _uids_in_use()
    for uid in UID_RANGE:
        if uid in busy:
            continue
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        try:  # a file someone else planted at the name (a link, another user's file in sticky /tmp): skip the uid
            lock = os.open(
                os.path.join(tempfile.gettempdir(), f"rnn-attention-grade-uid-{uid}.lock"),
                os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW,
                0o600,
            )
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            continue
        if uid in _uids_in_use():  # started since the scan
            os.close(lock)
            continue
        return uid, lock
    raise RuntimeError(f"every uid in {UID_RANGE} has an account, a process or another grader")


def _processes() -> list[tuple[int, int, int, str]]:
    """(pid, parent pid, real uid, state) of every process on the machine."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8", errors="replace") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
            found.append((int(entry), int(fields["PPid"]), int(fields["Uid"].split()[0]), fields["State"].strip()[:1]))
        except (OSError, KeyError, ValueError):
            continue  # ended while we looked
    return found


def _uids_in_use() -> set[int]:
    return {uid for _, _, uid, _ in _processes()}


def _kill_uid(uid: int | None) -> None:
    """Kill every process of this sandbox's uid, and wait (up to REAP_SECONDS) until none is left."""
    if uid is None:
        return
    cgroup.kill_until_gone(lambda: [pid for pid, _, owner, _ in _processes() if owner == uid], REAP_SECONDS)


def _children(pid: int) -> set[int]:
    return {child for child, parent, _, _ in _processes() if parent == pid}


def _become_subreaper() -> None:
    """PR_SET_CHILD_SUBREAPER: orphans of the worker's tree (a detached child, a daemon) become our children."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)


def _kill_new_children(before: set[int]) -> None:
    """Copy mode: kill and reap every child of ours that the worker left (they were re-parented to us)."""
    deadline = time.monotonic() + REAP_SECONDS
    while time.monotonic() < deadline:
        left = _children(os.getpid()) - before
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for pid in left:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


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


# ------------------------------------------------------------ protecting the course in copy mode


_PATTERNS = ("*.py", "*.pyc")  # sources and their bytecode caches: a forged .pyc with the source's stamp is loaded


def course_files() -> dict[str, bytes]:
    """The course's own code and its bytecode caches, for the copy-mode check after each notebook."""
    files = {}
    for folder in (ROOT / "rnn_attention", ROOT / "tools"):
        for pattern in _PATTERNS:
            for path in sorted(folder.rglob(pattern)):
                with contextlib.suppress(OSError):
                    files[str(path)] = path.read_bytes()
    return files


def restore_course(snapshot: dict[str, bytes]) -> list[str]:
    """Put back any course source that changed or vanished, delete any bytecode cache that changed or was added
    (Python compiles it again), remove any .py added; list what was wrong (a cache added is not: another
    process importing a module for the first time adds one). A snapshot of another course folder is refused:
    nothing is deleted by comparing this course with it."""
    if not any(Path(name).is_relative_to(ROOT) for name in snapshot):
        raise ValueError(f"the snapshot is not of the course at {ROOT}")
    changed = []
    for name, data in snapshot.items():
        path = Path(name)
        if path.suffix == ".pyc":
            with contextlib.suppress(OSError):
                if path.read_bytes() != data:
                    changed.append(str(path.relative_to(ROOT)))
                    path.unlink()
            continue
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
        for pattern in _PATTERNS:
            for path in folder.rglob(pattern):
                if str(path) not in snapshot:
                    if path.suffix == ".py":
                        changed.append(str(path.relative_to(ROOT)))
                    with contextlib.suppress(OSError):
                        path.unlink()
    return changed


def preload_course() -> None:
    """Import every course module now, so that later edits on disk cannot reach the grader's checks."""
    package = sys.modules["rnn_attention"]
    for module in pkgutil.walk_packages(package.__path__, "rnn_attention."):
        if module.name.endswith("__main__"):
            continue
        with contextlib.suppress(Exception):
            importlib.import_module(module.name)
