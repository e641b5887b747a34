"""Build the course notebooks from their sources.

    python tools/nbbuild.py solutions [NAME ...]   solutions/*.py -> executed solutions/*.ipynb
    python tools/nbbuild.py notebooks [NAME ...] [--force]   solutions/*.py -> student notebooks/*.ipynb
    python tools/nbbuild.py check                  exit 1 if any .ipynb is out of date

The source of truth of each notebook is a jupytext percent-format file,
`solutions/NN_name.py`, reviewed like any code. The instructor notebook
`solutions/NN_name.ipynb` is that file executed with outputs kept (nbval
compares against them). The student notebook `notebooks/NN_name.ipynb` is the
same file with every block between `# BEGIN SOLUTION` and `# END SOLUTION`
replaced by a stub that raises NotImplementedError, outputs cleared.

Students work in notebooks/, so `notebooks` never overwrites a notebook that is
neither what git has nor what it generated last time (build/nbbuild-generated.json):
it names the edited files and stops, unless --force (`make notebooks FORCE=1`),
which first keeps a dated copy in notebooks/.backup/.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nbtext import BEGIN, END, HINT  # the solution markers (the sibling module: what the tools read in a notebook)

from rnn_attention import course

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
GENERATED = ROOT / "build" / "nbbuild-generated.json"  # sha256 of what `notebooks` last wrote, per file name

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
# What the kernel sees when solutions are executed; the same as what tests/conftest.py sets for nbval.
EXEC_ENV = {"COURSE_PROFILE": "ci", "PYTHONHASHSEED": "0"}


def sources() -> list[Path]:
    """The notebook sources, in course order (the rows of rnn_attention/course.py)."""
    return [SOLUTIONS / f"{row.stem}.py" for row in course.NOTEBOOKS]


def read_source(path: Path) -> nbformat.NotebookNode:
    """Read a percent-format source into a notebook with stable metadata and cell ids."""
    nb = jupytext.read(path, fmt="py:percent")
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})
    nb.nbformat, nb.nbformat_minor = 4, 5
    stem = path.stem.split("_")[0]
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"c{stem}-{index:03d}"  # deterministic ids keep diffs and the staleness test stable
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k == "tags"})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def strip_solutions(source: str, where: str = "") -> str:
    """Replace each BEGIN/END SOLUTION block by its hints and a NotImplementedError stub."""
    out: list[str] = []
    lines = source.split("\n")
    i = 0
    while i < len(lines):
        match = BEGIN.match(lines[i])
        if not match:
            if END.match(lines[i]):
                raise ValueError(f"{where}: '# END SOLUTION' without a '# BEGIN SOLUTION' before it")
            out.append(lines[i])
            i += 1
            continue
        indent = match["indent"]
        hints: list[str] = []
        i += 1
        while i < len(lines) and not END.match(lines[i]):
            if BEGIN.match(lines[i]):  # as nbgrader's ClearSolutions: a block inside a block is an error
                raise ValueError(f"{where}: '# BEGIN SOLUTION' inside another solution block")
            hint = HINT.match(lines[i])
            if hint:
                hints.append(hint["text"])
            i += 1
        if i == len(lines):
            raise ValueError(f"{where}: '# BEGIN SOLUTION' without a matching '# END SOLUTION'")
        i += 1  # skip END
        out.append(f"{indent}# YOUR CODE HERE")
        out.extend(f"{indent}# Hint: {text}" for text in hints)
        out.append(f'{indent}raise NotImplementedError("replace this line with your code")')
    return "\n".join(out)


def student_notebook(path: Path) -> nbformat.NotebookNode:
    """The student version of one source: solutions stubbed, no outputs."""
    nb = read_source(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, where=f"{path.name} cell {cell['id']}")
    return nb


def execute(
    nb: nbformat.NotebookNode, cwd: Path, timeout: int = 1200, env: dict | None = None
) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel of this interpreter, keeping outputs and widget state.

    The kernel sees EXEC_ENV (the `ci` profile), updated with `env` if given.
    """
    from nbclient import NotebookClient

    env = {**os.environ, **EXEC_ENV, **(env or {})}
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        store_widget_state=True,
    )
    old_env = os.environ.copy()
    os.environ.update(env)  # the kernel inherits the environment of this process
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    """Serialise a notebook the same way every time."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def build_solutions(names: list[str]) -> None:
    """Execute the chosen sources (all by default) into solutions/*.ipynb."""
    for path in sources():
        if names and not any(path.stem.startswith(n) or path.name == n for n in names):
            continue
        start = time.perf_counter()
        nb = execute(read_source(path), SOLUTIONS)
        path.with_suffix(".ipynb").write_text(dumps(nb), encoding="utf-8")
        print(f"executed {path.with_suffix('.ipynb').relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")


def _chosen(names: list[str]) -> list[Path]:
    return [p for p in sources() if not names or any(p.stem.startswith(n) or p.name == n for n in names)]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _generated() -> dict[str, str]:
    try:
        return json.loads(GENERATED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _in_git(target: Path) -> bytes | None:
    """The committed version of a file of the checkout (None outside git or the checkout)."""
    try:
        relative = target.resolve().relative_to(ROOT)
        done = subprocess.run(
            ["git", "show", f"HEAD:{relative.as_posix()}"], cwd=ROOT, capture_output=True, timeout=30, check=False
        )
    except (ValueError, OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def edited_notebooks(names: list[str] = ()) -> list[Path]:
    """Student notebooks that `notebooks` would change and that are neither git's version nor its own last one."""
    generated, edited = _generated(), []
    for path in _chosen(list(names)):
        target = NOTEBOOKS / path.with_suffix(".ipynb").name
        if not target.exists():
            continue
        current = target.read_bytes()
        if current == dumps(student_notebook(path)).encode("utf-8") or generated.get(target.name) == _sha(current):
            continue
        if current != _in_git(target):
            edited.append(target)
    return edited


def refuse_edited(names: list[str] = ()) -> bool:
    """Print why and return True when regenerating would overwrite a student's edits."""
    edited = edited_notebooks(names)
    if not edited:
        return False
    print("refusing to overwrite notebooks you edited (your work is in them):")
    for target in edited:
        print(f"  {target}")
    print(
        "keep them as they are, or copy them elsewhere first; to replace them anyway (a dated copy is kept in "
        "notebooks/.backup/), run `make notebooks FORCE=1`"
    )
    return True


def build_notebooks(names: list[str] = (), force: bool = False) -> int:
    """Write the chosen student notebooks (all by default); 1, writing nothing, if that would lose edits."""
    if not force and refuse_edited(names):
        return 1
    NOTEBOOKS.mkdir(exist_ok=True)
    generated = _generated()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in _chosen(list(names)):
        target = NOTEBOOKS / path.with_suffix(".ipynb").name
        if target in edited_notebooks([path.stem]):  # only with force
            backup = NOTEBOOKS / ".backup" / f"{target.stem}.{stamp}.ipynb"
            backup.parent.mkdir(exist_ok=True)
            backup.write_bytes(target.read_bytes())
            print(f"kept your version as {backup}")
        text = dumps(student_notebook(path))
        target.write_text(text, encoding="utf-8")
        generated[target.name] = _sha(text.encode("utf-8"))
        print(f"wrote {target}")
    GENERATED.parent.mkdir(parents=True, exist_ok=True)
    GENERATED.write_text(json.dumps(generated, indent=1, sort_keys=True), encoding="utf-8")
    return 0


def cell_signature(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple]]:
    """What must agree between a source and its executed notebook: type, source, tags."""
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def stale() -> list[str]:
    """Names of notebooks that no longer match their sources."""
    problems = []
    for extra in sorted(set(SOLUTIONS.glob("[0-9][0-9]_*.py")) - set(sources())):
        problems.append(f"{extra.relative_to(ROOT)} has no row in rnn_attention/course.py: add one")
    for path in sources():
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is a row of rnn_attention/course.py but does not exist")
            continue
        solution = path.with_suffix(".ipynb")
        if not solution.exists():
            problems.append(f"{solution.relative_to(ROOT)} is missing: run `make solutions`")
        else:
            stored = nbformat.read(solution, as_version=4)
            if cell_signature(stored) != cell_signature(read_source(path)):
                problems.append(f"{solution.relative_to(ROOT)} differs from {path.name}: run `make solutions`")
            elif any(c.cell_type == "code" and c.execution_count is None for c in stored.cells):
                problems.append(f"{solution.relative_to(ROOT)} has unexecuted cells: run `make solutions`")
        student = NOTEBOOKS / solution.name
        if not student.exists() or student.read_text(encoding="utf-8") != dumps(student_notebook(path)):
            problems.append(
                f"{student} differs from what solutions/{path.name} generates: if you edited it, that is your "
                "work, keep it; else `make notebooks` regenerates it (it refuses to overwrite your edits)"
            )
    known = {p.with_suffix(".ipynb").name for p in sources()}
    for extra in sorted(NOTEBOOKS.glob("*.ipynb")):
        if extra.name not in known:
            problems.append(f"{extra} has no source in solutions/ (a copy of yours? keep it outside notebooks/)")
    return problems


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    if not argv or argv[0] not in {"solutions", "notebooks", "check"}:
        print(__doc__)
        return 2
    force = "--force" in argv or os.environ.get("FORCE") == "1"
    names = [a for a in argv[1:] if a != "--force"]
    if argv[0] == "solutions":
        if not force and refuse_edited(names):  # `make solutions` regenerates these notebooks next: say so now
            return 1
        build_solutions(names)
    elif argv[0] == "notebooks":
        return build_notebooks(names, force)
    else:
        problems = stale()
        for line in problems:
            print(line)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
