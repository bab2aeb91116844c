"""Benchmark: the HTML page of a big trace, built in Python and opened and stepped in Chromium.

    python3 bench/bench_page.py              # the 2,000-node program of bench_symbolic.py
    python3 bench/bench_page.py 2000 5000    # chosen sizes
    python3 bench/bench_page.py --layout 2000 10000 100000   # the layout alone

Needs the test extra (Playwright) and Debian's chromium. For each size it
reports: the trace's time, the page's build time (`Trace.to_html`) and size;
in the browser, the time from navigation until the page has drawn its first
step (``loadEventEnd``: the script runs before the load event), and the time
of 20 steps with →: the script's own time, and the time from the key press
until the next frame has been painted (style, layout, paint and the wait
for that frame included); median and worst.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_symbolic import make_program  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

STEP_AND_PAINT = """async () => {
  // after the next animation frame's callbacks, a message runs once that frame is painted
  const painted = () => new Promise(resolve => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  }));
  const script = [], total = [];
  await painted();
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
    script.push(performance.now() - start);
    await painted();
    total.push(performance.now() - start);
  }
  return [script, total];
}"""


def time_layout(size: int) -> tuple[float, int]:
    from symcheck.render.layout import layered_layout

    program = make_program(size)
    edges = list(dict.fromkeys((o, n.name) for n in program.nodes for o in n.inputs if isinstance(o, str)))
    start = time.perf_counter()
    layout = layered_layout(program.names, edges, {n: (130.0, 90.0) for n in program.names},
                            inputs=[n.name for n in program.inputs])
    return time.perf_counter() - start, layout.crossings


def build_page(size: int, folder: Path) -> Path:
    from symcheck.tracing import trace_program

    program = make_program(size)
    start = time.perf_counter()
    trace = trace_program(program)
    traced = time.perf_counter() - start
    start = time.perf_counter()
    page = trace.to_html()
    built = time.perf_counter() - start
    path = folder / f"trace-{size}.html"
    path.write_text(page, encoding="utf-8")
    print(f"{size} nodes: trace {traced:.2f} s, to_html {built:.2f} s, page {len(page.encode()) / 1e6:.1f} MB")
    return path


def measure_in_browser(path: Path, context: object) -> None:
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(path.as_uri(), wait_until="load", timeout=120_000)
    page.wait_for_selector("html[data-ready]", timeout=120_000)
    opened = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    script, total = page.evaluate(STEP_AND_PAINT)
    drawn = page.evaluate("document.querySelectorAll('g[data-node]').length")
    print(f"    opens in {opened / 1000:.2f} s; a step with →: script median {statistics.median(script):.1f} ms "
          f"(worst {max(script):.1f}), until painted median {statistics.median(total):.1f} ms "
          f"(worst {max(total):.1f}); {drawn} boxes drawn")
    page.close()


def main(argv: list[str]) -> None:
    if argv[:1] == ["--layout"]:
        for size in [int(a) for a in argv[1:]] or [2000, 10000, 100000]:
            seconds, crossings = time_layout(size)
            print(f"layout of {size} nodes: {seconds:.2f} s ({crossings} crossings)")
        return
    from playwright.sync_api import sync_playwright

    sizes = [int(a) for a in argv] or [2000]
    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        folder = Path(work)
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"), executable_path="/usr/bin/chromium", headless=True, args=FLAGS,
            viewport={"width": 1440, "height": 900})
        for size in sizes:
            measure_in_browser(build_page(size, folder), context)
        context.close()


if __name__ == "__main__":
    main(sys.argv[1:])
