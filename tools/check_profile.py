"""Execute the training notebooks under one profile and check every claim they print.

    python tools/check_profile.py PROFILE [NN ...]     (make check-profile PROFILE=cpu)

Tests run the notebooks with the small `ci` profile only. A student gets `cpu`
(or `gpu` on CUDA), with other step budgets, so a claim that holds under `ci`
may not hold there. This tool executes solutions/NN_*.py (by default the
notebooks that train, rnn_attention/course.py) with COURSE_PROFILE=PROFILE in a fresh
kernel each, writes the executed copies to artifacts/profile-PROFILE/, and
prints per notebook its time, its claims and whether they held. It exits 1
when a cell raised or a claim printed False. Its summary is written to
results/profile-PROFILE.json, the record that the README's figures quote.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbbuild  # the sibling modules: one way to read and execute a notebook source,
import nbtext  # and what the tools read in a notebook

from rnn_attention import course  # noqa: E402

ROOT = nbbuild.ROOT
TRAINING_NOTEBOOKS = tuple(row.number for row in course.training_notebooks())


def check(profile: str, prefixes: list[str]) -> dict:
    """Execute each chosen notebook under `profile`; return {notebook: {seconds, claims, error}}."""
    from rnn_attention.claims import find_claims, find_results
    from rnn_attention.train import PROFILES

    if profile not in PROFILES:
        raise SystemExit(f"check_profile: unknown profile {profile!r}; expected one of {sorted(PROFILES)}")
    out_dir = ROOT / "artifacts" / f"profile-{profile}"
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {}
    for path in nbbuild.sources():
        if not any(path.name.startswith(prefix) for prefix in prefixes):
            continue
        print(f"== {path.name} under COURSE_PROFILE={profile} ...", flush=True)
        nb, error, start = nbbuild.read_source(path), None, time.perf_counter()
        try:
            nbbuild.execute(nb, nbbuild.SOLUTIONS, env={"COURSE_PROFILE": profile}, timeout=3600)
        except Exception as exc:  # a failing cell: record it, go on with the next notebook
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        seconds = time.perf_counter() - start
        (out_dir / path.with_suffix(".ipynb").name).write_text(nbbuild.dumps(nb), encoding="utf-8")
        claims = find_claims(nbtext.printed_text(nb))
        report[path.stem] = {
            "seconds": round(seconds, 1),
            "claims": claims,
            "error": error,
            "results": find_results(nbtext.printed_text(nb)),
        }
        for statement, holds in claims:
            print(f"   {'ok   ' if holds else 'FALSE'} {statement}")
        print(f"   {seconds:.0f} s, {len(claims)} claims" + (f", ERROR {error}" if error else ""), flush=True)
    return report


def main(argv: list[str]) -> int:
    """Command-line entry point: exit 1 if any notebook failed or any claim printed False."""
    if not argv:
        print(__doc__)
        return 2
    profile, prefixes = argv[0], argv[1:] or list(TRAINING_NOTEBOOKS)
    report = check(profile, prefixes)
    results = ROOT / "results"
    results.mkdir(exist_ok=True)
    path = results / f"profile-{profile}.json"
    # Notebooks checked in an earlier run keep their record; the ones run now replace theirs.
    earlier = json.loads(path.read_text(encoding="utf-8"))["notebooks"] if path.exists() else {}
    summary = {"profile": profile, "notebooks": {**earlier, **report}}
    path.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    failed = [name for name, r in report.items() if r["error"] or not all(h for _, h in r["claims"])]
    total = sum(r["seconds"] for r in report.values())
    print(
        f"check-profile {profile}: {len(report)} notebooks in {total:.0f} s; "
        + ("all claims hold" if not failed else f"FAILED: {failed}")
    )
    return 1 if failed or not report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
