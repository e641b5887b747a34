"""Wrong answers a student would plausibly write for notebook 10, each rejected with a message naming the mistake."""

import pytest
import torch
import torch.nn.functional as F
from wrong_answers import notebook_tests

from rnn_attention.data import Vocab
from rnn_attention.exercises import check_forbid_eos, check_item_accuracy, check_location_features

# Exercise 10.1: f_i = F * alpha_{i-1}, (B, T_x), (k, r) -> (B, T_x, k), zero padding r // 2 on each side


def conv1d_with_padding(prev_weights, filters):
    r = filters.shape[1]
    return F.conv1d(prev_weights.unsqueeze(1), filters.unsqueeze(1), padding=r // 2).transpose(1, 2)


def by_hand(prev_weights, filters):
    """The sum written out: f_ij = sum_t F[:, t] alpha_{i-1, j + t - r//2} (zeros outside)."""
    B, S = prev_weights.shape
    k, r = filters.shape
    padded = torch.cat([prev_weights.new_zeros(B, r // 2), prev_weights, prev_weights.new_zeros(B, r // 2)], dim=1)
    windows = padded.unfold(1, r, 1)  # (B, S, r)
    return windows @ filters.T  # (B, S, k)


def no_padding(prev_weights, filters):
    return F.conv1d(prev_weights.unsqueeze(1), filters.unsqueeze(1)).transpose(1, 2)


def channels_first(prev_weights, filters):
    return F.conv1d(prev_weights.unsqueeze(1), filters.unsqueeze(1), padding=filters.shape[1] // 2)


def flipped(prev_weights, filters):
    return conv1d_with_padding(prev_weights, filters.flip(1))


def padded_on_the_left(prev_weights, filters):
    r = filters.shape[1]
    return F.conv1d(F.pad(prev_weights.unsqueeze(1), (r - 1, 0)), filters.unsqueeze(1)).transpose(1, 2)


def fixed_max_len(prev_weights, filters, max_len=12):
    """Features built for a fixed maximum length: breaks on longer sources."""
    padded = F.pad(prev_weights, (0, max_len - prev_weights.shape[1]))
    return conv1d_with_padding(padded, filters)


# Exercise 10.2: EOS gets the lowest logit while step < min_lengths[b]


def where_too_early(logits, step, min_lengths, eos_idx=Vocab.EOS):
    out = logits.clone()
    out[:, eos_idx] = torch.where(step < min_lengths, torch.finfo(logits.dtype).min, out[:, eos_idx])
    return out


def off_by_one(logits, step, min_lengths, eos_idx=Vocab.EOS):
    return where_too_early(logits, step, min_lengths + 1, eos_idx)


def zero_logit(logits, step, min_lengths, eos_idx=Vocab.EOS):
    out = logits.clone()
    out[:, eos_idx] = torch.where(step < min_lengths, torch.zeros(()), out[:, eos_idx])
    return out


def one_rule_for_the_batch(logits, step, min_lengths, eos_idx=Vocab.EOS):
    out = logits.clone()
    if step < int(min_lengths.max()):
        out[:, eos_idx] = torch.finfo(logits.dtype).min
    return out


def wrong_column(logits, step, min_lengths, eos_idx=Vocab.EOS):
    return where_too_early(logits, step, min_lengths, eos_idx=Vocab.PAD)


def inverted(logits, step, min_lengths, eos_idx=Vocab.EOS):
    out = logits.clone()
    out[:, eos_idx] = torch.where(step >= min_lengths, torch.finfo(logits.dtype).min, out[:, eos_idx])
    return out


def forbids_everything_else(logits, step, min_lengths, eos_idx=Vocab.EOS):
    out = logits.clone()
    out[step < min_lengths] = torch.finfo(logits.dtype).min
    return out


def changes_the_callers_logits(logits, step, min_lengths, eos_idx=Vocab.EOS):
    logits[:, eos_idx] = torch.where(step < min_lengths, torch.finfo(logits.dtype).min, logits[:, eos_idx])
    return logits


def fills_the_callers_logits_in_place(logits, step, min_lengths, eos_idx=Vocab.EOS):
    forbidden = torch.zeros_like(logits, dtype=torch.bool)
    forbidden[:, eos_idx] = step < min_lengths
    return logits.masked_fill_(forbidden, torch.finfo(logits.dtype).min)


# Exercise 10.3: the fraction of the target's ;-separated items right at the same place


def items_zipped(output, target):
    target_items = target.split(";")
    output_items = output.split(";") if output else []
    return sum(o == t for o, t in zip(output_items, target_items)) / len(target_items)


def all_or_nothing(output, target):
    return float(output == target)


def anywhere(output, target):
    outs = set(output.split(";"))
    items = target.split(";")
    return sum(t in outs for t in items) / len(items)


def over_output_items(output, target):
    output_items = output.split(";") if output else []
    right = sum(o == t for o, t in zip(output_items, target.split(";")))
    return right / max(len(output_items), 1)


def over_the_longer(output, target):
    output_items, target_items = output.split(";") if output else [], target.split(";")
    right = sum(o == t for o, t in zip(output_items, target_items))
    return right / max(len(output_items), len(target_items))


def per_character(output, target):
    right = sum(o == t for o, t in zip(output, target))
    return right / len(target)


WRONG = [
    (check_location_features, no_padding, "pad r // 2 = 2 zeros on each side"),
    (check_location_features, channels_first, "transpose to (B, S, k)"),
    (check_location_features, flipped, "filters flipped"),
    (check_location_features, padded_on_the_left, "shifted by r // 2"),
    (check_location_features, fixed_max_len, "should have shape"),
    (check_forbid_eos, off_by_one, "not step <= min_lengths[b]"),
    (check_forbid_eos, zero_logit, "logit of 0"),
    (check_forbid_eos, one_rule_for_the_batch, "each sentence's own min_lengths[b]"),
    (check_forbid_eos, wrong_column, "another column than EOS"),
    (check_forbid_eos, inverted, "wrong way round"),
    (check_forbid_eos, forbids_everything_else, "changed the scores of the other tokens"),
    (check_forbid_eos, changes_the_callers_logits, ("changed the caller's logits", "__setitem__")),
    (check_forbid_eos, fills_the_callers_logits_in_place, ("changed the caller's logits", "masked_fill_")),
    (check_item_accuracy, all_or_nothing, "exact match"),
    (check_item_accuracy, anywhere, "wrong place counted as right"),
    (check_item_accuracy, over_output_items, "number of *target* dates"),
    (check_item_accuracy, over_the_longer, "extra date lowered the score"),
    (check_item_accuracy, per_character, "partial credit"),
]
pytestmark = pytest.mark.usefixtures("one_thread")
STEM = "10_beyond_training_lengths"
RIGHT = [
    (check_location_features, "location_features"),
    (check_location_features, conv1d_with_padding),
    (check_location_features, by_hand),
    (check_forbid_eos, "forbid_eos"),
    (check_forbid_eos, where_too_early),
    (check_item_accuracy, "item_accuracy"),
    (check_item_accuracy, items_zipped),
]


(
    test_wrong_answer_is_rejected_with_its_mistake_named,
    test_the_solution_passes,
    test_blank_is_not_attempted,
) = notebook_tests(WRONG, RIGHT, STEM)
