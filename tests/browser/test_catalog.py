"""No browser needed: every widget the notebooks show has a browser spec, and the driver notebooks can be built.

This file runs in `make test` too (tests/browser/conftest.py collects it always), so a notebook that gains a
widget (a new `rnn_attention/widgets/notebookNN.py` builder called from solutions/NN_*.py) fails here,
naming the widget, until tests/browser/test_widgets.py says how to drive it and what it must show.
"""

from __future__ import annotations

import nbformat
import pytest
import widget_catalog
from test_widgets import BY_NOTEBOOK, QUICKER, SPECS, USES
from widget_catalog import names, slice_cells


def test_every_widget_module_is_shown_by_its_notebook():
    uses, problems = widget_catalog.discover()
    assert not problems, "\n".join(problems)
    modules = widget_catalog.widget_modules()
    assert {use.number for use in uses} == {number for number, builders in modules.items() if builders}


def test_every_widget_shown_has_a_browser_spec():
    assert USES, "no widget found in solutions/: the discovery is broken"
    uncovered = [
        f"notebook {use.number}: {use.builder} (solutions/{use.stem}.py code cell {use.cell})"
        for use in USES
        if use.builder not in SPECS
    ]
    assert not uncovered, (
        "widgets that the browser test does not drive: add a spec (controls and expected output) to SPECS in "
        f"tests/browser/test_widgets.py: {uncovered}"
    )
    unused = sorted(set(SPECS) - {use.builder for use in USES})
    assert not unused, f"SPECS for widgets that no notebook shows: {unused}"


@pytest.mark.parametrize("stem", sorted(BY_NOTEBOOK))
def test_driver_notebook_builds(stem, tmp_path):
    """Each notebook's driver holds its widget cells (and fewer cells than the notebook); QUICKER still applies."""
    uses = BY_NOTEBOOK[stem]
    path = tmp_path / f"{stem}.ipynb"
    cells = widget_catalog.driver_notebook(stem, uses, path, replace=QUICKER.get(stem[:2], ()))
    nb = nbformat.read(path, as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    for use in uses:
        assert use.builder in code[cells[use.key]]
    assert len(code) < len(widget_catalog.code_cells(stem)), "the driver should not run the whole notebook"


def test_names_follow_the_order_a_cell_runs_in():
    cell = names("x = f(x)\nfor k in y:\n    k.g()\nz = [a for a in b]\ndef h(q):\n    return q + w\nn += 1\n")
    assert cell.reads == {"f", "x", "y", "b", "w", "n"}  # not k, a, q (bound in the cell or local)
    assert cell.binds == {"x", "k", "z", "h", "n"}
    assert "k" in cell.mutates


def test_slice_takes_the_last_binding_and_later_changes():
    cells = [
        "import torch",  # 0: read by the widget cell
        "torch.manual_seed(0)",  # 1: changes a module only: not needed
        "model = build()",  # 2: the binding the widget reads
        "state = load()",  # 3: read by 4
        "model.load_state_dict(state)",  # 4: changes model in place after 2: needed
        "state = None",  # 5: after 4: not what 4 read
        "unrelated = [model for model in range(3)]",  # 6: a comprehension's own `model`: not a binding
        "plot(x)",  # 7: unrelated
        "w = widget(model, torch)",  # 8: the widget cell
    ]
    assert slice_cells(cells, [8]) == [0, 2, 3, 4, 8]


def test_a_removed_slow_cell_is_reported():
    stem = next(stem for stem in BY_NOTEBOOK if stem.startswith("10"))
    with pytest.raises(ValueError, match="no cell the widgets need contains"):
        widget_catalog.driver_notebook(stem, BY_NOTEBOOK[stem], None, replace=(("no such text", "x"),))
