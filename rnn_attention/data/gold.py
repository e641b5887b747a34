"""Gold alignments: which source characters each target character derives from, by construction.

Introduced in notebook 13.

The tasks are generated (see tasks.py), so the right alignment is known: nobody has
to annotate it by hand, as Luong et al. (2015, section 5.4) had to. For a pair
(source, target), ``gold_alignments`` gives one frozenset per target character
(EOS excluded) of 0-based source positions:

    >>> gold_alignments("copy", [("123", "123")])
    [[frozenset({0}), frozenset({1}), frozenset({2})]]
    >>> gold_alignments("numbers", [("einundzwanzig", "21")])   # units before tens: the lines cross
    [[frozenset({6, 7, 8, 9, 10, 11, 12}), frozenset({0, 1, 2})]]

The pairs need no more than their two strings: the locale and CLDR pattern of a date
are found again by writing the target's date with every pattern the generator uses
until one gives the source, and the language of a number by writing its value with
num2words in each language. A pair no generator makes is a ValueError.

The rules (see ``gold_alignments`` for all of them) are stated so that every
target character gets a set of positions inside its source, or an empty set where
nothing in the source writes it (only the '-' of a date).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from functools import cache

from babel.dates import format_date, tokenize_pattern

from .tasks import DATE_LOCALES, NUMBER_LANGS, date_patterns, number_words

__all__ = ["gold_alignments", "date_fields", "number_tokens", "DETAILS"]

Positions = frozenset
DETAILS = ("character", "field")


def gold_alignments(task: str, pairs: Sequence[tuple[str, str]], detail: str = "character") -> list[list[frozenset]]:
    """For each (source, target) pair, one frozenset of source positions per target character.

    - copy: target character t comes from source position t; reverse: from n - 1 - t.
    - dates (target ``YYYY-MM-DD``): the year, month and day come from the year, month
      and day fields of the source, whatever the locale and order. A field written in
      digits aligns digit to digit, right-aligned ("6" for June gives the target's
      '6'); a digit the source does not write (the padding '0' of "06" when the source
      says "6") gets the whole field, the number that implies it. A month written as a
      word ("juin", "févr.", "Jun") gives both month digits the whole word. The two
      '-' of the target come from no source character: an empty set. The weekday and
      the literals ("de", ",", ".") are aligned to nothing.
    - numbers: the source is cut into number words (German compounds into their parts:
      "acht|und|siebzig"); a target digit comes from the words whose value has a
      non-zero digit in its place ("seven" of "seven hundred" for the hundreds; both
      "soixante" and "onze" for the 7 of 71; German "ein" for the 1 of 21 and
      "zwanzig" for the 2, so the lines cross). A digit no word writes (a zero)
      comes from the word that implies it: of the words whose place range covers it,
      the narrowest ("fifty" covers tens and units, "hundred" the three places of its
      group, "thousand" the three below it, "million" the six below it). So the 0 of
      50 comes from "fifty", the 0 of 703 from "hundred", the zeros of 3,005 from
      "thousand", of 5,000,003 from "million". A scale word with no number before it
      (French "mille", Spanish "mil", French "cent") writes the 1 itself. Connectors
      ("and", "und", "et", "y", ",", "-") are aligned to nothing.

    ``detail="field"`` gives every character of a date field (or every digit of a
    number's three-digit group) the union of its field's (group's) positions instead,
    the coarser reading "which part of the input does this come from". copy and
    reverse are the same at both details.

    Raises ValueError for an unknown task or detail, or a pair that the task's
    generator does not make (the message names the pair).
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, got {detail!r}")
    aligners = {"copy": _copy, "reverse": _reverse, "dates": _dates, "numbers": _numbers}
    if task not in aligners:
        raise ValueError(f"unknown task {task!r}: expected one of {', '.join(aligners)}")
    out = []
    for i, pair in enumerate(pairs):
        if len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise ValueError(f"pair {i}: expected (source str, target str), got {pair!r}")
        source, target = pair
        gold = aligners[task](source, target, detail)
        assert len(gold) == len(target)
        out.append(gold)
    return out


# ------------------------------------------------------------------------------ copy, reverse


def _copy(source: str, target: str, detail: str) -> list[frozenset]:
    if source != target:
        raise ValueError(f"not a copy pair: {(source, target)!r}")
    return [Positions({t}) for t in range(len(target))]


def _reverse(source: str, target: str, detail: str) -> list[frozenset]:
    if source[::-1] != target:
        raise ValueError(f"not a reverse pair: {(source, target)!r}")
    n = len(source)
    return [Positions({n - 1 - t}) for t in range(n)]


# ------------------------------------------------------------------------------------ dates

_FIELD_OF = {"y": "year", "M": "month", "L": "month", "d": "day"}
_TARGET_SLICES = {"year": slice(0, 4), "month": slice(5, 7), "day": slice(8, 10)}


def _plain_spaces(text: str) -> str:
    return "".join(" " if ch.isspace() else ch for ch in text)


@cache
def _date_tokens() -> tuple[tuple[str, str, tuple], ...]:
    """(locale, pattern, tokens) for every pattern the generator uses, in its order."""
    return tuple(
        (locale, pattern, tuple(tokenize_pattern(pattern)))
        for locale in DATE_LOCALES
        for pattern in date_patterns(locale)
    )


def date_fields(source: str, target: str) -> dict:
    """Where the year, month and day of a dates pair are written in its source.

    Returns {"locale", "pattern", "year", "month", "day"}, each field a (start, stop)
    slice of the source, found by writing the target's date with every (locale,
    pattern) of the generator until one gives the source.
    """
    try:
        date = _dt.date.fromisoformat(target)
    except ValueError:
        raise ValueError(f"not a dates pair, the target is no ISO date: {(source, target)!r}") from None
    written: dict[tuple[str, str], str] = {}  # (locale, field pattern) -> text, each written once
    for locale, pattern, tokens in _date_tokens():
        pieces = []
        for kind, value in tokens:
            if kind == "chars":
                pieces.append((None, value))
            else:
                field = value[0] * value[1]
                if (locale, field) not in written:
                    written[locale, field] = format_date(date, field, locale=locale)
                pieces.append((_FIELD_OF.get(value[0]), written[locale, field]))
        if _plain_spaces("".join(text for _, text in pieces)) != source:
            continue
        found, start = {"locale": locale, "pattern": pattern}, 0
        for field, text in pieces:
            if field is not None:
                found[field] = (start, start + len(text))
            start += len(text)
        if all(f in found for f in ("year", "month", "day")):
            return found
    raise ValueError(f"no locale and pattern of the dates generator writes {target} as {source!r}")


def _dates(source: str, target: str, detail: str) -> list[frozenset]:
    fields = date_fields(source, target)
    gold = [Positions() for _ in target]
    for field, where in _TARGET_SLICES.items():
        start, stop = fields[field]
        whole = Positions(range(start, stop))
        written, wanted = source[start:stop], target[where]
        targets = list(range(len(target)))[where]
        if detail == "field" or not written.isdigit():
            for t in targets:
                gold[t] = whole
            continue
        if int(written) != int(wanted):
            raise ValueError(f"the {field} {written!r} of {source!r} is not the {wanted!r} of {target!r}")
        # right-aligned, digit to digit; a padding zero the source does not write gets the whole field
        for k, t in enumerate(reversed(targets)):
            gold[t] = Positions({stop - 1 - k}) if k < len(written) else whole
    return gold


# ---------------------------------------------------------------------------------- numbers

# Kinds of number word: a number (added), "hundred" (multiplies what precedes it in its
# group), a scale (multiplies its group: thousand, million), a connector (no value).
NUM, HUNDRED, SCALE, CONNECTOR = "number", "hundred", "scale", "connector"

_EXTRA_WORDS = {
    "en": {"hundred": (HUNDRED, 2), "thousand": (SCALE, 3), "million": (SCALE, 6), "and": (CONNECTOR, 0)},
    "de": {
        "ein": (NUM, 1),
        "eine": (NUM, 1),
        "hundert": (HUNDRED, 2),
        "tausend": (SCALE, 3),
        "million": (SCALE, 6),
        "millionen": (SCALE, 6),
        "und": (CONNECTOR, 0),
    },
    "fr": {
        "quatre-vingt": (NUM, 80),
        "quatre-vingts": (NUM, 80),
        "cent": (HUNDRED, 2),
        "cents": (HUNDRED, 2),
        "mille": (SCALE, 3),
        "million": (SCALE, 6),
        "millions": (SCALE, 6),
        "et": (CONNECTOR, 0),
    },
    "es": {
        "un": (NUM, 1),
        "ciento": (NUM, 100),
        "mil": (SCALE, 3),
        "millón": (SCALE, 6),
        "millones": (SCALE, 6),
        "y": (CONNECTOR, 0),
    },
}


@cache
def _lexicon(lang: str) -> dict[str, tuple[str, int]]:
    """word -> (kind, value): num2words's own one-word numbers of the language, plus its other words.

    The one-word numbers are taken from the generator (0-19 and the tens for German,
    whose other numbers below 100 are compounds; every number below 1000 that is one
    word for the others, such as Spanish "veintitrés" or "quinientos").
    """
    words: dict[str, tuple[str, int]] = {}
    values = list(range(20)) + list(range(20, 100, 10)) if lang == "de" else range(1000)
    for value in values:
        word = number_words(value, lang).lower()
        if not re.search(r"[\s,-]", word) and not (lang == "de" and "hundert" in word):
            words[word] = (NUM, value)
    words.update(_EXTRA_WORDS[lang])
    return words


def _language(source: str, value: int) -> str:
    for lang in NUMBER_LANGS:
        if number_words(value, lang) == source:
            return lang
    raise ValueError(f"no language of the numbers generator writes {value} as {source!r}")


def _segment(word: str, start: int, lexicon: dict) -> list[tuple[str, int, int]]:
    """Cut one written word (a German compound) into lexicon words: [(word, start, stop)]; fewest parts."""
    low = word.lower()
    best: list[list | None] = [None] * (len(low) + 1)
    best[0] = []
    for i in range(len(low)):
        if best[i] is None:
            continue
        for j in range(i + 1, len(low) + 1):
            if low[i:j] in lexicon and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                best[j] = best[i] + [(low[i:j], start + i, start + j)]
    if best[-1] is None:
        raise ValueError(f"cannot cut {word!r} into number words")
    return best[-1]


def number_tokens(source: str, lang: str) -> list[dict]:
    """The number words of a numbers source, each with its kind, value, span and the places it writes and covers.

    Each token is a dict: word, kind, start, stop (its characters in the source),
    value (what it adds to the number, 0 for connectors and for "hundred"/scale words
    that multiply), spelled (places, 0 = units, where its value has a non-zero
    digit) and covers (the places it writes or implies; see ``gold_alignments``).
    """
    lexicon = _lexicon(lang)
    text = source
    if lang == "fr":  # "quatre-vingt" is one word (4 x 20), not quatre + vingt
        text = re.sub(r"quatre-vingt", lambda m: m.group(0).replace("-", "\x00"), text)
    tokens = []
    for match in re.finditer(r"[^\s,\-]+", text):
        word = match.group(0).replace("\x00", "-")
        parts = [(word.lower(), match.start(), match.end())] if word.lower() in lexicon else None
        if parts is None:
            if lang != "de":
                raise ValueError(f"{word!r} in {source!r} is not a {lang} number word")
            parts = _segment(word, match.start(), lexicon)
        for part, start, stop in parts:
            kind, value = lexicon[part]
            tokens.append({"word": part, "kind": kind, "value": value, "start": start, "stop": stop})
    # Multiply: a "hundred" shifts the numbers before it in its group by 2 places,
    # a scale the whole group by its power; one with nothing before it writes a 1.
    group: list[dict] = []  # tokens since the last scale word
    since_hundred: list[dict] = []  # number tokens since the last hundred or scale word
    for token in tokens:
        token["shift"] = 0
        kind = token["kind"]
        if kind == NUM:
            group.append(token)
            since_hundred.append(token)
        elif kind == HUNDRED:
            for other in since_hundred:
                other["shift"] += 2
            token["value"] = 0 if since_hundred else 100  # multiplies, or writes 100 itself
            group.append(token)
            since_hundred = []
        elif kind == SCALE:
            for other in group:
                other["shift"] += token["value"]
            if not group:
                token["writes_one"] = True
            group, since_hundred = [], []
    for token in tokens:
        kind, shift = token["kind"], token["shift"]
        if kind == NUM:
            digits = str(token["value"])
            token["covers"] = set(range(shift, shift + len(digits)))
            amount = token["value"] * 10**shift
        elif kind == HUNDRED:
            token["covers"] = set(range(shift, shift + 3))
            amount = token["value"] * 10**shift  # 0 when it multiplies
        elif kind == SCALE:
            power = token["value"]
            token["covers"] = set(range(power + (1 if token.get("writes_one") else 0)))
            amount = 10**power if token.get("writes_one") else 0
        else:
            token["covers"], amount = set(), 0
        token["amount"] = amount
        token["spelled"] = {p for p, d in enumerate(reversed(str(amount))) if d != "0"} if amount else set()
    return tokens


def _numbers(source: str, target: str, detail: str) -> list[frozenset]:
    if not target.isdigit() or (len(target) > 1 and target[0] == "0"):
        raise ValueError(f"not a numbers pair, the target is no number: {(source, target)!r}")
    value = int(target)
    tokens = number_tokens(source, _language(source, value))
    total = sum(t["amount"] for t in tokens)
    if total != value:
        raise ValueError(f"reading {source!r} gives {total}, not {value}")
    gold = []
    n = len(target)
    for t in range(n):
        place = n - 1 - t
        spellers = [tok for tok in tokens if place in tok["spelled"]]
        if not spellers:
            covering = [tok for tok in tokens if place in tok["covers"]]
            narrowest = min(len(tok["covers"]) for tok in covering)
            spellers = [tok for tok in covering if len(tok["covers"]) == narrowest]
        gold.append(Positions(p for tok in spellers for p in range(tok["start"], tok["stop"])))
    if detail == "field":  # every digit of a three-digit group: the union of its group's positions
        groups: dict[int, set] = {}
        for t in range(n):
            groups.setdefault((n - 1 - t) // 3, set()).update(gold[t])
        gold = [Positions(groups[(n - 1 - t) // 3]) for t in range(n)]
    return gold
