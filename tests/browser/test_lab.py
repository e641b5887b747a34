"""The course in a real browser: JupyterLab in headless Chromium, driven by Playwright.

Run with `make browser-test` (it sets COURSE_BROWSER_TEST=1; `make test` never
collects this file). The test starts JupyterLab on 127.0.0.1 on a free port
with a random token, opens a derivation notebook, runs all cells, moves the
"source length T_x" slider with the keyboard and checks that the widget's text
line then reports as many weights as the new T_x. It also opens the static site
(`_site/index.html`) and follows a link; with COURSE_SITE_NPM_DIR (a folder of
the npm tarballs of the site's pinned scripts, `tools/site.py --check-pins DIR`)
it answers unpkg.com from them and checks that the pinned scripts pass their
integrity check, draw the widgets and typeset the equations, and that a tampered
html-manager is refused.

Chromium is the system one (Debian: `apt-get install chromium`), found with
`shutil.which("chromium")`; Playwright never downloads a browser here. Without
Chromium the test is skipped, except under CI=true, where it fails.

Screenshots go to artifacts/browser/ (git-ignored); their paths are printed.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from labkit import (
    PAGE_LOAD_S,
    ROOT,
    accept_dialogs,
    artifact,
    kernel_state,
    run_all_cells,
    wait_for_kernel,
)

# The notebooks with a "source length T_x" slider, preferred first; override with COURSE_BROWSER_NOTEBOOK.
CANDIDATES = ["notebooks/03_softmax.ipynb", "notebooks/02_alignment_scores.ipynb"]
SLIDER_LABEL = "source length T_x"
# The widget's text line: "T_x = 7: 7 weights, sum = 1.000" (03) or "T_x = 7: 7 scores, ..." (02).
LINE = re.compile(r"T_x = (\d+): (\d+) (weights|scores)")
STEPS = 3  # ArrowRight presses


# Timeouts (seconds): see labkit for the server's and the page's.
TEST_BUDGET_S = 120
RUN_ALL_S = 90
WIDGET_UPDATE_S = 20


class Budget:
    """What is left of the test's overall time, to cap each wait."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def s(self, limit: float) -> float:
        """Seconds for the next wait: its own limit, or what is left; fail when nothing is."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"the browser test ran out of its {TEST_BUDGET_S} s budget")
        return min(limit, left)

    def ms(self, limit: float) -> float:
        """The same in milliseconds, for Playwright."""
        return self.s(limit) * 1000


def fixture_notebook() -> Path:
    """A small stand-in with the same slider and text line, used until a real derivation notebook exists."""
    import nbformat

    code = (
        "import ipywidgets as widgets\n"
        "import torch\n\n"
        "def show(T_x):\n"
        "    weights = torch.softmax(torch.randn(T_x), dim=0)\n"
        "    print(f'T_x = {T_x}: {weights.numel()} weights, sum = {weights.sum().item():.3f}')\n\n"
        "widgets.interactive(show, T_x=widgets.IntSlider(value=7, min=1, max=20, "
        f"description={SLIDER_LABEL!r}, continuous_update=False, style={{'description_width': 'initial'}}))"
    )
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Browser test fixture"), nbformat.v4.new_code_cell(code)]
    )
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    path = artifact("fixture_widget.ipynb")
    nbformat.write(nb, path)
    return path


def pick_notebook() -> Path:
    """The notebook the test opens: COURSE_BROWSER_NOTEBOOK, else 03, else 02, else the fixture."""
    chosen = os.environ.get("COURSE_BROWSER_NOTEBOOK")
    if chosen:
        path = (ROOT / chosen).resolve()
        assert path.is_file(), f"COURSE_BROWSER_NOTEBOOK={chosen} does not exist"
        return path
    for candidate in CANDIDATES:
        if (ROOT / candidate).is_file():
            return ROOT / candidate
    print(f"none of {CANDIDATES} exists yet: using a stand-in notebook with the same slider")
    return fixture_notebook()


def aria_int(handle, name: str, default) -> int:
    """An aria value of the slider handle ("7.0" in ipywidgets 8) as an int."""
    return int(float(handle.get_attribute(name) or default))


def widget_line(area) -> tuple[int, int, list[str]]:
    """(T_x, number of weights) from the widget's text lines; all lines shown must agree."""
    lines = [m.group(0) for m in LINE.finditer(area.inner_text())]
    assert lines, "the widget shows no 'T_x = N: M weights' line"
    values = {(int(LINE.match(line)[1]), int(LINE.match(line)[2])) for line in lines}
    assert len(values) == 1, f"the widget's text lines disagree: {lines}"
    T_x, count = values.pop()
    return T_x, count, lines


