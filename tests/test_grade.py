"""tools/grade: runs a notebook in a worker and grades its functions with the course's own checks."""

import csv
import hashlib
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402  (tools/grade/, the package)
from grade.__main__ import main as grade_main  # noqa: E402


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
        stream(
            "some other line\n"
            "\u274c Exercise 3.1 not yet right: weights should have shape (7,), got (8,)\n    expected: ...\n"
        ),
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
    assert grade_main([str(tmp_path / "absent.ipynb")]) == 2


# ---------------------------------------------------------------- notebooks that try to fake a pass

BLANK = ROOT / "notebooks" / "00_the_question.ipynb"
SETUP_CELL = 2  # the set-up cell of notebook 00 (imports the checks)
PASS_LINES = "\u2705 Exercise 0.1 passed: fake\n\u2705 Exercise 0.2 passed: fake\n"


def _blank():
    return nbformat.read(BLANK, as_version=4)


def _code(source, **kwargs):
    return nbformat.v4.new_code_cell(source, **kwargs)


def _stored_pass(**kwargs):
    return _code(
        kwargs.pop("source", ""),
        outputs=[nbformat.v4.new_output("stream", name="stdout", text=PASS_LINES)],
        execution_count=9,
        **kwargs,
    )


def _cheat_prints():
    nb = _blank()
    nb.cells.append(_code(f"print({PASS_LINES!r})"))
    return nb


def _cheat_redefines_checks():
    nb = _blank()
    nb.cells.insert(
        SETUP_CELL + 1,
        _code(
            "from rnn_attention.exercises import CheckResult\n"
            "def check_weighted_sum(fn):\n"
            "    print('\\u2705 Exercise 0.1 passed: fake')\n"
            "    return CheckResult('Exercise 0.1', 'passed', 'passed: fake')\n"
            "def check_score_param_count(fn):\n"
            "    print('\\u2705 Exercise 0.2 passed: fake')\n"
            "    return CheckResult('Exercise 0.2', 'passed', 'passed: fake')\n"
        ),
    )
    return nb


def _cheat_patches_package():
    nb = _blank()
    nb.cells.insert(
        SETUP_CELL + 1,
        _code(
            "import sys, torch, rnn_attention\n"
            "def fake_run_check(name, check, *args):\n"
            "    from rnn_attention.exercises import CheckResult\n"
            "    print(f'\\u2705 {name} passed: patched')\n"
            "    return CheckResult(name, 'passed', 'passed: patched')\n"
            "for module in [m for n, m in sys.modules.items() if n.startswith('rnn_attention')]:\n"
            "    if hasattr(module, 'run_check'):\n"
            "        module.run_check = fake_run_check\n"
            "    if hasattr(module, 'expect_close'):\n"
            "        module.expect_close = lambda *a, **k: None\n"
            "torch.allclose = lambda *a, **k: True\n"
            "rnn_attention.AdditiveAttention = None\n"
        ),
    )
    return nb


def _cheat_stored_output_in_empty_cell():
    nb = _blank()
    nb.cells.append(_stored_pass())
    return nb


def _cheat_stored_output_in_skipped_cell():
    nb = _blank()
    for tag in ("skip-execution", "nbval-skip"):
        nb.cells.append(_stored_pass(source="check_weighted_sum(weighted_sum)", metadata={"tags": [tag]}))
    return nb


CHEATS = {
    "prints pass lines": _cheat_prints,
    "redefines check_*": _cheat_redefines_checks,
    "patches run_check, expect_close, torch and rnn_attention": _cheat_patches_package,
    "empty cell with a stored pass output": _cheat_stored_output_in_empty_cell,
    "skip-execution and nbval-skip cells with stored pass outputs": _cheat_stored_output_in_skipped_cell,
}


@pytest.mark.parametrize("kind", list(CHEATS))
def test_a_cheating_notebook_earns_nothing(kind, tmp_path):
    path = tmp_path / "00_the_question.ipynb"
    nbformat.write(CHEATS[kind](), path)
    report = grade.grade(path, timeout=300)
    table = grade.format_report(report)
    assert [v.exercise for v in report.verdicts] == ["Exercise 0.1", "Exercise 0.2"], table
    assert [v.status for v in report.verdicts] == ["not attempted", "not attempted"], table
    assert "total: 0/2 passed" in table


def test_a_cheat_that_printed_a_pass_is_pointed_out(tmp_path):
    path = tmp_path / "alice_00.ipynb"  # matched to notebook 00 by its number
    nbformat.write(_cheat_patches_package(), path)
    report = grade.grade(path, timeout=300)
    assert report.count("passed") == 0
    assert any("printed a pass for Exercise 0.1" in note for note in report.notes), grade.format_report(report)


