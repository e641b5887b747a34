"""The HTML, CSS and JavaScript of the site's pages, held as strings: page template, scripts, style, index."""

from __future__ import annotations

from site_pins import HTML_MANAGER, MATHJAX, REQUIRE_JS

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

# nbconvert's lab template with its script blocks replaced by the pinned scripts (site_pins.py). The html-manager is a
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


def page_scripts() -> dict:
    """The <script> tags that replace nbconvert's: the pinned, hashed files (see PINNED_SCRIPTS)."""
    return {
        "requirejs": REQUIRE_JS.tag(),
        "html_manager": HTML_MANAGER.tag("defer"),
        "mathjax": MATHJAX_CONFIG + "\n" + MATHJAX.tag("defer"),
    }
