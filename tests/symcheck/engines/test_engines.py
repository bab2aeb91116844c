"""symcheck.engines: reading micrograd-style graphs and finding the op whose backward is wrong."""

from __future__ import annotations

import math
import re
from typing import Iterator

import pytest
import sympy
from micrograd.engine import Value as MicrogradValue

import ag
import symcheck
from buggy_engines import BUGS, make_engine
from symcheck.engines import EngineLimitError, UnreadableEngineError, alias_op, canonical_op, capture_engine, check_engine
from symcheck.render.formulas import readable
from symcheck.errors import InputError, UnknownOpError
from symcheck.ops import OPS

CorrectValue = make_engine(None)


def student_expression(V: type) -> object:
    """Every op the course engines have, with reuse (x feeds three nodes) and - and / via * and **."""
    x = V(0.6, label="x")
    y = V(-1.3, label="y")
    z = x * y + x
    return (z.tanh() * x + (y**2).exp() * 0.1 - z.sigmoid() / (x**2 + 1.0)).tanh()


def micrograd_expression() -> object:
    x = MicrogradValue(0.8)
    y = MicrogradValue(-1.7)
    z = x * y + x * x - y / x + (y**3).relu() + (x - y) ** 2
    return z * z + 3


# -- reading graphs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [("+", ("add", None)), ("*", ("mul", None)), ("**2", ("pow", 2.0)), ("**-1", ("pow", -1.0)),
     ("**0.5", ("pow", 0.5)), ("ReLU", ("relu", None)), ("relu", ("relu", None)), ("tanh", ("tanh", None)),
     ("exp", ("exp", None)), ("log", ("log", None)), ("sigmoid", ("sigmoid", None)), ("", ("input", None)),
     ("swish", ("silu", None)), ("pow(2)", ("pow", 2.0)), ("LeakyReLU", ("leaky_relu", None)), ("Mul", ("mul", None)),
     ("mish", None)],
)
def test_engine_op_names_map_to_the_op_table(name: str, expected: object) -> None:
    assert canonical_op(name) == expected


def test_micrograd_graph_is_captured_with_ops_exponents_and_repeated_parents() -> None:
    x = MicrogradValue(2.0)
    f = x * x + x**-1
    graph = capture_engine(f)
    program = graph.to_program()
    ops = {(node.op, node.inputs, node.engine_op) for node in program.nodes}
    assert ("mul", ("x1", "x1"), "*") in ops  # micrograd's set keeps one parent of x * x
    assert ("pow", ("x1", -1.0), "**-1") in ops
    assert program.node(program.output).op == "add"


def test_set_parents_are_ordered_by_value_for_an_op_whose_order_matters() -> None:
    class Div(CorrectValue):  # type: ignore[misc, valid-type]
        def __truediv__(self, other: "Div") -> "Div":
            out = Div(self.data / other.data, (self, other), "/")

            def _backward() -> None:
                self.grad += out.grad / other.data
                other.grad -= out.grad * self.data / other.data**2

            out._backward = _backward
            return out

    a, b = Div(3.0, label="a"), Div(0.5, label="b")
    program = capture_engine(a / b).to_program()
    assert program.node(program.output).inputs == ("a", "b")
    assert check_engine(a / b).ok


class TupleValue:
    """An engine that keeps parents in a tuple (operand order) and has native - and /."""

    def __init__(self, data: float, children: tuple = (), op: str = "") -> None:
        self.data, self.grad, self._prev, self._op = data, 0.0, children, op
        self._backward = lambda: None

    def __sub__(self, other: "TupleValue") -> "TupleValue":
        out = TupleValue(self.data - other.data, (self, other), "-")

        def _backward() -> None:
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other: "TupleValue") -> "TupleValue":
        out = TupleValue(self.data / other.data, (self, other), "/")

        def _backward() -> None:
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data**2

        out._backward = _backward
        return out

    def backward(self) -> None:
        self.grad = 1.0
        for node in (self, *self._prev):  # enough for the one-op graphs below
            node._backward()


@pytest.mark.parametrize("op", ["-", "/"])
def test_parents_in_a_tuple_keep_their_operand_order(op: str) -> None:
    a, b = TupleValue(2.0), TupleValue(0.5)
    out = a - b if op == "-" else a / b
    program = capture_engine(out).to_program()
    assert program.node(program.output).inputs == ("x1", "x2")
    assert program.node("x1").value == 2.0
    assert check_engine(out).ok


