"""Tests of rnn_attention.data.gold_alignments: hand-checked pairs of every task, then every test pair of each."""

import pytest

from rnn_attention.data import gold_alignments, load_split
from rnn_attention.data.gold import date_fields
from rnn_attention.data.tasks import NUMBER_LANGS, number_words


def spelled(source, gold):
    """What each target character is aligned to, as the source text of its positions (in order)."""
    return ["".join(source[p] for p in sorted(positions)) for positions in gold]


def one(task, source, target, detail="character"):
    return gold_alignments(task, [(source, target)], detail=detail)[0]


# ------------------------------------------------------------------------------ by hand


def test_copy_aligns_the_diagonal():
    assert one("copy", "123", "123") == [{0}, {1}, {2}]


def test_reverse_aligns_the_anti_diagonal():
    assert one("reverse", "abcd", "dcba") == [{3}, {2}, {1}, {0}]


def test_a_numeric_date_aligns_digit_to_digit_and_a_missing_zero_to_its_field():
    source = "mar, 15/6/2027"  # Spanish, d/M/y with a weekday
    gold = one("dates", source, "2027-06-15")
    assert gold == [{10}, {11}, {12}, {13}, set(), {8}, {8}, set(), {5}, {6}]
    assert date_fields(source, "2027-06-15")["locale"] == "es"


def test_a_us_date_puts_the_month_first_and_the_lines_cross():
    gold = one("dates", "6/15/2027", "2027-06-15")
    assert spelled("6/15/2027", gold) == ["2", "0", "2", "7", "", "6", "6", "", "1", "5"]
    assert gold[5:7] == [{0}, {0}] and gold[8:] == [{2}, {3}]


def test_a_french_month_word_gives_both_month_digits_the_whole_word():
    source = "15 févr. 2027"
    gold = one("dates", source, "2027-02-15")
    assert date_fields(source, "2027-02-15")["locale"] == "fr"
    assert spelled(source, gold) == ["2", "0", "2", "7", "", "févr.", "févr.", "", "1", "5"]


def test_a_spanish_long_date_skips_the_weekday_and_the_literal_de():
    source = "miércoles, 3 de marzo de 1909"
    assert spelled(source, one("dates", source, "1909-03-03")) == [
        "1",
        "9",
        "0",
        "9",
        "",
        "marzo",
        "marzo",
        "",
        "3",
        "3",
    ]


def test_date_fields_detail_gives_every_character_its_whole_field():
    source = "mar, 15/6/2027"
    gold = one("dates", source, "2027-06-15", detail="field")
    assert spelled(source, gold) == ["2027"] * 4 + ["", "6", "6", ""] + ["15", "15"]


def test_german_units_before_tens_cross():
    source = "einundzwanzig"
    assert one("numbers", source, "21") == [set(range(6, 13)), {0, 1, 2}]
    source = "siebenhundertachtundsiebzigtausendsechshundertneunzig"
    assert spelled(source, one("numbers", source, "778690")) == [
        "sieben",
        "siebzig",
        "acht",
        "sechs",
        "neunzig",
        "neunzig",
    ]


@pytest.mark.parametrize(
    "source, target, words",
    [
        ("sept cent trois", "703", ["sept", "cent", "trois"]),  # the 0 is implied by "cent"
        ("five million and three", "5000003", ["five"] + ["million"] * 5 + ["three"]),
        ("three thousand and fifty", "3050", ["three", "thousand", "fifty", "fifty"]),
        (
            "soixante et onze mille quatre-vingts",
            "71080",
            ["soixanteonze", "onze", "mille", "quatre-vingts", "quatre-vingts"],
        ),
        ("mil uno", "1001", ["mil", "mil", "mil", "uno"]),  # "mil" alone writes the 1
        ("cent", "100", ["cent", "cent", "cent"]),
        ("cero", "0", ["cero"]),
        ("seventeen", "17", ["seventeen", "seventeen"]),
        ("quatre-vingt-dix-neuf", "99", ["quatre-vingtdix", "neuf"]),
        ("veintitrés", "23", ["veintitrés", "veintitrés"]),
        ("einhunderteins", "101", ["ein", "hundert", "eins"]),
        (
            "zwei Millionen dreitausend",
            "2003000",
            ["zwei", "Millionen", "Millionen", "drei", "tausend", "tausend", "tausend"],
        ),
    ],
)
def test_number_words_and_implied_zeros(source, target, words):
    assert spelled(source, one("numbers", source, target)) == words


