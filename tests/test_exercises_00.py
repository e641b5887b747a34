"""The checks of notebook 00: not attempted, passed, and helpful failures; never raising."""

from rnn_attention.exercises import check_score_param_count, check_weighted_sum


def not_done(*args):
    raise NotImplementedError


def test_blank_exercise_reports_not_attempted(capsys):
    result = check_weighted_sum(not_done)
    assert result.status == "not attempted" and not result
    assert "not attempted yet" in capsys.readouterr().out


def test_correct_answers_pass(capsys):
    assert check_weighted_sum(lambda alpha, h: alpha @ h)
    assert check_score_param_count(lambda q, k, a: a * (q + k + 1))
    assert capsys.readouterr().out.count("passed") == 2


def test_wrong_answer_says_what_is_wrong(capsys):
    result = check_weighted_sum(lambda alpha, h: h.sum(0))  # forgot the weights
    assert result.status == "failed"
    out = capsys.readouterr().out
    assert "plain sum of the h_j" in out


def test_wrong_shape_is_named(capsys):
    result = check_weighted_sum(lambda alpha, h: alpha.unsqueeze(1) * h)  # no sum over j
    assert result.status == "failed"
    assert "should have shape (4,)" in capsys.readouterr().out


def test_an_exception_in_student_code_does_not_escape(capsys):
    result = check_score_param_count(lambda q, k, a: 1 / 0)
    assert result.status == "failed"
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_param_count_ignoring_a_matrix_fails(capsys):
    assert not check_score_param_count(lambda q, k, a: a * (q + k))
    assert "v_a is missing" in capsys.readouterr().out