class MethodValue:
    """An engine whose local step is a method (not a closure), with parents and local partials stored."""

    def __init__(self, data: float, parents: tuple = (), op: str = "", local: tuple = ()) -> None:
        self.data, self.grad, self.parents, self.op, self.local = data, 0.0, parents, op, local

    reverse = True  # False: forgets reversed(topo)

    def __mul__(self, other: "MethodValue") -> "MethodValue":
        return type(self)(self.data * other.data, (self, other), "mul", (other.data, self.data))

    def tanh(self) -> "MethodValue":
        t = math.tanh(self.data)
        return type(self)(t, (self,), "tanh", (1 - t * t,))

    def _backward(self) -> None:
        for parent, partial in zip(self.parents, self.local):
            parent.grad += partial * self.grad

    def backward(self) -> None:
        topo, seen = [], set()

        def visit(v: "MethodValue") -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                topo.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(topo) if self.reverse else topo:
            v._backward()


def test_an_engine_with_a_method_step_is_observed_and_left_unchanged() -> None:
    x = MethodValue(0.4)
    f = (x * x).tanh() * x
    assert check_engine(f).ok
    assert "_backward" not in vars(f)  # the wrapper was removed again

    class Forgetful(MethodValue):
        reverse = False

    y = Forgetful(0.4)
    report = check_engine((y * y).tanh() * y)
    assert [(f.node, f.op, f.kind) for f in report.failures][:1] == [("z2", "tanh", "order")]


def test_names_are_labels_else_generated_and_the_same_on_every_capture() -> None:
    def build() -> list[str]:
        x, y = MicrogradValue(1.5), MicrogradValue(1.5)
        return list(capture_engine(x * y + y).names)

    assert build() == build() == ["x1", "x2", "z1", "z2"]
    labelled = capture_engine(student_expression(CorrectValue))
    assert {"x", "y"} <= set(labelled.names)


def test_a_label_kept_in_name_names_the_node() -> None:
    class Named(TupleValue):
        def __init__(self, data: float, children: tuple = (), op: str = "", name: str = "") -> None:
            super().__init__(data, children, op)
            self.name = name

    a, b = Named(2.0, name="a"), Named(0.5, name="b")
    assert capture_engine(a / b).names == ["a", "b", "z1"]

    class Slotted:
        __slots__ = ("data", "grad", "_prev", "_op", "_backward", "name")

        def __init__(self, data: float, name: str, prev: tuple = (), op: str = "") -> None:
            self.data, self.grad, self._prev, self._op, self.name = data, 0.0, prev, op, name
            self._backward = lambda: None

    w = Slotted(1.5, "w")
    assert capture_engine(Slotted(-1.5, "minus_w", (w,), "neg")).names == ["w", "minus_w"]

    class ClassNamed(TupleValue):
        name = "Value"  # the class's name for itself, not a node's label

    c, d = ClassNamed(2.0), ClassNamed(0.5)
    assert capture_engine(ClassNamed.__sub__(c, d)).names == ["x1", "x2", "z1"]


def test_an_engine_whose_recursive_backward_cannot_walk_a_deep_graph_is_told_so() -> None:
    x = MethodValue(0.5)
    y = x
    for _ in range(5000):
        y = (y * MethodValue(1.0001)).tanh()
    with pytest.raises(EngineLimitError) as error:
        check_engine(y)
    message = str(error.value)
    assert "\n" not in message and error.value.__cause__ is None
    assert "your engine's backward() hit Python's recursion limit" in message
    assert "15001 nodes, 10001 deep" in message and "explicit stack" in message


def test_ag_values_are_read_with_their_ops_and_constants_inlined() -> None:
    x = ag.Scalar(0.5, "x")
    program = capture_engine(ag.tanh(x * 2.0) ** 3).to_program()
    assert [(n.op, n.inputs) for n in program.nodes] == [
        ("input", ()), ("mul", ("x", 2.0)), ("tanh", ("z1",)), ("pow", ("z2", 3.0))
    ]


def test_a_deep_graph_is_read_without_recursion() -> None:
    x = MicrogradValue(0.5)
    y = x
    for _ in range(3000):
        y = y * 1.0001
    graph = capture_engine(y)
    assert len(graph) == 1 + 2 * 3000


# -- correct engines pass ------------------------------------------------------------------


def test_micrograd_passes_with_no_failure() -> None:
    report = check_engine(micrograd_expression())
    assert report.ok, report.failures
    assert report.failures == []


def test_a_correct_hand_written_engine_passes_with_no_failure() -> None:
    report = check_engine(student_expression(CorrectValue))
    assert report.ok, report.failures
    assert all(node.ok for node in report.nodes)


