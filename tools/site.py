"""Render the executed instructor notebooks as a static web site.

    python tools/site.py [OUT]                solutions/NN_*.ipynb -> OUT/ (default _site/)
    python tools/site.py --check-pins [DIR]   re-derive the script hashes below from the npm registry
                                              (and keep the npm tarballs in DIR)

Each notebook becomes `OUT/NN_name.html` (nbconvert's lab template, outputs as
stored, widget state embedded), and `OUT/index.html` lists them in course
order with the number, title and one-line summary read from each notebook's
first cell.

Scripts: a page loads three scripts from outside itself, each one exact file
of one exact npm release from unpkg.com with a Subresource Integrity hash
(PINNED_SCRIPTS below): require.js, the ipywidgets html-manager (draws the
widgets from the state the solutions were executed with, `store_widget_state=True`)
and MathJax (typesets the equations). A browser that gets other bytes than
the hashed ones refuses to run them.

Offline (or when a hash does not match) the widgets are not drawn, so under
every widget this tool also writes a static snapshot of what the widget showed
when the notebook was executed (its text lines and figure); a small script
hides the snapshot once the live widget has been drawn. Equations then show as
TeX source.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import sys
import tarfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

import nbformat

from rnn_attention import course

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
COURSE_TITLE = "Attention over variable-length input"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# ---- The scripts the pages load -------------------------------------------------------------------------------
#
# Every script a page loads from outside itself: one file of one exact npm release, from unpkg.com, which serves
# the files of the npm tarball unchanged, each with its Subresource Integrity hash (`integrity="sha384-..."`,
# `crossorigin="anonymous"`). nbconvert's defaults are replaced (see PAGE_TEMPLATE): it loads the html-manager
# as `@jupyter-widgets/html-manager@*` (whatever is newest) without a hash, MathJax through `latest.js` (a loader
# that looks up the newest 2.x on the CDN), and require.js as a cdnjs-minified file that is in no npm package.
#
# Why these versions:
#   html-manager 1.0.15  the newest 1.0.x, the line for widget protocol 2 (ipywidgets 8): ipywidgets 8.1.9 declares
#                        `__html_manager_version__ = "^1.0.1"`; 1.0.15 depends on @jupyter-widgets/base ^6.0.12,
#                        controls ^5.0.13, output ^6.0.12, base-manager ^1.0.13, exactly the versions bundled in the
#                        pinned jupyterlab_widgets 3.0.17 (@jupyter-widgets/jupyterlab-manager 5.0.16).
#   requirejs 2.3.8      embed-amd.js needs an AMD loader; nbconvert's default is 2.1.10 (2014); 2.3.7 fixed the
#                        prototype pollution CVE-2024-38999, 2.3.8 is the newest release (same fix, reworded).
#   mathjax 3.2.2        the version JupyterLab 4.6.6 itself typesets with; `es5/tex-chtml-full.js` is a single
#                        file with every TeX extension, so no further script is fetched to typeset (MathJax 2's
#                        loader fetches several more files, which no integrity attribute can cover).
# Not vendored into _site/: the three files and the fonts they load are about 5 MB of minified code that the repo
# would have to carry (make site must not fetch them), for readers who are online anyway when they open the pages.
#
# How the hashes were computed, and how to update them: for each entry, fetch the npm tarball
# (`npm pack PACKAGE@VERSION`, or the `dist.tarball` URL that `npm view PACKAGE@VERSION` prints), check it against
# the registry's `dist.integrity` (sha512), unpack it and hash the file the page requests (`package/PATH`):
#     openssl dgst -sha384 -binary package/PATH | openssl base64 -A
# `python tools/site.py --check-pins` does exactly that (network: registry.npmjs.org only) and prints what to paste
# here; `--check-pins DIR` also keeps the tarballs in DIR, for COURSE_SITE_NPM_DIR (tests/test_site.py and the
# browser test then check the hashes and the live pages against them, offline). To update: change VERSION (and PATH
# if the package moved the file), run it, paste the new integrity, `make site`, look at a page online.
# tests/test_site.py checks the built pages against these constants without a network.
CDN = "https://unpkg.com"


class PinnedScript(NamedTuple):
    """One file of one exact npm release, loaded from CDN with its Subresource Integrity hash."""

    package: str
    version: str
    path: str  # inside the npm package (the tarball's `package/` folder)
    integrity: str  # "sha384-" + base64 of the SHA-384 of exactly that file

    @property
    def url(self) -> str:
        return f"{CDN}/{self.package}@{self.version}/{self.path}"

    def tag(self, *attributes: str) -> str:
        extra = "".join(" " + a for a in attributes)
        return f'<script src="{self.url}" integrity="{self.integrity}" crossorigin="anonymous"{extra}></script>'


REQUIRE_JS = PinnedScript(
    "requirejs", "2.3.8", "require.js", "sha384-gzoQyNpzaOK+Aes9TTuBq/ZgYdleZUDN3sFwxyLRbRytLEWofprkKj2F7z3a6nTu"
)
HTML_MANAGER = PinnedScript(
    "@jupyter-widgets/html-manager",
    "1.0.15",
    "dist/embed-amd.js",
    "sha384-/x/n24gdFNkRW3aFeWPOJ5tgVI0ZmBOBu6UKswtJLAm6SIAzWBZUdrLEr5A9yXvL",
)
MATHJAX = PinnedScript(
    "mathjax",
    "3.2.2",
    "es5/tex-chtml-full.js",
    "sha384-NR8saakDju74wZ6sprPPhEoWbaP3iVtXVJH12mRSiaIgxMdi33mOQj8bnF2WxzY3",
)
PINNED_SCRIPTS = (REQUIRE_JS, HTML_MANAGER, MATHJAX)
# The widget-state format the html-manager 1.0.x draws (ipywidgets 8); pages with another one are refused.
WIDGET_STATE_VERSION_MAJOR = 2

# MathJax 3 set up like JupyterLab's: $...$ and \(...\) inline, $$...$$ and \[...\] displayed, AMS numbering.
# The widgets (@jupyter-widgets/base) typeset their labels through MathJax 2's `MathJax.Hub.Queue`; a small
# `Hub` stands in for it (before MathJax has loaded, and after it replaced window.MathJax) so that drawing a
# widget does not throw "Cannot read properties of undefined (reading 'Queue')".
MATHJAX_CONFIG = r"""<script>
(function () {
  var hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        if (Array.isArray(job) && job[0] === 'Typeset' && window.MathJax && window.MathJax.typesetPromise) {
          window.MathJax.typesetPromise(job[2] ? [job[2]] : undefined).catch(function () {});
        }
      });
    }
  };
  window.MathJax = {
    Hub: hub,
    tex: {
      inlineMath: [['$', '$'], ['\\(', '\\)']],
      displayMath: [['$$', '$$'], ['\\[', '\\]']],
      processEscapes: true,
      processEnvironments: true,
      tags: 'ams'
    },
    options: { ignoreHtmlClass: 'tex2jax_ignore', processHtmlClass: 'tex2jax_process' },
    startup: {
      ready: function () {
        window.MathJax.startup.defaultReady();
        window.MathJax.Hub = hub;
      }
    }
  };
}());
</script>"""

# nbconvert's lab template with its script blocks replaced by the pinned scripts above. The html-manager is a
# deferred <script> tag (nbconvert inserts it from a script at DOMContentLoaded, where no integrity is checked); it
# runs after require.js and draws the widgets on `load`. Mermaid is left out: no notebook of the course has a
# diagram (build_site refuses one), and nbconvert would import it from cdnjs without a hash.
PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}
{{ resources.course_scripts.requirejs }}
{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}
{%- if "widgets" in nb.metadata -%}
{{ resources.course_scripts.html_manager }}
{%- endif -%}
{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}
{{ resources.course_scripts.mathjax }}
{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}
{%- endblock html_head_js_mermaidjs -%}
"""

