"""Write an nbgrader course directory for the course, generated from solutions/*.py.

    python tools/nbgrader_course.py [OUT] [--points N]     (default OUT: build/nbgrader)
    make nbgrader

OUT/nbgrader_config.py and, for each notebook NN_name, an assignment of that
name: OUT/source/NN_name/NN_name.ipynb, the instructor version with nbgrader
cell metadata:

- each exercise cell becomes two cells: the student's function as a
  *solution* cell (the `# BEGIN SOLUTION` / `# END SOLUTION` markers are
  nbgrader's own syntax; the `# HINT:` lines move above the block so that
  students keep them), and an *autograded test* cell worth N points (default
  1) that runs the course's check and asserts it passed. The check runs from
  a fresh, private import of the package (an answer cell that patches
  `rnn_attention.exercises.check_*` changes nothing there), and only while the
  package's files hash to what `make nbgrader` saw (PACKAGE_DIGEST);
- every other cell, prose and code (the set-up cell included), is *locked*:
  read-only, and put back from the source when nbgrader autogrades.

OUT/kernels/rnn-attention-autograde/: the kernel nbgrader_config.py makes autograde use
(tools/nbgrader_kernel.py: it hides source/, submitted/, autograded/, feedback/, the
gradebook and the checkout's solutions/ and tests/ from the student's code, where it can).
An nbgrader_config.py that differs from the one this writes (a teacher's edits) is kept:
the new one goes beside it, as nbgrader_config.py.new.

Then, in OUT: `nbgrader generate_assignment 00_the_question` writes the
student version to release/, `nbgrader autograde 00_the_question` grades
submitted/<student>/00_the_question/ into the gradebook (see TEACHING.md).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbbuild  # the sibling modules: how a notebook source is read,
import nbtext  # what the tools read in a notebook

ROOT = nbbuild.ROOT
DEFAULT_OUT = ROOT / "build" / "nbgrader"

CONFIG = '''\
"""nbgrader configuration of the course "Attention over variable-length input" (written by make nbgrader)."""

c = get_config()  # noqa: F821 -- nbgrader provides it

c.CourseDirectory.course_id = "rnn-attention"
# the course's markers, and the stub its student notebooks have
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\\nraise NotImplementedError(\\"replace this line with your code\\")",
}
# notebooks 06 and 08 train models while they are autograded: allow minutes per cell, not nbgrader's 30 s
c.Execute.timeout = 1800
c.Execute.interrupt_on_timeout = True
# autograde in the course's kernel (kernels/ beside this file): it hides the instructor's files from student code
import os  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
os.environ["JUPYTER_PATH"] = here + os.pathsep + os.environ.get("JUPYTER_PATH", "")
c.Execute.kernel_name = "rnn-attention-autograde"
'''

KERNEL = "rnn-attention-autograde"

TEST_CELL = """\
# Autograded: the course's own check of `{function}` (it prints what it found). It runs from a fresh, private
# import of the course package, so patching rnn_attention in the cells above changes nothing here, and only while
# the package's files are those `make nbgrader` saw (their sha256 below).


def _course_check(check, function, digest="{digest}"):
    import hashlib, importlib, importlib.util, pathlib, secrets, sys

    root = pathlib.Path(importlib.util.find_spec("rnn_attention").origin).parent
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    found = hashlib.sha256(b"".join(p.relative_to(root).as_posix().encode() + b"\\0" + p.read_bytes() for p in files))
    assert found.hexdigest() == digest, "the course package changed since make nbgrader: run it again or use make grade"
    name = "_course_" + secrets.token_hex(8)
    spec = importlib.util.spec_from_file_location(name, root / "__init__.py", submodule_search_locations=[str(root)])
    sys.modules[name] = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(sys.modules[name])
        result = getattr(importlib.import_module(name + ".exercises"), check)(function)
        kind = importlib.import_module(name + ".exercises.core").CheckResult
        passed = type(result) is kind and result.status == "passed"
    finally:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
    assert passed, result.message


_course_check("{check}", {function})
"""


def package_digest(root: Path | None = None) -> str:
    """sha256 of the package's .py files (names and bytes), as the autograded test cells compute it."""
    root = root or ROOT / "rnn_attention"
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    return hashlib.sha256(
        b"".join(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() for p in files)
    ).hexdigest()


def _meta(**fields) -> dict:
    return {
        "nbgrader": {"schema_version": 3, "grade": False, "solution": False, "locked": False, "task": False, **fields}
    }


