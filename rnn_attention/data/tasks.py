"""Deterministic generators for the course's four tasks: copy, reverse, dates, numbers.

Introduced in notebook 06.

Every task is made from a seed by code, with Babel (CLDR date patterns and month and
weekday names) and num2words (number words) doing the language work, so nothing is
downloaded and running the generator twice gives the same pairs. Only integer
arithmetic from ``random.Random`` drives the choices (no floats, no ``hash()``, no set
iteration), so the output does not depend on the platform, PYTHONHASHSEED or locale.

A task is generated as a pool of ``(key, source, target)`` items; the key is what must
not leak between splits (the source for copy/reverse, the date for dates, the value
for numbers). :func:`split_items` then stratifies the pool by source length so that
valid and test cover the whole length range of train.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
import string
from collections.abc import Callable, Sequence

from babel import Locale
from babel.dates import format_date, get_date_format
from num2words import num2words

Pair = tuple[str, str]
Item = tuple[str, str, str]  # (key, source, target)

# Bump whenever a change to this module changes the generated files.
GENERATOR_VERSION = "1"
SEED = 1234

TASKS: tuple[str, ...] = ("copy", "reverse", "dates", "numbers")
SPLITS: tuple[str, ...] = ("train", "valid", "test")

# Split sizes (train, valid, test). Numbers groups every language of one value into
# one split, so its counts can differ from these targets by a few pairs.
SPLIT_SIZES: dict[str, dict[str, int]] = {
    "copy": {"train": 10_000, "valid": 1_000, "test": 1_000},
    "reverse": {"train": 10_000, "valid": 1_000, "test": 1_000},
    "dates": {"train": 24_000, "valid": 3_000, "test": 3_000},
    "numbers": {"train": 24_000, "valid": 3_000, "test": 3_000},
}

TOY_ALPHABET = string.digits + string.ascii_lowercase  # 36 symbols
TOY_MIN_LEN, TOY_MAX_LEN = 1, 60

# English twice (US month-first and British day-first numeric dates) and six more.
DATE_LOCALES: tuple[str, ...] = ("en_US", "en_GB", "de", "fr", "es", "it", "pt", "nl")
DATE_FIRST, DATE_LAST = _dt.date(1900, 1, 1), _dt.date(2099, 12, 31)
# CLDR standard lengths, then CLDR "skeletons" (the locale's own numeric and
# abbreviated forms, with and without weekday).
DATE_STANDARD_FORMATS: tuple[str, ...] = ("short", "medium", "long", "full")
DATE_SKELETONS: tuple[str, ...] = ("yMd", "yMMdd", "yMEd", "yMMMd", "yMMMEd")

NUMBER_LANGS: tuple[str, ...] = ("en", "de", "fr", "es")
NUMBER_MAX_DIGITS = 9  # values 0 .. 999,999,999

TASK_DESCRIPTIONS: dict[str, str] = {
    "copy": "Copy a string of digits and letters (length 1-60). The alignment is the diagonal.",
    "reverse": "Reverse a string of digits and letters (length 1-60). The alignment is the anti-diagonal.",
    "dates": (
        "Dates written by people in 7 languages (en, de, fr, es, it, pt, nl; English in US and "
        "British order) and CLDR styles (numeric, abbreviated, long, full, with and without "
        "weekday), years 1900-2099, to ISO YYYY-MM-DD. Alignments cross: the year moves to the front."
    ),
    "numbers": (
        "Number words (num2words: en, de, fr, es), values 0-999,999,999 spread evenly over the "
        "number of digits, to digits. German puts units before tens; sources range from 2 to "
        "over 100 characters, and a longer source is mostly a bigger number with more digits to write."
    ),
}


def task_rng(task: str, seed: int = SEED) -> random.Random:
    """Return the random generator of one task, derived from the seed by SHA-256."""
    digest = hashlib.sha256(f"rnn_attention.data:{seed}:{task}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def check_task(task: str) -> str:
    """Return the task name, or raise a ValueError naming the valid tasks."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: expected one of {', '.join(TASKS)}")
    return task


