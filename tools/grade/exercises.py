"""The course's exercises: which notebook a submission is, and which checks grade it.

The grader knows the exercises from the course's solutions/ sources (each top-level `check_x(function)` call) and
runs the checks from its own import of the package, never from a student's copy.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import nbbuild
import nbtext

import rnn_attention.exercises as course_checks

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Exercise:
    """One exercise of a course notebook: its label, the check to run, the student's function it checks."""

    label: str
    check: str
    function: str


def exercise_calls(source: Path) -> list[tuple[str, str]]:
    """(check name, function name) of each top-level `check_x(function)` call in a solutions/*.py source."""
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    return [call for call in map(nbtext.check_call, tree.body) if call is not None]


def _not_yet(*args):
    raise NotImplementedError


@functools.cache
def course_exercises(stem: str) -> tuple[Exercise, ...]:
    """The exercises of solutions/<stem>.py, labelled by running each check once on a blank function."""
    source = ROOT / "solutions" / f"{stem}.py"
    if not source.is_file():
        return ()
    found = []
    for check_name, function in exercise_calls(source):
        check = getattr(course_checks, check_name, None)
        if check is None:
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            result = check(_not_yet)
        found.append(Exercise(result.name, check_name, function))
    return tuple(found)


def course_stems() -> list[str]:
    """The course's notebooks, as nbbuild builds them (the stems of their solutions/*.py sources)."""
    return [p.stem for p in nbbuild.sources()]


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
