"""JSON renderer: the DESIGN.md contract fields, strict JSON, non-finite numbers as strings."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

import render_samples as samples
from symcheck.render.json_render import SCHEMA_VERSION, dumps, encode_number, report_to_json, trace_to_json
from symcheck.report import NodeResult

NODE_KEYS = {"name", "op", "inputs", "value", "grad", "grad_symbolic", "grad_expanded", "grad_expected", "grad_fd", "grad_fd_error", "ok"}


def strict(data: object) -> object:
    return json.loads(json.dumps(data, allow_nan=False))


def test_check_json_has_the_contract_fields() -> None:
    data = strict(report_to_json(samples.report(engine_bug=True)))
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["output"] == "z8" and data["inputs"] == {"x": 1.5, "y": 0.5}
    assert [n["name"] for n in data["nodes"]] == ["x", "y", "z1", "z2", "z3", "z4", "z5", "z6", "z7", "z8"]
    assert all(NODE_KEYS <= set(n) for n in data["nodes"])
    z3 = data["nodes"][4]
    assert z3["inputs"] == ["z1", "z2"] and z3["grad_symbolic"] == "z7 + z3*cos(z4)"
    assert z3["ok"] is False and data["ok"] is False
    assert data["failures"][-1] == {
        "node": "z4", "op": "add", "kind": "mismatch", "message": "engine -0.94226, symbolic -0.47113", "nodes": ["z4"],
    }
    assert data["nodes_read"] == 10
    assert data["flags"] == []


def test_trace_json_has_steps_in_backward_order() -> None:
    data = strict(trace_to_json(samples.trace()))
    assert [s["node"] for s in data["steps"]] == samples.ORDER
    before_z4 = data["steps"][4]
    assert before_z4["node"] == "z4"
    assert before_z4["symbolic_before"]["z3"] == "z7"
    assert math.isclose(before_z4["grads_before"]["z3"], samples.V["z7"])
    assert before_z4["pending"]["z3"] == 1 and data["consumers"]["z3"][-1:] == ["z4"]  # the last 1 of z3's consumers
    assert before_z4["adds"][0] == {"target": "z3", "term": "z3*cos(z4)", "value": before_z4["adds"][0]["value"],
                                    "upstream": before_z4["adds"][0]["value"], "local": 1.0, "local_term": "1"}


def test_claim_json() -> None:
    data = strict(samples.FAILS.to_json())
    assert data == {
        "schema_version": SCHEMA_VERSION,
        "claim": "grad(z3, before=z4) == z7 + z3*D(z7, z3)",
        "holds": False,
        "method": "symbolic",
        "lhs": {"symbolic": "z7", "value": samples.V["z7"]},
        "rhs": {"symbolic": "z3*cos(z4) + z7", "value": samples.FAILS.rhs_value},
        "message": samples.FAILS.message,
    }


def test_non_finite_numbers_become_strings() -> None:
    report = samples.report()
    report.nodes[0] = NodeResult("x", "input", (), math.inf, math.nan, -math.inf, None, error=math.nan, ok=False)
    data = report.to_json()
    text = dumps(data)
    node = json.loads(text)["nodes"][0]
    assert (node["value"], node["grad"], node["grad_expected"], node["grad_fd"]) == ("inf", "nan", "-inf", None)


def test_operand_constants_are_numbers() -> None:
    report = samples.report()
    report.nodes[5] = NodeResult("z4", "pow", ("z3", 2.0), 1.0, 1.0, 1.0)
    assert strict(report.to_json())["nodes"][5]["inputs"] == ["z3", 2.0]


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | st.none())
def test_encode_number_is_always_strict_json(value: float | None) -> None:
    encoded = encode_number(value)
    json.dumps(encoded, allow_nan=False)
    if value is not None and math.isfinite(value):
        assert encoded == value


def test_a_finite_difference_error_estimate_is_in_the_json() -> None:
    result = NodeResult("x", "input", (), 1.5, 1.0, 1.0, 0.99995, grad_fd_error=2e-4)
    report = samples.report()
    report.nodes = [result]
    (node,) = strict(report_to_json(report))["nodes"]
    assert (node["grad_fd"], node["grad_fd_error"]) == (0.99995, 2e-4)


SMALL_CHECK_JSON = """\
{
  "schema_version": 2,
  "output": "z1",
  "inputs": {
    "x": 0.5
  },
  "nodes": [
    {
      "name": "x",
      "op": "input",
      "inputs": [],
      "value": 0.5,
      "grad": 2.0,
      "grad_symbolic": "2*x",
      "grad_expanded": "2*x",
      "grad_expected": 1.0,
      "grad_fd": 1.0,
      "grad_fd_error": null,
      "chain_rule": "∂f/∂z1·∂z1/∂x",
      "error": 1.0,
      "ok": false
    },
    {
      "name": "z1",
      "op": "pow",
      "inputs": [
        "x",
        2.0
      ],
      "value": 0.25,
      "grad": 1.0,
      "grad_symbolic": "1",
      "grad_expanded": "1",
      "grad_expected": 1.0,
      "grad_fd": 1.0,
      "grad_fd_error": null,
      "chain_rule": "1",
      "error": 0.0,
      "ok": true
    }
  ],
  "nodes_read": 2,
  "ok": false,
  "failures": [
    {
      "node": "x",
      "op": "input",
      "kind": "mismatch",
      "message": "engine 2, symbolic 1",
      "nodes": [
        "x"
      ]
    }
  ],
  "flags": [],
  "claims": [],
  "first_divergence": "x",
  "rtol": 1e-06,
  "atol": 1e-09
}"""


def test_check_json_snapshot() -> None:
    from symcheck.ir import Node, Program
    from symcheck.report import Finding, Report

    program = Program((Node("x", "input", (), 0.5), Node("z1", "pow", ("x", 2.0))), "z1")
    nodes = [
        NodeResult("x", "input", (), 0.5, 2.0, 1.0, 1.0, "2*x", "2*x", "∂f/∂z1·∂z1/∂x", error=1.0, ok=False),
        NodeResult("z1", "pow", ("x", 2.0), 0.25, 1.0, 1.0, 1.0, "1", "1", "1", error=0.0),
    ]
    report = Report(program, {"x": 0.5}, nodes, failures=[Finding("x", "input", "mismatch", "engine 2, symbolic 1")],
                    first_divergence="x")
    assert dumps(report_to_json(report)) == SMALL_CHECK_JSON
