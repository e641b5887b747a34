"""The notebooks' structure: sources, executed solutions and student versions agree."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("nbbuild", ROOT / "tools" / "nbbuild.py")
nbbuild = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbbuild)

SOURCES = nbbuild.sources()
IDS = [p.stem for p in SOURCES]


def test_there_are_notebooks():
    assert SOURCES, "solutions/ holds no NN_name.py notebook sources"
    assert SOURCES[0].name.startswith("00_")


def test_nothing_is_stale():
    problems = nbbuild.stale()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_notebook_has_the_course_skeleton(path):
    nb = nbbuild.read_source(path)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    number = path.stem[:2]
    assert re.match(rf"# {number} ", nb.cells[0].source), "the first cell must be the title '# NN · ...'"
    for heading in ("Learning goals", "**Time:**", "Key points", "References"):
        assert heading in markdown, f"{path.name} has no '{heading}'"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_exercises_are_functions_followed_by_a_check(path):
    nb = nbbuild.read_source(path)
    blocks = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or "# BEGIN SOLUTION" not in cell.source:
            continue
        for line in cell.source.splitlines():
            if line.strip() == "# BEGIN SOLUTION":
                blocks += 1
                # a stub at top level would stop the student notebook; inside a function it waits for the check
                assert line.startswith("    "), f"{path.name}: solution block not inside a function"
        assert re.search(r"^check_\w+\(", cell.source, re.M), f"{path.name}: exercise cell without a check_...() call"
    minimum = 2
    assert blocks >= minimum, f"{path.name} has {blocks} exercises, expected at least {minimum}"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_student_version_hides_every_solution(path):
    student_path = ROOT / "notebooks" / path.with_suffix(".ipynb").name
    assert student_path.exists(), f"{student_path.name} is missing: run `make notebooks`"
    student = nbformat.read(str(student_path), as_version=4)
    code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    solution_code = "\n".join(c.source for c in nbbuild.read_source(path).cells if c.cell_type == "code")
    assert "SOLUTION" not in code
    assert code.count("raise NotImplementedError") == solution_code.count("# BEGIN SOLUTION")
    assert all(
        not c.get("outputs") and c.get("execution_count") is None for c in student.cells if c.cell_type == "code"
    )


def test_strip_solutions_keeps_hints_and_indentation():
    source = "def f(x):\n    # BEGIN SOLUTION\n    # HINT: add one\n    return x + 1\n    # END SOLUTION\n\ncheck_f(f)"
    assert nbbuild.strip_solutions(source) == (
        "def f(x):\n    # YOUR CODE HERE\n    # Hint: add one\n"
        '    raise NotImplementedError("replace this line with your code")\n\ncheck_f(f)'
    )


@pytest.mark.parametrize(
    "source, message",
    [
        ("    # BEGIN SOLUTION\n    x = 1\n", "without a matching"),
        ("x = 1\n# END SOLUTION\n", "without a '# BEGIN"),
        # nested: before the nested check, the first END closed the outer block and nothing complained
        ("    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", "inside another"),
    ],
)
def test_strip_solutions_rejects_unbalanced_markers(source, message):
    with pytest.raises(ValueError, match=message):
        nbbuild.strip_solutions(source, where="nb")
