"""How `make test` shares the work between its two pytest workers (conftest.py, --dist loadfile)."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
root_conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(root_conftest)
scope = root_conftest.scheduling_scope


def test_a_solution_and_its_student_copy_are_one_unit_of_work():
    # Two workers that run 10's solution and its student copy at once: one trains, the other waits on the locks.
    solution = scope("solutions/10_beyond_training_lengths.ipynb::Cell 3")
    student = scope("notebooks/10_beyond_training_lengths.ipynb::Cell 40")
    assert solution == student == "notebook-10_beyond_training_lengths"
    assert scope("notebooks/08_long_inputs.ipynb::Cell 0") != solution


def test_other_tests_are_grouped_by_file():
    models = "tests/test_models.py"
    assert scope(f"{models}::test_a") == scope(f"{models}::test_b[x::y]") == models
    assert scope("tests/test_data.py::test_a") != scope("tests/test_models.py::test_a")


def test_the_longest_notebooks_start_first():
    ids = [
        "tests/test_models.py::t",
        "notebooks/00_the_question.ipynb::Cell 0",
        "solutions/08_long_inputs.ipynb::Cell 0",
        "notebooks/10_beyond_training_lengths.ipynb::Cell 0",
        "solutions/10_beyond_training_lengths.ipynb::Cell 0",
    ]
    items = sorted((SimpleNamespace(nodeid=i) for i in ids), key=root_conftest._start_rank)
    assert [i.nodeid for i in items] == [ids[3], ids[4], ids[2], ids[0], ids[1]]
