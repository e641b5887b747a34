"""The check runner and comparisons of rnn_attention.exercises.core: verdicts, tolerances, never raising."""

import torch

from rnn_attention.exercises.core import CheckFailed, expect_close, run_check


def test_expect_close_tolerance():
    expect_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]), "x")
    try:
        expect_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1]), "x")
    except CheckFailed as failure:
        assert "0.1" in str(failure)
    else:
        raise AssertionError("a difference of 0.1 must fail at atol=1e-5")


def test_run_check_passes_detail(capsys):
    result = run_check("Exercise X", lambda: "all good")
    assert result and "all good" in result.message


def test_run_check_reports_each_status_once_and_never_raises(capsys):
    def not_done():
        raise NotImplementedError

    def wrong():
        raise CheckFailed("the rows do not sum to 1")

    def crashes():
        return 1 / 0

    assert run_check("Exercise X", not_done).status == "not attempted"
    assert run_check("Exercise X", wrong).status == "failed"
    assert run_check("Exercise X", crashes).status == "failed"
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    assert "not attempted yet" in out[0] and "not yet right: the rows do not sum to 1" in out[1]
    assert "your code raised ZeroDivisionError" in out[2]


def test_expect_close_shows_the_row_and_position_where_the_difference_is_largest():
    expected = torch.zeros(3, 10)
    given = expected.clone()
    given[2, 8] = 1.78  # far from the first entries a plain print would show
    try:
        expect_close(given, expected, "the weights")
    except CheckFailed as failure:
        message = str(failure)
    else:
        raise AssertionError("a difference of 1.78 must fail")
    assert "up to 1.78" in message and "row 2, position 8" in message
    expected_line, given_line = (line for line in message.splitlines() if "expected:" in line or "given:" in line)
    assert "*0.0000*" in expected_line and "*1.7800*" in given_line


def test_expect_close_names_nan():
    try:
        expect_close(torch.tensor([0.5, float("nan")]), torch.tensor([0.5, 0.5]), "alpha")
    except CheckFailed as failure:
        assert "nan or inf" in str(failure) and "position 1" in str(failure)
    else:
        raise AssertionError("nan must fail")