def test_ag_passes_through_the_engine_path_too() -> None:
    x, y = ag.Scalar(0.3, "x"), ag.Scalar(1.2, "y")
    f = ag.tanh(x * y + x**2) / y - ag.sigmoid(x) * 2 + ag.softmax([x, y, x * y])[1]
    report = check_engine(f)
    assert report.ok, report.failures


@pytest.mark.slow
def test_a_correct_engine_on_a_chain_5000_deep_reusing_one_input_has_no_false_alarm() -> None:
    x = CorrectValue(0.5, label="x")
    y = x
    for _ in range(2500):
        y = (y + x).tanh()
    report = check_engine(y)
    assert len(report.nodes) == 5001
    assert report.ok and report.failures == [] and report.flags == []


def test_a_kink_is_flagged_not_failed() -> None:
    x = MicrogradValue(0.0)
    f = x.relu() + x * 2
    report = check_engine(f)
    assert report.failures == []
    assert [flag.kind for flag in report.flags] == ["nondifferentiable"]


def test_the_users_grads_are_left_as_they_were() -> None:
    f = micrograd_expression()
    f.backward()
    before = {id(v): v.grad for v in capture_engine(f).nodes}
    check_engine(f)
    assert {id(v): v.grad for v in capture_engine(f).nodes} == before


# -- each classic bug is found, with the right op and kind ----------------------------------

EXPECTED = {
    "tanh": ("tanh", "local"),
    "pow": ("**2", "local"),
    "mul": ("*", "local"),
    "missing": ("exp", "missing"),
    "overwrite": ("+", "accumulation"),
    "order": (None, "order"),
}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_buggy_engine_fails_with_the_right_op_and_kind(bug: str) -> None:
    report = check_engine(student_expression(make_engine(bug)))
    assert not report.ok
    op, kind = EXPECTED[bug]
    first = report.failures[0]
    assert first.kind == kind, report.failures
    if op is not None:
        assert first.op == op
    root_kinds = {f.kind for f in report.failures} - {"mismatch"}
    assert root_kinds == {kind}


def test_a_local_failure_says_what_the_step_gives_and_what_sympy_expects() -> None:
    report = check_engine(student_expression(make_engine("tanh")))
    tanh = next(f for f in report.failures if f.op == "tanh")
    z = tanh.node
    assert tanh.message.startswith(f"node {z} (tanh): your _backward gives ∂{z}/∂")
    assert re.search(r"; expected 1 − tanh\((x|y|z\d+)\)² = 0\.\d+$", tanh.message), tanh.message


def test_expected_partials_are_written_like_a_handout() -> None:
    x, y = sympy.symbols("x y", real=True)
    assert readable(1 - sympy.tanh(x) ** 2) == "1 − tanh(x)²"
    assert readable(-1 / x**2) == "−1/x²"
    assert readable(sympy.exp(x**2) * x ** -3) == "exp(x²)/x³"
    assert readable(2 * x * y) == "2·x·y"
    assert readable(x ** sympy.Float(1.5)) == "x^1.5"


def test_missing_accumulation_and_order_messages_name_the_fix() -> None:
    missing = check_engine(student_expression(make_engine("missing"))).failures[0]
    overwrite = check_engine(student_expression(make_engine("overwrite"))).failures[0]
    order = check_engine(student_expression(make_engine("order"))).failures[0]
    assert "propagates nothing" in missing.message and "exp(" in missing.message
    assert "(= instead of +=)" in overwrite.message and "x is used by" in overwrite.message
    assert "reverse topological order" in order.message


def test_overwriting_a_parent_used_twice_in_one_op_is_an_accumulation_failure() -> None:
    V = make_engine("overwrite")
    x = V(0.7, label="x")
    report = check_engine((x + x).tanh())
    assert [(f.op, f.kind) for f in report.failures if f.kind != "mismatch"] == [("+", "accumulation")]


def test_mismatch_symptoms_explained_by_a_root_cause_are_dropped() -> None:
    report = check_engine(student_expression(make_engine("tanh")))
    assert "mismatch" not in {f.kind for f in report.failures}
    assert not all(node.ok for node in report.nodes)  # the symptoms stay visible node by node


def test_stale_grads_are_reported_and_a_fresh_run_is_checked() -> None:
    f = micrograd_expression()
    f.backward()
    f.backward()  # micrograd accumulates: every grad is now stale
    report = check_engine(f)
    assert [f.kind for f in report.failures] == ["stale"]
    assert "not zero when backward started" in report.failures[0].message
    assert all(node.ok for node in report.nodes)


def test_ag_leaves_accumulating_over_two_backward_calls_are_stale() -> None:
    x = ag.Scalar(0.5, "x")
    f = ag.tanh(x * x)
    f.backward()
    f.backward()
    report = check_engine(f)
    assert [(r.node, r.kind) for r in report.failures] == [("x", "stale")]


