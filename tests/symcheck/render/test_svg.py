"""The SVG picture (`symcheck.render.svg`): every node and wire drawn with its numbers, failures red."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

import symcheck
from buggy_engines import make_engine
from symcheck.ir import Node, Program
from symcheck.render import format_number
from symcheck.render.graph import GraphData
from symcheck.render.svg import data_number, graph_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def groups(root: ET.Element, attribute: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if attribute in g.attrib]


def texts(group: ET.Element) -> dict[str, str]:
    return {t.get("class"): "".join(t.itertext()) for t in group.iter(f"{SVG}text")}


@pytest.fixture(scope="module")
def homework_svg() -> ET.Element:
    return parse(graph_svg(GraphData.from_report(symcheck.check("backprop"))))


def test_every_node_is_a_group_carrying_its_name_value_and_grad(homework_svg: ET.Element) -> None:
    report = symcheck.check("backprop")
    nodes = {g.get("data-node"): g for g in groups(homework_svg, "data-node")}
    assert list(nodes) == list(report.program.names)
    for result in report.nodes:
        g = nodes[result.name]
        assert float(g.get("data-value")) == result.value and float(g.get("data-grad")) == result.grad
        shown = texts(g)
        assert shown["node-value"] == f"value {format_number(result.value)}"
        assert shown["node-grad"] == f"grad  {format_number(result.grad)}"
    assert "output" in nodes["z8"].get("class").split()


def test_each_wire_carries_its_value_gradient_and_local_partial(homework_svg: ET.Element) -> None:
    wires = {(g.get("data-source"), g.get("data-target")): texts(g) for g in groups(homework_svg, "data-source")}
    assert len(wires) == 12
    z3_to_z8 = wires[("z3", "z8")]  # ∂z8/∂z3 = z7, and ∂f/∂z8 = 1
    assert z3_to_z8["wire-value"] == "0.75" and z3_to_z8["wire-local"] == "∂ 2.42679"
    assert z3_to_z8["wire-grad"] == "2.42679"
    z3_to_z4 = wires[("z3", "z4")]  # ∂f/∂z4 · 1
    assert z3_to_z4["wire-grad"] == "-0.47113" and z3_to_z4["wire-local"] == "∂ 1"


def test_a_box_s_tooltip_gives_the_three_witnesses(homework_svg: ET.Element) -> None:
    z3 = next(g for g in groups(homework_svg, "data-node") if g.get("data-node") == "z3")
    tooltip = z3.find(f"{SVG}title").text
    assert tooltip.startswith("z3 = z1 · z2\nvalue 0.75\n∂f/∂z3: engine 1.95566 · symbolic 1.95566 · finite difference 1.95566")


def test_a_foreign_engine_s_wrong_step_is_red_and_the_nodes_it_misleads_are_marked() -> None:
    Value = make_engine("tanh")
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(0.3, label="b")
    report = symcheck.check((x * w + b).tanh() * x)
    root = parse(graph_svg(GraphData.from_report(report)))
    nodes = {g.get("data-node"): g for g in groups(root, "data-node")}
    faulty = report.failures[0].node
    assert report.failures[0].kind == "local" and "failed" in nodes[faulty].get("class").split()
    assert texts(nodes[faulty])["badge badge-failed"] == "✗ local"
    assert "your _backward gives" in nodes[faulty].find(f"{SVG}title").text
    misled = [r.name for r in report.nodes if not r.ok]
    assert misled and all("wrong" in nodes[name].get("class").split() for name in misled)
    assert all("failed" not in nodes[name].get("class").split() for name in misled)
    suspect = [g for g in groups(root, "data-source") if "suspect" in g.get("class").split()]
    assert [(g.get("data-source"), g.get("data-target")) for g in suspect] == [
        (op, faulty) for op in report.program.node(faulty).inputs]


def test_kinks_carry_a_flag_badge() -> None:
    report = symcheck.check("relu(x) * y", at="x=0,y=2")
    root = parse(graph_svg(GraphData.from_report(report)))
    flagged = [g for g in groups(root, "data-node") if "flagged" in g.get("class").split()]
    assert [g.get("data-node") for g in flagged] == [f.node for f in report.flags]
    assert texts(flagged[0])["badge badge-flag"] == "! nondifferentiable"


def test_user_text_is_escaped_and_the_picture_stays_well_formed() -> None:
    program = Program((Node('<a href="x">&', "input", (), 1.0), Node("</svg>", "sin", ('<a href="x">&',))), "</svg>")
    markup = graph_svg(GraphData(program, {'<a href="x">&': 1.0, "</svg>": math.sin(1.0)}))
    root = parse(markup)
    assert [g.get("data-node") for g in groups(root, "data-node")] == ['<a href="x">&', "</svg>"]
    assert "<a href" not in markup


def test_numbers_round_trip_through_the_data_attributes() -> None:
    for value in (2.4267944675880493, -0.0, 1e-300, 5e21):
        assert float(data_number(value)) == value
    assert data_number(float("nan")) == "NaN" and data_number(None) == "NaN"
    assert data_number(float("inf")) == "Infinity" and data_number(-float("inf")) == "-Infinity"
