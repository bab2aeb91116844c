"""The HTML page in a real browser (headless Chromium, Playwright): it asks for nothing, logs no
error, draws every node, and ← → walk the backward pass with data-grad following the trace."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterator

import pytest

import symcheck
from browser import OpenPage, browser_context, open_page
from symcheck.render import format_number

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def context() -> Iterator[Any]:
    yield from browser_context()


@pytest.fixture(scope="module")
def homework() -> Any:
    return symcheck.trace("backprop")


@pytest.fixture()
def trace_page(context: Any, homework: Any, tmp_path: Path) -> Iterator[OpenPage]:
    opened = open_page(context, homework.to_html(), tmp_path)
    yield opened
    assert opened.errors == []
    assert opened.requests == [opened.url], "the page asked for something besides itself"
    opened.page.close()


def test_every_node_is_drawn_and_the_page_starts_at_step_1(trace_page: OpenPage, homework: Any) -> None:
    assert list(trace_page.grads()) == list(homework.report.program.names)
    assert trace_page.current_step() == 1
    assert trace_page.grads() == {name: 1.0 if name == "z8" else 0.0 for name in homework.report.program.names}


def test_arrow_keys_walk_to_step_5_where_z3_holds_only_z7(trace_page: OpenPage) -> None:
    trace_page.press("ArrowRight", 4)
    assert trace_page.current_step() == 5
    assert round(trace_page.grads()["z3"], 5) == 2.42679  # 1.3.8: only z8's contribution, z7, has arrived
    trace_page.press("ArrowRight")
    assert trace_page.current_step() == 6
    assert round(trace_page.grads()["z3"], 5) == 1.95566  # z4's step added z3*cos(z4)
    trace_page.press("ArrowLeft")
    assert trace_page.current_step() == 5 and round(trace_page.grads()["z3"], 5) == 2.42679


def test_data_grad_follows_the_trace_at_every_step(trace_page: OpenPage, homework: Any) -> None:
    for k, step in enumerate(homework.steps):
        assert trace_page.current_step() == step.number
        assert trace_page.grads() == step.grads_before, f"before step {step.number}"
        trace_page.press("ArrowRight")
    assert trace_page.current_step() == homework.steps[-1].number  # → stops at the last step
    trace_page.press("Home")
    assert trace_page.current_step() == 1


def test_the_picture_shows_the_numbers_as_the_console_prints_them(trace_page: OpenPage, homework: Any) -> None:
    trace_page.press("ArrowRight", 4)
    z3 = trace_page.page.locator('g[data-node="z3"]')
    assert z3.locator(".node-grad").text_content() == f"grad  {format_number(homework.step('z4').grads_before['z3'])}"
    assert z3.locator(".node-sum").text_content() == "= z7"
    assert z3.locator(".node-status").text_content() == "pending: z4"
    assert "current" in trace_page.page.get_attribute('g[data-node="z4"]', "class").split()
    lit = trace_page.page.eval_on_selector_all("g.wire.lit", "ws => ws.map(w => w.getAttribute('data-source'))")
    assert sorted(lit) == ["z1", "z3"]
    panel = trace_page.page.locator("#panel").inner_text()
    assert "2.42679 → 1.95566" in panel and "-0.47113 × 1 = -0.47113" in panel


def test_buttons_slider_and_node_clicks_move_the_step(trace_page: OpenPage) -> None:
    page = trace_page.page
    page.click('button[data-go="next"]')
    assert trace_page.current_step() == 2
    page.click('button[data-go="last"]')
    assert trace_page.current_step() == 10 and page.is_disabled('button[data-go="next"]')
    page.click('g[data-node="z4"]')
    assert trace_page.current_step() == 5
    page.focus("#slider")
    page.keyboard.press("ArrowLeft")  # the slider's own key handling, one step
    assert trace_page.current_step() == 4
    assert page.get_attribute("#slider", "aria-valuetext") == "step 4 of 10: before z5._backward()"


def test_everything_is_reachable_by_keyboard(trace_page: OpenPage) -> None:
    page = trace_page.page
    trace_page.press("ArrowRight", 2)  # at step 1 « first and ◀ previous are disabled, so not focusable
    focused = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.add(page.evaluate("document.activeElement.getAttribute('data-node') || document.activeElement.id || "
                                  "document.activeElement.getAttribute('data-go') || ''"))
    assert {"first", "prev", "slider", "next", "last", "z3", "z4"} <= focused
    page.focus('g[data-node="z4"]')
    page.keyboard.press("Enter")
    assert trace_page.current_step() == 5


def test_labels_for_screen_readers(trace_page: OpenPage) -> None:
    page = trace_page.page
    trace_page.press("ArrowRight", 4)
    label = page.get_attribute('g[data-node="z3"]', "aria-label")
    assert label == "z3 = z1 · z2, value 0.75, grad 2.42679 before step 5 (pending: z4)"
    assert page.get_attribute("#stepper", "aria-label") == "Backward steps"
    assert page.get_attribute("#panel", "aria-live") == "polite"
    assert page.eval_on_selector_all("math", "ms => ms.every(m => m.getAttribute('aria-label'))")


def test_the_page_opens_at_the_step_its_address_names(context: Any, homework: Any, tmp_path: Path) -> None:
    opened = open_page(context, homework.to_html(start=6), tmp_path)
    assert opened.current_step() == 6
    opened.page.goto(opened.url + "#step=5")
    opened.page.reload()
    opened.page.wait_for_selector("html[data-ready]")
    assert opened.current_step() == 5 and opened.errors == []


def test_a_filtered_trace_keeps_the_console_s_numbers(context: Any, tmp_path: Path) -> None:
    trace = symcheck.trace("backprop", steps=["z4", "z3"])
    opened = open_page(context, trace.to_html(), tmp_path)
    assert opened.current_step() == 5
    opened.press("ArrowRight")
    assert opened.current_step() == 6 and opened.errors == []
    assert opened.page.inner_text("#step-label") == "step 6 of 10: before z3._backward()"


def test_a_trace_filtered_down_to_no_step_still_opens(context: Any, tmp_path: Path) -> None:
    opened = open_page(context, symcheck.trace("backprop", steps=[]).to_html(), tmp_path)
    assert len(opened.grads()) == 10 and opened.errors == []
    assert opened.page.is_disabled('button[data-go="next"]') and "kept no step" in opened.page.inner_text("#panel")


def test_dark_mode_and_print_are_readable(trace_page: OpenPage) -> None:
    page = trace_page.page
    page.emulate_media(color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    text = page.evaluate("getComputedStyle(document.body).color")
    assert _luminance(background) < 0.1 and _luminance(text) > 0.6
    box = page.evaluate("getComputedStyle(document.querySelector('g[data-node=\"z3\"] .box')).fill")
    assert _luminance(box) < 0.1
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.getElementById('stepper')).display") == "none"
    assert _luminance(page.evaluate("getComputedStyle(document.body).backgroundColor")) > 0.9


def _luminance(css: str) -> float:
    """Relative luminance of an ``rgb(r, g, b)`` colour."""
    channels = [float(part) / 255 for part in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# -- the check page: a foreign engine's wrong node is red --------------------------------


class Value:
    """A tiny micrograd-style engine whose tanh step is wrong (1 − x² of its input, not 1 − tanh²)."""

    def __init__(self, data: float, children: tuple = (), op: str = "", label: str = "") -> None:
        self.data, self.grad, self._prev, self._op, self.label = float(data), 0.0, set(children), op, label
        self._backward = lambda: None

    def __add__(self, other: "Value") -> "Value":
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: "Value") -> "Value":
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> "Value":
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - self.data**2) * out.grad  # the bug

        out._backward = _backward
        return out

    def backward(self) -> None:
        order: list[Value] = []
        seen: set[int] = set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def test_the_check_page_marks_a_foreign_engine_s_wrong_node_red(context: Any, tmp_path: Path) -> None:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(0.3, label="b")
    report = symcheck.check((x * w + b).tanh() * x)
    assert [(f.node, f.op, f.kind) for f in report.failures] == [("z3", "tanh", "local")]
    opened = open_page(context, report.to_html(), tmp_path)
    page = opened.page
    assert sorted(opened.grads()) == sorted(report.program.names)
    assert "failed" in page.get_attribute('g[data-node="z3"]', "class").split()
    stroke = page.evaluate("getComputedStyle(document.querySelector('g[data-node=\"z3\"] .box')).stroke")
    assert stroke == "rgb(198, 40, 40)"
    healthy = page.evaluate("getComputedStyle(document.querySelector('g[data-node=\"z4\"] .box')).stroke")
    assert healthy != stroke
    assert "your _backward gives ∂z3/∂z2 = 0.7975" in page.inner_text("#panel")
    page.click('g[data-node="z2"]')
    assert "chosen-row" in page.get_attribute('tr[data-row="z2"]', "class")
    assert opened.errors == [] and opened.requests == [opened.url]


# -- the notebook's inline view ----------------------------------------------------------


def test_the_notebook_display_runs_the_page_inline_and_drops_the_static_copy(
        context: Any, homework: Any, tmp_path: Path) -> None:
    bundle = symcheck.trace("backprop", steps=["z4"])._repr_mimebundle_()
    cell = f'<!DOCTYPE html><html><body><div class="output">{bundle["text/html"]}</div></body></html>'
    path = tmp_path / "cell.html"
    path.write_text(cell, encoding="utf-8")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    frame_element = page.wait_for_selector("iframe:not([hidden])")
    assert page.locator("[id$='-static']").count() == 0  # scripts run: the static copy is gone
    frame = frame_element.content_frame()
    frame.wait_for_selector("html[data-ready]")
    assert frame.get_attribute("[data-current-step]", "data-current-step") == "5"
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height != 760")
    assert errors == []
    page.close()


# -- big graphs ------------------------------------------------------------------------------


def test_a_2000_node_trace_opens_and_steps_through_its_neighbourhoods(context: Any, tmp_path: Path) -> None:
    from symcheck.ir import INPUT, Node, Program

    nodes = [Node(f"x{i}", INPUT, (), 0.5 + 0.01 * i) for i in range(20)]
    ops = ("sin", "tanh", "mul", "add")
    while len(nodes) < 1999:
        k = len(nodes)
        op = ops[k % 4]
        operands = (nodes[k - 1].name,) if op in ("sin", "tanh") else (nodes[k - 1].name, nodes[k - 3].name)
        nodes.append(Node(f"z{k}", op, operands))
    nodes.append(Node("f", "mean", tuple(n.name for n in nodes[-5:])))
    trace = symcheck.trace(Program(tuple(nodes), "f"))
    opened = open_page(context, trace.to_html(), tmp_path)  # generous timeouts inside: only a hang fails
    drawn = opened.grads()
    assert 1 < len(drawn) <= 48 and "f" in drawn
    assert opened.page.locator("#minimap").count() == 1
    opened.press("ArrowRight", 3)
    step = trace.steps[3]
    assert opened.current_step() == step.number
    drawn = opened.grads()
    assert drawn[step.node] == step.grads_before[step.node]
    for operand in dict.fromkeys(o for o in trace.report.program.node(step.node).inputs if isinstance(o, str)):
        assert drawn[operand] == step.grads_before[operand]
    assert opened.errors == [] and opened.requests == [opened.url]
