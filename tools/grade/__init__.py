"""Grade students' notebooks with the course's own check functions, in a way a notebook cannot fake.

    python tools/grade STUDENT.ipynb [MORE.ipynb ...] [--csv grades.csv] [--timeout 1200]
    make grade NB=STUDENT.ipynb

Two processes per notebook, and the student's code runs only in the second:

- the grader (this process) knows the exercises from the course's solutions/
  sources (`check_name(function)` calls) and runs the course's `check_*`
  functions itself, from its own import of the package;
- a worker (worker.py) executes the notebook's code cells, all of
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

The package, one job per module: exercises.py (which notebook a submission is,
and its checks), sandbox.py (the worker's process and its isolation),
channel.py (talking to the worker), worker.py (the worker itself: the only
code that runs the student's), grading.py (one notebook, start to end),
report.py (verdicts, the table, the CSV), __main__.py (the command line).
It imports its siblings tools/nbtext.py and tools/nbbuild.py, so tools/ must be on sys.path
(`python tools/grade` sees to that).
"""

import sys
from pathlib import Path

_COURSE = str(Path(__file__).resolve().parents[2])
if _COURSE not in sys.path:  # the grader's own import of the course package, never a student's copy
    sys.path.insert(0, _COURSE)

from .exercises import course_exercises, expected_exercises  # noqa: E402
from .grading import DEFAULT_TIMEOUT, choose_isolation, grade  # noqa: E402
from .report import (  # noqa: E402
    STATUSES,
    Report,
    Verdict,
    add_missing,
    format_report,
    parse_checks,
    parse_errors,
    write_csv,
)
from .sandbox import sandbox_available  # noqa: E402

__all__ = [
    "DEFAULT_TIMEOUT",
    "STATUSES",
    "Report",
    "Verdict",
    "add_missing",
    "choose_isolation",
    "course_exercises",
    "expected_exercises",
    "format_report",
    "grade",
    "parse_checks",
    "parse_errors",
    "sandbox_available",
    "write_csv",
]
