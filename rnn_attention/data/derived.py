"""Data derived at run time from the committed splits: repeated dates, and sources cut to a length.

Introduced in notebook 10.

Notebook 10 trains on short inputs and tests on longer ones. Nothing here is
written to data/: every set is made from a split of a committed task by code,
deterministically from a seed, so it is the same on every machine and run.

    repeat_pairs(load_split("dates", "train"), counts=(1, 2, 3), n=12000, seed=0)
    # [("13/03/2081 ; za 8-6-2052", "2081-03-13;2052-06-08"), ...]: k dates joined, k from counts

The test items of a repeated set are drawn from the *test* split of dates, the
training items from its training split, so no date of a test item was seen in
training (the splits of dates are disjoint by date).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from .tasks import TOY_ALPHABET

__all__ = [
    "SOURCE_SEPARATOR",
    "TARGET_SEPARATOR",
    "repeat_pairs",
    "repeated_by_count",
    "count_items",
    "sources_at_most",
    "toy_pairs_of_length",
]

SOURCE_SEPARATOR = " ; "  # between the k dates of a source
TARGET_SEPARATOR = ";"  # between the k ISO dates of a target

Pair = tuple[str, str]


def _check_pairs(pairs: Sequence[Pair]) -> None:
    if not pairs:
        raise ValueError("need at least one (source, target) pair to repeat")
    for source, target in pairs:
        if TARGET_SEPARATOR in target or SOURCE_SEPARATOR.strip() in source:
            raise ValueError(f"the pair {(source, target)!r} already contains the separator {TARGET_SEPARATOR!r}")


def repeat_pairs(pairs: Sequence[Pair], counts: Sequence[int], n: int, seed: int = 0) -> list[Pair]:
    """n pairs, each k random pairs of `pairs` joined (sources by " ; ", targets by ";").

    The counts k cycle through `counts`, so every count gets n / len(counts)
    pairs; the pairs are drawn with replacement from a generator seeded by
    `seed` and the counts, and the result is shuffled by the same generator.
    """
    counts = [int(k) for k in counts]
    if not counts or min(counts) < 1:
        raise ValueError(f"counts must be positive integers, got {counts!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    _check_pairs(pairs)
    rng = random.Random(f"repeat_pairs:{seed}:{','.join(map(str, counts))}")
    out = []
    for i in range(n):
        picks = [pairs[rng.randrange(len(pairs))] for _ in range(counts[i % len(counts)])]
        out.append((SOURCE_SEPARATOR.join(s for s, _ in picks), TARGET_SEPARATOR.join(t for _, t in picks)))
    rng.shuffle(out)
    return out


def repeated_by_count(
    pairs: Sequence[Pair], counts: Sequence[int], n_per_count: int, seed: int = 0
) -> dict[int, list[Pair]]:
    """{k: n_per_count pairs of exactly k items} for every k in counts (a test set per count)."""
    return {int(k): repeat_pairs(pairs, [k], n_per_count, seed) for k in counts}


def count_items(target: str) -> int:
    """The number of items (dates) in a repeated target."""
    return target.count(TARGET_SEPARATOR) + 1


def sources_at_most(pairs: Sequence[Pair], max_len: int) -> list[Pair]:
    """The pairs whose source has at most max_len characters, in their order (a training set cut by length)."""
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    kept = [(s, t) for s, t in pairs if len(s) <= max_len]
    if not kept:
        raise ValueError(f"no source has at most {max_len} characters")
    return kept


def toy_pairs_of_length(task: str, length: int, n: int, seed: int = 0, exclude=()) -> list[Pair]:
    """n copy or reverse pairs whose sources have exactly `length` symbols, none of them in `exclude`.

    The strings are drawn from the toy tasks' alphabet (digits and lower-case
    letters) by a generator seeded from (task, length, seed), so the same call
    gives the same pairs on every machine; nothing is written. Notebook 11 tests
    at lengths past the committed splits' 60 with them; `exclude` keeps out the
    training sources. Sources are distinct.
    """
    if task not in ("copy", "reverse"):
        raise ValueError(f"task must be 'copy' or 'reverse', got {task!r}")
    if not isinstance(length, int) or length < 1 or not isinstance(n, int) or n < 1:
        raise ValueError(f"length and n must be positive ints, got length={length!r}, n={n!r}")
    excluded = set(exclude)
    if n > len(TOY_ALPHABET) ** length - len(excluded):
        raise ValueError(f"there are not {n} distinct strings of length {length} outside `exclude`")
    digest = hashlib.sha256(f"toy_pairs_of_length:{task}:{length}:{seed}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    sources: list[str] = []
    seen: set[str] = set()
    while len(sources) < n:
        source = "".join(TOY_ALPHABET[rng.randrange(len(TOY_ALPHABET))] for _ in range(length))
        if source not in seen and source not in excluded:
            seen.add(source)
            sources.append(source)
    return [(s, s if task == "copy" else s[::-1]) for s in sources]
