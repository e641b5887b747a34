"""What the tools read in a notebook: its code cells, what it printed, its check calls, its solution markers.

One definition of each, shared by nbbuild.py, the grader (grade/), nbgrader_course.py, figures.py,
check_profile.py, site.py and tests/test_claims.py.

The printed text of an executed notebook is what its code cells wrote to stdout: the text of every
`stream` output named `stdout`, in cell order, each output starting on a new line. Not stderr
(warnings, progress bars), not the `text/plain` of a displayed or returned value (a repr, not a
print), not errors. Claim lines, result lines and check verdicts are all printed, so this is where
every tool looks for them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import nbformat

# The solution markers of solutions/*.py (nbgrader's own syntax) and the hints kept for students.
BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
HINT = re.compile(r"^(?P<indent>[ \t]*)# HINT:?\s?(?P<text>.*)$")


def code_cells(nb: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    """(index in the notebook, cell) of every code cell, in order."""
    return [(index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]


def code_sources(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(index in the notebook, source) of every code cell, in order."""
    return [(index, cell.source) for index, cell in code_cells(nb)]


def printed_outputs(nb: nbformat.NotebookNode) -> Iterator[tuple[int, str]]:
    """(cell index, text) of every stdout stream output, in order: the pieces of `printed_text`."""
    for index, cell in code_cells(nb):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                yield index, output.get("text", "")


def printed_text(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook's code cells printed to stdout, in order (see the module docstring)."""
    return "\n".join(text for _, text in printed_outputs(nb))


def check_call(statement: ast.stmt | None) -> tuple[str, str] | None:
    """(check name, function name) when the statement is a call `check_x(function)`, else None."""
    call = statement.value if isinstance(statement, ast.Expr) else None
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id.startswith("check_")
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Name)
    ):
        return call.func.id, call.args[0].id
    return None