def test_one_backward_before_the_check_is_not_stale() -> None:
    f = micrograd_expression()
    f.backward()
    assert check_engine(f).ok


# -- ops symcheck does not know ------------------------------------------------------------


def _swish_engine() -> type:
    class Swish(CorrectValue):  # type: ignore[misc, valid-type]
        def swish(self) -> "Swish":
            s = 1 / (1 + math.exp(-self.data))
            out = Swish(self.data * s, (self,), "swish")

            def _backward() -> None:
                self.grad += (s + self.data * s * (1 - s)) * out.grad

            out._backward = _backward
            return out

    return Swish


@pytest.fixture
def swish_unknown() -> Iterator[str]:
    """The op name 'swish', unknown to symcheck during the test and forgotten again afterwards."""
    OPS.pop("swish", None)
    yield "swish"
    OPS.pop("swish", None)


def test_an_unknown_op_is_a_clear_error_showing_how_to_register_it(swish_unknown: str) -> None:
    V = _swish_engine()
    V.mish = lambda self: _named(self, "mish", self.data * math.tanh(math.log1p(math.exp(self.data))))
    with pytest.raises(UnknownOpError) as error:
        check_engine(V(0.5).mish() * 2)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("node z1: op 'mish' is an op symcheck cannot interpret")
    assert message.endswith("symcheck.register_op('mish', lambda a: FORWARD) with FORWARD what mish computes from a, "
                            "as a sympy expression in a")


def _named(node: object, op: str, value: float) -> object:
    out = type(node)(value, (node,), op)
    return out


def test_after_register_op_the_op_is_checked_and_its_wrong_step_found(swish_unknown: str) -> None:
    symcheck.register_op("swish", lambda a: a / (1 + sympy.exp(-a)))  # what the error message shows
    V = _swish_engine()
    x = V(0.5, label="x")
    assert check_engine(x.swish() * x).ok

    class WrongSwish(V):  # type: ignore[misc, valid-type]
        def swish(self) -> "WrongSwish":
            s = 1 / (1 + math.exp(-self.data))
            out = WrongSwish(self.data * s, (self,), "swish")

            def _backward() -> None:
                self.grad += s * out.grad  # forgets the x·σ'(x) term

            out._backward = _backward
            return out

    w = WrongSwish(0.5, label="w")
    report = check_engine(w.swish() * w)
    assert [(f.node, f.op, f.kind) for f in report.failures] == [("z1", "swish", "local")]
    assert report.failures[0].message.startswith("node z1 (swish): your _backward gives ∂z1/∂w = 0.622459; expected ")


def test_a_value_that_is_not_finite_is_named_before_anything_runs() -> None:
    x = CorrectValue(float("nan"), label="x")
    with pytest.raises(InputError, match=r"^node x \(input\): its value is nan; .*every value is finite"):
        check_engine((x * 2.0).tanh())
    big = CorrectValue(1e308, label="big")
    with pytest.raises(InputError, match=r"^node z1 \(\*\): its value is inf \(from .*big = 1e\+308.*\); "):
        check_engine(big * 10.0)


def test_a_point_on_a_domain_edge_is_named_before_the_engine_runs() -> None:
    x = CorrectValue(0.0, label="x")
    with pytest.raises(InputError) as error:
        check_engine(x**0.5 + x)  # the engine's own backward would divide by zero here
    assert str(error.value).startswith(
        "node z1 (**0.5): x = 0 is on the edge of the domain of **0.5, where its local derivative "
        "(∂z1/∂x = 1/(2·sqrt(x))) is not finite; build the graph at a point inside the domain"
    )


