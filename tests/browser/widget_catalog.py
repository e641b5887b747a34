"""Which widgets the course shows, where, and the few cells a kernel must run to show each.

The browser test (test_widgets.py) reads everything from here:

- `discover()`: every widget builder that `rnn_attention/widgets/notebookNN.py` exports (a function in its
  `__all__`), and every code cell of `solutions/NN_*.py` (the source of truth, course table order) that
  calls one. A builder that no notebook calls, or a widget module without a row in the course table, is
  reported as a problem (the test fails naming it).
- `driver_notebook()`: a notebook holding only the cells a notebook's widgets need: the widget cells and,
  going backwards, the last cell before each that binds a name a needed cell reads (a static slice over
  the cells' names, with `ast`). Notebook 10's widget, for example, needs its imports, the measurement cell
  and the widget cell, not its exercises or plots. The cells are copied verbatim from the solution.

Nothing here needs a browser; `tests/test_browser_catalog.py`-style checks can import it.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
MODULE = re.compile(r"notebook(\d\d)\.py")


@dataclass
class WidgetUse:
    """One widget shown by one notebook: the cell (index among the solution's code cells) that builds it."""

    number: str
    stem: str
    builder: str
    cell: int
    variable: str | None  # the name the cell assigns the explorer to ("explorer", "translator"), if any
    problems: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.number}:{self.builder}"


def widget_modules() -> dict[str, list[str]]:
    """{"NN": [builder, ...]} for every rnn_attention/widgets/notebookNN.py: the functions in its __all__."""
    found = {}
    for path in sorted((ROOT / "rnn_attention" / "widgets").glob("notebook*.py")):
        match = MODULE.fullmatch(path.name)
        if not match:
            continue
        module = importlib.import_module(f"rnn_attention.widgets.{path.stem}")
        found[match[1]] = [
            name for name in module.__all__ if inspect.isfunction(getattr(module, name)) and name.endswith("_widget")
        ]
    return found


def code_cells(stem: str) -> list[str]:
    """The code cells of solutions/<stem>.py, in order (jupytext percent format, as tools/nbbuild.py reads it)."""
    import jupytext

    nb = jupytext.read(ROOT / "solutions" / f"{stem}.py", fmt="py:percent")
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def _calls(tree: ast.AST, names: set[str]) -> list[tuple[str, str | None]]:
    """(builder, assigned name) for each call of a builder in `names` at the cell's top level or below."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            found.append((node.func.id, None))
    for statement in getattr(tree, "body", []):
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name)
            and statement.value.func.id in names
            and isinstance(statement.targets[0], ast.Name)
        ):
            found = [
                (b, statement.targets[0].id if b == statement.value.func.id and v is None else v) for b, v in found
            ]
    return found


def parse(source: str) -> ast.Module:
    """A cell's code as a module; IPython magics and shell lines are left out."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def discover() -> tuple[list[WidgetUse], list[str]]:
    """Every widget of every notebook, in course order, and the problems (uncovered builders, stray modules)."""
    from rnn_attention import course

    modules = widget_modules()
    every_builder = {builder: number for number, builders in modules.items() for builder in builders}
    problems = []
    rows = {row.number: row for row in course.NOTEBOOKS}
    for number in modules:
        if number not in rows:
            problems.append(f"rnn_attention/widgets/notebook{number}.py has no row {number} in rnn_attention/course.py")
    uses: list[WidgetUse] = []
    for row in course.NOTEBOOKS:
        if not (ROOT / "solutions" / f"{row.stem}.py").is_file():
            continue
        for index, source in enumerate(code_cells(row.stem)):
            for builder, variable in _calls(parse(source), set(every_builder)):
                uses.append(WidgetUse(row.number, row.stem, builder, index, variable))
    shown = {use.builder for use in uses}
    for builder, number in every_builder.items():
        if builder not in shown:
            problems.append(
                f"{builder} (rnn_attention/widgets/notebook{number}.py) is called by no cell of solutions/: "
                "the browser test cannot drive a widget that no notebook shows"
            )
    return uses, problems


# ---------------------------------------------------------------------------------------------------------
# The slice: which cells a widget cell needs.

BUILTINS = set(dir(builtins))


