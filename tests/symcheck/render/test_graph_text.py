"""Graph renderer: DOT and Mermaid text of the homework graph, golden strings."""

from __future__ import annotations

import pytest

import render_samples as samples
from symcheck.ir import Node, Program
from symcheck.render.graph import GraphData, render_graph, to_dot, to_mermaid

BACKPROP_DOT = r"""digraph symcheck {
  rankdir=LR;
  node [shape=box, fontname="Helvetica"];
  "x" [label="x (input)\nvalue 1.5\ngrad -0.199993", color=red];
  "y" [label="y (input)\nvalue 0.5\ngrad 3.46334", color=red];
  "z1" [label="z1 = id(x)\nvalue 1.5\ngrad -0.199993", color=red];
  "z2" [label="z2 = id(y)\nvalue 0.5\ngrad 3.46334", color=red];
  "z3" [label="z3 = mul(z1, z2)\nvalue 0.75\ngrad 1.48453", color=red];
  "z4" [label="z4 = add(z3, z1)\nvalue 2.25\ngrad -0.94226", color=red];
  "z5" [label="z5 = sin(z4)\nvalue 0.778073\ngrad 0.75"];
  "z6" [label="z6 = exp(z2)\nvalue 1.64872\ngrad 0.75"];
  "z7" [label="z7 = add(z5, z6)\nvalue 2.42679\ngrad 0.75"];
  "z8" [label="z8 = mul(z7, z3)\nvalue 1.8201\ngrad 1", peripheries=2];
  "x" -> "z1";
  "y" -> "z2";
  "z1" -> "z3";
  "z2" -> "z3";
  "z3" -> "z4";
  "z1" -> "z4";
  "z4" -> "z5";
  "z2" -> "z6";
  "z5" -> "z7";
  "z6" -> "z7";
  "z7" -> "z8";
  "z3" -> "z8";
}
"""

BACKPROP_MERMAID = """flowchart LR
  n0["x (input)<br/>value 1.5<br/>grad -0.199993"]
  n1["y (input)<br/>value 0.5<br/>grad 3.46334"]
  n2["z1 = id(x)<br/>value 1.5<br/>grad -0.199993"]
  n3["z2 = id(y)<br/>value 0.5<br/>grad 3.46334"]
  n4["z3 = mul(z1, z2)<br/>value 0.75<br/>grad 1.48453"]
  n5["z4 = add(z3, z1)<br/>value 2.25<br/>grad -0.94226"]
  n6["z5 = sin(z4)<br/>value 0.778073<br/>grad 0.75"]
  n7["z6 = exp(z2)<br/>value 1.64872<br/>grad 0.75"]
  n8["z7 = add(z5, z6)<br/>value 2.42679<br/>grad 0.75"]
  n9(("z8 = mul(z7, z3)<br/>value 1.8201<br/>grad 1"))
  n0 --> n2
  n1 --> n3
  n2 --> n4
  n3 --> n4
  n4 --> n5
  n2 --> n5
  n5 --> n6
  n3 --> n7
  n6 --> n8
  n7 --> n8
  n8 --> n9
  n4 --> n9
  classDef failed stroke:#d00,stroke-width:2px
  class n0,n1,n2,n3,n4,n5 failed
"""


def failing() -> GraphData:
    return GraphData.from_report(samples.report(engine_bug=True))


def test_dot_golden() -> None:
    assert to_dot(failing()) == BACKPROP_DOT


def test_mermaid_golden() -> None:
    assert to_mermaid(failing()) == BACKPROP_MERMAID


def test_program_alone_draws_without_values() -> None:
    text = to_dot(GraphData(samples.PROGRAM))
    assert '"z3" [label="z3 = mul(z1, z2)"];' in text
    assert '"x" [label="x (input)\\nvalue 1.5"];' in text


def test_names_and_constants_are_escaped() -> None:
    program = Program((Node('a"b', "input", (), 2.0), Node("<c>", "pow", ('a"b', 2.0))), "<c>")
    dot = to_dot(GraphData(program))
    assert '"a\\"b" -> "<c>";' in dot and 'label="<c> = pow(a\\"b, 2)' in dot
    mermaid = to_mermaid(GraphData(program))
    assert 'n1(("#lt;c#gt; = pow(a#quot;b, 2)"))' in mermaid and "n0 --> n1" in mermaid


def test_line_breaks_and_hashes_in_names_keep_each_statement_on_one_line() -> None:
    program = Program((Node("new\nline", "input", (), 2.0), Node("#1", "neg", ("new\nline",))), "#1")
    dot = to_dot(GraphData(program)).splitlines()
    assert '  "new\\nline" -> "#1";' in dot
    assert '  "new\\nline" [label="new\\nline (input)\\nvalue 2"];' in dot
    mermaid = to_mermaid(GraphData(program)).splitlines()
    assert mermaid[1:3] == ['  n0["new<br/>line (input)<br/>value 2"]', '  n1(("#35;1 = neg(new<br/>line)"))']


def test_repeated_operand_draws_one_edge_per_use() -> None:
    program = Program((Node("a", "input", (), 2.0), Node("b", "mul", ("a", "a"))), "b")
    assert to_mermaid(GraphData(program)).count("n0 --> n1") == 2


def test_unknown_format_names_the_formats() -> None:
    with pytest.raises(ValueError, match="dot, mermaid"):
        render_graph(failing(), "png")