def test_numbers_field_detail_gives_a_digit_its_groups_words():
    source = "three thousand and fifty"
    assert spelled(source, one("numbers", source, "3050", detail="field")) == [
        "three",
        "thousandfifty",
        "thousandfifty",
        "thousandfifty",
    ]


@pytest.mark.parametrize(
    "task, pair, phrase",
    [
        ("copy", ("12", "13"), "not a copy pair"),
        ("reverse", ("12", "12"), "not a reverse pair"),
        ("dates", ("15 févr. 2027", "2027-03-15"), "no locale and pattern"),
        ("dates", ("15 févr. 2027", "15/02/2027"), "no ISO date"),
        ("numbers", ("sept cent trois", "704"), "no language"),
        ("numbers", ("sept", "x"), "no number"),
        ("sorting", ("a", "a"), "unknown task"),
    ],
)
def test_pairs_no_generator_makes_are_refused(task, pair, phrase):
    with pytest.raises(ValueError, match=phrase):
        gold_alignments(task, [pair])


def test_a_bad_detail_is_refused():
    with pytest.raises(ValueError, match="detail must be one of"):
        gold_alignments("copy", [("1", "1")], detail="word")


# ------------------------------------------------------------------ every test pair of each task


@pytest.fixture(scope="module", params=["copy", "reverse", "dates", "numbers"])
def task_gold(request):
    pairs = load_split(request.param, "test")
    return request.param, pairs, gold_alignments(request.param, pairs)


def test_every_target_character_gets_positions_inside_its_source(task_gold):
    task, pairs, gold = task_gold
    for (source, target), alignment in zip(pairs, gold):
        assert len(alignment) == len(target)
        for t, positions in enumerate(alignment):
            assert all(0 <= p < len(source) for p in positions), (source, target, t)
            empty_allowed = task == "dates" and target[t] == "-"
            assert bool(positions) != empty_allowed, (source, target, t)


def test_every_digit_written_in_the_source_is_aligned_to_itself(task_gold):
    """copy, reverse: the character itself; dates: a one-position digit is that digit, and the fields spell the date."""
    task, pairs, gold = task_gold
    for (source, target), alignment in zip(pairs, gold):
        for t, positions in enumerate(alignment):
            padding_zero = task == "dates" and t in (5, 8) and alignment[t] == alignment[t + 1]  # "6" for "06"
            if task in ("copy", "reverse") or (task == "dates" and len(positions) == 1 and not padding_zero):
                assert source[min(positions)] == target[t], (source, target, t)
        if task == "dates":
            year = "".join(source[p] for p in sorted(set().union(*alignment[0:4])))
            assert year == target[:4], (source, target)
            for where in (slice(5, 7), slice(8, 10)):
                written = "".join(source[p] for p in sorted(set().union(*alignment[where])))
                assert not written.isdigit() or int(written) == int(target[where]), (source, target)


def test_german_units_come_before_their_tens_and_other_languages_tens_first(task_gold):
    task, pairs, gold = task_gold
    if task != "numbers":
        pytest.skip("numbers only")
    crossings = {lang: 0 for lang in NUMBER_LANGS}
    for (source, target), alignment in zip(pairs, gold):
        lang = next(lang for lang in NUMBER_LANGS if number_words(int(target), lang) == source)
        n = len(target)
        for t in range(n - 1):
            tens, units = target[t], target[t + 1]
            if (n - 1 - t) % 3 == 1 and tens >= "2" and units != "0":  # 21-99 with units: a tens word and a units word
                crossed = min(alignment[t + 1]) < min(alignment[t])
                assert crossed == (lang == "de"), (source, target, t)
                crossings[lang] += crossed
    assert crossings["de"] > 100 and sum(crossings.values()) == crossings["de"]