def test_slider_changes_the_number_of_weights(browser, lab):
    started = time.monotonic()
    budget = Budget(TEST_BUDGET_S)
    notebook = pick_notebook()
    relative = notebook.relative_to(ROOT).as_posix()
    before_bytes = notebook.read_bytes()
    print(f"notebook under test: {relative}")

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{lab['base']}/lab/tree/{relative}?token={lab['token']}", timeout=budget.ms(PAGE_LOAD_S))
        page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=budget.ms(PAGE_LOAD_S))
        # Run All Cells before the kernel is fully connected can do nothing: check that cells start, else retry.
        started_cells = page.locator(".jp-CodeCell .jp-InputArea-prompt", has_text=re.compile(r"\[(\*|\d+)\]"))
        for attempt in range(3):
            wait_for_kernel(page, lab, relative, budget.s(PAGE_LOAD_S))
            if not run_all_cells(page):
                print(f"Run All Cells is disabled (attempt {attempt + 1}); waiting for the kernel again")
                continue
            try:
                started_cells.first.wait_for(timeout=budget.ms(15))
                break
            except Exception:
                print(
                    f"Run All Cells started no cell (attempt {attempt + 1}, "
                    f"kernel {kernel_state(lab, relative)}); trying again"
                )
        else:
            pytest.fail("Run All Cells never started executing the notebook")

        slider = page.locator(".widget-slider", has=page.get_by_text(SLIDER_LABEL, exact=True)).first
        deadline = time.monotonic() + budget.s(RUN_ALL_S)
        while not slider.is_visible():
            accept_dialogs(page)
            assert time.monotonic() < deadline, f"no '{SLIDER_LABEL}' slider within {RUN_ALL_S} s of Run All Cells"
            page.wait_for_timeout(250)
        # Later cells may move the slider from code: let the whole notebook finish first.
        busy = page.locator(".jp-CodeCell .jp-InputArea-prompt", has_text="[*]")
        idle_since = None
        while idle_since is None or time.monotonic() - idle_since < 1.5:
            accept_dialogs(page)
            assert time.monotonic() < deadline, f"the notebook did not finish within {RUN_ALL_S} s of Run All Cells"
            idle_since = (idle_since or time.monotonic()) if not busy.count() else None
            page.wait_for_timeout(250)
        errors_shown = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']", has_text="Traceback"
        )
        assert not errors_shown.count(), "a cell raised: " + errors_shown.first.inner_text()[:2000]
        # The output area that holds the whole widget (slider, text line, figure).
        area = page.locator(".jp-Cell-outputArea > .jp-OutputArea-child").filter(has=slider).first
        handle = slider.locator("[role=slider], .noUi-handle").first
        page.wait_for_function(
            "el => /T_x = \\d+: \\d+ (weights|scores)/.test(el.innerText)",
            arg=area.element_handle(),
            timeout=budget.ms(WIDGET_UPDATE_S),
        )
        slider.scroll_into_view_if_needed()
        area.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # let the figure finish painting for the screenshot

        T_x, count, lines = widget_line(area)
        start_value = aria_int(handle, "aria-valuenow", slider.locator(".widget-readout").inner_text())
        maximum = aria_int(handle, "aria-valuemax", 10**6)
        assert T_x == start_value, f"the slider says {start_value} but the text line says {lines}"
        assert count == T_x, f"before moving the slider: {lines[0]!r} has {count} weights for T_x = {T_x}"
        for name, target in (("before", area), ("lab_before", page)):
            path = artifact(f"{name}_{notebook.stem}.png")
            target.screenshot(path=str(path))
            print(f"screenshot: {path}")

        handle.focus()
        for _ in range(STEPS):
            handle.press("ArrowRight")
            page.wait_for_timeout(150)
        expected = min(start_value + STEPS, maximum)
        page.wait_for_function(
            f"el => /T_x = {expected}: /.test(el.innerText) && !/T_x = {start_value}: /.test(el.innerText)",
            arg=area.element_handle(),
            timeout=budget.ms(WIDGET_UPDATE_S),
        )
        page.wait_for_timeout(500)
        T_x, count, lines = widget_line(area)
        assert T_x == expected, f"after {STEPS} x ArrowRight from {start_value} expected T_x = {expected}, got {lines}"
        assert count == expected, f"after moving the slider to {expected}: {lines[0]!r} has {count} weights"

        for name, target in (("after", area), ("lab", page)):
            path = artifact(f"{name}_{notebook.stem}.png")
            target.screenshot(path=str(path))
            print(f"screenshot: {path}")

        # And back down with ArrowLeft: the count follows the other way too.
        handle.focus()
        for _ in range(STEPS + 2):
            handle.press("ArrowLeft")
            page.wait_for_timeout(150)
        lower = max(expected - STEPS - 2, aria_int(handle, "aria-valuemin", 1))
        page.wait_for_function(
            f"el => /T_x = {lower}: {lower} (weights|scores)/.test(el.innerText)",
            arg=area.element_handle(),
            timeout=budget.ms(WIDGET_UPDATE_S),
        )
        assert widget_line(area)[:2] == (lower, lower)
    except BaseException:
        log_tail = artifact("jupyterlab.log").read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        print("last lines of the JupyterLab log:\n  " + "\n  ".join(log_tail))
        path = artifact(f"failure_{notebook.stem}.png")
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot at failure: {path}")
        raise
    finally:
        page.close()
    assert notebook.read_bytes() == before_bytes, f"{relative} was modified on disk by the browser session"
    assert not [e for e in errors if "widget" in e.lower()], f"JavaScript errors about widgets: {errors}"
    print(f"JupyterLab widget test took {time.monotonic() - started:.1f} s")


