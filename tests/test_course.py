"""The table of notebooks (rnn_attention/course.py) agrees with the files a notebook is made of."""

import re
import sys
from pathlib import Path

import pytest

from rnn_attention import course

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnn_attention"


def numbers_of(folder: Path) -> list[str]:
    """The NN of every notebookNN.py in `folder`."""
    return sorted(m["number"] for p in folder.glob("notebook*.py") if (m := course.NOTEBOOK_MODULE.fullmatch(p.stem)))


def test_the_table_lists_every_notebook_source_in_course_order():
    stems = [row.stem for row in course.NOTEBOOKS]
    on_disk = sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.py"))
    assert stems == on_disk, "add or remove the row in rnn_attention/course.py's NOTEBOOKS"


@pytest.mark.parametrize("row", course.NOTEBOOKS, ids=lambda row: row.stem)
def test_a_row_is_consistent(row):
    assert re.fullmatch(r"\d\d", row.number) and row.stem.startswith(row.number + "_")
    assert row.start_rank is None or row.trains, "only a notebook that trains starts before the quick tests"


def test_every_notebook_has_its_checks_and_every_module_a_notebook():
    numbers = [row.number for row in course.NOTEBOOKS]
    assert numbers_of(PACKAGE / "exercises") == numbers
    assert set(numbers_of(PACKAGE / "widgets")) <= set(numbers)


@pytest.mark.parametrize("row", course.NOTEBOOKS, ids=lambda row: row.stem)
def test_minutes_are_what_the_notebook_says(row):
    source = (ROOT / "solutions" / f"{row.stem}.py").read_text(encoding="utf-8")
    stated = re.search(r"^# \*\*Time:\*\* about (\d+) minutes", source, re.M)
    assert stated, f"{row.stem}.py has no '**Time:** about N minutes' line"
    assert int(stated[1]) == row.minutes


def test_longest_first_follows_the_start_ranks():
    ranked = [row for row in course.NOTEBOOKS if row.start_rank is not None]
    assert sorted(row.start_rank for row in ranked) == list(range(len(ranked))), "start ranks are 0, 1, 2, ..."
    assert [course.notebook(n).start_rank for n in course.longest_first()] == list(range(len(ranked)))


def test_notebook_finds_a_row_by_number():
    assert course.notebook("03").stem == "03_softmax"
    with pytest.raises(KeyError, match="course.py"):
        course.notebook("99")


def test_exercises_and_widgets_export_every_notebook_module():
    import rnn_attention.exercises as exercises
    import rnn_attention.widgets as widgets

    for package in (exercises, widgets):
        for number in numbers_of(Path(package.__file__).parent):
            module = getattr(package, f"notebook{number}")
            assert module.__all__, f"{module.__name__} exports nothing"
            for name in module.__all__:
                assert getattr(package, name) is getattr(module, name) and name in package.__all__


def write_package(root: Path, name: str, modules: dict[str, str]) -> None:
    (root / name).mkdir()
    init = "from rnn_attention import course\n__all__ = course.export_notebook_modules(globals())\n"
    (root / name / "__init__.py").write_text(init, encoding="utf-8")
    for module, text in modules.items():
        (root / name / f"{module}.py").write_text(text, encoding="utf-8")


def test_a_new_notebook_module_is_found_by_its_name(tmp_path, monkeypatch):
    write_package(
        tmp_path,
        "found_pkg",
        {
            "notebook11": "__all__ = ['check_b']\ncheck_b = 'b'\n",
            "notebook02": "__all__ = ['check_a']\ncheck_a = 'a'\n",
            "helpers": "__all__ = ['not_exported']\nnot_exported = 1\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import found_pkg

    assert found_pkg.__all__ == ["check_a", "check_b"] and found_pkg.check_b == "b"
    assert not hasattr(found_pkg, "not_exported")
    sys.modules.pop("found_pkg", None)


def test_two_modules_exporting_one_name_is_an_error(tmp_path, monkeypatch):
    one = "__all__ = ['check_a']\ncheck_a = 1\n"
    write_package(tmp_path, "clash_pkg", {"notebook01": one, "notebook02": one})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match="notebook02 exports 'check_a'"):
        import clash_pkg  # noqa: F401
    for name in [n for n in sys.modules if n.startswith("clash_pkg")]:
        sys.modules.pop(name)
