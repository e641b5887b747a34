"""Render the executed instructor notebooks as a static web site.

    python tools/site.py [OUT]                solutions/NN_*.ipynb -> OUT/ (default _site/)
    python tools/site.py --check-pins [DIR]   re-derive the script hashes (site_pins.py) from the npm registry
                                              (and keep the npm tarballs in DIR)

Each notebook becomes `OUT/NN_name.html` (nbconvert's lab template, outputs as
stored, widget state embedded), and `OUT/index.html` lists them in course
order with the number, title and one-line summary read from each notebook's
first cell.

Scripts: a page loads three scripts from outside itself, each one exact file
of one exact npm release from unpkg.com with a Subresource Integrity hash
(PINNED_SCRIPTS in site_pins.py): require.js, the ipywidgets html-manager (draws the
widgets from the state the solutions were executed with, `store_widget_state=True`)
and MathJax (typesets the equations). A browser that gets other bytes than
the hashed ones refuses to run them.

Offline (or when a hash does not match) the widgets are not drawn, so under
every widget this tool also writes a static snapshot of what the widget showed
when the notebook was executed (its text lines and figure); a small script
hides the snapshot once the live widget has been drawn. Equations then show as
TeX source.

One job per file: this one builds the pages and the index; site_pins.py holds the
pinned scripts and checks their hashes against npm; site_html.py the pages'
HTML, CSS and JavaScript; site_snapshots.py the widget snapshots.
"""

from __future__ import annotations

import html
import re
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

# the sibling modules (`import site` would be the standard library's, so these are site_*)
from site_html import INDEX_TEMPLATE, PAGE_STYLE, PAGE_TEMPLATE, SNAPSHOT_SCRIPT, page_scripts
from site_pins import HTML_MANAGER, WIDGET_STATE_VERSION_MAJOR, check_pins
from site_snapshots import WIDGET_STATE, add_widget_snapshots

from rnn_attention import course

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
COURSE_TITLE = "Attention over variable-length input"


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


def _nav(pages: list[dict], index: int) -> str:
    """Links to the index and the previous and next notebooks."""
    links = ['<a href="index.html">↑ All notebooks</a>']
    if index > 0:
        links.append(f'<a href="{pages[index - 1]["html_name"]}">← {pages[index - 1]["number"]}</a>')
    if index + 1 < len(pages):
        links.append(f'<a href="{pages[index + 1]["html_name"]}">{pages[index + 1]["number"]} →</a>')
    return '<nav class="course-nav">' + " ".join(links) + "</nav>"


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
