"""The grader's command line: `python tools/grade STUDENT.ipynb [...] [--csv FILE] [--timeout S] [--isolation M]`."""

import argparse
import sys
from pathlib import Path

if not __package__:  # run as `python tools/grade`: import the package from tools/, not from inside it
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import grade
from grade import DEFAULT_TIMEOUT, choose_isolation, format_report, write_csv
from grade.report import shown


def main(argv: list[str]) -> int:
    """Command-line entry point; exit 0 when every notebook could be read and graded, 2 otherwise."""
    parser = argparse.ArgumentParser(description=grade.__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="student notebooks (.ipynb)")
    parser.add_argument("--csv", type=Path, help="also write the verdicts to this CSV file")
    parser.add_argument(
        "--timeout", type=int, default=DEFAULT_TIMEOUT, help=f"seconds allowed per notebook (default {DEFAULT_TIMEOUT})"
    )
    parser.add_argument(
        "--isolation",
        choices=("auto", "sandbox", "copy"),
        default="auto",
        help="sandbox: namespaces, chroot and an unprivileged uid (needs root); copy: your user, a read-only copy; "
        "auto (default): sandbox when possible",
    )
    args = parser.parse_args(argv)
    mode, note = choose_isolation(args.isolation)
    if note:
        print(note, file=sys.stderr)
    reports, status, digests = [], 0, {}
    for path in args.notebooks:
        try:
            report = grade.grade(path, timeout=args.timeout, isolation=mode)
        except Exception as error:  # one missing submission must not stop the class's grading
            print(shown(f"{path}: could not be graded: {type(error).__name__}: {error}"), file=sys.stderr)
            status = 2
            continue
        if report.problem and report.problem.startswith(("not a valid notebook", "refused")):
            status = 2
        if report.digest:
            if report.digest in digests:
                report.notes.append(f"the same file as {digests[report.digest]}")
            digests.setdefault(report.digest, path)
        if report.limits and not reports:
            print(f"limits per notebook: {report.limits}", file=sys.stderr)
        reports.append(report)
        print(format_report(report))
        print()
    late = grade.grading.tampered_after_restore() if mode == "copy" else ""
    if late:  # the last notebook's leftovers changed the checks after its restore
        print(shown(late.replace("refused: ", "warning: ", 1)), file=sys.stderr)
        status = 2
    if args.csv:
        write_csv(reports, args.csv)
        print(f"wrote {args.csv}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
