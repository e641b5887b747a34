"""Static snapshots of the widgets: what each one showed when its notebook was executed, drawn without scripts.

Offline (or when a pinned script's hash does not match) the live widgets are not drawn; the snapshot under
each one is what the reader sees instead (a script in site_html.py hides it once the live widget is drawn).
"""

from __future__ import annotations

import base64
import html

import nbformat
import nbtext

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


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
    for _, cell in nbtext.code_cells(nb):
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
