"""Jupyter display, in a real kernel: a notebook executed by nbclient shows one output per result,
typeset (MathML in the HTML), the graph as SVG, and a filtered trace's step 5 as step 5."""

from __future__ import annotations

import re
from pathlib import Path

import nbclient
import nbformat
import pytest

import symcheck

ROOT = Path(__file__).resolve().parents[3]

ENGINE = '''
import math
class Value:
    """A micrograd-style engine whose tanh step is wrong: 1 - x**2 instead of 1 - tanh(x)**2."""
    def __init__(self, data, children=(), op=""):
        self.data, self.grad, self._prev, self._op = float(data), 0.0, set(children), op
        self._backward = lambda: None
    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), "*")
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out
    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")
        def _backward():
            self.grad += (1 - self.data ** 2) * out.grad
        out._backward = _backward
        return out
    def backward(self):
        order, seen = [], set()
        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)
        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()
a, b = Value(0.4), Value(-1.2)
out = (a * b).tanh() * a
'''

CELLS = {
    "import": "import symcheck",
    "check": 'symcheck.check("x*sin(y)", at="x=1.5,y=0.5")',
    "trace": 'symcheck.trace("backprop", steps=["z4"])',
    "claim": 'symcheck.claim("backprop", "grad(z3, before=z4) == z7")',
    "graph": 'symcheck.graph("backprop")',
    "engine": ENGINE,
    "engine graph": "symcheck.graph(out)",
}


@pytest.fixture(scope="module")
def outputs() -> dict[str, list]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    return {name: cell.outputs for name, cell in zip(CELLS, notebook.cells)}


def only_output(outputs: list) -> dict:
    assert [o.output_type for o in outputs] == ["execute_result"], [o.get("text", o.output_type) for o in outputs]
    return outputs[0].data


pytestmark = pytest.mark.slow


def test_nothing_is_printed_to_a_stream(outputs: dict[str, list]) -> None:
    assert outputs["import"] == [] and outputs["engine"] == []
    streams = [(name, o.get("text")) for name, cell in outputs.items() for o in cell if o.output_type == "stream"]
    assert streams == []


def test_a_check_shows_once_as_html_with_mathml_and_keeps_its_text_and_latex(outputs: dict[str, list]) -> None:
    data = only_output(outputs["check"])
    assert set(data) == {"text/plain", "text/html", "text/markdown", "text/latex"}
    page = data["text/html"]
    assert page.count('<table class="witnesses"') == 1 and "<math" in page and "$$" not in page
    assert "\x1b[" not in data["text/plain"] and "agree on all 4 nodes" in data["text/plain"]
    assert data["text/markdown"].startswith("$$\n\\begin{aligned}")


def test_a_filtered_trace_shows_the_interactive_view_and_keeps_step_5(outputs: dict[str, list]) -> None:
    data = only_output(outputs["trace"])
    assert {"text/plain", "text/html"} <= set(data)
    page = data["text/html"]
    assert page.count("<iframe") == 1 and 'sandbox="allow-scripts"' in page and "srcdoc=" in page
    static = page[page.index("-static"):page.index("<iframe")]
    assert "<svg" in static and "step 5</b>: before <code>z4._backward()</code>" in static
    assert "step 1" not in static  # the filter kept one step, numbered as the console numbers it
    assert "step 5: before z4._backward()" in data["text/plain"]


def test_a_verdict_shows_its_sides_typeset(outputs: dict[str, list]) -> None:
    data = only_output(outputs["claim"])
    assert set(data) == {"text/plain", "text/html", "text/markdown"}
    assert "claim holds" in data["text/html"] and "<math" in data["text/html"]


def test_a_graph_shows_as_svg_and_keeps_its_dot_text(outputs: dict[str, list]) -> None:
    data = only_output(outputs["graph"])
    assert set(data) == {"text/html", "image/svg+xml", "text/plain"}
    assert data["text/plain"].startswith("digraph symcheck {") and data["image/svg+xml"] in data["text/html"]
    assert len(re.findall(r'data-node="', data["image/svg+xml"])) == 10


def test_a_failing_engine_s_graph_marks_the_bad_node(outputs: dict[str, list]) -> None:
    svg = only_output(outputs["engine graph"])["image/svg+xml"]
    failed = re.findall(r'<g class="node[^"]*\bfailed\b[^"]*" data-node="([^"]+)"', svg)
    assert failed == ["z2"]  # z2 = tanh(z1), the step with the wrong local derivative


def test_the_same_bundles_outside_a_kernel() -> None:
    """The display methods themselves, without a kernel: what each result offers."""
    filtered = symcheck.trace("backprop", steps=["z4"])._repr_mimebundle_()
    assert sorted(filtered) == ["text/html", "text/plain"]  # no sums to rebuild: no exporters' maths
    whole = symcheck.trace("backprop")._repr_mimebundle_()
    assert sorted(whole) == ["text/html", "text/latex", "text/markdown", "text/plain"]
    markdown = whole["text/markdown"]
    assert "\\text{step 5: before }" in markdown and "align*" not in markdown  # the steps, not derivations
    assert markdown.count("\\begin{aligned}") == 10 == markdown.count("$$") // 2  # one block per step
    graph = symcheck.graph("x*y", format="mermaid")
    assert str(graph).startswith("flowchart LR") and graph.dot.startswith("digraph") and "<svg" in graph.svg
