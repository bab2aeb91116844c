"""Reading engines as they are really written: every slip that once passed silently, crashed inside
symcheck or drowned its root cause has a test here, asserting the nodes read and the named op or kind."""

from __future__ import annotations

import math
import signal
from decimal import Decimal
from typing import Any, Iterator

import pytest

import symcheck
from engine_styles import build, closure_engine, stored_engine
from symcheck.engines import EngineCycleError, Reader, UnreadableEngineError
from symcheck.errors import UnknownOpError
from symcheck.ops import OPS


def check(out: Any, **kw: Any) -> symcheck.report.Report:
    return symcheck.check(out, progress=False, **kw)


class Node:
    """A bare engine node: value in `data`, parents in whatever attribute a test gives it."""

    def __init__(self, data: Any, op: str = "", **parts: Any) -> None:
        self.data, self.grad, self._op = data, 0.0, op
        self._backward = lambda: None
        for name, value in parts.items():
            setattr(self, name, value)

    def backward(self) -> None:
        topo, seen = [], set()

        def visit(v: "Node") -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for p in _parents(v):
                    visit(p)
                topo.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def _parents(v: Any) -> list:
    found = getattr(v, "prev", getattr(v, "_prev", ()))
    found = found.values() if isinstance(found, dict) else found
    return [p for p in found if isinstance(p, Node)]


def product(a: Node, b: Node, **where: Any) -> Node:
    out = Node(a.data * b.data, "*", **where)

    def _backward() -> None:
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    return out


def wrong_tanh(a: Node, **where: Any) -> Node:
    out = Node(math.tanh(a.data), "tanh", **where)

    def _backward() -> None:
        a.grad += (1 - a.data**2) * out.grad  # the classic slip: 1 − x² of the input

    out._backward = _backward
    return out


# -- parents under any name, in any container ------------------------------------------------------


@pytest.mark.parametrize("where", [lambda a, b: {"prev": (a, b)}, lambda a, b: {"prev": {"left": a, "right": b}}])
def test_parents_under_a_name_once_not_tried_are_read_and_a_wrong_tanh_fails(where: Any) -> None:
    a, b = Node(0.5), Node(-1.5)
    h = product(a, b, **where(a, b))
    out = wrong_tanh(h, prev=(h,))
    report = check(out)
    assert report.nodes_read == 4
    assert [(f.kind, f.op) for f in report.failures] == [("local", "tanh")]


def test_one_class_per_op_without_an_op_attribute_is_read_from_the_class_name() -> None:
    from engine_styles import class_per_op_engine

    report = check(build(class_per_op_engine("tanh")))
    assert report.nodes_read == 11 and [(f.kind, f.op) for f in report.failures] == [("local", "Tanh")]


def test_a_parent_kept_as_a_number_is_a_constant_operand() -> None:
    a = Node(0.5)
    out = Node(1.5, "*", _prev=(a, 3.0))

    def _backward() -> None:
        a.grad += 3.0 * out.grad

    out._backward = _backward
    report = check(out)
    assert report.ok and report.nodes_read == 2
    assert report.program.node(report.output).inputs == (report.nodes[0].name, 3.0)


def test_leaves_without_a_backward_attribute_are_read() -> None:
    V = closure_engine(leaf_step=False)
    report = check(build(V))
    assert report.ok and report.nodes_read == 11


def test_a_method_protocol_engine_is_not_wrapped_into_a_type_error() -> None:
    from engine_styles import method_engine

    report = check(build(method_engine()))
    assert report.ok and report.nodes_read == 11 and report.target.startswith("<method protocol graph")


def test_grads_that_start_as_none_are_read_as_zero() -> None:
    V = closure_engine()

    class Lazy(V):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            self.grad = None

        def backward(self) -> None:
            for node in _all(self):
                node.grad = 0.0 if node.grad is None else node.grad
            super().backward()

    report = check(build(Lazy))
    assert report.ok and report.nodes_read == 11


def _all(out: Any) -> Iterator[Any]:
    seen, stack = {id(out)}, [out]
    while stack:
        node = stack.pop()
        yield node
        for p in node._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)


# -- what cannot be read is a clear error, never an ok and never a raw exception -------------------


@pytest.mark.parametrize("data, kind", [(1 + 2j, "complex"), (Decimal("1.5"), "Decimal"), ("1.5", "str")])
def test_a_value_that_is_no_real_number_is_a_clear_error(data: Any, kind: str) -> None:
    a = Node(0.5)
    out = Node(data, "*", _prev=(a, Node(2.0)))
    with pytest.raises(UnreadableEngineError, match=f"is a {kind} "):
        check(out)


