"""Claims: a sentence of the course that states a measured fact, printed with whether it holds.

A notebook never asserts in prose what its own results might contradict. Where
the prose says "attention beats no attention on the longest inputs", a cell
computes it and prints

    claim: attention beats no attention by >= 0.3 on the longest bucket: True

`tests/test_claims.py` reads every executed notebook in solutions/ and fails
when a claim printed False; `make check-profile PROFILE=cpu` does the same for
the notebooks executed under another training profile.
"""

from __future__ import annotations

import re

__all__ = ["claim", "find_claims", "CLAIM_LINE"]

# One claim per line: "claim: <statement>: True|False".
CLAIM_LINE = re.compile(r"^claim: (?P<statement>.+): (?P<holds>True|False)$", re.MULTILINE)


def claim(statement: str, holds) -> bool:
    """Print one claim line, `claim: <statement>: True|False`, and return whether it holds."""
    if not isinstance(statement, str) or not statement.strip() or "\n" in statement:
        raise ValueError(f"a claim is one non-empty line of text, got {statement!r}")
    holds = bool(holds)
    print(f"claim: {statement.strip()}: {holds}")
    return holds


def find_claims(text: str) -> list[tuple[str, bool]]:
    """Every (statement, holds) printed by `claim` in a piece of output text."""
    return [(m["statement"], m["holds"] == "True") for m in CLAIM_LINE.finditer(text)]
