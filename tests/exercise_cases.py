"""The three tests of a notebook's check functions: blank is not attempted, the right answer passes, wrong answers fail.

Each tests/test_exercises_NN.py lists RIGHT = [(check, right_fn)] and WRONG = [(check, wrong_fn, message)] and
takes its three parametrized tests from `check_tests`.
"""

from __future__ import annotations

import pytest


def not_done(*args):
    """A blank exercise, as the student notebook has it."""
    raise NotImplementedError("replace this line with your code")


def check_tests(right, wrong):
    """(blank is not attempted, the right answer passes, each wrong answer fails with its message), parametrized."""

    def name_of(value):
        return getattr(value, "__name__", "") if callable(value) else ""

    @pytest.mark.parametrize("check, fn", [(c, not_done) for c, _ in right], ids=name_of)
    def test_blank_is_not_attempted(check, fn, capsys):
        assert check(fn).status == "not attempted"
        assert "not attempted yet" in capsys.readouterr().out

    @pytest.mark.parametrize("check, fn", right, ids=name_of)
    def test_right_answer_passes(check, fn, capsys):
        assert check(fn)
        assert "passed" in capsys.readouterr().out

    @pytest.mark.parametrize("check, fn, message", wrong, ids=name_of)
    def test_wrong_answer_says_why(check, fn, message, capsys):
        assert check(fn).status == "failed"
        assert message in capsys.readouterr().out

    return test_blank_is_not_attempted, test_right_answer_passes, test_wrong_answer_says_why
