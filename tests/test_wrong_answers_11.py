"""Wrong answers a student would plausibly write for notebook 11, each rejected with a message naming the mistake."""

import pytest
import torch
from wrong_answers import notebook_tests

from rnn_attention.exercises import check_extrapolates_to, check_shift_and_sharpen

# Exercise 11.1: alpha_i = sharpen(shift(alpha_{i-1}, w_i), gamma_i), zero padding, renormalised over the mask


def _shift(prev, moves):
    padded = torch.nn.functional.pad(prev, (1, 1))
    return moves[:, 2:3] * padded[:, :-2] + moves[:, 1:2] * padded[:, 1:-1] + moves[:, 0:1] * padded[:, 2:]


def _normalise(w, mask):
    w = w * mask
    return w / w.sum(dim=-1, keepdim=True)


def by_hand(prev, moves, gamma, mask):
    """A loop over positions: the equations as they read."""
    B, S = prev.shape
    out = torch.zeros(B, S)
    for b in range(B):
        for j in range(S):
            left = prev[b, j - 1] if j > 0 else 0.0
            right = prev[b, j + 1] if j + 1 < S else 0.0
            out[b, j] = moves[b, 2] * left + moves[b, 1] * prev[b, j] + moves[b, 0] * right
    return _normalise(out ** gamma.unsqueeze(1), mask)


def padded_shift(prev, moves, gamma, mask):
    return _normalise(_shift(prev, moves) ** gamma.unsqueeze(1), mask)


def wrap_around(prev, moves, gamma, mask):
    shifted = moves[:, 2:3] * prev.roll(1, 1) + moves[:, 1:2] * prev + moves[:, 0:1] * prev.roll(-1, 1)
    return _normalise(shifted ** gamma.unsqueeze(1), mask)


def no_renormalisation(prev, moves, gamma, mask):
    return (_shift(prev, moves) ** gamma.unsqueeze(1)) * mask


def sharpened_first(prev, moves, gamma, mask):
    return _normalise(_shift(_normalise(prev ** gamma.unsqueeze(1), mask), moves), mask)


def times_gamma(prev, moves, gamma, mask):
    return _normalise(_shift(prev, moves) * gamma.unsqueeze(1), mask)


def reversed_direction(prev, moves, gamma, mask):
    return _normalise(_shift(prev, moves.flip(1)) ** gamma.unsqueeze(1), mask)


def mask_ignored(prev, moves, gamma, mask):
    w = _shift(prev, moves) ** gamma.unsqueeze(1)
    return w / w.sum(dim=-1, keepdim=True)


def power_one_over_gamma(prev, moves, gamma, mask):
    return _normalise(_shift(prev, moves) ** (1 / gamma).unsqueeze(1), mask)


# Exercise 11.2: the longest length up to which the minimum over seeds reaches the threshold


def up_to_first_failure(table, threshold):
    best = None
    for length in sorted(table):
        if min(table[length]) < threshold:
            break
        best = length
    return best


def mean_over_seeds(table, threshold):
    best = None
    for length in sorted(table):
        if sum(table[length]) / len(table[length]) < threshold:
            break
        best = length
    return best


def best_seed(table, threshold):
    best = None
    for length in sorted(table):
        if max(table[length]) < threshold:
            break
        best = length
    return best


def any_length_that_passes(table, threshold):
    return max((length for length in table if min(table[length]) >= threshold), default=None)


def strictly_above(table, threshold):
    best = None
    for length in sorted(table):
        if min(table[length]) <= threshold:
            break
        best = length
    return best


def counts_the_lengths(table, threshold):
    count = 0
    for length in sorted(table):
        if min(table[length]) < threshold:
            break
        count += 1
    return count or None


WRONG = [
    (check_shift_and_sharpen, wrap_around, "wraps around"),
    (check_shift_and_sharpen, no_renormalisation, "renormalise"),
    (check_shift_and_sharpen, sharpened_first, "sharpened before shifting"),
    (check_shift_and_sharpen, times_gamma, "not sharpened"),
    (check_shift_and_sharpen, reversed_direction, "wrong way"),
    (check_shift_and_sharpen, mask_ignored, "padding"),
    (check_shift_and_sharpen, power_one_over_gamma, "1 / gamma"),
    (check_extrapolates_to, mean_over_seeds, "mean over seeds"),
    (check_extrapolates_to, best_seed, "best seed"),
    (check_extrapolates_to, any_length_that_passes, "first failing length"),
    (check_extrapolates_to, strictly_above, ">="),
    (check_extrapolates_to, counts_the_lengths, "counted the lengths"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "11_what_extrapolates"
RIGHT = [
    (check_shift_and_sharpen, "shift_and_sharpen"),
    (check_shift_and_sharpen, by_hand),
    (check_shift_and_sharpen, padded_shift),
    (check_extrapolates_to, "extrapolates_to"),
    (check_extrapolates_to, up_to_first_failure),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)
