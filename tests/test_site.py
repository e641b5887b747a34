"""The static site (tools/site.py): index links, one page per notebook, widget snapshots, pinned scripts."""

import html
import importlib.util
import io
import os
import re
import tarfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Loaded by path: `import site` would give the standard library's module. It puts tools/ on sys.path for its
# sibling modules, the pinned scripts (site_pins.py) and the widget snapshots (site_snapshots.py).
_spec = importlib.util.spec_from_file_location("course_site", ROOT / "tools" / "site.py")
course_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course_site)
import site_pins  # noqa: E402
import site_snapshots  # noqa: E402

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
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if site_snapshots.WIDGET_VIEW in o.get("data", {})
    ]
    if not views:
        pytest.skip(f"{path.name} displays no widget")
    page = (out / path.with_suffix(".html").name).read_text(encoding="utf-8")
    assert site_snapshots.WIDGET_STATE in page, "widget state is not embedded"
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
                {
                    "output_type": "display_data",
                    "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
                    "metadata": {},
                },
            ],
        },
    }
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {
        site_snapshots.WIDGET_STATE: {
            "state": {k: {"state": v} for k, v in state.items()},
            "version_major": 2,
            "version_minor": 0,
        }
    }
    view = nbformat.v4.new_output(
        "display_data",
        data={
            site_snapshots.WIDGET_VIEW: {"model_id": "box", "version_major": 2, "version_minor": 0},
            "text/plain": "VBox()",
        },
    )
    nb.cells.append(nbformat.v4.new_code_cell("explorer.widget", outputs=[view]))
    assert site_snapshots.add_widget_snapshots(nb) == 1
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


# ---- The scripts the pages load: exact versions, integrity hashes (tools/site.py, PINNED_SCRIPTS) ----

# Script types a browser runs; data blocks such as the widget state (application/vnd.jupyter...) are not run.
_JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
# An exact version in a CDN URL: .../package@1.2.3/file (npm CDNs) or .../package/1.2.3/file (cdnjs);
# no range such as @* or @^1, no dist-tag such as @latest.
_EXACT_VERSION = re.compile(r"^https://[^/]+/([^?#]*[@/])?\d+\.\d+\.\d+/[^?#]+(\?[^#]*)?$")


class _Scripts(HTMLParser):
    """Every <script> of a page: its attributes and, for inline ones, its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = {"attrs": dict(attrs), "text": ""}
            self.scripts.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def _scripts(page: Path) -> list[dict]:
    parser = _Scripts()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.scripts


def test_every_script_is_relative_or_pinned_with_integrity(site):
    """Each <script src> of each page: relative, or https with an exact version, sha384 integrity, crossorigin."""
    out, written, _ = site
    pinned = {s.url: s.integrity for s in site_pins.PINNED_SCRIPTS}
    loaded = set()
    for page in written:
        for script in _scripts(page):
            src = script["attrs"].get("src")
            if src is None:
                continue
            if not re.match(r"^([a-z][a-z0-9+.-]*:|//)", src, re.I):
                assert (out / src).is_file(), f"{page.name}: relative script {src} is not in the site"
                continue
            assert _EXACT_VERSION.match(src), f"{page.name}: {src} is not an https URL with an exact version"
            assert "@*" not in src and "latest" not in src, f"{page.name}: {src} is a moving target"
            assert script["attrs"].get("integrity", "").startswith("sha384-"), f"{page.name}: {src} has no integrity"
            assert script["attrs"].get("crossorigin") == "anonymous", f"{page.name}: {src} lacks crossorigin=anonymous"
            assert pinned.get(src) == script["attrs"]["integrity"], f"{page.name}: {src} is not one of PINNED_SCRIPTS"
            loaded.add(src)
    assert loaded == set(pinned), f"pinned but never loaded, or the other way round: {loaded ^ set(pinned)}"


def test_no_inline_script_loads_a_remote_script(site):
    """nbconvert's loaders (a script element built at DOMContentLoaded, `import()` of Mermaid) are gone."""
    for page in site[1]:
        for script in _scripts(page):
            if script["attrs"].get("type", "").lower() not in _JS_TYPES or "src" in script["attrs"]:
                continue
            text = script["text"]
            assert not re.search(r"https?://|//unpkg|//cdn", text), (
                f"{page.name}: an inline script names a URL: {text.strip()[:200]}"
            )
            assert "import(" not in text and "createElement('script')" not in text, f"{page.name}: {text.strip()[:200]}"


