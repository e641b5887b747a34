"""tools/grade.py: executes a notebook and tabulates the exercise checks it prints."""

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course_grade", ROOT / "tools" / "grade.py")
grade = importlib.util.module_from_spec(_spec)
sys.modules["course_grade"] = grade  # dataclasses look their module up there
_spec.loader.exec_module(grade)


def test_solutions_notebook_00_passes_every_exercise():
    path = ROOT / "solutions" / "00_the_question.ipynb"
    before = path.read_bytes()
    report = grade.grade(path, timeout=300)
    assert [v.exercise for v in report.verdicts] == ["Exercise 0.1", "Exercise 0.2"]
    assert all(v.status == "passed" for v in report.verdicts), grade.format_report(report)
    assert report.errors == []
    assert path.read_bytes() == before, "grading must not modify the notebook"
    assert "total: 2/2 passed" in grade.format_report(report)


def test_student_notebook_00_has_nothing_attempted():
    report = grade.grade(ROOT / "notebooks" / "00_the_question.ipynb", timeout=300)
    assert [v.exercise for v in report.verdicts] == ["Exercise 0.1", "Exercise 0.2"]
    assert all(v.status == "not attempted" for v in report.verdicts), grade.format_report(report)
    assert report.errors == [], "a blank student notebook must run top to bottom"


def _notebook_with_outputs(*outputs):
    nb = nbformat.v4.new_notebook()
    for output in outputs:
        nb.cells.append(nbformat.v4.new_code_cell("...", outputs=[output]))
    return nb


def test_parse_checks_reads_all_three_verdicts_and_keeps_the_last_run():
    stream = lambda text: nbformat.v4.new_output("stream", name="stdout", text=text)  # noqa: E731
    nb = _notebook_with_outputs(
        stream("\u23f3 Exercise 3.2 not attempted yet: fill in the function\n"),
        stream("some other line\n\u274c Exercise 3.1 not yet right: weights should have shape (7,), got (8,)\n    expected: ...\n"),
        stream("\u2705 Exercise 10.1 passed: rows sum to one.\n"),
        stream("\u2705 Exercise 3.2 passed: a re-run check replaces the earlier verdict.\n"),
        nbformat.v4.new_output("error", ename="NameError", evalue="name 'torch' is not defined", traceback=[]),
    )
    verdicts = grade.parse_checks(nb)
    assert [(v.exercise, v.status) for v in verdicts] == [
        ("Exercise 3.1", "failed"),
        ("Exercise 3.2", "passed"),
        ("Exercise 10.1", "passed"),
    ]
    assert verdicts[0].message.startswith("not yet right: weights should have shape (7,)")
    assert grade.parse_errors(nb) == ["cell 4: NameError: name 'torch' is not defined"]
    report = grade.Report(Path("student.ipynb"), verdicts, grade.parse_errors(nb), 1.0)
    table = grade.format_report(report)
    assert "total: 2/3 passed, 1 failed, 0 not attempted" in table
    assert "raised outside a check: cell 4: NameError" in table


def test_exercises_without_a_check_line_are_reported_missing():
    assert grade.expected_exercises(ROOT / "notebooks" / "00_the_question.ipynb") == ["Exercise 0.1", "Exercise 0.2"]
    found = [grade.Verdict("Exercise 0.2", "passed", "passed.")]
    verdicts = grade.add_missing(found, ["Exercise 0.1", "Exercise 0.2"])
    assert [(v.exercise, v.status) for v in verdicts] == [("Exercise 0.1", "missing"), ("Exercise 0.2", "passed")]
    table = grade.format_report(grade.Report(Path("x.ipynb"), verdicts, [], 0.0))
    assert "1/2 passed, 0 failed, 0 not attempted, 1 missing" in table


def test_missing_notebook_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no notebook at"):
        grade.grade(tmp_path / "absent.ipynb")
    assert grade.main([str(tmp_path / "absent.ipynb")]) == 2
