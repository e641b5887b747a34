"""Every widget of every notebook, driven in JupyterLab in headless Chromium (Playwright, the system Chromium).

Which widgets: `widget_catalog.discover()` reads the widget modules (rnn_attention/widgets/notebookNN.py)
and the notebooks of the course table (solutions/NN_*.py) and finds every cell that builds a widget.
How they run: for each notebook, `widget_catalog.driver_notebook()` writes build/browser/<stem>.ipynb
with only the cells its widgets need (the widget cells and the cells that define what they read), so
that no notebook is executed in full; JupyterLab opens it and runs all of its cells. Notebook 10's
measurement is the one cell too slow for this (6 min on a loaded 2-core machine): its driver measures the
same reference models on 10 test sources per count instead of 200 (QUICKER below).

What is checked: SPECS holds, for each widget builder, how to move each of its controls (slider keys,
a dropdown choice, the check box, text typed then Enter or the button) and what the output must then
show: the number of weights, the printed value, the error message; every move must also change the
output (its text line or its figure). Each control the page shows must be one the spec drives; a
widget builder without a spec has its controls moved generically and then fails, naming it.
A screenshot of each widget after each move goes to artifacts/browser/widgets/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable
from itertools import groupby

import pytest
import widget_catalog
from labkit import ARTIFACTS, PAGE_LOAD_S, ROOT, accept_dialogs, kernel_state, run_all_cells, wait_for_kernel

DRIVERS = ROOT / "build" / "browser"
SHOTS = ARTIFACTS / "widgets"
RUN_ALL_S = 240  # the driver notebook's cells, after Run All Cells (notebook 10's measurement is the longest)
WIDGET_UPDATE_S = 45  # one control moved until the output has changed and the kernel is idle again
SETTLE_S = 0.8  # the output must stay the same this long (a slider moved by several keys redraws several times)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on show

# Cells too slow to run as they are, and the change that makes them quick without changing what the widget does.
QUICKER = {
    "11": (  # the widget shows the copy models only: measure those two (of six) at every test length
        (
            "run_copy_length(return_runs=True)",
            "run_copy_length(return_runs=True, models=['copy/additive', 'copy/relative_shift'])",
        ),
    ),
    "10": (
        (
            "run_extrapolation(return_runs=True, levers=True)",
            "run_extrapolation(return_runs=True, levers=True, "
            "setting_changes={'n_test_per_count': 10, 'n_test_longer': 60})",
        ),
    ),
}

USES, PROBLEMS = widget_catalog.discover()
BY_NOTEBOOK = {stem: list(group) for stem, group in groupby(USES, key=lambda use: use.stem)}

SEEN = """cell => {
  const out = cell.querySelector('.widget-output');
  const img = out ? out.querySelector('img') : null;
  const html = cell.querySelector('.widget-html');
  return {text: out ? out.innerText.trim() : '', image: img ? img.src : '', message: html ? html.innerText.trim() : ''};
}"""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


class Widget:
    """One widget in the page: its cell, its controls by label, moves that wait for the kernel's redraw."""

    def __init__(self, page, cell, lab, relative: str, name: str):
        self.page, self.cell, self.lab, self.relative, self.name = page, cell, lab, relative, name
        self.driven: set[tuple[str, str]] = set()
        self.moves = 0
        self.shots: list[str] = []

    # ---- what the page shows
    def seen(self) -> dict:
        return self.cell.evaluate(SEEN)

    @property
    def text(self) -> str:
        return self.seen()["text"]

    def controls(self) -> set[tuple[str, str]]:
        """(kind, label) of every control in the widget."""
        found = set()
        for kind, selector, label in (
            ("slider", ".widget-hslider", ".widget-label"),
            ("dropdown", ".widget-dropdown", ".widget-label"),
            ("text", ".widget-text", ".widget-label"),
            ("checkbox", ".widget-checkbox", None),
            ("button", "button.widget-button", None),
        ):
            elements = self.cell.locator(selector)
            for i in range(elements.count()):
                element = elements.nth(i)
                text = (element.locator(label).first if label else element).inner_text()
                found.add((kind, " ".join(text.replace("\u200b", " ").split())))  # a check box's label has a ZWSP
        return found

    def control(self, kind: str, label: str):
        selector = {"slider": ".widget-hslider", "dropdown": ".widget-dropdown", "text": ".widget-text"}[kind]
        return self.cell.locator(selector).filter(has=self.page.locator(".widget-label", has_text=label)).first

    def readout(self, label: str) -> str:
        """What the slider shows next to it: "7", "0.5", "k = 4"."""
        return self.control("slider", label).locator(".widget-readout").inner_text().strip()

    def handle(self, label: str):
        return self.control("slider", label).locator("[role=slider], .noUi-handle").first

    def aria(self, label: str, name: str) -> float:
        return float(self.handle(label).get_attribute(name))

    def match(self, pattern: str, where: str = "text") -> re.Match:
        value = self.seen()[where]
        found = re.search(pattern, value)
        assert found, f"{self.name}: {pattern!r} not in the widget's {where}: {value!r}"
        return found

    # ---- moves
    def slide(self, label: str, steps: int) -> dict:
        """Press ArrowRight (steps > 0) or ArrowLeft on the slider's handle; the state before the move."""
        before = self.seen()
        handle = self.handle(label)
        handle.focus()
        for _ in range(abs(steps)):
            handle.press("ArrowRight" if steps > 0 else "ArrowLeft")
            self.page.wait_for_timeout(120)
        return self._after(before, ("slider", label), f"{label} {steps:+d}")

    def choose(self, label: str, option: str) -> dict:
        before = self.seen()
        self.control("dropdown", label).locator("select").select_option(label=option)
        return self._after(before, ("dropdown", label), f"{label} = {option}")

    def toggle(self, label: str) -> dict:
        before = self.seen()
        self.cell.locator(".widget-checkbox", has_text=label).locator("input[type=checkbox]").first.click()
        return self._after(before, ("checkbox", label), f"{label} toggled")

    def type(self, label: str, text: str, submit: str) -> dict:
        """Type into the text box, then press Enter (submit="enter") or click the button named `submit`."""
        before = self.seen()
        box = self.control("text", label).locator("input").first
        box.fill(text)
        if submit == "enter":
            box.press("Enter")
        else:
            self.cell.locator("button.widget-button", has_text=submit).first.click()
            self.driven.add(("button", submit))
        return self._after(before, ("text", label), f"{label} = {text!r} + {submit}")

    def _after(self, before: dict, control: tuple[str, str], what: str) -> dict:
        """Wait until the output differs from `before`, stays so for SETTLE_S and the kernel is idle."""
        self.driven.add(control)
        deadline = time.monotonic() + WIDGET_UPDATE_S
        last, since = None, None
        while time.monotonic() < deadline:
            accept_dialogs(self.page)
            now = self.seen()
            if now != before and now == last and kernel_state(self.lab, self.relative) == "idle":
                if time.monotonic() - since >= SETTLE_S:
                    break
            else:
                since = time.monotonic()
            last = now
            self.page.wait_for_timeout(150)
        else:
            pytest.fail(f"{self.name}: '{what}' did not change the output (text or figure) within {WIDGET_UPDATE_S} s")
        self.moves += 1
        self.screenshot(f"{self.moves}-{slug(what)}")
        print(f"  {what}: {self.text.splitlines()[0] if self.text else self.seen()['message']}")
        return before

    def screenshot(self, suffix: str) -> None:
        """The widget's output area as a PNG, taken once its figure is decoded and was not redrawn meanwhile.

        (Typing a date and clicking Translate redraws twice with the same content: the box's change, then the
        click. A picture taken between the two shows an empty figure, so it is taken again.)
        """
        path = SHOTS / f"{self.name}-{suffix}.png"
        for _ in range(5):
            self.cell.scroll_into_view_if_needed()
            self.page.wait_for_function(
                "cell => Array.from(cell.querySelectorAll('.widget-output img'))"
                ".every(img => img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().height > 0)",
                arg=self.cell.element_handle(),
                timeout=WIDGET_UPDATE_S * 1000,
            )
            self.cell.evaluate(
                "cell => Promise.all(Array.from(cell.querySelectorAll('.widget-output img'))"
                ".map(img => { img.dataset.shot = '1'; return img.decode(); }))"
            )
            self.page.wait_for_timeout(500)
            self.cell.locator(".jp-Cell-outputArea").first.screenshot(path=str(path))
            if self.cell.evaluate(
                "cell => Array.from(cell.querySelectorAll('.widget-output img')).every(i => i.dataset.shot)"
            ):
                break
        self.shots.append(str(path.relative_to(ROOT)))


