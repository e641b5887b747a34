"""Every core module of the package names the notebook that introduces it, as d2l's "Defined in" stamps do."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnn_attention"
STAMP = re.compile(r"^Introduced in notebook (\d\d)\b", re.MULTILINE)
# exercises/ and widgets/ are one module per notebook already (notebookNN.py); experiments/ are the CLIs
# of notebooks 08 and 10, named in their docstrings.
NOT_CORE = ("exercises", "widgets", "experiments")
NO_NOTEBOOK = {
    "data/corpus.py": "the loader for a real corpus (eng-fra.txt): no notebook reads one; tests/test_data_corpus.py",
    "course.py": "the table of the notebooks itself: the tools and the tests read it, no lesson does",
}


def core_modules() -> list[str]:
    paths = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))
    return [p for p in paths if p.split("/")[0] not in NOT_CORE and p not in NO_NOTEBOOK]


def test_the_list_of_core_modules_is_not_empty_and_the_exemptions_exist():
    assert {"attention.py", "masking.py", "evaluate.py", "models/kinds.py", "train/loop.py"} <= set(core_modules())
    assert all((PACKAGE / path).is_file() for path in NO_NOTEBOOK)


@pytest.mark.parametrize("module", core_modules())
def test_each_core_module_names_the_notebook_that_introduces_it(module):
    docstring = ast.get_docstring(ast.parse((PACKAGE / module).read_text(encoding="utf-8"))) or ""
    found = STAMP.search(docstring)
    assert found, f'rnn_attention/{module}: add a line "Introduced in notebook NN." to its docstring'
    number = found.group(1)
    assert sorted((ROOT / "solutions").glob(f"{number}_*.py")), (
        f"rnn_attention/{module} says notebook {number}, which has no source in solutions/"
    )
