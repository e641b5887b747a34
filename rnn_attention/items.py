"""Accuracy item by item: dates of a repeated-dates output, or a number's digit groups by place value.

Introduced in notebook 10.

`item_accuracy` compares the output's items (dates, or groups of three digits
by place value) with the target's, item by item, instead of all or nothing.
rnn_attention.evaluate re-exports those.

A per-place score cannot see a shift: the output (B, C, D) of the target
(A, B, C, D) has no item in its place, yet it wrote three dates in order. So the
order-aware scores: `in_order_recall`, the longest common subsequence of the
two lists of items over the target's count, and `copied_from`, which target
item each output item equals ("which source date does output date p copy");
`copy_table` counts those over many outputs.
"""

from __future__ import annotations

from .data.derived import TARGET_SEPARATOR

__all__ = [
    "split_dates",
    "split_digit_groups",
    "item_accuracy",
    "items_produced",
    "place_accuracy",
    "lcs_length",
    "in_order_recall",
    "copied_from",
    "copy_table",
]


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


def lcs_length(a, b) -> int:
    """Length of the longest common subsequence of two lists: items of both, in the same order, gaps allowed.

    lcs_length("ABCD", "BCDD") == 3 (B, C, D). Dynamic programming over a (len(a) + 1) x (len(b) + 1) table.
    """
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def in_order_recall(output: str, target: str, split=split_dates) -> float:
    """Fraction of the target's items that the output writes in the right order (LCS / the target's count).

    Target A;B;C;D, output X;C;D;D: the items C, D are in order, so 2/4, where the per-place score gives 1/4.
    It is never below `item_accuracy` (items right in their place are a common subsequence).
    """
    target_items = split(target)
    if not target_items:
        raise ValueError(f"the target {target!r} has no items")
    return lcs_length(split(output), target_items) / len(target_items)


def copied_from(output: str, target: str, split=split_dates) -> list[int]:
    """For each output item p, the number q (1 = the first) of the target item it equals, or 0 for none.

    Target A;B;C;D, output X;C;D;D -> [0, 3, 4, 4]. An item that equals several target items gets the one
    nearest to its own place p (the earlier one on a tie).
    """
    target_items = split(target)
    result = []
    for p, item in enumerate(split(output), start=1):
        matches = [q for q, t in enumerate(target_items, start=1) if t == item]
        result.append(min(matches, key=lambda q: (abs(q - p), q)) if matches else 0)
    return result


def copy_table(outputs, targets, split=split_dates) -> list[list[float]]:
    """table[p][q]: the fraction of outputs whose item p + 1 copies target item q (q = 0: none of them).

    One row per place of the target (outputs of different counts are cut or padded: a missing item counts as
    "none"), k + 1 columns. Every row sums to 1. The diagonal (q = p + 1) is the per-place accuracy.
    """
    outputs, targets = list(outputs), list(targets)
    if not targets or len(outputs) != len(targets):
        raise ValueError(f"need as many outputs as targets (at least one), got {len(outputs)} and {len(targets)}")
    k = len(split(targets[0]))
    if any(len(split(t)) != k for t in targets):
        raise ValueError("every target must have the same number of items")
    table = [[0.0] * (k + 1) for _ in range(k)]
    for output, target in zip(outputs, targets):
        sources = copied_from(output, target, split)
        for p in range(k):
            table[p][sources[p] if p < len(sources) else 0] += 1 / len(targets)
    return table