# ---------------------------------------------------------------------------------------------------------
# What each widget must do. One function per builder; `w` is the Widget in the page.


def spec_score_length(w: Widget) -> None:
    line = r"T_x = (\d+): (\d+) scores, parameters of a = (\d+)"
    T_x, n, params = map(int, w.match(line).groups())
    assert T_x == n == int(w.readout("source length T_x")), w.text
    for steps in (3, -5):
        w.slide("source length T_x", steps)
        T_x2, n2, params2 = map(int, w.match(line).groups())
        assert T_x2 == n2 == T_x + steps == int(w.readout("source length T_x")), w.text
        assert params2 == params, f"the parameters of a changed with T_x: {params} -> {params2}"
        T_x = T_x2


def spec_softmax(w: Widget) -> None:
    line = r"T_x = (\d+): (\d+) weights, sum = ([\d.]+), temperature = ([\d.]+)"
    T_x, n, total, tau = w.match(line).groups()
    assert T_x == n == w.readout("source length T_x") and total == "1.000", w.text
    w.slide("source length T_x", 3)
    T_x2, n2, total, tau2 = w.match(line).groups()
    assert int(T_x2) == int(n2) == int(T_x) + 3 and total == "1.000" and tau2 == tau, w.text
    w.slide("temperature tau", 5)
    T_x3, n3, total, tau3 = w.match(line).groups()
    assert (T_x3, n3, total) == (T_x2, n2, "1.000"), w.text
    assert abs(float(tau3) - (float(tau) + 0.5)) < 1e-6 and float(tau3) == float(w.readout("temperature tau")), w.text


