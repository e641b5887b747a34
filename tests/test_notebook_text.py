"""The text of every notebook is plain text: no control characters in its cells.

A control character in a markdown cell is almost always an escape that was interpreted when the cell was written:
"\\alpha" written through a string that turned "\\a" into a BEL byte renders as "lpha", "\\tanh" becomes a TAB and
"anh". Notebook 08 once shipped both. Newline is the only control character a cell may hold.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

FILES = (
    sorted((ROOT / "solutions").glob("*.ipynb"))
    + sorted((ROOT / "solutions").glob("*.py"))
    + sorted((ROOT / "notebooks").glob("*.ipynb"))
)


def read_cells(path: Path) -> list[nbformat.NotebookNode]:
    """The cells of an executed notebook (.ipynb) or of its jupytext percent-format source (.py)."""
    if path.suffix == ".py":
        return jupytext.read(path, fmt="py:percent").cells
    return nbformat.read(path, as_version=4).cells


def control_characters(text: str) -> list[tuple[int, int, str]]:
    """(line, column, name) of every control character in text except the newline, lines and columns from 1."""
    found = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        for col, char in enumerate(line, start=1):
            if unicodedata.category(char) == "Cc":
                found.append((line_no, col, f"U+{ord(char):04X} {char!r}"))
    return found


def problems(path: Path) -> list[str]:
    """One line per control character in a markdown cell of path, naming the file, the cell and the character."""
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    lines = []
    for index, cell in enumerate(read_cells(path)):
        if cell.cell_type != "markdown":
            continue
        for line_no, col, char in control_characters(cell.source):
            context = cell.source.split("\n")[line_no - 1]
            lines.append(
                f"{rel}: markdown cell {index}, line {line_no}, column {col}: control character {char} "
                f"in {context[max(0, col - 25) : col + 15]!r}"
            )
    return lines


def test_the_scan_names_each_control_character_it_finds(tmp_path):
    # The two characters notebook 08 once held: a BEL where "\a" of "\alpha" was meant, a TAB for "\t" of "\tanh".
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("Fine text,\nwith $\\alpha_i$ and $\\tanh$."),
            nbformat.v4.new_code_cell("x = 1\t# a tab in code is not prose"),
            nbformat.v4.new_markdown_cell("$\alpha_i = \\operatorname{softmax}(e_i)$\nand $s_0 = \tanh(W h)$"),
        ]
    )
    path = tmp_path / "08_example.ipynb"
    nbformat.write(nb, path)
    found = problems(path)
    assert len(found) == 2, found
    assert "08_example.ipynb: markdown cell 2, line 1, column 2: control character U+0007" in found[0]
    assert "line 2, column 12: control character U+0009" in found[1]
    assert "lpha_i" in found[0] and "anh(W h)" in found[1]


def test_the_scan_reads_the_percent_format_sources(tmp_path):
    path = tmp_path / "08_example.py"
    path.write_text("# %% [markdown]\n# $\alpha_i$ and $\tanh$\n\n# %%\nx = 1\n")
    found = problems(path)
    assert [line.split(": control character ")[1].split(" ")[0] for line in found] == ["U+0007", "U+0009"]
    assert all("08_example.py: markdown cell 0, line 1" in line for line in found)


def test_the_files_are_found():
    names = {path.name for path in FILES}
    assert {"00_the_question.py", "00_the_question.ipynb", "08_long_inputs.py", "08_long_inputs.ipynb"} <= names
    assert any(path.parent.name == "notebooks" for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_control_characters_in_markdown_cells(path):
    found = problems(path)
    assert not found, "control characters in markdown (an escape such as \\a or \\t interpreted?):\n" + "\n".join(found)
