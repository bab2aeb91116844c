"""Make the manual's screenshots of the HTML page and of the notebook display.

    python docs/images/screenshots.py

Needs the test extra (Playwright, nbclient), Debian's chromium, and nbconvert
for the notebook (``pip install nbconvert``). Writes, beside this file:

- ``trace-step-5.png``: ``symcheck trace backprop --html``, stepped to step 5
  with the arrow keys (homework question 1.3.8);
- ``check-wrong-tanh.png``: the check page of docs/examples/my_engine.py,
  whose tanh step is wrong;
- ``notebook.png``: a notebook executed by a real kernel (nbclient),
  exported by nbconvert (JupyterLab's look) and shown in Chromium: a verdict,
  a check and a trace, whose interactive view runs inline.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

NOTEBOOK_CELLS = [
    "import symcheck",
    'symcheck.claim("backprop", "grad(z3, before=z4) == z7")',
    'symcheck.check("x*sin(y)", at="x=1.5,y=0.5")',
    'symcheck.trace("backprop")',
]


def _pages(folder: Path) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT / "docs" / "examples"))
    import symcheck
    from my_engine import Value

    trace = folder / "trace.html"
    trace.write_text(symcheck.trace("backprop").to_html(), encoding="utf-8")
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(0.3, label="b")
    check = folder / "check.html"
    check.write_text(symcheck.check((x * w + b).tanh() * x).to_html(), encoding="utf-8")
    return {"trace": trace, "check": check}


def _notebook(folder: Path) -> Path:
    import nbclient
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    path = folder / "notebook.html"
    path.write_text(body, encoding="utf-8")
    return path


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        folder = Path(work)
        pages = _pages(folder)
        notebook = _notebook(folder)
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"), executable_path="/usr/bin/chromium", headless=True, args=FLAGS,
            viewport={"width": 1440, "height": 880}, device_scale_factor=1)
        page = context.new_page()
        page.goto(pages["trace"].as_uri())
        page.wait_for_selector("html[data-ready]")
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        page.screenshot(path=str(HERE / "trace-step-5.png"))
        page.goto(pages["check"].as_uri())
        page.wait_for_selector("html[data-ready]")
        page.set_viewport_size({"width": 1440, "height": 720})
        page.screenshot(path=str(HERE / "check-wrong-tanh.png"))
        page.set_viewport_size({"width": 1280, "height": 1700})
        page.goto(notebook.as_uri())
        page.wait_for_selector("iframe:not([hidden])")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(HERE / "notebook.png"))
        context.close()


if __name__ == "__main__":
    main()
