"""How `make test` shares the work between its two pytest workers (conftest.py, --dist loadgroup)."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
root_conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(root_conftest)


def item(path: str, name: str = "Cell 3"):
    return SimpleNamespace(path=ROOT / path, nodeid=f"{path}::{name}")


def test_a_solution_and_its_student_copy_run_on_one_worker():
    # Two workers that run 10's solution and its student copy at once: one trains, the other waits on the locks.
    solution = root_conftest.scheduling_group(item("solutions/10_beyond_training_lengths.ipynb"))
    student = root_conftest.scheduling_group(item("notebooks/10_beyond_training_lengths.ipynb", "Cell 40"))
    assert solution == student == "notebook-10_beyond_training_lengths"
    assert root_conftest.scheduling_group(item("notebooks/08_long_inputs.ipynb")) != solution


def test_other_tests_are_grouped_by_file():
    a = root_conftest.scheduling_group(item("tests/test_models.py", "test_a"))
    b = root_conftest.scheduling_group(item("tests/test_models.py", "test_b[1]"))
    assert a == b == "tests/test_models.py"
    assert root_conftest.scheduling_group(item("tests/test_data.py", "test_a")) != a


def test_the_longest_notebooks_start_first():
    names = ["tests/test_models.py", "notebooks/00_the_question.ipynb", "solutions/08_long_inputs.ipynb",
             "notebooks/10_beyond_training_lengths.ipynb", "solutions/10_beyond_training_lengths.ipynb"]
    items = [item(name) for name in names]
    items.sort(key=root_conftest._start_rank)
    assert [Path(str(i.path)).relative_to(ROOT).as_posix() for i in items] == [
        "notebooks/10_beyond_training_lengths.ipynb", "solutions/10_beyond_training_lengths.ipynb",
        "solutions/08_long_inputs.ipynb", "tests/test_models.py", "notebooks/00_the_question.ipynb"]
