"""The kernel that `nbgrader autograde` runs a student's notebook in: IPython, unable to see the instructor's files.

    python tools/nbgrader_kernel.py -f CONNECTION_FILE     (kernels/rnn-attention-autograde/kernel.json)

tools/nbgrader_course.py writes the kernel spec into the course directory, and its nbgrader_config.py makes
autograde use it. Before IPython starts, in a mount namespace of its own, an empty read-only folder is mounted
over the course directory's source/ (every assignment's solutions), release/, submitted/ and feedback/, over
every other student's folder in autograded/, over the gradebook, and over the checkout's solutions/, tests/ and
.git (which hold the solutions too). The namespace is made as root, or else in an unprivileged user namespace
where the system allows one. Where neither can be made, the kernel starts as it is and says so on stderr:
nbgrader then cannot keep student code from reading those files (TEACHING.md, nbgrader section).

What stays readable: the course package (the checks need it, and it holds the reference implementations the
exercises ask students to write themselves), data/, and the student's own autograded folder (the kernel's
working directory).
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18


def course_directory(start: Path) -> Path | None:
    """The nbgrader course directory above `start` (the one holding nbgrader_config.py), or None."""
    for folder in (start, *start.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


def to_hide(cwd: Path) -> list[Path]:
    """What student code must not read, for a kernel started in `cwd` (autograded/<student>/<assignment>/)."""
    paths = [CHECKOUT / name for name in ("solutions", "tests", ".git")]
    course = course_directory(cwd)
    if course is not None:
        paths += [course / name for name in ("source", "release", "submitted", "feedback", "gradebook.db")]
        autograded = course / "autograded"
        if autograded.is_dir():
            here, base = cwd.resolve(), autograded.resolve()
            own = here.relative_to(base).parts[:1] if here.is_relative_to(base) else ()
            paths += [p for p in autograded.iterdir() if p.name not in own]
    return [p for p in paths if p.exists()]


def hide(paths: list[Path]) -> None:
    """Mount an empty read-only tmpfs over each folder (/dev/null over each file), in a new mount namespace."""
    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    if os.geteuid() == 0:
        check(libc.unshare(CLONE_NEWNS), "unshare(mount namespace)")
    else:
        uid, gid = os.getuid(), os.getgid()
        check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(user and mount namespaces)")
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w", encoding="ascii") as handle:
                handle.write(text)
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    for path in paths:
        target = str(path).encode()
        if path.is_dir():
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV
            check(libc.mount(b"tmpfs", target, b"tmpfs", flags, b"size=4k,mode=555"), f"hide {path}")
        else:
            check(libc.mount(b"/dev/null", target, None, MS_BIND, None), f"hide {path}")


def main(argv: list[str]) -> None:
    cwd = Path.cwd()
    try:
        hide(to_hide(cwd))
    except OSError as error:
        print(
            f"rnn-attention autograde kernel: could not hide the instructor's files ({error}); "
            "student code can read source/ and solutions/ during this autograde",
            file=sys.stderr,
        )
    os.chdir(cwd)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
