"""Rebuild the README's table of measured figures from the stored results.

    python tools/figures.py          rewrite the marked block of README.md (make figures)
    python tools/figures.py --check  exit 1 if README.md differs from the results

The rows come from the `result: {...}` lines (rnn_attention.claims.result) that
the training notebooks print: the `ci` rows from the executed solutions/*.ipynb,
the other profiles' rows from results/profile-PROFILE.json, written by
`make check-profile PROFILE=...`. The README keeps the table between the
markers below; everything else in it is left as it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbtext  # the sibling module: what the tools read in a notebook (here, its printed text)

from rnn_attention import course

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BEGIN, END = "<!-- figures:begin (make figures) -->", "<!-- figures:end -->"
STANDARD = ("name", "profile", "machine", "steps", "steps_planned", "seconds")
PROFILE_ORDER = {"ci": 0, "cpu": 1, "gpu": 2}


def notebook_results(path: Path) -> list[dict]:
    """The result records printed by one executed notebook."""
    from rnn_attention.claims import find_results

    return find_results(nbtext.printed_text(nbformat.read(path, as_version=4)))


def all_results() -> list[dict]:
    """ci results from solutions/, then each results/profile-*.json, in notebook order."""
    records = []
    for row in course.NOTEBOOKS:
        records += notebook_results(ROOT / "solutions" / f"{row.stem}.ipynb")
    for path in sorted((ROOT / "results").glob("profile-*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        if report.get("profile") == "ci":
            continue  # the committed solutions are the ci record
        for name in sorted(report["notebooks"]):
            records += report["notebooks"][name].get("results", [])
    return sorted(records, key=lambda r: (r["name"], PROFILE_ORDER.get(r.get("profile"), 9)))


def _number(value) -> str:
    """A figure as the table shows it: 3 decimals for fractions, plain otherwise."""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def render(records: list[dict]) -> str:
    """The markdown table, one row per result."""
    lines = [
        "| what | profile | machine | steps | time | result (test split) |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        steps = str(r.get("steps", ""))
        if r.get("steps_planned") not in (None, r.get("steps")):
            steps += f" of {r['steps_planned']}"
        seconds = f"{r['seconds']:.0f} s" if isinstance(r.get("seconds"), (int, float)) else ""
        metrics = "; ".join(f"{k.replace('_', ' ')} {_number(v)}" for k, v in r.items() if k not in STANDARD)
        profile, machine = r.get("profile", "?"), r.get("machine", "")
        lines.append(f"| {r['name']} | `{profile}` | {machine} | {steps} | {seconds} | {metrics} |")
    return "\n".join(lines)


def updated_readme(text: str, table: str) -> str:
    """README text with the block between the markers replaced by `table`."""
    if BEGIN not in text or END not in text:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv: list[str]) -> int:
    """Rewrite README.md, or with --check only compare."""
    text = README.read_text(encoding="utf-8")
    new = updated_readme(text, render(all_results()))
    if "--check" in argv:
        if new != text:
            print("README.md's figures differ from the stored results: run `make figures`")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    print("README.md figures rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
