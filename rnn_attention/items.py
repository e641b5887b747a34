"""Accuracy item by item: dates of a repeated-dates output, or a number's digit groups by place value.

Introduced in notebook 10.

`item_accuracy` compares the output's items (dates, or groups of three digits
by place value) with the target's, item by item, instead of all or nothing.
rnn_attention.evaluate re-exports everything here.
"""

from __future__ import annotations

from .data.derived import TARGET_SEPARATOR

__all__ = ["split_dates", "split_digit_groups", "item_accuracy", "items_produced", "place_accuracy"]


def split_dates(text: str) -> list[str]:
    """The items of a repeated-dates target or output: the ISO dates between the ";" ("" has none)."""
    return text.split(TARGET_SEPARATOR) if text else []


def split_digit_groups(text: str) -> list[str]:
    """A number's groups of three digits by place value, units first: "1234567" -> ["567", "234", "1"].

    Listing the units first means item k is the same place value (units,
    thousands, millions) in the output and the target, even when the output
    has a digit too many or too few at the front.
    """
    return [text[max(0, end - 3) : end] for end in range(len(text), 0, -3)]


def item_accuracy(output: str, target: str, split=split_dates) -> float:
    """Fraction of the target's items that the output has right at the same place (item k with item k).

    Missing items count as wrong; extra items in the output are not counted
    here (`items_produced` reports how many there are).
    """
    target_items, output_items = split(target), split(output)
    if not target_items:
        raise ValueError(f"the target {target!r} has no items")
    right = sum(out == tgt for out, tgt in zip(output_items, target_items))
    return right / len(target_items)


def items_produced(output: str, split=split_dates) -> int:
    """How many items the output has (0 for an empty output)."""
    return len(split(output))


def place_accuracy(output: str, target: str) -> float:
    """Fraction of the target's characters that the output has at the same place counted from the end.

    For numbers this compares units with units, tens with tens: a per-digit
    accuracy that a missing leading digit does not shift.
    """
    if not target:
        raise ValueError("the target is empty")
    right = sum(o == t for o, t in zip(reversed(output), reversed(target)))
    return right / len(target)
