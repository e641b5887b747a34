"""A control group per sandbox: a memory limit (RAM and the sandbox's tmpfs pages together) and a process limit
around one worker, and a sure way to end everything it started.

Both cgroup layouts are handled: v1 (a `memory` and a `pids` hierarchy, as on the machine this was written on,
where /sys/fs/cgroup/unified holds no controllers) and v2 (one hierarchy with `memory.max` and `pids.max`).
The group is made below the grader's own group, so the machine's own limits still apply above it.
`Cgroup.create` raises OSError where neither is usable (no root, a read-only /sys/fs/cgroup, a v2 parent that
cannot delegate its controllers); the sandbox then relies on rlimits alone and says so.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "rnn-attention-grade-"


def layout() -> str:
    """'v1', 'v2' or 'none': which cgroup layout this machine offers for memory."""
    if (ROOT / "memory" / "cgroup.procs").exists():
        return "v1"
    if (ROOT / "cgroup.controllers").exists():
        return "v2"
    return "none"


def _own_paths() -> dict[str, str]:
    """controller -> this process's group path ('' for v2's single hierarchy)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines():
        number, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


class Cgroup:
    """One sandbox's group: made by `create`, joined by the worker (`join`, in the child before exec), then
    `kill` and `remove`."""

    def __init__(self, folders: list[Path], version: str, memory_bytes: int, max_processes: int):
        self.folders, self.version = folders, version
        self.memory_bytes, self.max_processes = memory_bytes, max_processes

    @classmethod
    def create(cls, name: str, memory_bytes: int, max_processes: int) -> Cgroup:
        version = layout()
        own = _own_paths()
        if version == "v1":
            folders = []
            for controller in ("memory", "pids"):
                parent = ROOT / controller / own.get(controller, "/").lstrip("/")
                _remove_stale(parent)
                folder = parent / (PREFIX + name)
                folder.mkdir()
                folders.append(folder)
            group = cls(folders, version, memory_bytes, max_processes)
            try:
                _write(folders[0] / "memory.limit_in_bytes", memory_bytes)
                with contextlib.suppress(OSError):  # no swap accounting: RAM is limited, swap is not counted
                    _write(folders[0] / "memory.memsw.limit_in_bytes", memory_bytes)
                _write(folders[1] / "pids.max", max_processes)
            except OSError:
                group.remove()
                raise
            return group
        if version == "v2":
            parent = ROOT / own.get("", "/").lstrip("/")
            enabled = (parent / "cgroup.subtree_control").read_text(encoding="utf-8").split()
            missing = [c for c in ("memory", "pids") if c not in enabled]
            if missing:  # fails with EBUSY where the parent holds processes itself (not the root group)
                _write(parent / "cgroup.subtree_control", " ".join("+" + c for c in missing))
            _remove_stale(parent)
            folder = parent / (PREFIX + name)
            folder.mkdir()
            group = cls([folder], version, memory_bytes, max_processes)
            try:
                _write(folder / "memory.max", memory_bytes)
                with contextlib.suppress(OSError):
                    _write(folder / "memory.swap.max", 0)
                _write(folder / "pids.max", max_processes)
            except OSError:
                group.remove()
                raise
            return group
        raise OSError("no cgroup file system with a memory controller at /sys/fs/cgroup")

    def join(self) -> None:
        """Put the calling process in the group (the worker's first act, before it can fork)."""
        for folder in self.folders:
            _write(folder / "cgroup.procs", os.getpid())

    def pids(self) -> set[int]:
        found = set()
        for folder in self.folders:
            with contextlib.suppress(OSError):
                found |= {int(p) for p in (folder / "cgroup.procs").read_text(encoding="utf-8").split()}
        return found

    def kill(self, seconds: float = 10) -> None:
        """Kill every process in the group and wait (up to `seconds`) until none is left."""
        if self.version == "v2":
            with contextlib.suppress(OSError):
                _write(self.folders[0] / "cgroup.kill", 1)
        kill_until_gone(self.pids, seconds)

    def out_of_memory(self) -> bool:
        """Whether the kernel killed a process of the group for going over its memory limit."""
        name = "memory.oom_control" if self.version == "v1" else "memory.events"
        try:
            text = (self.folders[0] / name).read_text(encoding="utf-8")
        except OSError:
            return False
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value) > 0
        return False

    def peak_bytes(self) -> int | None:
        name = "memory.max_usage_in_bytes" if self.version == "v1" else "memory.peak"
        try:
            return int((self.folders[0] / name).read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def remove(self) -> None:
        for folder in self.folders:
            for _ in range(50):  # a group empties a moment after its last process is reaped
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _write(path: Path, value) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(str(value))


def _remove_stale(parent: Path) -> None:
    """Groups that a killed grader left (named after its pid): removed when empty and their grader is gone."""
    with contextlib.suppress(OSError):
        for folder in parent.glob(PREFIX + "*"):
            pid = folder.name[len(PREFIX) :].split("-")[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                with contextlib.suppress(OSError):
                    folder.rmdir()


def kill_until_gone(find_pids, seconds: float) -> None:
    """SIGKILL every pid that `find_pids()` returns, again and again, until it returns none (or `seconds` pass)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = find_pids()
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