def spec_context_hull(w: Widget) -> None:
    line = r"T_x = (\d+): c_i has (\d+) numbers, weights sum to ([\d.]+)"
    T_x = int(w.match(line)[1])
    w.slide("source length T_x", -2)
    T_x2, size, total = w.match(line).groups()
    assert int(T_x2) == T_x - 2 and size == "2" and total == "1.000", w.text  # c_i: 2 numbers for every T_x
    assert w.aria("focus position j", "aria-valuemax") == T_x - 2, "the focus slider must end at the new T_x"
    for label, steps in (("focus position j", 1), ("temperature tau (flat when large)", 30)):
        before = w.slide(label, steps)  # c_i moves: the figure changes, the text line (T_x, sum) does not
        assert w.text == before["text"] and w.seen()["image"] != before["image"], f"{label}: {w.text}"


def spec_padded_batch(w: Widget) -> None:
    line = r"B = (\d+), S = (\d+): (\d+) real positions of (\d+)"
    w.slide("maximum source length S", -3)
    B, S, real, total = map(int, w.match(line).groups())
    assert S == int(w.readout("maximum source length S")) and total == B * S, w.text
    assert max(S, B) <= real <= B * S, w.text  # row 1 is S long, every row at least 1
    w.slide("batch size B", 2)
    B2, S2, real2, total2 = map(int, w.match(line).groups())
    assert (B2, S2) == (B + 2, S) and B2 == int(w.readout("batch size B")) and total2 == B2 * S2, w.text
    assert real2 > real, "two more rows must add real positions"


def spec_translate(w: Widget) -> None:
    label = "date to translate"
    assert w.match(r"->\s+(\S+)", "message")[1] == "2065-10-16", w.seen()["message"]
    w.type(label, "3 mai 1999", submit="Translate")
    assert w.match(r"^3 mai 1999\s+->\s+(\S+)$", "message")[1] == "1999-05-03", w.seen()["message"]
    assert w.seen()["image"], "a translation draws its alignment"
    w.type(label, "Sunday, 1 January 2045", submit="enter")
    assert w.match(r"->\s+(\S+)", "message")[1] == "2045-01-01", w.seen()["message"]
    w.type(label, "3 mai 1999 ☺", submit="Translate")
    assert w.seen()["message"].startswith("Cannot translate '3 mai 1999 ☺'"), w.seen()["message"]
    assert not w.seen()["image"], "bad input draws no figure"
    w.type(label, "Donnerstag, der 24. September im Jahre 2064", submit="Translate")
    w.match(r"warning: 43 symbols: longer than any training source", "message")
    assert w.seen()["image"], "a long input is still translated and drawn"


