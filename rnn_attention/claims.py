"""Claims: a sentence of the course that states a measured fact, printed with whether it holds.

Introduced in notebook 01.

A notebook never asserts in prose what its own results might contradict. Where
the prose says "attention beats no attention on the longest inputs", a cell
computes it and prints

    claim: attention beats no attention by >= 0.3 on the longest bucket: True

`tests/test_claims.py` reads every executed notebook in solutions/ and fails
when a claim printed False; `make check-profile PROFILE=cpu` does the same for
the notebooks executed under another training profile.

A measured figure that the README quotes is printed the same way, as one
`result: {json}` line (`result(name, **values)`); `make figures` rebuilds the
README's table of figures from those lines, so the README cannot go stale.
"""

from __future__ import annotations

import json
import re

__all__ = ["claim", "find_claims", "result", "find_results", "CLAIM_LINE", "RESULT_LINE"]

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


# One measured result per line: "result: {json object with a "name"}".
RESULT_LINE = re.compile(r"^result: (?P<json>\{.*\})$", re.MULTILINE)


def result(name: str, **values) -> dict:
    """Print one `result: {...}` line with a name and JSON-ready values (numbers, strings); return the dict."""
    if not isinstance(name, str) or not name.strip() or "\n" in name:
        raise ValueError(f"a result needs a one-line name, got {name!r}")
    record = {"name": name, **values}
    print("result: " + json.dumps(record, sort_keys=True))
    return record


def find_results(text: str) -> list[dict]:
    """Every record printed by `result` in a piece of output text."""
    return [json.loads(m["json"]) for m in RESULT_LINE.finditer(text)]
