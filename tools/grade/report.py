"""What grading found, and how it is shown: verdicts, a report per notebook, the text table and the CSV.

Also the verdict lines a notebook printed (`parse_checks`): information only, never a grade, since anyone can
print such a line. The symbols are the ones the course's checks print (rnn_attention.exercises.core).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import nbtext

from rnn_attention.exercises.core import VERDICT_SYMBOLS

STATUSES = ("passed", "failed", "not attempted", "missing", "timed out", "unreadable")
SYMBOLS = {symbol: status for status, symbol in VERDICT_SYMBOLS.items()}
CHECK_LINE = re.compile(rf"^(?P<symbol>[{''.join(SYMBOLS)}])\s*(?P<name>Exercise\s+\d+\.\d+)\s+(?P<message>.*)$")


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
    digest: str = ""  # sha256 of the submitted file, to point out copies
    limits: str = ""  # the sandbox's limits as applied (cgroup or rlimits), and its peak memory where known

    def count(self, status: str) -> int:
        """How many exercises have this status."""
        return sum(v.status == status for v in self.verdicts)


# ------------------------------------------------------------ what was printed (information only)


def check_lines(texts) -> list[Verdict]:
    """The verdict lines in these printed texts, one per exercise: a re-run check replaces the earlier one."""
    found: dict[str, Verdict] = {}
    for text in texts:
        for line in text.splitlines():
            match = CHECK_LINE.match(line.strip())
            if match:
                name = " ".join(match["name"].split())
                found[name] = Verdict(name, SYMBOLS[match["symbol"]], match["message"].strip())
    return sorted(found.values(), key=exercise_key)


def parse_checks(nb: nbformat.NotebookNode) -> list[Verdict]:
    """The check lines in a notebook's printed text (nbtext.printed_text); a re-run check replaces the earlier verdict.

    Never used for grading (anyone can print such a line); the grader uses it to point out a
    notebook that printed a pass its check does not confirm.
    """
    return check_lines([nbtext.printed_text(nb)])


def exercise_key(verdict: Verdict) -> tuple[int, ...]:
    """Exercise 3.10 sorts after Exercise 3.2."""
    return tuple(int(part) for part in verdict.exercise.split()[1].split("."))


def parse_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Cells whose stored outputs hold an error, with the error's name and first line."""
    errors = []
    for index, cell in nbtext.code_cells(nb):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                value = (output.get("evalue") or "").splitlines()
                errors.append(f"cell {index}: {output.get('ename')}: {value[0] if value else ''}")
    return errors


def add_missing(verdicts: list[Verdict], expected: list[str]) -> list[Verdict]:
    """Add a 'missing' verdict for each expected exercise that has none."""
    seen = {v.exercise for v in verdicts}
    missing = [
        Verdict(name, "missing", "no verdict: the exercise's function is not in the notebook")
        for name in expected
        if name not in seen
    ]
    return sorted(verdicts + missing, key=exercise_key)


# ------------------------------------------------------------ output

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


def shown(text) -> str:
    """Student-supplied text made safe to print: control characters (terminal escapes, carriage returns,
    bidirectional overrides) written as visible escapes such as \\x1b, so they are shown, never obeyed."""
    return _CONTROLS.sub(lambda m: ascii(m[0])[1:-1], str(text))


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def format_report(report: Report, width: int = 70) -> str:
    """A plain-text table of one notebook's exercises."""
    lines = [f"{shown(report.notebook)}  ({report.seconds:.0f} s)"]
    if report.problem:
        lines.append(f"  could not be graded in full: {shown(report.problem)}")
    if not report.verdicts:
        lines.append("  no exercises found: is this a notebook of the course (same name as one in solutions/)?")
    else:
        name_w = max(len(v.exercise) for v in report.verdicts)
        lines.append(f"  {'exercise':<{name_w}}  {'status':<13}  message")
        for v in report.verdicts:
            message = shown(_first_line(v.message))
            message = message if len(message) <= width else message[: width - 3] + "..."
            lines.append(f"  {shown(v.exercise):<{name_w}}  {v.status:<13}  {message}")
        total = len(report.verdicts)
        lines.append(
            f"  total: {report.count('passed')}/{total} passed, {report.count('failed')} failed, "
            f"{report.count('not attempted')} not attempted"
            + "".join(f", {report.count(s)} {s}" for s in ("missing", "timed out", "unreadable") if report.count(s))
        )
    for error in report.errors:
        lines.append(f"  raised outside a check: {shown(error)}")
    for note in report.notes:
        lines.append(f"  note: {shown(note)}")
    return "\n".join(lines)


def cell(text) -> str:
    """Student-supplied text for a CSV cell: `shown`, and a leading ' where a spreadsheet would read a formula
    (a cell starting with = + - @ runs as one in Excel, LibreOffice and Google Sheets: OWASP's CSV injection)."""
    text = shown(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_csv(reports: list[Report], target: Path) -> None:
    """One row per notebook and exercise: notebook, exercise, status, message (control characters escaped,
    formulas defused)."""
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["notebook", "exercise", "status", "message"])
        for report in reports:
            if not report.verdicts and report.problem:
                writer.writerow([cell(report.notebook), "", "unreadable", cell(report.problem)])
            for v in report.verdicts:
                writer.writerow([cell(report.notebook), cell(v.exercise), v.status, cell(_first_line(v.message))])