class Bare:
    """Nodes without a backward() method, and a product node whose op name was forgotten."""

    def __init__(self, data: float, prev: tuple = (), op: str = "") -> None:
        self.data, self.grad, self._prev, self._op = data, 0.0, set(prev), op
        self._backward = lambda: None

    def __mul__(self, other: "Bare") -> "Bare":
        out = Bare(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out


def test_an_engine_without_backward_is_told_what_symcheck_runs() -> None:
    with pytest.raises(InputError, match=r"^node z1: a Bare has no backward\(\) method, .*reverse topological order"):
        check_engine(Bare(0.5) * Bare(2.0))


def test_a_node_with_parents_but_no_op_name_is_read_from_its_value_or_told_to_name_it() -> None:
    assert capture_engine(Bare(1.0, (Bare(0.5), Bare(2.0)), "")).ops[-1] == "mul"  # 0.5 · 2 is the value
    unnamed = Bare(7.0, (Bare(0.5), Bare(2.0)), "")  # no op symcheck knows gives 7 from 0.5 and 2
    with pytest.raises(UnknownOpError, match=r"^node z1: this node names no op, and no op symcheck knows gives its "
                                             r"value \(value 7 from x1 = 2, x2 = 0.5\)"):
        check_engine(unnamed)


class Unwrapped:
    """An engine that keeps a number operand out of the graph: ``x * 3.0`` has the one parent x."""

    def __init__(self, data: float, prev: tuple = (), op: str = "", label: str = "") -> None:
        self.data, self.grad, self._prev, self._op, self.label = data, 0.0, set(prev), op, label
        self._backward = lambda: None

    def _binary(self, other: object, op: str, value: float, local: float) -> "Unwrapped":
        out = Unwrapped(value, (self,), op)

        def _backward() -> None:
            self.grad += local * out.grad

        out._backward = _backward
        return out

    def __mul__(self, c: float) -> "Unwrapped":
        return self._binary(c, "*", self.data * c, c)

    def __add__(self, c: float) -> "Unwrapped":
        return self._binary(c, "+", self.data + c, 1.0)

    def __sub__(self, c: float) -> "Unwrapped":
        return self._binary(c, "-", self.data - c, 1.0)

    def tanh(self) -> "Unwrapped":
        return self._binary(None, "tanh", math.tanh(self.data), 1 - math.tanh(self.data) ** 2)

    def backward(self) -> None:
        self.grad, node = 1.0, self
        while node._prev:  # a chain: one parent each
            node._backward()
            (node,) = node._prev


def test_a_number_kept_outside_the_graph_is_read_from_the_value_for_plus_and_times() -> None:
    x = Unwrapped(0.7, label="x")
    out = ((x * 3.0).tanh() + 0.25) * -2.0
    program = capture_engine(out).to_program()
    assert [(n.op, n.inputs) for n in program.nodes][1] == ("mul", ("x", pytest.approx(3.0, rel=1e-15)))
    assert check_engine(out).ok, check_engine(out).failures


def test_a_number_kept_outside_the_graph_of_a_minus_is_a_clear_error() -> None:
    x = Unwrapped(0.7, label="x")
    with pytest.raises(UnknownOpError, match=r"^node z1: op '-' lists one parent \(x = 0.7\) .*Value\(other\)"):
        check_engine((x - 3.0).tanh())


def test_a_foreign_value_cannot_be_moved_to_another_point() -> None:
    with pytest.raises(InputError):
        check_engine(micrograd_expression(), at={"x1": 1.0})


def test_something_that_is_no_node_is_a_clear_error() -> None:
    with pytest.raises(UnreadableEngineError, match=r"cannot find the value \(data, value, val, …\) of this float"):
        check_engine(3.0)


@pytest.mark.parametrize("engine_op, op", [("__mul__", "mul"), ("MulBackward", "mul"), ("truediv", "div"), ("Tanh()", "tanh")])
def test_an_op_name_that_spells_a_known_op_is_read_as_it(engine_op: str, op: str) -> None:
    a, b = Bare(0.5), Bare(1.5)
    value = {"mul": 0.75, "div": 0.5 / 1.5, "tanh": math.tanh(0.5)}[op]
    parents = (a,) if op == "tanh" else (a, b)
    graph = capture_engine(Bare(value, parents, engine_op))
    assert graph.ops[-1] == op and graph.engine_ops[-1] == engine_op and not graph.readings


@pytest.mark.parametrize("engine_op", ["logsigmoid", "mish"])
def test_an_unknown_op_that_only_contains_a_known_name_gets_the_template(engine_op: str) -> None:
    with pytest.raises(UnknownOpError) as error:
        check_engine(Bare(1.0, (Bare(0.5),), engine_op))
    assert "alias_op" not in str(error.value) and f"symcheck.register_op({engine_op!r}, lambda a: FORWARD" in str(error.value)


def test_an_op_name_that_is_no_identifier_is_read_through_an_alias() -> None:
    class AtValue(CorrectValue):  # type: ignore[misc, valid-type]
        def __matmul__(self, other: "AtValue") -> "AtValue":
            out = AtValue(self.data * other.data, (self, other), "@")

            def _backward() -> None:
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad

            out._backward = _backward
            return out

    a, b = AtValue(0.5), AtValue(-2.0)
    with pytest.raises(UnknownOpError, match=r"alias_op\('@', 'OP'\) with OP one of id, add"):
        check_engine((a @ b).tanh())
    alias_op("@", "mul")
    assert check_engine((a @ b).tanh()).ok