def split_exercise(source: str) -> tuple[str, str, str] | None:
    """(solution part, check name, function name) of a cell that ends in `check_x(function)`, else None."""
    if "BEGIN SOLUTION" not in source:
        return None
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body else None
    call = nbtext.check_call(last)
    if call is None:
        raise ValueError(f"an exercise cell must end with its check call, check_x(function):\n{source}")
    lines = source.split("\n")
    solution = "\n".join(lines[: last.lineno - 1]).rstrip()
    return solution, *call


def hints_above(solution: str) -> str:
    """Move each block's `# HINT:` lines just above its `# BEGIN SOLUTION` line (nbgrader replaces the block)."""
    out: list[str] = []
    block: list[str] | None = None
    hints: list[str] = []
    for line in solution.split("\n"):
        if nbtext.BEGIN.match(line):
            block, hints = [line], []
            continue
        if block is None:
            out.append(line)
            continue
        hint = nbtext.HINT.match(line)
        if hint:
            hints.append(f"{hint['indent']}# Hint: {hint['text']}")
        else:
            block.append(line)
        if nbtext.END.match(line):
            out.extend(hints)
            out.extend(block)
            block = None
    return "\n".join(out)


def assignment(path: Path, points: float = 1) -> nbformat.NotebookNode:
    """The nbgrader source notebook of one solutions/*.py file."""
    nb = nbbuild.read_source(path)
    digest = package_digest()
    stem = path.stem.split("_")[0]
    cells = []
    for index, cell in enumerate(nb.cells):
        exercise = split_exercise(cell.source) if cell.cell_type == "code" else None
        if exercise is None:
            cell.metadata.update(_meta(locked=True, grade_id=f"nb{stem}_cell{index:03d}"))
            cells.append(cell)
            continue
        solution, check, function = exercise
        answer = nbformat.v4.new_code_cell(hints_above(solution))
        answer.metadata.update(_meta(solution=True, grade_id=f"nb{stem}_{function}"))
        test = nbformat.v4.new_code_cell(TEST_CELL.format(function=function, check=check, digest=digest))
        test.metadata.update(_meta(grade=True, locked=True, points=points, grade_id=f"nb{stem}_test_{function}"))
        cells.extend([answer, test])
    for index, cell in enumerate(cells):
        cell["id"] = f"g{stem}-{index:03d}"
    nb.cells = cells
    return nb


def write_course(out: Path, points: float = 1, names: list[str] | None = None) -> list[Path]:
    """Write OUT/nbgrader_config.py and OUT/source/<assignment>/<assignment>.ipynb; return the notebooks."""
    out.mkdir(parents=True, exist_ok=True)
    print(write_config(out))
    write_kernel(out)
    written = []
    for path in nbbuild.sources():
        if names and not any(path.stem.startswith(n) for n in names):
            continue
        target = out / "source" / path.stem / f"{path.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nbbuild.dumps(assignment(path, points)), encoding="utf-8")
        written.append(target)
    return written


def write_config(out: Path) -> str:
    """Write OUT/nbgrader_config.py, unless one with other contents is there (a teacher's): then keep it, write
    OUT/nbgrader_config.py.new beside it, and say so."""
    target = out / "nbgrader_config.py"
    if target.exists() and target.read_text(encoding="utf-8") != CONFIG:
        target.with_name("nbgrader_config.py.new").write_text(CONFIG, encoding="utf-8")
        return (
            f"kept your {target} (it differs from the course's); the course's is {target}.new: "
            "compare the two and merge what you need"
        )
    target.write_text(CONFIG, encoding="utf-8")
    return f"wrote {target}"


def write_kernel(out: Path) -> Path:
    """OUT/kernels/rnn-attention-autograde/kernel.json: Python through tools/nbgrader_kernel.py."""
    folder = out / "kernels" / KERNEL
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, str(ROOT / "tools" / "nbgrader_kernel.py"), "-f", "{connection_file}"],
        "display_name": "Python 3 (rnn-attention autograde: instructor files hidden)",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return folder


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "out",
        nargs="?",
        type=Path,
        default=DEFAULT_OUT,
        help=f"course directory (default {DEFAULT_OUT.relative_to(ROOT)})",
    )
    parser.add_argument("--points", type=float, default=1, help="points per exercise (default 1)")
    parser.add_argument("--only", nargs="*", default=None, help="notebook numbers or names to write (default: all)")
    args = parser.parse_args(argv)
    for target in write_course(args.out, args.points, args.only):
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
