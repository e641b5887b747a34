"""Wrong answers a student would plausibly write for notebook 03, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import assert_passes, notebook_tests

from rnn_attention import masked_softmax
from rnn_attention.exercises import check_masked_softmax, check_stable_softmax

# Exercise 3.1: a softmax over the last axis that subtracts each row's maximum


def _normalise(exps, dim=-1):
    return exps / exps.sum(dim=dim, keepdim=True)


def naive_exp(scores):
    return _normalise(torch.exp(scores))


def one_maximum_for_all_rows(scores):
    return _normalise(torch.exp(scores - scores.max()))


def maximum_without_keepdim(scores):
    return _normalise(torch.exp(scores - scores.max(dim=-1).values))


def sum_without_keepdim(scores):
    exps = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
    return exps / exps.sum(dim=-1)


def softmax_over_the_rows(scores):
    return _normalise(torch.exp(scores - scores.max(dim=0, keepdim=True).values), dim=0)


def calls_torch_softmax(scores):
    return torch.softmax(scores, dim=-1)


def calls_the_package_masked_softmax(scores):
    return masked_softmax(scores)


def computes_in_float32(scores):
    scores = scores.float()
    return _normalise(torch.exp(scores - scores.max(dim=-1, keepdim=True).values))


# Exercise 3.2: 0 on padding, rows sum to 1, zeros for an all-padding row, any dtype and scale


def _fill(scores, mask, value):
    return scores.masked_fill(~mask, value)


def fill_with_minus_inf(scores, mask):
    return torch.softmax(_fill(scores, mask, float("-inf")), dim=-1)


def zero_the_padding_after_the_softmax(scores, mask):
    return torch.softmax(scores, dim=-1) * mask


def fill_with_minus_1e9(scores, mask):
    return torch.softmax(_fill(scores, mask, -1e9), dim=-1) * mask


def fill_with_minus_1e4(scores, mask):
    return torch.softmax(_fill(scores, mask, -1e4), dim=-1) * mask


def float32_minimum_in_every_dtype(scores, mask):
    return torch.softmax(_fill(scores, mask, torch.finfo(torch.float32).min), dim=-1) * mask


def all_padding_row_left_uniform(scores, mask):
    return torch.softmax(_fill(scores, mask, torch.finfo(scores.dtype).min), dim=-1)


def renormalise_after_zeroing(scores, mask):
    kept = torch.softmax(scores, dim=-1) * mask
    return kept / kept.sum(dim=-1, keepdim=True).clamp(min=1e-30)


def fills_the_callers_scores_in_place(scores, mask):
    filled = scores.masked_fill_(~mask, torch.finfo(scores.dtype).min)
    return torch.softmax(filled, dim=-1) * mask


def fills_a_view_of_the_callers_scores(scores, mask):
    scores[~mask] = torch.finfo(scores.dtype).min
    return torch.softmax(scores, dim=-1) * mask


def fill_below_the_data_minimum(scores, mask):
    return torch.softmax(_fill(scores, mask, scores.min() - 1e4), dim=-1) * mask


def fill_below_the_data_minimum_as_a_number(scores, mask):
    return torch.softmax(_fill(scores, mask, scores.min().item() - 1e4), dim=-1) * mask


def minus_inf_then_nan_to_num(scores, mask):
    return torch.softmax(_fill(scores, mask, float("-inf")), dim=-1).nan_to_num(0.0)


def calls_the_package(scores, mask):
    return masked_softmax(scores, mask)


def upcast_to_float32(scores, mask):
    scores = scores.float()
    return torch.softmax(_fill(scores, mask, torch.finfo(scores.dtype).min), dim=-1) * mask


# Other right answers


def softmax_minus_the_row_maximum(scores):
    exps = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
    return exps / exps.sum(dim=-1, keepdim=True)


def filled_with_the_lowest_float_then_zeroed(scores, mask):
    return torch.softmax(scores.masked_fill(~mask, torch.finfo(scores.dtype).min), dim=-1) * mask


WRONG = [
    (check_stable_softmax, naive_exp, "Subtract the largest score of each row"),
    (check_stable_softmax, one_maximum_for_all_rows, "not one maximum for all rows"),
    (check_stable_softmax, maximum_without_keepdim, "keep it (keepdim=True)"),
    (check_stable_softmax, sum_without_keepdim, ("the sum over dim=-1 drops the row axis", "keepdim=True")),
    (check_stable_softmax, softmax_over_the_rows, "the softmax ran over the rows"),
    (check_stable_softmax, calls_torch_softmax, "write the softmax yourself"),
    (check_stable_softmax, calls_the_package_masked_softmax, "write the softmax yourself"),
    (check_stable_softmax, computes_in_float32, "the scores' own dtype"),
    (check_masked_softmax, fill_with_minus_inf, ("all-padding row", "filling with -inf makes its softmax 0/0")),
    (
        check_masked_softmax,
        zero_the_padding_after_the_softmax,
        ("sum to 1", "Zeroing the padded weights after the softmax"),
    ),
    (check_masked_softmax, fill_with_minus_1e9, "a fill constant such as -1e4 or -1e9 is not below every real score"),
    (check_masked_softmax, fill_with_minus_1e4, "a fill constant such as -1e4 or -1e9 is not below every real score"),
    (check_masked_softmax, float32_minimum_in_every_dtype, "must fit the scores' dtype"),
    (check_masked_softmax, all_padding_row_left_uniform, "a row with no real position must give zeros"),
    (check_masked_softmax, renormalise_after_zeroing, "the padded scores were above the real ones"),
    (check_masked_softmax, fills_the_callers_scores_in_place, ("changed the caller's scores", "masked_fill_")),
    (check_masked_softmax, fills_a_view_of_the_callers_scores, "changed the caller's scores"),
    (check_masked_softmax, fill_below_the_data_minimum, ("computed from the scores", "depends on the data")),
    (check_masked_softmax, fill_below_the_data_minimum_as_a_number, "computed from the scores"),
    (check_masked_softmax, minus_inf_then_nan_to_num, ("repaired after the softmax", "nan_to_num")),
    (check_masked_softmax, calls_the_package, "not to call the package's masked_softmax"),
    (check_masked_softmax, upcast_to_float32, "the scores' own dtype"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "03_softmax"
RIGHT = [
    (check_stable_softmax, "stable_softmax"),
    (check_stable_softmax, softmax_minus_the_row_maximum),
    (check_masked_softmax, "my_masked_softmax"),
    (check_masked_softmax, filled_with_the_lowest_float_then_zeroed),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)


def test_other_right_answers_pass():
    assert_passes(check_stable_softmax, lambda s: torch.exp(s - torch.logsumexp(s, dim=-1, keepdim=True)))
    assert_passes(
        check_masked_softmax,
        lambda s, m: (
            torch.where(m.any(-1, keepdim=True), torch.softmax(s.masked_fill(~m, torch.finfo(s.dtype).min), -1), 0) * m
        ),
    )