def check_split(split: str) -> str:
    """Return the split name, or raise a ValueError naming the valid splits."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    return split


# ----------------------------------------------------------------------------- pools


def _unique_pool(n: int, draw: Callable[[], Item], max_draws: int) -> list[Item]:
    """Draw items until ``n`` distinct sources; a source with two targets is a bug."""
    seen: dict[str, str] = {}
    pool: list[Item] = []
    for _ in range(max_draws):
        if len(pool) == n:
            break
        key, src, tgt = draw()
        if "\t" in src or "\n" in src or "\t" in tgt or "\n" in tgt or not src or not tgt:
            raise RuntimeError(f"generator produced an unwritable pair: {src!r} -> {tgt!r}")
        if src in seen:
            if seen[src] != tgt:
                raise RuntimeError(f"ambiguous source {src!r}: targets {seen[src]!r} and {tgt!r}")
            continue
        seen[src] = tgt
        pool.append((key, src, tgt))
    if len(pool) != n:
        raise RuntimeError(f"could only draw {len(pool)} distinct pairs of the {n} asked for")
    return pool


def toy_pool(task: str, n: int, seed: int = SEED) -> list[Item]:
    """Pool of copy or reverse items; source lengths uniform over 1..60, sources distinct."""
    if task not in ("copy", "reverse"):
        raise ValueError(f"toy_pool makes 'copy' or 'reverse', got {task!r}")
    rng = task_rng(task, seed)

    def draw() -> Item:
        """One random string of random length, with its copy or reversal."""
        length = rng.randint(TOY_MIN_LEN, TOY_MAX_LEN)
        src = "".join(TOY_ALPHABET[rng.randrange(len(TOY_ALPHABET))] for _ in range(length))
        return src, src, src if task == "copy" else src[::-1]

    return _unique_pool(n, draw, max_draws=20 * n)


def _fix_year(pattern: str) -> str:
    """Replace a two-digit year (``yy``) by the full year (``y``) outside quoted text."""
    out, quoted, i = [], False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            quoted = not quoted
            out.append(ch)
            i += 1
            continue
        if not quoted and ch == "y":
            j = i
            while j < len(pattern) and pattern[j] == "y":
                j += 1
            out.append("y" if j - i == 2 else pattern[i:j])
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _unquoted(pattern: str) -> str:
    """Return a CLDR pattern with its quoted literals removed."""
    parts = pattern.split("'")
    return "".join(parts[0::2])


def is_month_first_numeric(pattern: str) -> bool:
    """True if the pattern writes the month as a number before the day (US ``M/d/y``)."""
    bare = _unquoted(pattern)
    if "M" not in bare or "d" not in bare:
        return False
    m = bare.index("M")
    run = len(bare[m:]) - len(bare[m:].lstrip("M"))
    return run <= 2 and m < bare.index("d")


def date_patterns(locale: str) -> tuple[str, ...]:
    """The CLDR date patterns used for one locale, two-digit years made four-digit."""
    loc = Locale.parse(locale)
    found: list[str] = []
    for length in DATE_STANDARD_FORMATS:
        found.append(get_date_format(length, locale=loc).pattern)
    for skeleton in DATE_SKELETONS:
        if skeleton in loc.datetime_skeletons:
            found.append(loc.datetime_skeletons[skeleton].pattern)
    patterns: list[str] = []
    for p in found:
        p = _fix_year(p)
        if p not in patterns:  # a list, not a set: the order must be fixed
            patterns.append(p)
    return tuple(patterns)


def date_is_ambiguous(pattern: str, day: int, month: int) -> bool:
    """True if a month-first numeric date would read as another date day-first."""
    return is_month_first_numeric(pattern) and day <= 12 and day != month


def format_date_source(date: _dt.date, locale: str, pattern: str) -> str:
    """Write a date with a CLDR pattern in a locale, every Unicode space made a plain space."""
    text = format_date(date, pattern, locale=locale)
    return "".join(" " if ch.isspace() else ch for ch in text)


def dates_pool(n: int, seed: int = SEED) -> list[Item]:
    """Pool of dates items: ``n`` distinct dates 1900-2099, each in one random locale and style."""
    rng = task_rng("dates", seed)
    patterns = {loc: date_patterns(loc) for loc in DATE_LOCALES}
    span = (DATE_LAST - DATE_FIRST).days + 1
    if n > span:
        raise ValueError(f"dates_pool: asked for {n} distinct dates, only {span} exist")
    offsets = rng.sample(range(span), n)
    pool: list[Item] = []
    seen: dict[str, str] = {}
    for off in offsets:
        date = DATE_FIRST + _dt.timedelta(days=off)
        locale = DATE_LOCALES[rng.randrange(len(DATE_LOCALES))]
        choices = [p for p in patterns[locale] if not date_is_ambiguous(p, date.day, date.month)]
        pattern = choices[rng.randrange(len(choices))]
        src, tgt = format_date_source(date, locale, pattern), date.isoformat()
        if seen.setdefault(src, tgt) != tgt:
            raise RuntimeError(f"ambiguous source {src!r}: targets {seen[src]!r} and {tgt!r}")
        pool.append((tgt, src, tgt))
    return pool


def number_words(value: int, lang: str) -> str:
    """Write a non-negative integer in words with num2words."""
    return num2words(value, lang=lang)


def numbers_pool(n: int, seed: int = SEED) -> list[Item]:
    """Pool of numbers items: digit count uniform over 1..9, value uniform within it, random language."""
    rng = task_rng("numbers", seed)

    def draw() -> Item:
        """One value (number of digits first, then the value) in one random language."""
        digits = rng.randint(1, NUMBER_MAX_DIGITS)
        low = 0 if digits == 1 else 10 ** (digits - 1)
        value = rng.randrange(low, 10**digits)
        lang = NUMBER_LANGS[rng.randrange(len(NUMBER_LANGS))]
        return str(value), number_words(value, lang), str(value)

    return _unique_pool(n, draw, max_draws=20 * n)


# ---------------------------------------------------------------------------- splits


def split_items(items: Sequence[Item], sizes: dict[str, int], rng: random.Random) -> dict[str, list[Pair]]:
    """Split a pool into train/valid/test, disjoint on keys and stratified by source length.

    Items sharing a key form one group and go to one split. The group with the longest
    source and the group with the shortest go to test, the runners-up to valid, so both
    cover train's length range. The other groups, ordered by length (ties in random
    order), are dealt to whichever split is furthest behind its share, which spreads
    every length over the three splits in proportion.
    """
    if set(sizes) != set(SPLITS):
        raise ValueError(f"sizes must have the keys {SPLITS}, got {tuple(sizes)}")
    groups: dict[str, list[Pair]] = {}
    for key, src, tgt in items:  # dict keeps insertion order: deterministic
        groups.setdefault(key, []).append((src, tgt))
    keys = list(groups)
    if len(keys) < 4:
        raise ValueError(f"need at least 4 distinct keys to split, got {len(keys)}")
    tiebreak = {k: rng.random() for k in keys}
    shortest = {k: min(len(s) for s, _ in groups[k]) for k in keys}
    longest = {k: max(len(s) for s, _ in groups[k]) for k in keys}
    keys.sort(key=lambda k: (longest[k], tiebreak[k]))

    out: dict[str, list[Pair]] = {s: [] for s in SPLITS}
    # The two groups with the longest sources and the two with the shortest.
    ends = {keys[-1]: "test", keys[-2]: "valid"}
    low = sorted((k for k in keys if k not in ends), key=lambda k: (shortest[k], tiebreak[k]))
    ends.update({low[0]: "test", low[1]: "valid"})
    for k, split in ends.items():
        out[split].extend(groups[k])
    middle = [k for k in keys if k not in ends]
    want = {s: max(0, sizes[s] - len(out[s])) for s in SPLITS}
    want_total = sum(want.values()) or 1
    done = 0
    taken = {s: 0 for s in SPLITS}
    for k in middle:
        done += len(groups[k])
        # The split furthest behind its share of the items dealt so far (integers only).
        split = max(SPLITS, key=lambda s: (want[s] * done - taken[s] * want_total, -SPLITS.index(s)))
        out[split].extend(groups[k])
        taken[split] += len(groups[k])
    for split in SPLITS:
        rng.shuffle(out[split])
    return out


def generate_task(task: str, seed: int = SEED) -> dict[str, list[Pair]]:
    """Generate one task's train/valid/test pairs from the seed (same as the files in data/)."""
    check_task(task)
    sizes = SPLIT_SIZES[task]
    n = sum(sizes.values())
    if task in ("copy", "reverse"):
        pool = toy_pool(task, n, seed)
    elif task == "dates":
        pool = dates_pool(n, seed)
    else:
        pool = numbers_pool(n, seed)
    return split_items(pool, sizes, task_rng(task + ":split", seed))
