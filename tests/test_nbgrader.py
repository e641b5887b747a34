"""tools/nbgrader_course.py (make nbgrader): nbgrader itself generates and autogrades the course's assignments."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course_nbgrader", ROOT / "tools" / "nbgrader_course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)

ASSIGNMENTS = {"00_the_question": 2, "03_softmax": 2}  # fast notebooks: nothing trains; (exercises, 1 point each)


def test_every_exercise_becomes_a_solution_cell_and_an_autograded_test():
    for path in course.nbbuild.sources():
        nb = course.assignment(path)
        meta = [c.metadata["nbgrader"] for c in nb.cells]
        solutions = [m for m in meta if m["solution"]]
        tests = [m for m in meta if m["grade"]]
        assert len(solutions) == len(tests) == path.read_text(encoding="utf-8").count("# BEGIN SOLUTION"), path.name
        assert all(m["locked"] and m["points"] == 1 for m in tests)
        assert all(m["locked"] for m in meta if not m["solution"]), "prose and set-up cells are read-only"
        assert len({m["grade_id"] for m in meta}) == len(meta), "grade ids are unique"
        for cell in nb.cells:
            if cell.metadata["nbgrader"]["solution"]:
                assert "# BEGIN SOLUTION" in cell.source and "check_" not in cell.source
                assert "# HINT" not in cell.source.split("# BEGIN SOLUTION")[1], "hints stay outside the block"


def _nbgrader(course_dir: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    env.setdefault("COURSE_PROFILE", "ci")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")  # the kernel imports this checkout's package
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, "--force"],
        cwd=course_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_nbgrader_generates_and_autogrades_a_solved_and_a_blank_submission(tmp_path):
    pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install -e '.[test]')")
    from nbgrader.api import Gradebook

    written = course.write_course(tmp_path, names=list(ASSIGNMENTS))
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [f"source/{a}/{a}.ipynb" for a in ASSIGNMENTS]
    assert (tmp_path / "nbgrader_config.py").is_file()
    for name in ASSIGNMENTS:
        _nbgrader(tmp_path, "generate_assignment", name)
        released = nbformat.read(tmp_path / "release" / name / f"{name}.ipynb", as_version=4)
        assert not any("END SOLUTION" in c.source for c in released.cells), "generate_assignment removed the solutions"
        source = {
            c.metadata["nbgrader"]["grade_id"]: c
            for c in nbformat.read(tmp_path / "source" / name / f"{name}.ipynb", as_version=4).cells
        }
        solved = nbformat.from_dict(released)
        for cell in solved.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = source[cell.metadata["nbgrader"]["grade_id"]].source  # the student wrote the solution
        for student, nb in (("solved", solved), ("blank", released)):
            target = tmp_path / "submitted" / student / name / f"{name}.ipynb"
            target.parent.mkdir(parents=True)
            nbformat.write(nb, target)
    for name in ASSIGNMENTS:
        _nbgrader(tmp_path, "autograde", name)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        for name, points in ASSIGNMENTS.items():
            solved = gradebook.find_submission(name, "solved")
            blank = gradebook.find_submission(name, "blank")
            assert (solved.score, solved.max_score) == (points, points), name
            assert (blank.score, blank.max_score) == (0, points), name
