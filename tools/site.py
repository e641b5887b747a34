"""Render the executed instructor notebooks as a static web site.

    python tools/site.py [OUT]        solutions/NN_*.ipynb -> OUT/ (default _site/)

Each notebook becomes `OUT/NN_name.html` (nbconvert's lab template, outputs as
stored, widget state embedded), and `OUT/index.html` lists them in course
order with the number, title and one-line summary read from each notebook's
first cell.

Widgets: the solutions are executed with `store_widget_state=True`, so the
pages carry the widgets' state and nbconvert adds a script that loads the
ipywidgets html-manager from a CDN (unpkg.com) to draw them. A reader offline
does not get that script, so under every widget this tool also writes a static
snapshot of what the widget showed when the notebook was executed (its text
lines and figure); a small script hides the snapshot once the live widget has
been drawn. Equations are typeset by MathJax, also from a CDN; offline they
show as TeX source.
"""

from __future__ import annotations

import base64
import html
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
COURSE_TITLE = "Attention over variable-length input"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

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
Interactive widgets and typeset equations load their scripts from a CDN (unpkg.com, MathJax); without a network
the pages show a static snapshot of each widget and the equations as TeX.</footer>
</body>
</html>
"""

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "theta": "θ",
    "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "top": "ᵀ", "cdot": "·", "times": "×",
    "sqrt": "√", "sum": "Σ", "to": "→", "le": "≤", "ge": "≥",
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
    return "".join(formula(re.match(r"\$([^$]+)\$", p)) if p.startswith("$") and len(p) > 1 else html.escape(p) for p in parts)


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
    if name in {"IntSliderModel", "FloatSliderModel", "IntTextModel", "FloatTextModel", "DropdownModel", "CheckboxModel"}:
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


def render_page(info: dict, nav: str) -> str:
    """One notebook as a complete HTML page."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(info["path"], as_version=4)
    add_widget_snapshots(nb)
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": f"{info['number']} · {info['title']}"}})
    body = body.replace("</head>", PAGE_STYLE + "</head>", 1)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)
    return body.replace("</body>", SNAPSHOT_SCRIPT + "</body>", 1)


def build_site(out: Path | str = ROOT / "_site", solutions: Path | str = SOLUTIONS) -> list[Path]:
    """Write OUT/index.html and one page per executed solutions/NN_*.ipynb; return the files written."""
    out, solutions = Path(out), Path(solutions)
    notebooks = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
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


def main(argv: list[str]) -> int:
    """Command-line entry point: build the site and say where it is."""
    out = Path(argv[0]) if argv else ROOT / "_site"
    start = time.perf_counter()
    written = build_site(out)
    print(f"wrote {len(written) - 1} notebook pages and {written[0]} in {time.perf_counter() - start:.1f} s")
    print(f"open {written[0].resolve().as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