def test_static_site_opens(browser, tmp_path):
    """The static site's index renders and its first link opens a notebook page."""
    import importlib.util

    # loaded by path: `import site` would give the standard library's module
    spec = importlib.util.spec_from_file_location("course_site", ROOT / "tools" / "site.py")
    course_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course_site)

    site = ROOT / "_site"
    if not (site / "index.html").is_file():
        site = tmp_path / "_site"
        course_site.build_site(site)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto((site / "index.html").as_uri(), timeout=PAGE_LOAD_S * 1000)
        assert "Attention" in page.title()
        link = page.locator("a.notebook-link").first
        title = link.inner_text()
        path = artifact("site_index.png")
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        link.click()
        page.wait_for_load_state("load", timeout=PAGE_LOAD_S * 1000)
        heading = page.locator("h1").first.inner_text(timeout=10_000)
        assert heading.strip().rstrip("¶").strip() in title or title in heading, (title, heading)
        path = artifact("site_page.png")
        page.screenshot(path=str(path))
        print(f"screenshot: {path}")

        # A page with a widget: offline its static snapshot shows; once a live widget is drawn, it hides.
        with_widget = [
            p
            for p in sorted(site.glob("[0-9][0-9]_*.html"))
            if '<div class="widget-snapshot">' in p.read_text(encoding="utf-8")
        ]
        if with_widget:
            page.goto(with_widget[0].as_uri(), timeout=PAGE_LOAD_S * 1000)
            snapshot = page.locator(".widget-snapshot").first
            snapshot.scroll_into_view_if_needed()
            assert snapshot.is_visible(), "offline, the widget's static snapshot must show"
            assert snapshot.locator("img").count() or snapshot.inner_text().strip(), "the snapshot is empty"
            path = artifact("site_widget_snapshot.png")
            page.screenshot(path=str(path))
            print(f"screenshot: {path}")
            # what the html-manager does online: draw the widget inside the output's .jupyter-widgets div
            page.evaluate(
                """() => {
                  const child = document.querySelector('.widget-snapshot').closest('.jp-OutputArea-child');
                  const live = child.previousElementSibling.querySelector('.jupyter-widgets');
                  const drawn = document.createElement('div'); drawn.className = 'lm-Widget'; live.appendChild(drawn);
                }"""
            )
            snapshot.wait_for(state="hidden", timeout=5_000)
    finally:
        page.close()