def spec_alignment_history(w: Widget) -> None:
    line = r"step (\d+): greedy output '([^']*)'.*mean row entropy ([\d.]+) nats \(uniform: ([\d.]+)\)"
    first = w.match(line).groups()
    w.slide("training step", 2)
    step, _, entropy, uniform = w.match(line).groups()
    assert step == w.readout("training step") and int(step) > int(first[0]), w.text
    assert float(entropy) <= float(uniform), w.text
    options = w.control("dropdown", "sentence").locator("option").all_inner_texts()
    w.choose("sentence", options[0])
    assert w.match(line)[1] == step, "the sentence changes, the step does not"


def spec_scaling(w: Widget) -> None:
    line = r"d = (\d+), (not scaled|scaled by sqrt\(d\)): score std = ([\d.]+), max weight = ([\d.]+)"
    d, how, std, _ = w.match(line).groups()
    assert d == w.readout("key size d") and how == "not scaled", w.text
    w.slide("key size d", 4)  # 16 -> 256
    d2, how, std2, top2 = w.match(line).groups()
    assert int(d2) == 16 * int(d) == int(w.readout("key size d")), w.text  # 4 steps of the powers of 2
    assert float(std2) > 2 * float(std), f"unscaled, the scores' spread must grow with d: {std} -> {std2}"
    w.toggle("scale by sqrt(d)")
    d3, how, std3, top3 = w.match(line).groups()
    assert d3 == d2 and how == "scaled by sqrt(d)", w.text
    assert float(std3) < 2.5 and float(std3) < float(std2) / 4, f"scaled by sqrt(d) the spread is about 1: {w.text}"
    assert float(top3) <= float(top2), w.text


def spec_extrapolation(w: Widget) -> None:
    label = "test count k (dates in the input)"
    line = r"k = (\d+) \((inside|outside) the training range\), ([a-z ,-]+): (.*)"
    k = int(w.match(line)[1])
    for steps in (2, -4):
        w.slide(label, steps)
        k2, where, measure, values = w.match(line).groups()
        assert int(k2) == k + steps and w.readout(label) == f"k = {k2}", w.text
        assert where == ("inside" if int(k2) <= 3 else "outside"), w.text  # trained on k = 1, 2, 3
        assert re.search(r"additive \d\.\d\d", values), w.text
        k = int(k2)
    w.choose("measure", "exact match")
    assert w.match(line)[3] == "exact match" and int(w.match(line)[1]) == k, w.text


def spec_beam_search(w: Widget) -> None:
    label = "beam size K"
    hypothesis = r"'[^']*' -?\d+\.\d\d"
    for steps in (-3, 7):  # 4 -> 1 (greedy) -> 8
        w.slide(label, steps)
        K = int(w.readout(label))
        assert w.match(r"beam of (\d+), (\d+) steps")[1] == str(K), w.text
        steps_shown = [line for line in w.text.splitlines() if line.startswith("step")]
        assert steps_shown, w.text
        alive = [len(re.findall(hypothesis, line.split("|")[0])) for line in steps_shown]
        assert all(1 <= n <= K for n in alive), f"beam of {K}: hypotheses alive per step {alive}"
        if K == 1:
            assert max(alive) == 1
        else:
            assert max(alive) > 1, f"a beam of {K} keeps more than one hypothesis: {alive}"


def spec_gold_map(w: Widget) -> None:
    label = "test sentence"
    line = r"^(\S+ s\d), sentence (\d+): .*arg-max in the gold set at (\d+) of (\d+) steps"
    model, k, hits, scored = w.match(line).groups()
    w.slide(label, 2)
    model2, k2, hits2, scored2 = w.match(line).groups()
    assert int(k2) == int(k) + 2 == int(w.readout(label)) and model2 == model, w.text
    assert 0 <= int(hits2) <= int(scored2) > 0, w.text
    options = w.control("dropdown", "model").locator("option").all_inner_texts()
    other = next(option for option in options if option.replace("\xa0", " ") != model)  # the menu shows NBSPs
    w.choose("model", other)
    model3, k3, hits3, scored3 = w.match(line).groups()
    assert model3 == other.replace("\xa0", " ") and k3 == k2, "the model changes, the sentence does not: " + w.text
    assert scored3 == scored2, "the gold set is the sentence's, whichever model is shown: " + w.text


