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
are listed too: a student who broke a set-up cell sees it. When the course
has a solutions/ notebook of the same name, an exercise whose check line never
printed is reported as "missing". Training cells use
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

ROOT = Path(__file__).resolve().parents[1]
SYMBOLS = {"\u2705": "passed", "\u274c": "failed", "\u23f3": "not attempted"}
CHECK_LINE = re.compile(r"^(?P<symbol>[\u2705\u274c\u23f3])\s*(?P<name>Exercise\s+\d+\.\d+)\s+(?P<message>.*)$")


@dataclass
class Verdict:
    """One exercise as its check reported it."""

    exercise: str
    status: str  # 'passed', 'failed', 'not attempted', or 'missing' (no check line printed)
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
    return sorted(found.values(), key=_exercise_key)


def _exercise_key(verdict: Verdict) -> tuple[int, ...]:
    """Exercise 3.10 sorts after Exercise 3.2."""
    return tuple(int(part) for part in verdict.exercise.split()[1].split("."))


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


def expected_exercises(path: Path) -> list[str]:
    """The exercises the course's own executed solutions/<same name> reports, if there is one."""
    solution = ROOT / "solutions" / path.name
    if not solution.is_file():
        return []
    return [v.exercise for v in parse_checks(nbformat.read(solution, as_version=4))]


def add_missing(verdicts: list[Verdict], expected: list[str]) -> list[Verdict]:
    """Mark exercises whose check line never printed (check deleted, or its cell raised first)."""
    seen = {v.exercise for v in verdicts}
    missing = [Verdict(name, "missing", "no check line: the check call was removed or its cell raised") for name in expected if name not in seen]
    return sorted(verdicts + missing, key=_exercise_key)


def grade(path: Path | str, timeout: int = 900) -> Report:
    """Execute one notebook and collect its exercise verdicts and errors."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    start = time.perf_counter()
    nb = execute(path, timeout=timeout)
    verdicts = add_missing(parse_checks(nb), expected_exercises(path))
    return Report(path, verdicts, parse_errors(nb), time.perf_counter() - start)


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
            + (f", {report.count('missing')} missing" if report.count("missing") else "")
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
