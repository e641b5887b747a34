"""`make notebooks` and `make solutions` never destroy a student's edits (rows 34-36 of the 2026-12 review)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import nbbuild  # noqa: E402

NAME = "00_the_question.ipynb"


@pytest.fixture
def student_folder(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    monkeypatch.setattr(nbbuild, "NOTEBOOKS", folder)
    monkeypatch.setattr(nbbuild, "GENERATED", tmp_path / "generated.json")
    monkeypatch.setattr(nbbuild, "sources", lambda: [nbbuild.SOLUTIONS / "00_the_question.py"])
    return folder


def test_row_34_make_notebooks_refuses_to_overwrite_an_edited_notebook(student_folder, capsys):
    assert nbbuild.main(["notebooks"]) == 0
    target = student_folder / NAME
    edited = target.read_text(encoding="utf-8").replace('"cells": [', '"cells": [{"cell_type": "markdown", "id": "x", '
                                                       '"metadata": {}, "source": "my answer"}, ', 1)  # fmt: skip
    target.write_text(edited, encoding="utf-8")
    assert nbbuild.main(["notebooks"]) == 1
    out = capsys.readouterr().out
    assert target.read_text(encoding="utf-8") == edited, "the student's edit was overwritten"
    assert NAME in out and "FORCE=1" in out, out


def test_row_34_an_unedited_notebook_is_regenerated(student_folder):
    assert nbbuild.main(["notebooks"]) == 0
    target = student_folder / NAME
    first = target.read_text(encoding="utf-8")
    assert nbbuild.main(["notebooks"]) == 0  # what it generated last time may be replaced
    assert target.read_text(encoding="utf-8") == first


def test_row_34_force_overwrites_and_keeps_a_dated_copy(student_folder, capsys):
    assert nbbuild.main(["notebooks"]) == 0
    target = student_folder / NAME
    target.write_text(target.read_text(encoding="utf-8").replace("Exercise", "My exercise"), encoding="utf-8")
    assert nbbuild.main(["notebooks", "--force"]) == 0
    copies = list((student_folder / ".backup").glob("00_the_question.*.ipynb"))
    assert len(copies) == 1 and "My exercise" in copies[0].read_text(encoding="utf-8")
    assert "My exercise" not in target.read_text(encoding="utf-8")


def test_row_35_make_solutions_nb_regenerates_only_that_notebook(student_folder, monkeypatch):
    monkeypatch.setattr(
        nbbuild, "sources", lambda: [nbbuild.SOLUTIONS / "00_the_question.py", nbbuild.SOLUTIONS / "03_softmax.py"]
    )
    assert nbbuild.main(["notebooks", "03"]) == 0
    assert [p.name for p in student_folder.glob("*.ipynb")] == ["03_softmax.ipynb"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "tools/nbbuild.py notebooks $(NB)" in makefile


def test_row_36_the_staleness_message_does_not_send_a_student_into_data_loss(student_folder):
    (student_folder / NAME).write_text("{}", encoding="utf-8")
    [line] = [p for p in nbbuild.stale() if NAME in p]
    assert "refuses to overwrite" in line, line