class _Names(ast.NodeVisitor):
    """What a cell does with names, in the order it runs: `reads` (names it reads before binding them itself),
    `binds` (at its top level: assignments, imports, defs), `imports`, `mutates` (objects it may change in place).

    A function, lambda, class or comprehension is a scope of its own: the names it binds are local, and the
    names it reads from outside count as reads of the cell unless the cell binds them anywhere.
    """

    def __init__(self):
        self.binds: set[str] = set()
        self.imports: set[str] = set()
        self.early: set[str] = set()  # read at the top level before any binding in this cell
        self.late: set[str] = set()  # read inside a scope (when it runs)
        self.mutates: set[str] = set()

    @property
    def reads(self) -> set[str]:
        return self.early | (self.late - self.binds)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.binds:
                self.early.add(node.id)
        else:
            self.binds.add(node.id)

    def _scope(self, node, name=None):
        local, loaded = set(), set()
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                (loaded if isinstance(child.ctx, ast.Load) else local).add(child.id)
            elif isinstance(child, ast.arg):
                local.add(child.arg)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
                local.add(child.name)
        self.late |= loaded - local
        if name:
            self.binds.add(name)

    def visit_FunctionDef(self, node):
        self._scope(node, node.name)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._scope(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda

    def visit_Import(self, node):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.binds.add(name)
            self.imports.add(name)

    visit_ImportFrom = visit_Import

    def visit_Expr(self, node):
        # x.method(...) at the top level may change x in place (model.load_state_dict(...), history.update(...))
        if isinstance(node.value, ast.Call):
            self._mutated(node.value.func)
        self.generic_visit(node)

    def visit_Assign(self, node):
        self.visit(node.value)  # the value is read before the targets are bound: x = f(x) reads x
        for target in node.targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)):
                self._mutated(target)
            self.visit(target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if isinstance(node.target, ast.Name) and node.target.id not in self.binds:
            self.early.add(node.target.id)  # x += 1 reads x
        elif not isinstance(node.target, ast.Name):
            self._mutated(node.target)
        self.visit(node.target)

    def visit_For(self, node):
        self.visit(node.iter)
        self.visit(node.target)
        for statement in node.body + node.orelse:
            self.visit(statement)

    def visit_With(self, node):
        for item in node.items:
            if isinstance(item.context_expr, ast.Call):
                self._mutated(item.context_expr.func)
            self.visit(item)
        for statement in node.body:
            self.visit(statement)

    def _mutated(self, node):
        while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
            node = node.func if isinstance(node, ast.Call) else node.value
            if isinstance(node, ast.Name):
                self.mutates.add(node.id)


def names(source: str) -> _Names:
    visitor = _Names()
    visitor.visit(parse(source))
    return visitor


def slice_cells(cells: list[str], targets: list[int]) -> list[int]:
    """The indices of the cells that `targets` need, in order: for each name a needed cell reads, the last
    earlier cell that binds it (or changes a bound object in place: `x.f(...)`, `x.a = ...`, `with x.f():`).
    Modules (imported names) are never "changed in place": `torch.manual_seed(0)` does not pull its cell in.
    """
    info = [names(source) for source in cells]
    imported = set().union(*(cell.imports for cell in info))
    needed, queue = set(targets), list(targets)
    while queue:
        index = queue.pop()
        for name in sorted(info[index].reads - BUILTINS):
            for earlier in range(index - 1, -1, -1):
                cell = info[earlier]
                if name in cell.binds or (name in cell.mutates and name not in imported):
                    if earlier not in needed:
                        needed.add(earlier)
                        queue.append(earlier)
                    if name in cell.binds:
                        break  # the last binding before `index` is what it reads; mutations before it as well
    return sorted(needed)


def driver_notebook(
    stem: str, uses: list[WidgetUse], path: Path, replace: tuple[tuple[str, str], ...] = ()
) -> dict[str, int]:
    """Write the cells the widgets of `uses` need (from solutions/<stem>.py) to `path`, a notebook.

    `replace`: (text, replacement) pairs applied to the chosen cells (each text must occur in one of
    them, else ValueError: the notebook changed and the replacement must follow it).
    Returns {use.key: index of its cell among the driver's code cells}.
    """
    cells = code_cells(stem)
    chosen = slice_cells(cells, [use.cell for use in uses])
    for text, replacement in replace:
        hits = [i for i in chosen if text in cells[i]]
        if not hits:
            raise ValueError(f"solutions/{stem}.py: no cell the widgets need contains {text!r} any more")
        for i in hits:
            cells[i] = cells[i].replace(text, replacement)
    header = (
        f"# Browser test: the widgets of {stem}\n\n"
        f"Only the cells they need, copied from `solutions/{stem}.py` (its code cells {chosen}); "
        f"replaced: {list(replace) or 'nothing'}. Written by tests/browser/widget_catalog.py."
    )
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(header)] + [nbformat.v4.new_code_cell(cells[i]) for i in chosen]
    )
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return {use.key: chosen.index(use.cell) for use in uses}