def test_parents_kept_in_a_string_are_a_clear_error_naming_the_attribute() -> None:
    out = Node(1.0, "*", _prev="ab")
    with pytest.raises(UnreadableEngineError) as error:
        check(out)
    message = str(error.value)
    assert "cannot find the parents" in message and "_prev = 'ab'" in message and "Reader(parents=" in message


def test_an_output_with_no_parents_to_read_is_never_ok() -> None:
    class Opaque:  # parents hidden in a closure: nothing symcheck can read
        def __init__(self) -> None:
            self.data, self.grad = 1.0, 0.0
            self._backward = lambda: None

        def backward(self) -> None:
            pass

    with pytest.raises(UnreadableEngineError, match=r"cannot find the parents of this Opaque node \(no attribute holds .*\); it has: data = 1.0"):
        check(Opaque())


def test_steps_run_from_a_tape_the_watch_cannot_see_are_not_called_missing() -> None:
    V = closure_engine()
    tape: list = []

    class Taped(V):  # type: ignore[misc, valid-type]
        def __mul__(self, other: Any) -> Any:
            out = Taped(super().__mul__(other).data, (self, other), "*")
            mine = lambda: (setattr(self, "grad", self.grad + other.data * out.grad),  # noqa: E731
                            setattr(other, "grad", other.grad + self.data * out.grad))
            out._backward = mine
            tape.append(mine)  # the engine runs the tape, not the nodes' attributes
            return out

        def backward(self) -> None:
            self.grad = 1.0
            for step in reversed(tape):
                step()

    a, b = Taped(0.5), Taped(-1.5)
    report = check(a * b * a)
    assert report.ok, report.failures


def test_a_computed_node_whose_parents_cannot_be_found_is_never_read_as_a_leaf() -> None:
    a, b = Node(0.5), Node(-1.5)
    hidden = Node(-0.75, "*", _prev=())  # its parents kept only in a closure
    out = product(hidden, a, _prev=(hidden, a))
    with pytest.raises(UnreadableEngineError, match=r"its op is '\*', but symcheck finds no parents for it"):
        check(out)
    assert b.data == -1.5


def test_a_getattr_that_answers_every_name_misleads_nothing() -> None:
    V = closure_engine(parents="children", container="tuple")

    class Answering(V):  # type: ignore[misc, valid-type]
        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kw: 0.0  # every missing name "exists"

    report = check(build(Answering))
    assert report.ok and report.nodes_read == 11


def test_something_that_is_no_node_is_a_clear_error() -> None:
    with pytest.raises(UnreadableEngineError, match=r"cannot find the value .* of this object node; it has: no attr"):
        check(object())
    with pytest.raises(UnreadableEngineError, match="has no attribute 'x' for its parents; it has: no attributes"):
        check(object(), reader=Reader(parents="x"))


