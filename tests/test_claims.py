"""Every measured claim the executed notebooks print holds (see rnn_attention.claims)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from rnn_attention import course
from rnn_attention.claims import claim, find_claims

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import nbtext  # noqa: E402  (what the tools read in a notebook: the claims are in its printed text)

SOLUTIONS = [ROOT / "solutions" / f"{row.stem}.ipynb" for row in course.NOTEBOOKS]


def notebook_text(path: Path) -> str:
    """What a notebook's code cells printed (nbtext.printed_text, the text make check-profile reads too)."""
    return nbtext.printed_text(nbformat.read(path, as_version=4))


def test_claim_prints_one_parseable_line(capsys):
    assert claim("3 > 2", 3 > 2) is True
    assert claim("the loss falls", 0) is False
    printed = capsys.readouterr().out
    assert printed == "claim: 3 > 2: True\nclaim: the loss falls: False\n"
    assert find_claims(printed) == [("3 > 2", True), ("the loss falls", False)]


@pytest.mark.parametrize("statement", ["", "  ", "two\nlines", None])
def test_a_claim_is_one_line_of_text(statement):
    with pytest.raises(ValueError, match="one non-empty line"):
        claim(statement, True)


def test_find_claims_ignores_lookalikes():
    text = "claims: 1: True\nclaim: x: true\n  claim: indented: False\nclaim: ok: True\n"
    assert find_claims(text) == [("ok", True)]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_no_claim_printed_false(path):
    false = [statement for statement, holds in find_claims(notebook_text(path)) if not holds]
    assert not false, f"{path.name} printed claims that do not hold: {false}"


def test_the_training_notebooks_make_claims():
    # The claims test must not pass by finding nothing: each notebook that trains states what it measured.
    for row in course.training_notebooks():
        path = ROOT / "solutions" / f"{row.stem}.ipynb"
        assert find_claims(notebook_text(path)), f"{path.name} prints no claim lines"
