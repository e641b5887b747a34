"""The nbgrader route against rows 20-22 of the 2026-12 reliability review: each test is named after its row."""

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course_nbgrader_rt", ROOT / "tools" / "nbgrader_course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)

from test_nbgrader import _nbgrader  # noqa: E402  (runs nbgrader on a course directory, the checkout on PYTHONPATH)

NAME = "03_softmax"
PATCH = (
    "\nimport rnn_attention.exercises as _E\n"
    "_E.check_stable_softmax = _E.check_masked_softmax = "
    'lambda f: type("R", (), {"__bool__": lambda s: True, "message": ""})()\n'
)
LEAK = (  # the review's leaker: the solution lines of every assignment, printed into the autograded notebook
    "\nimport glob\n"
    "print('the leaker looked')\n"
    "for _p in sorted(glob.glob('../../../source/*/*.ipynb')) + sorted(glob.glob("
    + repr(str(ROOT / "solutions" / "*.py"))
    + ")):\n"
    "    try:\n"
    "        print(_p, [_l for _l in open(_p).read().splitlines() if 'SOLUTION' in _l][:2])\n"
    "    except OSError as _e:\n"
    "        print('cannot read', _p, _e)\n"
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """03 and 00 generated; submissions: honest, blank, a patching cheat and a leaker; 03 autograded."""
    pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("nbgrader")
    course.write_course(out, names=[NAME, "00_the_question"])
    _nbgrader(out, "generate_assignment", NAME, timeout=600)
    released = nbformat.read(out / "release" / NAME / f"{NAME}.ipynb", as_version=4)
    source = {
        c.metadata["nbgrader"]["grade_id"]: c for c in nbformat.read(out / "source" / NAME / f"{NAME}.ipynb", 4).cells
    }
    answers = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")]
    submissions = {}
    for student in ("honest", "blank", "cheat", "leaker"):
        nb = nbformat.from_dict(released)
        cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        if student == "honest":
            for cell in cells:
                cell.source = source[cell.metadata["nbgrader"]["grade_id"]].source
        if student == "cheat":
            cells[0].source += PATCH  # the student's own answer cell, as the review did: no added cell
        if student == "leaker":
            cells[0].source += LEAK
        submissions[student] = nb
        target = out / "submitted" / student / NAME / f"{NAME}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)
    assert len(answers) == 2
    _nbgrader(out, "autograde", NAME, timeout=600)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(NAME, s).score for s in submissions}
    return out, scores


def test_row_20_an_answer_cell_that_patches_the_checks_does_not_score(graded):
    _, scores = graded
    assert scores["honest"] == 2 and scores["blank"] == 0, scores
    assert scores["cheat"] == 0, scores


def test_row_20_the_test_cell_ignores_a_patched_package_and_refuses_a_changed_one(monkeypatch, capsys):
    """The autograded cell, run in this process after the review's two-line patch."""
    import rnn_attention.exercises as exercises

    nb = course.assignment(ROOT / "solutions" / f"{NAME}.py")
    cell = next(c.source for c in nb.cells if c.metadata["nbgrader"]["grade"] and "stable_softmax" in c.source)

    def blank(scores):
        raise NotImplementedError

    monkeypatch.setattr(exercises, "check_stable_softmax", lambda f: type("R", (), {"__bool__": lambda s: True})())
    with pytest.raises(AssertionError, match="not attempted"):
        exec(cell, {"stable_softmax": blank})
    honest = lambda s: (s - s.amax(-1, keepdim=True)).exp() / (s - s.amax(-1, keepdim=True)).exp().sum(-1, True)  # noqa: E731
    exec(cell, {"stable_softmax": honest})  # passes: the fresh import's own check
    stale = cell.replace(course.package_digest(), "0" * 64)  # as if the package changed after make nbgrader
    with pytest.raises(AssertionError, match="the course package changed since make nbgrader"):
        exec(stale, {"stable_softmax": honest})
    assert not [m for m in sys.modules if m.startswith("_course_")], "the private import is not left behind"


def test_row_21_autograded_code_cannot_read_the_solutions_into_feedback(graded):
    out, _ = graded
    leaked = nbformat.read(out / "autograded" / "leaker" / NAME / f"{NAME}.ipynb", as_version=4)
    text = "".join(
        output.get("text", "")
        for cell in leaked.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert "the leaker looked" in text, text[:2000]
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, text[:2000]


def test_row_22_make_nbgrader_keeps_a_teachers_edited_config(tmp_path, capsys):
    course.write_course(tmp_path, names=["00_the_question"])
    config = tmp_path / "nbgrader_config.py"
    edited = config.read_text(encoding="utf-8") + 'c.Exchange.root = "/srv/nbgrader/exchange"\n'
    config.write_text(edited, encoding="utf-8")
    course.write_course(tmp_path, names=["00_the_question"])
    assert config.read_text(encoding="utf-8") == edited
    assert (tmp_path / "nbgrader_config.py.new").read_text(encoding="utf-8") == course.CONFIG
    assert "kept your" in capsys.readouterr().out