def spec_length_alignment(w: Widget) -> None:
    label = "test length T_x"
    head = r"a test string of T_x = (\d+) symbols"
    model = r"^\s*{}: (exact|wrong), ([\d.]+) of the characters right, (\d+) written for (\d+)$"
    shift = re.compile(model.format("relative shift"), re.M)
    content = re.compile(model.format(re.escape("content (additive)")), re.M)
    start = int(w.match(head)[1])
    for steps in (-2, 4):  # the third length (60) -> the first (20) -> the last (200)
        w.slide(label, steps)
        length = int(w.match(head)[1])
        assert str(length) == w.readout(label) and length != start, w.text
        verdict, _, written, wanted = shift.search(w.text).groups()
        assert verdict == "exact" and int(written) == int(wanted) == length, f"relative shift at {length}: {w.text}"
        assert content.search(w.text), w.text
        start = length
    assert content.search(w.text)[1] == "wrong", f"content attention copies {start} symbols exactly? {w.text}"


SPECS: dict[str, tuple[Callable[[Widget], None], set[tuple[str, str]]]] = {
    "score_length_widget": (spec_score_length, {("slider", "source length T_x")}),
    "length_alignment_widget": (spec_length_alignment, {("slider", "test length T_x")}),
    "gold_map_widget": (spec_gold_map, {("slider", "test sentence"), ("dropdown", "model")}),
    "softmax_widget": (spec_softmax, {("slider", "source length T_x"), ("slider", "temperature tau")}),
    "context_hull_widget": (
        spec_context_hull,
        {
            ("slider", "source length T_x"),
            ("slider", "focus position j"),
            ("slider", "temperature tau (flat when large)"),
        },
    ),
    "padded_batch_widget": (
        spec_padded_batch,
        {("slider", "maximum source length S"), ("slider", "batch size B")},
    ),
    "translate_widget": (spec_translate, {("text", "date to translate"), ("button", "Translate")}),
    "alignment_history_widget": (spec_alignment_history, {("slider", "training step"), ("dropdown", "sentence")}),
    "scaling_widget": (spec_scaling, {("slider", "key size d"), ("checkbox", "scale by sqrt(d)")}),
    "extrapolation_widget": (
        spec_extrapolation,
        {("slider", "test count k (dates in the input)"), ("dropdown", "measure")},
    ),
    "beam_search_widget": (spec_beam_search, {("slider", "beam size K")}),
}


def drive_generically(w: Widget) -> None:
    """For a widget without a spec: move each control once; each move must change the output."""
    for kind, label in sorted(w.controls()):
        if kind == "slider":
            at_max = w.aria(label, "aria-valuenow") >= w.aria(label, "aria-valuemax")
            w.slide(label, -1 if at_max else 1)
        elif kind == "dropdown":
            select = w.control("dropdown", label).locator("select")
            options = select.locator("option").all_inner_texts()
            current = select.evaluate("el => el.options[el.selectedIndex].text")
            w.choose(label, next(o for o in options if o != current))
        elif kind == "checkbox":
            w.toggle(label)


# ---------------------------------------------------------------------------------------------------------


def shut_down(lab: dict, relative: str) -> None:
    """End the driver notebook's kernel (frees its memory before the next notebook starts)."""
    with urllib.request.urlopen(f"{lab['base']}/api/sessions?token={lab['token']}", timeout=5) as reply:
        sessions = json.load(reply)
    for session in sessions:
        if session.get("path") == relative:
            request = urllib.request.Request(
                f"{lab['base']}/api/sessions/{session['id']}?token={lab['token']}", method="DELETE"
            )
            urllib.request.urlopen(request, timeout=10).close()