def test_widget_pages_load_the_html_manager_after_require_js(site):
    """The html-manager (an AMD bundle) is deferred, so it runs after require.js; pages without widgets skip it."""
    out, _, notebooks = site
    for path in notebooks:
        srcs = [s["attrs"].get("src") for s in _scripts(out / path.with_suffix(".html").name)]
        has_widgets = "widgets" in nbformat.read(path, as_version=4).metadata
        assert (site_pins.HTML_MANAGER.url in srcs) == has_widgets, path.name
        assert site_pins.REQUIRE_JS.url in srcs and site_pins.MATHJAX.url in srcs, path.name
        if has_widgets:
            assert srcs.index(site_pins.REQUIRE_JS.url) < srcs.index(site_pins.HTML_MANAGER.url)
    assert "defer" in site_pins.HTML_MANAGER.tag("defer")


def test_pinned_constants_are_exact():
    for script in site_pins.PINNED_SCRIPTS:
        assert re.fullmatch(r"\d+\.\d+\.\d+", script.version), script
        # 48 bytes of SHA-384 are 64 base64 characters, no padding
        assert re.fullmatch(r"sha384-[A-Za-z0-9+/]{64}", script.integrity), script
        assert _EXACT_VERSION.match(script.url), script.url


def test_html_manager_fits_the_pinned_ipywidgets():
    """ipywidgets declares the html-manager range it works with; the stored widget states are the format it draws."""
    from ipywidgets import _version

    declared = _version.__html_manager_version__  # "^1.0.1" for ipywidgets 8.1.9
    match = re.fullmatch(r"\^(\d+)\.(\d+)\.(\d+)", declared)
    assert match, f"unexpected range {declared!r}"
    pinned = tuple(map(int, site_pins.HTML_MANAGER.version.split(".")))
    low = tuple(map(int, match.groups()))
    assert pinned[0] == low[0] and pinned >= low, f"html-manager {site_pins.HTML_MANAGER.version} outside {declared}"
    for path in NOTEBOOKS:
        state = nbformat.read(path, as_version=4).metadata.get("widgets", {}).get(site_snapshots.WIDGET_STATE)
        if state is not None:
            assert state["version_major"] == site_pins.WIDGET_STATE_VERSION_MAJOR, path.name


def test_pinned_hashes_match_the_npm_files():
    """The constants against the files of the npm tarballs, when a folder of them is given (no network here).

    Fill one with `python tools/site.py --check-pins DIR` (or `npm pack PACKAGE@VERSION` for each pin).
    """
    folder = os.environ.get("COURSE_SITE_NPM_DIR")
    if not folder:
        pytest.skip("set COURSE_SITE_NPM_DIR to a folder of the pinned npm tarballs (tools/site.py --check-pins DIR)")
    for script in site_pins.PINNED_SCRIPTS:
        tarball = (Path(folder) / site_pins.tarball_name(script)).read_bytes()
        assert site_pins.sri(site_pins.tarball_file(tarball, script.path)) == script.integrity, script.url


def test_sri_and_tarball_helpers(tmp_path):
    assert site_pins.sri(b"") == "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/dist/x.js")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"x = 1"))
    assert site_pins.tarball_file(buffer.getvalue(), "dist/x.js") == b"x = 1"
    with pytest.raises(KeyError):
        site_pins.tarball_file(buffer.getvalue(), "dist/missing.js")
    assert (
        site_pins.tarball_name(site_pins.HTML_MANAGER)
        == f"jupyter-widgets-html-manager-{site_pins.HTML_MANAGER.version}.tgz"
    )


def test_refuses_what_the_pinned_scripts_cannot_show(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {site_snapshots.WIDGET_STATE: {"state": {}, "version_major": 1, "version_minor": 0}}
    with pytest.raises(ValueError, match="widget state version 1"):
        course_site._check_renderable(nb, tmp_path / "10_old.ipynb")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("```mermaid\ngraph LR; a-->b\n```")])
    with pytest.raises(ValueError, match="Mermaid"):
        course_site._check_renderable(nb, tmp_path / "10_diagram.ipynb")