# Hides a static snapshot once the html-manager has drawn the live widget above it.
SNAPSHOT_SCRIPT = """
<script>
(function () {
  var tries = 0;
  function hideDrawn() {
    document.querySelectorAll('.widget-snapshot').forEach(function (snapshot) {
      var child = snapshot.closest('.jp-OutputArea-child');
      var previous = child && child.previousElementSibling;
      var live = previous && previous.querySelector('.jupyter-widgets');
      if (live && live.querySelector('.lm-Widget, .widget-container, .widget-inline-hbox')) {
        child.style.display = 'none';
      }
    });
    if (++tries < 60) { setTimeout(hideDrawn, 500); }
  }
  window.addEventListener('load', hideDrawn);
}());
</script>
"""

PAGE_STYLE = """
<style>
nav.course-nav { font-family: system-ui, sans-serif; font-size: 14px; padding: 8px 16px;
  border-bottom: 1px solid #ddd; background: #f7f7f7; display: flex; gap: 1.5em; }
nav.course-nav a { color: #1a5fb4; text-decoration: none; }
.widget-snapshot { border-left: 3px solid #c0c0c0; padding-left: 8px; }
.widget-snapshot .snapshot-note { font-size: 12px; color: #666; font-style: italic; margin: 0 0 4px 0; }
.widget-snapshot pre { margin: 2px 0; }
</style>
"""

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60em; margin: 2em auto;
  padding: 0 1em; line-height: 1.5; color: #222; }}