def _course_hash():
    digest = hashlib.sha256()
    for folder in ("rnn_attention", "tools", "solutions"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


FAKE_EXERCISES = """
class CheckResult:
    def __init__(self, name, status, message): self.name, self.status, self.message = name, status, message
    def __bool__(self): return True
def _fake(name):
    def check(fn):
        print(f"\\u2705 {name} passed: fake")
        return CheckResult(name, "passed", "passed: fake")
    return check
check_weighted_sum, check_score_param_count = _fake("Exercise 0.1"), _fake("Exercise 0.2")
"""


def _cheat_rewrites_the_course(root: Path):
    """Rewrites the package it imported and the teacher's copy, and reads the solutions to pass."""
    nb = _blank()
    nb.cells.insert(
        SETUP_CELL,
        _code(
            "import pathlib, rnn_attention.exercises as ex\n"
            f"teacher = pathlib.Path({str(root)!r}) / 'rnn_attention' / 'exercises' / '__init__.py'\n"
            "for target in (pathlib.Path(ex.__file__), teacher):\n"
            "    try:\n"
            f"        target.write_text({FAKE_EXERCISES!r})\n"
            "    except OSError as error:\n"
            "        print('could not write', target, error)\n"
        ),
    )
    nb.cells.append(_code(f"exec(open({str(root / 'solutions' / '00_the_question.py')!r}).read())"))
    return nb


@pytest.mark.skipif(not grade.sandbox_available()[0], reason="the sandbox needs root and unshare")
def test_a_notebook_cannot_rewrite_the_course_or_read_its_solutions(tmp_path, capsys):
    before = _course_hash()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cheat, blank = tmp_path / "a" / "00_the_question.ipynb", tmp_path / "b" / "00_the_question.ipynb"
    nbformat.write(_cheat_rewrites_the_course(ROOT), cheat)
    blank.write_bytes(BLANK.read_bytes())
    assert grade_main([str(cheat), str(blank), "--csv", str(tmp_path / "grades.csv"), "--isolation", "sandbox"]) == 0
    out = capsys.readouterr().out
    assert _course_hash() == before, "the course's files changed"
    rows = list(csv.DictReader(open(tmp_path / "grades.csv", encoding="utf-8")))
    assert [(Path(r["notebook"]).parent.name, r["status"]) for r in rows] == [
        ("a", "not attempted"),
        ("a", "not attempted"),
        ("b", "not attempted"),
        ("b", "not attempted"),
    ], out
    assert "raised outside a check" in out and "FileNotFoundError" in out, out  # the solutions are not there


def copied_course(tmp_path, monkeypatch) -> Path:
    """A copy of the course (package, tools, 00's solution) that grading in copy mode uses instead of the checkout.

    Tests that let a notebook write the course write this copy: the checkout's files stay as they are for the
    tests that run at the same time (a forged .pyc of the checkout once broke notebook 00 in another worker).
    """
    course = tmp_path / "course"
    shutil.copytree(ROOT / "rnn_attention", course / "rnn_attention", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tools", course / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    (course / "solutions").mkdir()
    shutil.copy(ROOT / "solutions" / "00_the_question.py", course / "solutions")
    grade.course_exercises("00_the_question")  # the checks are imported from the real course first
    monkeypatch.setattr(grade.sandbox, "ROOT", course)  # the course copied for the worker, and protected
    return course


def test_without_the_sandbox_a_rewritten_course_is_restored(tmp_path, monkeypatch):
    """--isolation copy (no root): the worker can write the course; the grader notices and puts it back."""
    course = copied_course(tmp_path, monkeypatch)
    before = (course / "rnn_attention" / "exercises" / "__init__.py").read_bytes()
    cheat = tmp_path / "00_the_question.ipynb"
    nb = _cheat_rewrites_the_course(course)
    nb.cells.pop()  # reading the solutions works as your user: only the sandbox hides them
    nbformat.write(nb, cheat)
    report = grade.grade(cheat, timeout=300, isolation="copy")
    assert [v.status for v in report.verdicts] == ["not attempted", "not attempted"], grade.format_report(report)
    assert any(
        "changed the course's files (restored): rnn_attention/exercises/__init__.py" in n for n in report.notes
    ), report.notes
    assert (course / "rnn_attention" / "exercises" / "__init__.py").read_bytes() == before


def test_an_infinite_loop_times_out(tmp_path):
    nb = _blank()
    nb.cells.insert(0, _code("while True:\n    pass"))
    path = tmp_path / "00_the_question.ipynb"
    nbformat.write(nb, path)
    start = time.monotonic()
    report = grade.grade(path, timeout=15)
    assert time.monotonic() - start < 60
    assert [v.status for v in report.verdicts] == ["timed out", "timed out"], grade.format_report(report)
    assert "cell 0 was running" in grade.format_report(report)


def test_corrupted_files_get_a_clear_row_and_the_batch_goes_on(tmp_path, capsys):
    broken = tmp_path / "00_the_question.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    other = tmp_path / "not_a_notebook.ipynb"
    other.write_text("[1, 2, 3]", encoding="utf-8")
    assert grade_main([str(broken), str(other), "--csv", str(tmp_path / "grades.csv")]) == 2
    out = capsys.readouterr().out
    assert out.count("could not be graded in full: not a valid notebook file") == 2, out
    rows = list(csv.DictReader(open(tmp_path / "grades.csv", encoding="utf-8")))
    assert [(Path(r["notebook"]).name, r["exercise"], r["status"]) for r in rows] == [
        ("00_the_question.ipynb", "Exercise 0.1", "unreadable"),
        ("00_the_question.ipynb", "Exercise 0.2", "unreadable"),
        ("not_a_notebook.ipynb", "", "unreadable"),
    ]