def run_driver(page, lab: dict, relative: str) -> None:
    """Run All Cells in the open driver notebook and wait until every code cell has run, without error."""
    started = page.locator(".jp-CodeCell .jp-InputArea-prompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for attempt in range(3):
        wait_for_kernel(page, lab, relative, PAGE_LOAD_S)
        if run_all_cells(page):
            try:
                started.first.wait_for(timeout=15_000)
                break
            except Exception:
                print(f"Run All Cells started no cell (attempt {attempt + 1}); trying again")
    else:
        pytest.fail(f"{relative}: Run All Cells never started executing")
    code = page.locator(f"{PANEL} .jp-CodeCell")
    done = page.locator(f"{PANEL} .jp-CodeCell .jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]"))
    errors = page.locator(
        f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']", has_text="Error"
    )
    deadline = time.monotonic() + RUN_ALL_S
    while done.count() < code.count() or kernel_state(lab, relative) != "idle":
        accept_dialogs(page)
        assert not errors.count(), f"{relative}: a cell raised:\n{errors.first.inner_text()[-2000:]}"
        assert time.monotonic() < deadline, f"{relative}: not every cell ran within {RUN_ALL_S} s"
        page.wait_for_timeout(250)
    assert not errors.count(), f"{relative}: a cell raised:\n{errors.first.inner_text()[-2000:]}"


def test_the_catalog_has_no_problem():
    """Every widget module is in the course table and every builder is shown by a notebook."""
    assert not PROBLEMS, "\n".join(PROBLEMS)


@pytest.mark.parametrize("stem", sorted(BY_NOTEBOOK))
def test_every_widget_of(stem, browser, lab):
    started = time.monotonic()
    uses = BY_NOTEBOOK[stem]
    number = stem[:2]
    path = DRIVERS / f"{stem}.ipynb"
    cells = widget_catalog.driver_notebook(stem, uses, path, replace=QUICKER.get(number, ()))
    relative = path.relative_to(ROOT).as_posix()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob(f"{number}-*.png"):
        old.unlink()
    print(f"\n{stem}: driver notebook {relative} ({len(cells)} widget(s))")

    uncovered, report = [], []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    js_errors: list[str] = []
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    try:
        # a workspace of its own, reset: no tab of an earlier notebook is restored beside this one
        url = f"{lab['base']}/lab/workspaces/browser-{number}/tree/{relative}?reset&token={lab['token']}"
        page.goto(url, timeout=PAGE_LOAD_S * 1000)
        page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=PAGE_LOAD_S * 1000)
        run_driver(page, lab, relative)
        ran = time.monotonic() - started
        for use in uses:
            cell = page.locator(f"{PANEL} .jp-CodeCell").nth(cells[use.key])
            cell.locator(".widget-output").first.wait_for(timeout=WIDGET_UPDATE_S * 1000)
            w = Widget(page, cell, lab, relative, f"{number}-{use.builder}")
            w.screenshot("0-start")
            print(f"  {use.builder} (solutions/{stem}.py code cell {use.cell}): {w.text.splitlines()[0]}")
            found = w.controls()
            if use.builder not in SPECS:
                drive_generically(w)
                uncovered.append(f"{use.builder} of notebook {number} (controls {sorted(found)})")
                continue
            spec, declared = SPECS[use.builder]
            assert found == declared, f"{use.builder}: the page shows the controls {sorted(found)}, the spec {declared}"
            spec(w)
            assert w.driven == declared, f"{use.builder}: the spec never moved {sorted(declared - w.driven)}"
            report.append(f"{use.builder}: {w.moves} moves, screenshots {w.shots[0]} ... {w.shots[-1]}")
        lab_page = SHOTS / f"{number}-lab.png"
        page.screenshot(path=str(lab_page))
    except BaseException:
        path = SHOTS / f"{number}-failure.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot at failure: {path}")
        raise
    finally:
        page.close()
        shut_down(lab, relative)
    for line in report:
        print("  " + line)
    print(f"  {stem}: cells ran in {ran:.0f} s, all in {time.monotonic() - started:.0f} s")
    assert not [e for e in js_errors if "widget" in e.lower()], f"JavaScript errors about widgets: {js_errors}"
    assert not uncovered, (
        "widgets that the browser test moves but does not check (add a spec to SPECS in "
        f"tests/browser/test_widgets.py): {uncovered}"
    )
