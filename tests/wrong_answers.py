"""Helpers of the wrong-answer tests (tests/test_wrong_answers_NN.py): run a check, read its verdict, as the grader too.

Each tests/test_wrong_answers_NN.py lists WRONG = [(check, wrong_fn, phrase)], a
function named after each mistake, and RIGHT = [(check, right)], and takes its
three parametrized tests from `notebook_tests`; tests/test_exercise_coverage.py
checks that every check of rnn_attention.exercises has them.

`verdict(check, fn)` runs a check the way a notebook does and returns its
CheckResult. `through_the_grader(fn)` wraps a student's function the way
tools/grade calls it: the arguments pickled and loaded again (as in the
sandboxed worker), the value turned into plain tensors and read back with
`torch.load(weights_only=True)`, an error coming back by name and message only.
What a check detects must survive that trip.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import torch

from rnn_attention.exercises import CheckFailed

TOOLS = Path(__file__).resolve().parents[1] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from grade import channel, worker  # noqa: E402


def not_done(*args):
    """A blank exercise, as the student notebook has it."""
    raise NotImplementedError("replace this line with your code")


def verdict(check, fn):
    """The CheckResult of `check(fn)`, its printed line swallowed."""
    with contextlib.redirect_stdout(io.StringIO()):
        return check(fn)


def through_the_grader(fn):
    """`fn` as tools/grade calls it in the worker: pickled arguments, plain values, errors by name."""

    def stand_in(*args):
        buffer = io.BytesIO()
        torch.save(args, buffer)
        args = torch.load(io.BytesIO(buffer.getvalue()), weights_only=False)
        try:
            value = fn(*args)
        except NotImplementedError:
            raise
        except Exception as error:
            if type(error).__name__ == "CheckFailed":
                raise CheckFailed(str(error)) from None
            raise channel.student_exception(type(error).__name__, str(error)) from None
        buffer = io.BytesIO()
        torch.save(worker._plain(value, torch), buffer)
        return channel.restore_value(torch.load(io.BytesIO(buffer.getvalue()), weights_only=True))

    stand_in.__name__ = getattr(fn, "__name__", "stand_in")
    return stand_in


def assert_rejected(check, fn, *phrases):
    """The check fails `fn`, here and through the grader, with a message holding every phrase."""
    for how, function in (("in the notebook", fn), ("through the grader", through_the_grader(fn))):
        result = verdict(check, function)
        assert result.status == "failed", f"{how}: {fn.__name__} was not rejected: {result.message}"
        for phrase in phrases:
            assert phrase in result.message, f"{how}: {fn.__name__}: {phrase!r} not in {result.message!r}"


def assert_passes(check, fn):
    for function in (fn, through_the_grader(fn)):
        result = verdict(check, function)
        assert result.status == "passed", result.message


def assert_not_attempted(check):
    result = verdict(check, not_done)
    assert result.status == "not attempted" and not result and "not attempted yet" in result.message


ROOT = Path(__file__).resolve().parents[1]
_SKIPPED_IMPORTS = (  # what the exercise functions never use, and is slow or heavy to import
    "matplotlib",
    "rnn_attention.widgets",
    "rnn_attention.train",
    "rnn_attention.experiments",
    "rnn_attention.environment",
    "rnn_attention.bench",
    "rnn_attention.plotting",
    "rnn_attention.geometry",
)


def solution(stem: str, name: str):
    """The exercise function `name` as solutions/<stem>.py writes it, with the notebook's light imports
    and its constants (`EOS = 2`).

    Notebooks 06-09 train for minutes, so instead of running them the tests
    take the solution function out of the source and check it directly.
    """
    import ast

    tree = ast.parse((ROOT / "solutions" / f"{stem}.py").read_text(encoding="utf-8"))
    nodes = [
        node
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and not any(ast.unparse(node).split()[1].startswith(skipped) for skipped in _SKIPPED_IMPORTS)
    ]
    nodes += [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and all(isinstance(target, ast.Name) for target in node.targets)
    ]
    nodes += [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name]
    assert nodes[-1].name == name, f"solutions/{stem}.py defines no function {name}"
    namespace: dict = {}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), f"solutions/{stem}.py", "exec"), namespace)
    return namespace[name]


def notebook_tests(wrong, right, stem: str):
    """The three tests every notebook's wrong-answer file has, parametrized by its lists.

    wrong: [(check, wrong_fn, phrase or tuple of phrases the message must contain)];
    right: [(check, the name of the solution function in solutions/<stem>.py, or another right function)].
    Returns (wrong answers rejected with their mistake named, the right answers pass, blank is not attempted),
    each with the lists as `.wrong_answers` and `.right_answers` (tests/test_exercise_coverage.py reads them).
    """
    import pytest

    def phrases_of(phrase):
        return (phrase,) if isinstance(phrase, str) else tuple(phrase)

    def name_of(answer):
        return answer if isinstance(answer, str) else answer.__name__

    @pytest.mark.parametrize("check, fn, phrase", wrong, ids=[fn.__name__ for _, fn, _ in wrong])
    def test_wrong_answer_is_rejected_with_its_mistake_named(check, fn, phrase):
        assert_rejected(check, fn, *phrases_of(phrase))

    @pytest.mark.parametrize("check, answer", right, ids=[name_of(answer) for _, answer in right])
    def test_the_solution_passes(check, answer):
        assert_passes(check, solution(stem, answer) if isinstance(answer, str) else answer)

    checks = list(dict.fromkeys(check for check, _ in right))

    @pytest.mark.parametrize("check", checks, ids=[check.__name__ for check in checks])
    def test_blank_is_not_attempted(check):
        assert_not_attempted(check)

    tests = test_wrong_answer_is_rejected_with_its_mistake_named, test_the_solution_passes, test_blank_is_not_attempted
    for test in tests:
        test.wrong_answers, test.right_answers = wrong, right
    return tests