def test_static_site_pinned_scripts_draw(browser, tmp_path):
    """The pinned scripts (tools/site.py, PINNED_SCRIPTS) pass their integrity check, draw the widgets, typeset.

    No network here, so unpkg.com is answered from the npm tarballs in COURSE_SITE_NPM_DIR (fill it with
    `python tools/site.py --check-pins DIR`); a tampered html-manager must then be refused by the browser.
    """
    import importlib.util
    import mimetypes
    import tarfile

    folder = os.environ.get("COURSE_SITE_NPM_DIR")
    if not folder:
        pytest.skip("set COURSE_SITE_NPM_DIR to a folder of the pinned npm tarballs (tools/site.py --check-pins DIR)")
    spec = importlib.util.spec_from_file_location("course_site", ROOT / "tools" / "site.py")
    course_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course_site)
    import site_pins  # the pinned scripts: a sibling of site.py, which put tools/ on sys.path

    site = tmp_path / "_site"
    course_site.build_site(site)
    pages = [
        p
        for p in sorted(site.glob("[0-9][0-9]_*.html"))
        if '<div class="widget-snapshot">' in p.read_text(encoding="utf-8")
    ]
    assert pages, "no page with a widget"

    files = {}  # "https://unpkg.com/PACKAGE@VERSION/" -> the tarball, opened
    for script in site_pins.PINNED_SCRIPTS:
        files[f"{site_pins.CDN}/{script.package}@{script.version}/"] = tarfile.open(
            Path(folder) / site_pins.tarball_name(script)
        )

    def serve(route, tamper: str = ""):
        url = route.request.url
        for prefix, archive in files.items():
            if url.startswith(prefix):
                path = url[len(prefix) :].split("?")[0].split("#")[0]
                try:
                    body = archive.extractfile(f"package/{path}").read()
                except KeyError:
                    return route.fulfill(status=404, body=b"")
                if tamper and tamper in url:
                    body += b"\n// one byte more than the hash allows"
                kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
                return route.fulfill(
                    status=200, body=body, headers={"Content-Type": kind, "Access-Control-Allow-Origin": "*"}
                )
        return route.continue_() if url.startswith(("file:", "data:")) else route.abort()

    state = """() => ({
      drawn: document.querySelectorAll('.widget-subarea .lm-Widget').length,
      snapshots: Array.from(document.querySelectorAll('.widget-snapshot')).filter(s => s.offsetParent !== null).length,
      typeset: document.querySelectorAll('mjx-container').length,
    })"""
    for tamper in ("", "embed-amd.js"):
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.on(
            "console",
            lambda message, errors=errors: errors.append(message.text) if message.type == "error" else None,
        )
        page.route("**/*", lambda route, tamper=tamper: serve(route, tamper))
        try:
            page.goto(pages[0].as_uri(), wait_until="load", timeout=PAGE_LOAD_S * 1000)
            if not tamper:
                page.locator(".widget-subarea .lm-Widget").first.wait_for(timeout=30_000)
                page.locator(".widget-snapshot").first.wait_for(state="hidden", timeout=10_000)
                page.locator("mjx-container").first.wait_for(state="attached", timeout=30_000)
                seen = page.evaluate(state)
                assert seen["drawn"] and not seen["snapshots"] and seen["typeset"], seen
                assert not errors, f"JavaScript errors with the pinned scripts: {errors}"
                path = artifact("site_live_widget.png")
                page.locator(".widget-subarea").first.scroll_into_view_if_needed()
            else:
                page.wait_for_timeout(3_000)
                seen = page.evaluate(state)
                assert not seen["drawn"] and seen["snapshots"], f"a tampered html-manager ran: {seen}"
                assert any("integrity" in e for e in errors), errors
                path = artifact("site_tampered_widget.png")
            page.screenshot(path=str(path))
            print(f"{'tampered html-manager' if tamper else 'pinned scripts'}: {seen}; screenshot: {path}")
        finally:
            page.close()
