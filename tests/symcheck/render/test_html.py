"""The HTML page's file (`symcheck.render.html`) without a browser: self-contained, its data exact."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import symcheck
from symcheck.cli import main
from symcheck.ir import INPUT, Node, Program
from symcheck.tracing import RECORD_ALL_UP_TO


def payload(page: str) -> dict[str, Any]:
    island = re.search(r'<script type="application/json" id="symcheck-data">(.*?)</script>', page, re.S)
    assert island is not None
    return json.loads(island.group(1))


def state_before(node: dict[str, Any], number: int) -> list[Any]:
    """The page's rule (page.js stateOf): the first timeline entry at or after the step, else the last."""
    for entry in node["timeline"]:
        if entry[0] >= number:
            return entry
    return node["timeline"][-1]


@pytest.fixture(scope="module")
def homework() -> Any:
    return symcheck.trace("backprop")


@pytest.fixture(scope="module")
def page(homework: Any) -> str:
    return homework.to_html()


def test_the_page_is_one_file_that_asks_for_nothing(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for fetching in ("<link", " src=", "@import", "url(", "fetch(", "XMLHttpRequest", "<img"):
        assert fetching not in page, fetching
    addresses = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1998/Math/MathML"}


def test_the_dom_contract_is_in_the_file(page: str, homework: Any) -> None:
    assert 'data-current-step="1"' in page
    for name in homework.report.program.names:
        assert f'data-node="{name}"' in page
    assert page.count("<script>") == 1 and "ArrowRight" in page and "ArrowLeft" in page


def test_the_data_gives_every_node_s_grad_before_every_step(page: str, homework: Any) -> None:
    nodes = {n["name"]: n for n in payload(page)["nodes"]}
    for step in homework.steps:
        for name, grad in step.grads_before.items():
            entry = state_before(nodes[name], step.number)
            assert entry[1] == grad and entry[3] == step.symbolic_before[name]
            assert tuple(entry[5]) == step.pending[name]


def test_the_sums_are_mathml_composed_from_the_steps(page: str) -> None:
    data = payload(page)
    z3 = next(n for n in data["nodes"] if n["name"] == "z3")
    assert state_before(z3, 5)[4] == "<mrow><msub><mi>z</mi><mn>7</mn></msub></mrow>"
    after = state_before(z3, 6)[4]
    assert "<mn>7</mn>" in after and "<mi>cos</mi>" in after and "<mo>+</mo>" in after
    step5 = next(s for s in data["steps"] if s["n"] == 5)
    assert [a["target"] for a in step5["adds"]] == ["z3", "z1"]
    assert step5["adds"][0]["local"] == 1.0 and round(step5["adds"][0]["value"], 5) == -0.47113


def test_a_filtered_trace_keeps_its_numbers_and_shows_sums_as_text() -> None:
    data = payload(symcheck.trace("backprop", steps=["z4"]).to_html())
    assert [s["n"] for s in data["steps"]] == [5] and data["stepCount"] == 10
    assert data["sumsComposed"] is False
    z3 = next(n for n in data["nodes"] if n["name"] == "z3")
    assert state_before(z3, 5)[3] == "z7" and state_before(z3, 5)[4] is None


def _wide_program(size: int) -> Program:
    """A deep program with reuse, bigger than the size up to which a trace records every node."""
    nodes = [Node(f"x{i}", INPUT, (), 0.3 + 0.05 * i) for i in range(6)]
    while len(nodes) < size - 1:
        k = len(nodes)
        op = ("sin", "mul", "tanh", "add", "cos")[k % 5]
        operands = (nodes[k - 1].name,) if op in ("sin", "tanh", "cos") else (nodes[k - 1].name, nodes[k - 4].name)
        nodes.append(Node(f"z{k}", op, operands))
    nodes.append(Node("out", "sum", tuple(n.name for n in nodes[-6:])))
    return Program(tuple(nodes), "out")


@pytest.mark.slow
def test_on_a_big_graph_the_neighbourhood_records_give_every_node_s_exact_grad() -> None:
    """Above RECORD_ALL_UP_TO nodes a trace records each step's neighbourhood only; the page's
    rule (a node's state is its next record's) must give what a full recording gives."""
    program = _wide_program(RECORD_ALL_UP_TO + 40)
    local = payload(symcheck.trace(program).to_html())
    full = symcheck.trace(program, nodes=program.names)
    assert local["big"] is True
    nodes = {n["name"]: n for n in local["nodes"]}
    checked = 0
    for step in full.steps[::7]:
        for name, grad in step.grads_before.items():
            if nodes[name]["timeline"]:
                entry = state_before(nodes[name], step.number)
                assert entry[1] == grad and tuple(entry[5]) == step.pending[name], (name, step.number)
                checked += 1
    assert checked > 10_000


def test_the_check_page_has_the_table_and_derivations_beside_the_graph() -> None:
    report = symcheck.check("x*sin(y)", at="x=1.5,y=0.5")
    page = report.to_html()
    assert page.count('<table class="witnesses"') == 1 and page.count('class="derivation"') == 3
    assert page.index('id="graph"') < page.index('id="panel"') < page.index('class="witnesses"')
    data = payload(page)
    assert data["mode"] == "check" and data["focus"] == "z2" and len(data["nodes"]) == 4


def test_the_check_page_closes_with_the_console_s_sentence(capsys: Any) -> None:
    for fd in ("auto", "none"):
        assert main(["check", "x*sin(y)", "--fd", fd, "--no-color"]) == 0
        closing = capsys.readouterr().out.rstrip().splitlines()[-1]
        summary = re.search(r'<p class="summary[^"]*">(.*?)</p>', symcheck.check("x*sin(y)", fd=fd).to_html()).group(1)
        assert re.sub(r"<[^>]+>", "", summary).strip() == closing
    assert closing == "✓ engine and symbolic agree on all 4 nodes (no finite differences taken)"


def test_the_cli_writes_the_page(tmp_path: Any, capsys: Any) -> None:
    target = tmp_path / "trace.html"
    assert main(["trace", "backprop", "--html", str(target), "--steps", "5"]) == 0
    assert capsys.readouterr().out == f"wrote {target}: the backward pass of f = z8, 10 steps (open it in a browser)\n"
    written = target.read_text(encoding="utf-8")
    assert payload(written)["start"] == 5 and len(payload(written)["steps"]) == 10
    assert main(["check", "x*y", "--html", "-"]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")


def test_the_cli_names_a_page_it_cannot_write(tmp_path: Any, capsys: Any) -> None:
    assert main(["check", "x*y", "--html", str(tmp_path / "missing" / "page.html")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "cannot write the page to" in error and "No such file" in error
