"""Grade students' notebooks with the course's own check functions.

    python tools/grade.py STUDENT.ipynb [MORE.ipynb ...] [--csv grades.csv] [--timeout 900]
    make grade NB=STUDENT.ipynb

Each notebook is executed headlessly (nbclient, a fresh kernel of this
interpreter, in the notebook's own folder, errors allowed so that one broken
cell does not hide the rest) on a copy: the file itself is never modified.
The exercise cells of the course end with a `check_*` call from
`rnn_attention.exercises`, which prints one line per exercise:

    ✅ Exercise 0.1 passed: ...
    ❌ Exercise 0.2 not yet right: ...
    ⏳ Exercise 0.3 not attempted yet: ...

This tool collects those lines and prints a table per notebook (exercise,
status, first line of the message) and a total. `--csv` also writes one row
per notebook and exercise, for a gradebook. Cells that raised outside a check
are listed too: a student who broke a set-up cell sees it. Training cells use
COURSE_PROFILE=ci (small, CPU) unless the environment sets another profile.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

SYMBOLS = {"\u2705": "passed", "\u274c": "failed", "\u23f3": "not attempted"}
CHECK_LINE = re.compile(r"^(?P<symbol>[\u2705\u274c\u23f3])\s*(?P<name>Exercise\s+\d+\.\d+)\s+(?P<message>.*)$")


@dataclass
class Verdict:
    """One exercise as its check reported it."""

    exercise: str
    status: str  # 'passed', 'failed' or 'not attempted'
    message: str


@dataclass
class Report:
    """What grading one notebook found."""

    notebook: Path
    verdicts: list[Verdict]
    errors: list[str]  # cells that raised outside a check, as 'cell N: ErrorName: message'
    seconds: float

    def count(self, status: str) -> int:
        """How many exercises have this status."""
        return sum(v.status == status for v in self.verdicts)


def _stream_text(nb: nbformat.NotebookNode):
    """(cell index, text) of every stdout stream output, in order."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                yield index, output.get("text", "")


def parse_checks(nb: nbformat.NotebookNode) -> list[Verdict]:
    """The check lines in an executed notebook's outputs; a re-run check replaces the earlier verdict."""
    found: dict[str, Verdict] = {}
    for _, text in _stream_text(nb):
        for line in text.splitlines():
            match = CHECK_LINE.match(line.strip())
            if match:
                name = " ".join(match["name"].split())
                found[name] = Verdict(name, SYMBOLS[match["symbol"]], match["message"].strip())
    key = lambda v: tuple(int(part) for part in v.exercise.split()[1].split("."))  # noqa: E731
    return sorted(found.values(), key=key)


def parse_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Cells whose execution raised, with the error's name and first line."""
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                value = (output.get("evalue") or "").splitlines()
                errors.append(f"cell {index}: {output.get('ename')}: {value[0] if value else ''}")
    return errors


def execute(path: Path, timeout: int = 900) -> nbformat.NotebookNode:
    """Run a copy of the notebook top to bottom in a fresh kernel, keeping going after errors."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(nb)
    os.environ.setdefault("COURSE_PROFILE", "ci")  # the kernel inherits this process's environment
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    client.execute()
    return nb


def grade(path: Path | str, timeout: int = 900) -> Report:
    """Execute one notebook and collect its exercise verdicts and errors."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    start = time.perf_counter()
    nb = execute(path, timeout=timeout)
    return Report(path, parse_checks(nb), parse_errors(nb), time.perf_counter() - start)


def format_report(report: Report, width: int = 70) -> str:
    """A plain-text table of one notebook's exercises."""
    lines = [f"{report.notebook}  ({report.seconds:.0f} s)"]
    if not report.verdicts:
        lines.append("  no check lines found: is this a notebook of the course, and did its check cells run?")
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
        )
    for error in report.errors:
        lines.append(f"  raised outside a check: {error}")
    return "\n".join(lines)


def write_csv(reports: list[Report], target: Path) -> None:
    """One row per notebook and exercise: notebook, exercise, status, message."""
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["notebook", "exercise", "status", "message"])
        for report in reports:
            for v in report.verdicts:
                writer.writerow([str(report.notebook), v.exercise, v.status, v.message.splitlines()[0] if v.message else ""])


def main(argv: list[str]) -> int:
    """Command-line entry point; exit 0 when every notebook could be graded, 2 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="student notebooks (.ipynb)")
    parser.add_argument("--csv", type=Path, help="also write the verdicts to this CSV file")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    args = parser.parse_args(argv)
    reports, status = [], 0
    for path in args.notebooks:
        try:
            report = grade(path, timeout=args.timeout)
        except Exception as error:  # one unreadable submission must not stop the class's grading
            print(f"{path}: could not be graded: {type(error).__name__}: {error}", file=sys.stderr)
            status = 2
            continue
        reports.append(report)
        print(format_report(report))
        print()
    if args.csv:
        write_csv(reports, args.csv)
        print(f"wrote {args.csv}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
