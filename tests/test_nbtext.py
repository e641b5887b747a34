"""tools/nbtext.py: one reading of a notebook for every tool (printed text, code cells, check calls, markers)."""

import ast
import importlib.util
import sys
from pathlib import Path

import nbformat

from rnn_attention.claims import find_claims, find_results

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402
import nbtext  # noqa: E402

_spec = importlib.util.spec_from_file_location("course_figures", ROOT / "tools" / "figures.py")
figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figures)

STDOUT = 'claim: printed: True\nresult: {"name": "printed", "profile": "ci"}\n\u2705 Exercise 1.1 passed: printed\n'
DECOYS = 'claim: decoy: False\nresult: {"name": "decoy", "profile": "ci"}\n\u2705 Exercise 1.2 passed: decoy\n'


def _notebook():
    """Every kind of output once: only the stdout streams are printed text; each other one holds decoy lines."""
    v4 = nbformat.v4
    return v4.new_notebook(
        cells=[
            v4.new_markdown_cell(DECOYS),
            v4.new_code_cell(
                "print(...)",
                outputs=[
                    v4.new_output("stream", name="stdout", text=STDOUT),
                    v4.new_output("stream", name="stderr", text=DECOYS),
                    v4.new_output("execute_result", data={"text/plain": DECOYS}, execution_count=1),
                    v4.new_output("display_data", data={"text/plain": DECOYS}),
                    v4.new_output("error", ename="ValueError", evalue=DECOYS, traceback=[DECOYS]),
                ],
            ),
            v4.new_raw_cell(DECOYS),
            v4.new_code_cell("print(2)", outputs=[v4.new_output("stream", name="stdout", text="two")]),
        ]
    )


def test_printed_text_is_the_stdout_streams_of_code_cells_in_order():
    nb = _notebook()
    assert list(nbtext.printed_outputs(nb)) == [(1, STDOUT), (3, "two")]
    assert nbtext.printed_text(nb) == STDOUT + "\ntwo"
    assert find_claims(nbtext.printed_text(nb)) == [("printed", True)]


def test_every_tool_reads_the_same_printed_text(tmp_path):
    # The claims test and make check-profile call nbtext.printed_text; the figures and the grader's
    # printed-verdict notes must find the same lines, and none of the decoys.
    path = tmp_path / "06_training.ipynb"
    nbformat.write(_notebook(), path)
    assert figures.notebook_results(path) == [{"name": "printed", "profile": "ci"}]
    assert find_results(nbtext.printed_text(nbformat.read(path, as_version=4))) == figures.notebook_results(path)
    assert [(v.exercise, v.status) for v in grade.parse_checks(_notebook())] == [("Exercise 1.1", "passed")]


def test_code_sources_are_the_code_cells_with_their_index():
    assert nbtext.code_sources(_notebook()) == [(1, "print(...)"), (3, "print(2)")]


def test_check_call_is_a_check_with_one_function_name():
    def first(source):
        return nbtext.check_call(ast.parse(source).body[0])

    assert first("check_weighted_sum(weighted_sum)") == ("check_weighted_sum", "weighted_sum")
    assert first("check_weighted_sum(weighted_sum, 3)") is None
    assert first("check_weighted_sum(lambda x: x)") is None
    assert first("result = check_weighted_sum(weighted_sum)") is None
    assert first("weighted_sum(check_x)") is None
    assert nbtext.check_call(None) is None


def test_markers_keep_the_indent_and_the_hint_text():
    assert nbtext.BEGIN.match("    # BEGIN SOLUTION")["indent"] == "    "
    assert nbtext.END.match("\t# END SOLUTION  ")
    assert not nbtext.BEGIN.match("x = 1  # BEGIN SOLUTION")
    hint = nbtext.HINT.match("  # HINT: use the mask")
    assert (hint["indent"], hint["text"]) == ("  ", "use the mask")
    assert nbtext.HINT.match("# HINT use it")["text"] == "use it"