h1 {{ font-size: 1.8em; margin-bottom: 0.2em; }}
.lead {{ color: #444; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 1.5em; }}
th, td {{ text-align: left; vertical-align: top; padding: 0.5em 0.6em; border-bottom: 1px solid #ddd; }}
td.number {{ font-variant-numeric: tabular-nums; color: #666; width: 2.5em; }}
a.notebook-link {{ font-weight: 600; color: #1a5fb4; text-decoration: none; }}
a.notebook-link:hover {{ text-decoration: underline; }}
.summary {{ color: #444; }}
footer {{ margin-top: 2em; font-size: 0.9em; color: #666; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="lead">How can attention have a weight for every input position when every input has a different length?
These are the course's instructor notebooks, executed, with every output. To run them yourself and do the exercises,
clone the course and run <code>make lab</code>.</p>
<table>
<thead><tr><th>#</th><th>notebook</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<footer>Built {built} from <code>solutions/</code> by <code>tools/site.py</code>.
Interactive widgets and typeset equations load their scripts from unpkg.com (exact versions, integrity-checked);
without a network the pages show a static snapshot of each widget and the equations as TeX.</footer>
</body>
</html>
"""

_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "sigma": "σ",
    "tau": "τ",
    "top": "ᵀ",
    "cdot": "·",
    "times": "×",
    "sqrt": "√",
    "sum": "Σ",
    "to": "→",
    "le": "≤",
    "ge": "≥",
}


def tex_to_html(text: str) -> str:
    """Escape text for HTML, with its small inline `$...$` formulas made readable (subscripts, Greek)."""

    def formula(match: re.Match) -> str:
        tex = match.group(1)
        tex = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), tex)
        tex = html.escape(tex)
        tex = re.sub(r"_\{([^{}]*)\}", r"<sub>\1</sub>", tex)
        tex = re.sub(r"_([A-Za-z0-9])", r"<sub>\1</sub>", tex)
        tex = re.sub(r"\^\{([^{}]*)\}", r"<sup>\1</sup>", tex)
        tex = re.sub(r"\^([A-Za-z0-9])", r"<sup>\1</sup>", tex)
        return f"<i>{tex.replace('{', '').replace('}', '')}</i>"

    parts = re.split(r"(\$[^$]+\$)", text)
    return "".join(
        formula(re.match(r"\$([^$]+)\$", p)) if p.startswith("$") and len(p) > 1 else html.escape(p) for p in parts
    )


def notebook_info(path: Path) -> dict:
    """Number, title and one-line summary from the notebook's first cell ('# NN · Title' then '*summary*')."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source if nb.cells else ""
    heading = re.search(r"^#\s+(\d\d)\s*[·:.-]?\s*(.+?)\s*$", first, re.M)
    if heading:
        number, title = heading.group(1), heading.group(2)
    else:
        number, title = path.stem[:2], path.stem[3:].replace("_", " ")
    summary = re.search(r"^\*([^*].*?)\*\s*$", first, re.M)
    return {
        "path": path,
        "number": number,
        "title": title,
        "summary": summary.group(1) if summary else "",
        "html_name": path.with_suffix(".html").name,
    }


def _widget_models(nb: nbformat.NotebookNode) -> dict:
    """model_id -> model state from the notebook's stored widget state."""
    stored = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    return {model_id: model.get("state", {}) for model_id, model in stored.get("state", {}).items()}


def _snapshot_parts(model_id: str, models: dict, seen: set) -> list[str]:
    """HTML for what one widget and its children showed: labels and values, text lines, figures."""
    if model_id in seen or model_id not in models:
        return []
    seen.add(model_id)
    state, parts = models[model_id], []
    name = state.get("_model_name", "")
    for child in state.get("children", []):
        child_id = child.removeprefix("IPY_MODEL_") if isinstance(child, str) else None
        if child_id:
            parts += _snapshot_parts(child_id, models, seen)
    if name in {
        "IntSliderModel",
        "FloatSliderModel",
        "IntTextModel",
        "FloatTextModel",
        "DropdownModel",
        "CheckboxModel",
    }:
        value = state.get("value")
        if name == "DropdownModel" and isinstance(value, int) and state.get("_options_labels"):
            value = state["_options_labels"][value]
        parts.append(f"<div><b>{html.escape(str(state.get('description', '')))}</b>: {html.escape(str(value))}</div>")
    elif name == "HTMLModel":
        parts.append(f"<div>{state.get('value', '')}</div>")
    elif name in {"LabelModel", "HTMLMathModel"}:
        parts.append(f"<div>{html.escape(str(state.get('value', '')))}</div>")
    elif name == "OutputModel":
        for output in state.get("outputs", []):
            parts += _output_html(output)
    return parts


def _output_html(output: dict) -> list[str]:
    """One stored output as plain HTML (no scripts needed)."""
    if output.get("output_type") == "stream":
        return [f"<pre>{html.escape(output.get('text', ''))}</pre>"]
    data = output.get("data", {})
    if "image/png" in data:
        png = data["image/png"]
        png = png if isinstance(png, str) else base64.b64encode(png).decode()
        return [f'<img src="data:image/png;base64,{png.strip()}" alt="figure drawn by the widget">']
    if "text/html" in data:
        value = data["text/html"]
        return ["".join(value) if isinstance(value, list) else value]
    if "text/plain" in data:
        value = data["text/plain"]
        return [f"<pre>{html.escape(''.join(value) if isinstance(value, list) else value)}</pre>"]
    return []


def add_widget_snapshots(nb: nbformat.NotebookNode) -> int:
    """After each widget output, add a static HTML snapshot of what it showed; return how many."""
    models = _widget_models(nb)
    added = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            outputs.append(output)
            view = output.get("data", {}).get(WIDGET_VIEW)
            if not view:
                continue
            parts = _snapshot_parts(view.get("model_id", ""), models, set())
            if not parts:
                continue
            snapshot = (
                '<div class="widget-snapshot"><p class="snapshot-note">Static snapshot of the widget as executed; '
                "run the notebook in JupyterLab to move it.</p>" + "\n".join(parts) + "</div>"
            )
            outputs.append(nbformat.v4.new_output("display_data", data={"text/html": snapshot}))
            added += 1
        cell.outputs = outputs
    return added


def _nav(pages: list[dict], index: int) -> str:
    """Links to the index and the previous and next notebooks."""
    links = ['<a href="index.html">↑ All notebooks</a>']
    if index > 0:
        links.append(f'<a href="{pages[index - 1]["html_name"]}">← {pages[index - 1]["number"]}</a>')
    if index + 1 < len(pages):
        links.append(f'<a href="{pages[index + 1]["html_name"]}">{pages[index + 1]["number"]} →</a>')
    return '<nav class="course-nav">' + " ".join(links) + "</nav>"


def page_scripts() -> dict:
    """The <script> tags that replace nbconvert's: the pinned, hashed files (see PINNED_SCRIPTS)."""
    return {
        "requirejs": REQUIRE_JS.tag(),
        "html_manager": HTML_MANAGER.tag("defer"),
        "mathjax": MATHJAX_CONFIG + "\n" + MATHJAX.tag("defer"),
    }


def _check_renderable(nb: nbformat.NotebookNode, path: Path) -> None:
    """Refuse what the pinned scripts cannot show: another widget-state format, a Mermaid diagram."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE)
    if state is not None and state.get("version_major") != WIDGET_STATE_VERSION_MAJOR:
        raise ValueError(
            f"{path.name}: widget state version {state.get('version_major')}, but the pinned "
            f"{HTML_MANAGER.package} {HTML_MANAGER.version} draws version {WIDGET_STATE_VERSION_MAJOR} "
            "(ipywidgets 8); re-execute it with `make solutions`"
        )
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"^\s*(```|~~~)\s*mermaid", cell.source, re.M):
            raise ValueError(
                f"{path.name}: a Mermaid diagram, and the site loads no Mermaid (pin one in tools/site.py first)"
            )


def render_page(info: dict, nav: str) -> str:
    """One notebook as a complete HTML page."""
    import jinja2
    from nbconvert import HTMLExporter

    nb = nbformat.read(info["path"], as_version=4)
    _check_renderable(nb, info["path"])
    add_widget_snapshots(nb)
    exporter = HTMLExporter(
        template_name="lab",
        template_file="course_page.html.j2",
        extra_loaders=[jinja2.DictLoader({"course_page.html.j2": PAGE_TEMPLATE})],
    )
    resources = {"metadata": {"name": f"{info['number']} · {info['title']}"}, "course_scripts": page_scripts()}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = body.replace("</head>", PAGE_STYLE + "</head>", 1)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)
    return body.replace("</body>", SNAPSHOT_SCRIPT + "</body>", 1)


def build_site(out: Path | str = ROOT / "_site", solutions: Path | str = SOLUTIONS) -> list[Path]:
    """Write OUT/index.html and one page per executed solutions/NN_*.ipynb; return the files written."""
    out, solutions = Path(out), Path(solutions)
    notebooks = [path for row in course.NOTEBOOKS if (path := solutions / f"{row.stem}.ipynb").exists()]
    if not notebooks:
        raise FileNotFoundError(f"no NN_name.ipynb notebooks in {solutions}")
    out.mkdir(parents=True, exist_ok=True)
    pages = [notebook_info(path) for path in notebooks]
    written = []
    for index, info in enumerate(pages):
        target = out / info["html_name"]
        target.write_text(render_page(info, _nav(pages, index)), encoding="utf-8")
        written.append(target)
    rows = "\n".join(
        f'<tr><td class="number">{p["number"]}</td><td><a class="notebook-link" href="{p["html_name"]}">'
        f'{tex_to_html(p["title"])}</a><div class="summary">{tex_to_html(p["summary"])}</div></td></tr>'
        for p in pages
    )
    index = out / "index.html"
    index.write_text(
        INDEX_TEMPLATE.format(title=html.escape(COURSE_TITLE), rows=rows, built=time.strftime("%Y-%m-%d")),
        encoding="utf-8",
    )
    return [index, *written]


def tarball_name(script: PinnedScript) -> str:
    """The file name `npm pack PACKAGE@VERSION` gives the package's tarball."""
    return f"{script.package.lstrip('@').replace('/', '-')}-{script.version}.tgz"


def registry_tarball(script: PinnedScript) -> bytes:
    """The npm tarball of `script`'s release, from registry.npmjs.org, checked against the registry's sha512."""
    name = urllib.parse.quote(script.package, safe="@")
    with urllib.request.urlopen(f"https://registry.npmjs.org/{name}/{script.version}", timeout=60) as response:
        dist = json.load(response)["dist"]
    with urllib.request.urlopen(dist["tarball"], timeout=300) as response:
        tarball = response.read()
    algorithm, _, expected = dist["integrity"].partition("-")
    if base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode() != expected:
        raise ValueError(f"{dist['tarball']} does not match the registry's {dist['integrity']}")
    return tarball


def tarball_file(tarball: bytes, path: str) -> bytes:
    """The file `path` of an npm tarball (stored under `package/`)."""
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        member = archive.extractfile(f"package/{path}")
        if member is None:
            raise FileNotFoundError(f"no file package/{path} in the tarball")
        return member.read()


def sri(data: bytes) -> str:
    """The Subresource Integrity value of `data`: "sha384-" and the base64 of its SHA-384."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def check_pins(keep: Path | None = None) -> int:
    """Re-derive each pinned script's hash from the npm registry; print it; 1 if any differs from the constant.

    With `keep`, also write the tarballs there (named as `npm pack` names them), for the browser test.
    """
    differ = 0
    for script in PINNED_SCRIPTS:
        tarball = registry_tarball(script)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / tarball_name(script)).write_bytes(tarball)
        actual = sri(tarball_file(tarball, script.path))
        same = actual == script.integrity
        differ += not same
        print(
            f"{'ok  ' if same else 'DIFF'} {script.url}\n     {actual}"
            + ("" if same else f" (constant: {script.integrity})")
        )
    return 1 if differ else 0


def main(argv: list[str]) -> int:
    """Command-line entry point: build the site and say where it is (or --check-pins)."""
    if argv[:1] == ["--check-pins"]:
        return check_pins(Path(argv[1]) if len(argv) > 1 else None)
    out = Path(argv[0]) if argv else ROOT / "_site"
    start = time.perf_counter()
    written = build_site(out)
    print(f"wrote {len(written) - 1} notebook pages and {written[0]} in {time.perf_counter() - start:.1f} s")
    print(f"open {written[0].resolve().as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