def test_a_cycle_is_found_quickly_and_named() -> None:
    V = closure_engine(container="list")
    x = V(0.5, label="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    x._prev.append(y)  # the first node becomes its own ancestor
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(60)  # generous: a linear walk takes well under a second
    try:
        with pytest.raises(EngineCycleError, match=r"the graph has a cycle of 20001 node\(s\): Value\('\*', [\d.]+\) → "):
            check(y)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _too_slow(*_: Any) -> None:
    raise AssertionError("finding the cycle did not finish in time")


def test_a_declared_reader_reads_what_discovery_cannot() -> None:
    class Thing:
        def __init__(self, amount: float, kids: tuple = (), kind: str = "") -> None:
            self.amount, self.slope, self.kids, self.kind = amount, 0.0, kids, kind
            self._backward = lambda: None

        def backward(self) -> None:
            self.slope = 1.0
            for node in (self, *self.kids):
                node._backward()

    a, b = Thing(0.5), Thing(-1.5)
    out = Thing(a.amount * b.amount, (a, b), "*")

    def _backward() -> None:
        a.slope += b.amount * out.slope
        b.slope += a.amount * out.slope

    out._backward = _backward
    with pytest.raises(UnreadableEngineError) as error:
        check(out)
    assert "amount = -0.75" in str(error.value) and "Reader(value=" in str(error.value)
    report = check(out, reader=Reader(value="amount", grad="slope", op="kind"))
    assert report.ok and report.nodes_read == 3
    with pytest.raises(UnreadableEngineError, match=r"has no attribute 'amout' for its value; it has: amount"):
        check(out, reader=Reader(value="amout"))


# -- the engine's own values rule --------------------------------------------------------------------


def test_a_node_whose_value_contradicts_its_op_is_a_forward_finding() -> None:
    a, three = Node(2.0), Node(3.0)
    out = Node(99.0, "*", _prev=(a, three))  # x * 3 holding 99

    def _backward() -> None:
        a.grad += 3.0 * out.grad
        three.grad += 2.0 * out.grad

    out._backward = _backward
    report = check(out)
    assert not report.ok and report.nodes_read == 3
    [finding] = report.failures
    assert (finding.kind, finding.op) == ("forward", "*")
    assert "its value is 99, but mul of its parents" in finding.message and "gives 6" in finding.message


def test_operands_kept_in_the_other_order_are_read_by_the_value() -> None:
    x, two = Node(0.5), Node(2.0)
    out = Node(2.0 - 0.5, "-", _prev=(x, two))  # 2 - x with its parents as (x, 2)

    def _backward() -> None:
        x.grad -= out.grad
        two.grad += out.grad

    out._backward = _backward
    report = check(out)
    assert report.ok, report.failures
    assert report.program.node(report.output).inputs == ("x2", "x1")


# -- a local step or a backward that raises ------------------------------------------------------------


def test_a_step_that_raises_alone_is_a_crashed_finding() -> None:
    a = Node(0.5)
    out = wrong_tanh(a, _prev=(a,))

    def _backward() -> None:
        raise ZeroDivisionError("float division by zero")

    out._backward = _backward
    report = check(out)
    assert report.nodes_read == 2
    [(kind, op, message)] = {(f.kind, f.op, f.message) for f in report.failures if f.node == report.output}
    assert kind == "crashed" and op == "tanh" and "raised ZeroDivisionError: float division by zero" in message


def test_a_backward_that_raises_is_a_crashed_finding_naming_the_step() -> None:
    V = closure_engine()
    x = V(0.5, label="x")
    t = x.tanh()
    out = t * x

    def _backward() -> None:
        raise RuntimeError("boom")

    t._backward = _backward
    report = check(out)
    assert [(f.kind, f.op) for f in report.failures] == [("crashed", "tanh")]
    assert "raised RuntimeError: boom" in report.failures[0].message
    assert report.nodes_read == 3 and {node.grad for node in report.nodes} == {None}  # no engine grad to read


def test_a_backward_that_raises_outside_any_step_is_a_crashed_finding() -> None:
    V = closure_engine()
    x = V(0.5, label="x")
    out = x.tanh() * x

    def backward() -> None:
        V.backward(out)
        raise ValueError("the driver's own slip")

    out.backward = backward
    report = check(out)
    [finding] = report.failures
    assert finding.kind == "crashed" and "backward() raised ValueError: the driver's own slip" in finding.message


# -- root causes, grouped ------------------------------------------------------------------------------


def test_one_overwriting_op_over_many_nodes_is_one_finding_listing_them() -> None:
    V = closure_engine(bug="overwrite")
    x, w = V(0.3, label="x"), V(-0.7, label="w")
    terms = [(x * w * k + x).tanh() for k in range(1, 15)]  # each + overwrites x.grad, which 28 nodes share
    out = terms[0]
    for term in terms[1:]:
        out = out + term
    report = check(out)
    accumulation = [f for f in report.failures if f.kind == "accumulation"]
    assert len(accumulation) == 1 and accumulation[0].op == "+"
    assert len(accumulation[0].nodes) >= 14 and accumulation[0].nodes[0] == accumulation[0].node


def test_every_wrong_partial_of_a_binary_op_is_shown() -> None:
    a, b = Node(0.5), Node(-1.5)
    out = Node(a.data * b.data, "*", _prev=(a, b))

    def _backward() -> None:  # both partials swapped and halved
        a.grad += 0.5 * a.data * out.grad
        b.grad += 0.5 * b.data * out.grad

    out._backward = _backward
    [finding] = check(out).failures
    assert finding.kind == "local"
    assert "∂z1/∂x1 = 0.25; expected x2 = -1.5" in finding.message and "∂z1/∂x2 = -0.75; expected x1 = 0.5" in finding.message


# -- ops real engines use, and ops symcheck does not know ------------------------------------------------


def _unary(a: Node, op: str, value: float, local: float) -> Node:
    out = Node(value, op, _prev=(a,))

    def _backward() -> None:
        a.grad += local * out.grad

    out._backward = _backward
    return out


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def test_leaky_relu_reads_its_slope_from_the_values() -> None:
    x = Node(-0.8)
    out = _unary(x, "leaky_relu", 0.2 * -0.8, 0.2)
    report = check(out)
    assert report.ok and report.program.node(report.output).inputs == ("x1", pytest.approx(0.2))


@pytest.mark.parametrize("form, value, local", [
    ("gelu", 0.7 * 0.5 * (1 + math.erf(0.7 / math.sqrt(2))),
     0.5 * (1 + math.erf(0.7 / math.sqrt(2))) + 0.7 * math.exp(-0.245) / math.sqrt(2 * math.pi)),
    ("gelu_tanh", None, None),
])
def test_gelu_says_which_form_matched(form: str, value: Any, local: Any) -> None:
    import ag

    if value is None:
        t = ag.gelu_tanh(ag.Scalar(0.7))
        value, local = t.data, t.partials[0]
    out = _unary(Node(0.7), "GELU", value, local)
    report = check(out)
    assert report.ok
    assert report.program.node(report.output).op == form


@pytest.mark.parametrize("op, value, local", [
    ("elu", math.expm1(-0.8), math.exp(-0.8)),
    ("softplus", math.log1p(math.exp(-0.8)), _sigmoid(-0.8)),
    ("swish", -0.8 * _sigmoid(-0.8), _sigmoid(-0.8) * (1 + -0.8 * (1 - _sigmoid(-0.8)))),
    ("square", 0.64, -1.6),
    ("reciprocal", -1.25, -1 / 0.64),
])
def test_activations_real_engines_use_are_read(op: str, value: float, local: float) -> None:
    report = check(_unary(Node(-0.8), op, value, local))
    assert report.ok, report.failures
    wrong = check(_unary(Node(-0.8), op, value, local * 1.1))
    assert [(f.kind, f.op) for f in wrong.failures] == [("local", op)]


@pytest.mark.parametrize("op, pick", [("max", max), ("min", min)])
def test_two_operand_max_and_min(op: str, pick: Any) -> None:
    a, b = Node(0.5), Node(-1.5)
    out = Node(pick(a.data, b.data), op, _prev=(a, b))
    winner = a if pick(a.data, b.data) == a.data else b

    def _backward() -> None:
        winner.grad += out.grad

    out._backward = _backward
    assert check(out).ok


@pytest.fixture
def mish_unknown() -> Iterator[str]:
    OPS.pop("mish", None)
    yield "mish"
    OPS.pop("mish", None)


def test_an_unknown_op_gets_a_template_never_another_ops_formula(mish_unknown: str) -> None:
    x = Node(0.5)
    value = 0.5 * math.tanh(math.log1p(math.exp(0.5)))
    with pytest.raises(UnknownOpError) as error:
        check(_unary(x, "mish", value, 1.0))
    message = str(error.value)
    assert "symcheck.register_op('mish', lambda a: FORWARD)" in message and "FORWARD what mish computes" in message
    assert "sympy.exp(-a)" not in message and "sigmoid" not in message


# -- stored local gradients: the op inferred from values ------------------------------------------------------


def test_an_op_inferred_from_values_that_fits_several_ops_is_flagged_not_failed() -> None:
    V = stored_engine()
    x = V(0.7)
    report = check((x * 2.0).relu() * x)
    assert report.ok and report.nodes_read == 5
    [flag] = [f for f in report.flags if f.kind == "ambiguous"]
    assert "names no op; relu and abs both give its value" in flag.message


def test_a_stored_gradient_no_op_explains_is_judged_against_the_op_its_value_gives() -> None:
    V = stored_engine()
    x = V(0.7)
    y = x.exp()
    y._local_grads = (2.0,)  # exp's local gradient is exp(x) = 2.01375…, not 2
    report = check(y * x)
    [finding] = report.failures
    assert (finding.kind, finding.op) == ("local", "exp")
    assert "(this node names no op: exp is the op that gives its value)" in finding.message


def test_a_step_called_backprop_and_a_driver_called_backprop_are_read() -> None:
    class Quantity:
        def __init__(self, value: float, prev: tuple = (), op: str = "") -> None:
            self.value, self.grad, self.prev, self.op = value, 0.0, prev, op
            self._backprop = lambda: None

        def __mul__(self, other: "Quantity") -> "Quantity":
            out = Quantity(self.value * other.value, (self, other), "*")

            def _backprop() -> None:
                self.grad += other.value * out.grad
                other.grad += self.value * out.grad

            out._backprop = _backprop
            return out

        def backprop(self) -> None:
            self.grad = 1.0
            self._backprop()

    a, b = Quantity(0.5), Quantity(-1.5)
    report = check(a * b)
    assert report.ok and report.nodes_read == 3


@pytest.mark.slow
def test_a_deep_foreign_chain_is_checked_within_the_finite_difference_budget() -> None:
    V = closure_engine()
    x = V(0.5, label="x")
    y = x
    for _ in range(10_000):
        y = y * 1.00001 + 0.00001
    report = check(y)
    assert report.ok and report.nodes_read == 40_001
    assert 0 < sum(node.grad_fd is not None for node in report.nodes) < 40_001
    assert "of 40001 nodes within a budget" in report.fd_strategy
