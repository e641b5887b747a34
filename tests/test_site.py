"""The static site (tools/site.py): index links, one page per notebook, widget snapshots."""

import html
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Loaded by path: `import site` would give the standard library's module.
_spec = importlib.util.spec_from_file_location("course_site", ROOT / "tools" / "site.py")
course_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course_site)

NOTEBOOKS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    written = course_site.build_site(out)
    # the notebooks present at build time (the parametrized tests use those present at collection)
    return out, written, sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_executed_solutions():
    assert NOTEBOOKS, "solutions/ holds no executed NN_name.ipynb"


def test_index_links_every_notebook_in_order(site):
    out, written, notebooks = site
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="notebook-link" href="([^"]+)"', index)
    assert links == [p.with_suffix(".html").name for p in notebooks]
    for link in links:
        assert (out / link).is_file(), f"index links {link}, which was not written"
    assert len(written) == len(notebooks) + 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_page_has_its_title_and_summary(site, path):
    out = site[0]
    info = course_site.notebook_info(path)
    assert info["number"] == path.stem[:2]
    assert info["title"] and info["summary"], f"{path.name}: first cell lacks '# NN · Title' or '*summary*'"
    page = (out / info["html_name"]).read_text(encoding="utf-8")
    assert html.escape(info["title"], quote=False) in page or info["title"] in page
    assert 'href="index.html"' in page, "each page links back to the index"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert course_site.tex_to_html(info["summary"]) in index


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_widget_state_and_static_snapshot(site, path):
    """Pages of notebooks with widgets carry their state and a snapshot readable offline."""
    out = site[0]
    nb = nbformat.read(path, as_version=4)
    views = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if course_site.WIDGET_VIEW in o.get("data", {})
    ]
    if not views:
        pytest.skip(f"{path.name} displays no widget")
    page = (out / path.with_suffix(".html").name).read_text(encoding="utf-8")
    assert course_site.WIDGET_STATE in page, "widget state is not embedded"
    assert '<div class="widget-snapshot">' in page


def test_snapshot_of_a_synthetic_widget():
    """A VBox of a slider, an HTML line and an Output with a printed line and a figure."""
    state = {
        "box": {"_model_name": "VBoxModel", "children": ["IPY_MODEL_s", "IPY_MODEL_h", "IPY_MODEL_o"]},
        "s": {"_model_name": "IntSliderModel", "description": "source length T_x", "value": 7},
        "h": {"_model_name": "HTMLModel", "value": "<code>T_x = 7: 7 weights, sum = 1.000</code>"},
        "o": {
            "_model_name": "OutputModel",
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": "T_x = 7: 7 weights <ok>\n"},
                {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}, "metadata": {}},
            ],
        },
    }
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {
        course_site.WIDGET_STATE: {"state": {k: {"state": v} for k, v in state.items()}, "version_major": 2, "version_minor": 0}
    }
    view = nbformat.v4.new_output(
        "display_data", data={course_site.WIDGET_VIEW: {"model_id": "box", "version_major": 2, "version_minor": 0}, "text/plain": "VBox()"}
    )
    nb.cells.append(nbformat.v4.new_code_cell("explorer.widget", outputs=[view]))
    assert course_site.add_widget_snapshots(nb) == 1
    snapshot = nb.cells[0].outputs[1]["data"]["text/html"]
    assert "<b>source length T_x</b>: 7" in snapshot
    assert "<code>T_x = 7: 7 weights, sum = 1.000</code>" in snapshot
    assert "T_x = 7: 7 weights &lt;ok&gt;" in snapshot
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in snapshot


def test_tex_to_html_makes_small_formulas_readable():
    assert course_site.tex_to_html("scores $e_{ij}$ & $\\alpha$") == "scores <i>e<sub>ij</sub></i> &amp; <i>α</i>"
    assert course_site.tex_to_html("no formula <here>") == "no formula &lt;here&gt;"


def test_build_site_without_notebooks_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no NN_name.ipynb"):
        course_site.build_site(tmp_path / "out", solutions=tmp_path)
