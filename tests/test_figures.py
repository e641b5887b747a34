"""The README's table of figures is what the stored results say (tools/figures.py, `make figures`)."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course_figures", ROOT / "tools" / "figures.py")
figures = importlib.util.module_from_spec(_spec)
sys.modules["course_figures"] = figures
_spec.loader.exec_module(figures)


def test_readme_figures_match_the_stored_results():
    text = figures.README.read_text(encoding="utf-8")
    expected = figures.updated_readme(text, figures.render(figures.all_results()))
    assert text == expected, "README.md's figures differ from the executed notebooks and results/: run `make figures`"


def test_the_table_has_a_row_per_training_notebook():
    names = {record["name"] for record in figures.all_results()}
    assert any(name.startswith("06 ") for name in names), names


def test_render_shows_steps_cut_short_and_metrics():
    table = figures.render(
        [
            {
                "name": "x",
                "profile": "cpu",
                "machine": "m",
                "steps": 5,
                "steps_planned": 9,
                "seconds": 12.4,
                "exact_match": 0.98765,
            }
        ]
    )
    assert "| x | `cpu` | m | 5 of 9 | 12 s | exact match 0.988 |" in table
