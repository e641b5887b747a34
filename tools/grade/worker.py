"""The untrusted half of the grader: runs one student's code and nothing else.

    python -I worker.py boot SPEC_JSON    (root, inside fresh mount/pid/net/ipc namespaces)
    python -I worker.py run SPEC_JSON     (the worker itself)

`boot` builds a private root file system (the OS, the Python install and a
copy of the course package, all read-only; a scratch home, /tmp and runs/
writable), chroots into it, drops to an unprivileged uid with no capabilities
and no way to regain them, and execs `run`. It reads nothing the student
wrote. `run` executes the notebook's code cells in an IPython shell, then
answers the grader's calls: "call the function NAME with these arguments and
send back what it returned or raised". The verdicts are computed by the
grader, in a process this one cannot reach: nothing sent from here is trusted
(results travel as `torch.save` bytes that the grader reads with
`weights_only=True`).

This file is copied next to each notebook's sandbox and run from there; it
imports nothing from the course's tools (the grader's channel.py imports its
MAX_MESSAGE).
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys

MAX_MESSAGE = 256 * 1024 * 1024  # bytes; larger messages end the conversation
MAX_PRINTED = 64 * 1024  # characters of stdout kept per cell


# ---------------------------------------------------------------- framing


def send(fd: int, header: dict, blob: bytes = b"") -> None:
    """One message: two big-endian lengths, a JSON header, a binary blob."""
    data = json.dumps(header).encode("utf-8")
    payload = struct.pack(">II", len(data), len(blob)) + data + blob
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, count: int) -> bytes:
    chunks, left = [], count
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd: int) -> tuple[dict, bytes]:
    """The next message (blocking)."""
    head, size = struct.unpack(">II", _read_exactly(fd, 8))
    if head + size > MAX_MESSAGE:
        raise ValueError(f"message of {head + size} bytes is over the limit")
    header = json.loads(_read_exactly(fd, head).decode("utf-8"))
    return header, _read_exactly(fd, size)


# ---------------------------------------------------------------- boot (root)


def boot(spec: dict) -> None:
    """Build the private root, chroot, drop privileges, exec the worker. Root only, in new namespaces."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18

    def mount(source, target, fstype, flags, data=None):
        encode = lambda s: s.encode() if s is not None else None  # noqa: E731
        if libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"mount {source} on {target}: {os.strerror(errno)}")

    new = spec["root"]
    uid = gid = spec["uid"]
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates back to the host
    mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755")

    def bind(source, target, writable=False):
        target = new + target
        if os.path.isdir(source):
            if not os.path.isdir(target):
                os.makedirs(target)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "a").close()
        mount(source, target, None, MS_BIND)
        flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (0 if writable else MS_RDONLY)
        if not source.startswith("/dev/"):
            flags |= MS_NODEV
        mount(None, target, None, flags)

    for path in ("/usr", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin"):
        if os.path.islink(path):
            os.symlink(os.readlink(path), new + path)
        elif os.path.isdir(path):
            bind(path, path)
    if os.path.isdir("/sys"):
        bind("/sys", "/sys")
    os.makedirs(new + "/dev")
    mount("tmpfs", new + "/dev", "tmpfs", MS_NOSUID, "mode=755")
    for name in ("null", "zero", "full", "random", "urandom"):
        bind("/dev/" + name, "/dev/" + name, writable=True)
    for path, size in (("/dev/shm", spec.get("shm_bytes")), ("/tmp", spec.get("tmp_bytes"))):
        os.makedirs(new + path, exist_ok=True)
        mount("tmpfs", new + path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" + (f",size={size}" if size else ""))
    for path in spec["python_paths"]:  # the interpreter, its standard library, the venv (after /tmp: may lie in it)
        bind(path, path)
    os.makedirs(new + "/proc")
    mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV | 8)  # 8 = MS_NOEXEC; this pid namespace only
    for source, target, writable in spec["binds"]:  # the course copy, the grader's files
        bind(source, target, writable)
    for target, size, seed in spec.get("scratch", []):  # home and runs/: the student's, capped in size
        os.makedirs(new + target, exist_ok=True)
        mount("tmpfs", new + target, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=755,uid={uid},gid={gid},size={size}")
        for name in sorted(os.listdir(seed)) if seed else ():  # the teacher's checkpoints: root's, read-only
            with open(os.path.join(seed, name), "rb") as source, open(new + target + "/" + name, "wb") as copy:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
            os.chmod(new + target + "/" + name, 0o444)

    os.chroot(new)
    os.chdir(spec["cwd"])
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: no setuid binary gives root back
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    # PR_SET_PDEATHSIG again: `unshare --kill-child` set it, but changing the uid cleared it. With it, the death of
    # unshare (which dies with the grader) kills this process, the namespace's pid 1, and so every process in it.
    if libc.prctl(1, 9, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getuid() == 0 or os.geteuid() == 0:
        raise RuntimeError("could not drop root")
    import resource

    resource.setrlimit(resource.RLIMIT_NPROC, (spec.get("max_processes", 512),) * 2)
    for name, limit in spec.get("rlimits", {}).items():  # memory (a MemoryError in the cell), file size
        resource.setrlimit(getattr(resource, name), (limit, limit))
    argv = [spec["python"], "-I", spec["worker"], "run", json.dumps(spec["run"])]
    os.execve(spec["python"], argv, spec["env"])


# ---------------------------------------------------------------- the worker


class _CappedText(io.TextIOBase):
    """A stdout that keeps the first MAX_PRINTED characters and drops the rest."""

    def __init__(self):
        self.parts, self.size = [], 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        if self.size < MAX_PRINTED:
            self.parts.append(text[: MAX_PRINTED - self.size])
            self.size += len(self.parts[-1])
        return len(text)

    def getvalue(self):
        return "".join(self.parts)


def _first_line(text: str) -> str:
    lines = str(text).splitlines()
    return lines[0][:500] if lines else ""


def _plain(value, torch, depth: int = 0):
    """A copy of a returned value made of what `torch.load(weights_only=True)` reads; anything else is described."""
    if depth > 20:
        return {"__opaque__": type(value).__name__, "repr": "(nested too deeply)"}
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
        if tensor.layout != torch.strided:
            tensor = tensor.to_dense()
        return torch._C.TensorBase.as_subclass(tensor.cpu(), torch.Tensor).clone()  # Watched overrides as_subclass
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()  # numpy scalars behave like Python numbers in the checks
    if isinstance(value, tuple):
        return tuple(_plain(v, torch, depth + 1) for v in value)
    if isinstance(value, list):
        return [_plain(v, torch, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, torch, depth + 1) for k, v in value.items()}
    try:
        shown = repr(value)[:300]
    except Exception:  # a student's object whose repr raises
        shown = f"<{type(value).__name__}>"
    return {"__opaque__": type(value).__name__, "repr": shown}


def _watching(args):
    """The check's watch over this call, when an argument carries one (rnn_attention.exercises.watch), else nothing.

    The watch's torch function mode then sees every torch operation of the call, also on stripped copies of the
    watched tensors.
    """
    import contextlib

    for value in args if isinstance(args, (tuple, list)) else ():
        watch = getattr(value, "__dict__", {}).get("_watch") if hasattr(value, "__dict__") else None
        during_call = getattr(watch, "during_call", None)
        if callable(during_call):
            return during_call(args)
    return contextlib.nullcontext()


def run(spec: dict) -> None:
    """Execute the code cells, report, then serve calls until told to stop."""
    to_grader, from_grader = spec["fd_out"], spec["fd_in"]
    for fd in (to_grader, from_grader):
        os.set_inheritable(fd, False)  # nothing the student starts inherits the channel
    sys.path.insert(0, spec["course"])
    os.environ["MPLBACKEND"] = "Agg"
    with open(spec["cells"], encoding="utf-8") as handle:
        cells = json.load(handle)

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor", history_load_length=0)
    shell.history_manager.enabled = False
    errors, printed = [], []
    real_stdout, real_stderr = sys.stdout, sys.stderr
    for index, source in cells:
        send(to_grader, {"type": "cell", "index": index})
        out = _CappedText()
        sys.stdout = sys.stderr = out
        try:
            result = shell.run_cell(source, store_history=True, silent=False)
        finally:
            sys.stdout, sys.stderr = real_stdout, real_stderr
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            errors.append([index, type(error).__name__, _first_line(error)])
        printed.append([index, out.getvalue()])
    names = spec["functions"]
    defined = {name: callable(shell.user_ns.get(name)) for name in names}
    send(to_grader, {"type": "executed", "errors": errors, "printed": printed, "defined": defined})

    import torch

    while True:
        header, blob = receive(from_grader)
        if header.get("type") != "call":
            return
        function = shell.user_ns.get(header["name"])
        out = _CappedText()
        sys.stdout = sys.stderr = out
        try:
            args = torch.load(io.BytesIO(blob), weights_only=False)  # written by the grader
            with torch.set_grad_enabled(bool(header.get("grad", True))), _watching(args):
                value = function(*args)
            reply = {"type": "value"}
            buffer = io.BytesIO()
            torch.save(_plain(value, torch), buffer)
            data = buffer.getvalue()
        except BaseException as error:  # the student's SystemExit is an answer too
            kind = "not_implemented" if isinstance(error, NotImplementedError) else "other"
            if type(error).__name__ == "CheckFailed":
                kind = "check_failed"
            try:
                message = str(error)[:4000]
            except Exception:
                message = "(the exception's message could not be read)"
            reply, data = {"type": "raised", "kind": kind, "name": type(error).__name__, "message": message}, b""
        finally:
            sys.stdout, sys.stderr = real_stdout, real_stderr
        send(to_grader, reply, data)


def main(argv: list[str]) -> int:
    mode, spec = argv[0], json.loads(argv[1])
    if mode == "boot":
        boot(spec)
    elif mode == "run":
        run(spec)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
