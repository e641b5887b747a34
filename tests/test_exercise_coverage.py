"""Every check a notebook calls is tested: its solution passes, named wrong answers fail, through the grader too.

A notebook's checks live in rnn_attention/exercises/notebookNN.py and their tests in
tests/test_wrong_answers_NN.py, which lists WRONG and RIGHT and takes its tests from
`wrong_answers.notebook_tests` (each answer run in the notebook and through the grader).
This file fails when a notebook's checks lose their tests, or a check has too few.
"""

import importlib
from pathlib import Path

import pytest

import rnn_attention.exercises as exercises
from rnn_attention import course

TESTS = Path(__file__).resolve().parent
MODULES = sorted(
    (m["number"], getattr(exercises, m[0]))
    for p in Path(exercises.__file__).parent.glob("notebook*.py")
    if (m := course.NOTEBOOK_MODULE.fullmatch(p.stem))
)
FACTORY_TESTS = (
    "test_wrong_answer_is_rejected_with_its_mistake_named",
    "test_the_solution_passes",
    "test_blank_is_not_attempted",
)
MINIMUM_WRONG = 3


def checks_of(module) -> list:
    return [getattr(module, name) for name in module.__all__ if name.startswith("check_")]


def wrong_answer_tests(number: str):
    """tests/test_wrong_answers_NN.py as a module; fails the test when the file is missing."""
    path = TESTS / f"test_wrong_answers_{number}.py"
    assert path.is_file(), f"rnn_attention/exercises/notebook{number}.py has checks but no {path.name}"
    return importlib.import_module(path.stem)


def test_the_checks_are_found():
    assert [number for number, _ in MODULES] == [row.number for row in course.NOTEBOOKS]
    assert all(checks_of(module) for _, module in MODULES)


@pytest.mark.parametrize("number, module", MODULES, ids=[f"notebook{number}" for number, _ in MODULES])
def test_every_check_has_a_right_answer_and_named_wrong_answers_through_the_grader(number, module):
    tests = wrong_answer_tests(number)
    for name in FACTORY_TESTS:  # collected by pytest, and made by notebook_tests from this file's own lists
        test = getattr(tests, name, None)
        assert test is not None, f"{tests.__name__} does not take {name} from wrong_answers.notebook_tests"
        assert test.wrong_answers is tests.WRONG and test.right_answers is tests.RIGHT, f"{name} tests other lists"
    problems = []
    for check in checks_of(module):
        right = [answer for c, answer in tests.RIGHT if c is check]
        wrong = [(fn.__name__, phrase) for c, fn, phrase in tests.WRONG if c is check]
        names = [name for name, _ in wrong]
        if not any(isinstance(answer, str) for answer in right):
            problems.append(f"{check.__name__}: no solution function of the notebook in RIGHT")
        if "<lambda>" in names or len(set(names)) != len(names):
            problems.append(f"{check.__name__}: each wrong answer is a function named after its mistake, once")
        named = set(names) - {"<lambda>"}
        if len(named) < MINIMUM_WRONG:
            problems.append(f"{check.__name__}: {len(named)} named wrong answers, expected at least {MINIMUM_WRONG}")
        if not all(phrase for _, phrase in wrong):
            problems.append(f"{check.__name__}: a wrong answer without the phrase its message must contain")
    stray = {c.__name__ for c, *_ in (*tests.WRONG, *tests.RIGHT)} - {c.__name__ for c in checks_of(module)}
    if stray:
        problems.append(f"checks of other notebooks: {sorted(stray)}")
    assert not problems, f"{tests.__name__}:\n" + "\n".join(problems)


def test_every_exported_check_belongs_to_a_notebook_module():
    found = {check.__name__ for _, module in MODULES for check in checks_of(module)}
    exported = {name for name in exercises.__all__ if name.startswith("check_")}
    assert exported == found
