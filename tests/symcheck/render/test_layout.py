"""The layered layout (`symcheck.render.layout`): order, no overlaps, few crossings, determinism."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

import render_samples as samples
from symcheck.render.layout import NODE_GAP, Layout, layered_layout

SIZE = (120.0, 70.0)


def lay(nodes: list[str], edges: list[tuple[str, str]], inputs: tuple[str, ...] = ()) -> Layout:
    return layered_layout(nodes, edges, {n: SIZE for n in nodes}, inputs=inputs)


def homework() -> Layout:
    program = samples.PROGRAM
    edges = list(dict.fromkeys((o, n.name) for n in program.nodes for o in n.inputs if isinstance(o, str)))
    return lay(list(program.names), edges, ("x", "y"))


def test_the_homework_graph_reads_left_to_right_in_its_layers() -> None:
    layout = homework()
    assert layout.layer == {"x": 0, "y": 0, "z1": 1, "z2": 1, "z3": 2, "z6": 2, "z4": 3, "z5": 4, "z7": 5, "z8": 6}
    assert layout.crossings <= 1 and layout.straight == 0


def test_the_layout_is_deterministic() -> None:
    assert homework() == homework()


def test_crossings_that_program_order_would_make_are_removed() -> None:
    # in program order a is above b and c above d, but b feeds c and a feeds d: one column must swap
    layout = lay(["a", "b", "c", "d", "out"], [("b", "c"), ("a", "d"), ("c", "out"), ("d", "out")])
    y = {name: box.y for name, box in layout.boxes.items()}
    assert layout.crossings == 0 and (y["a"] < y["b"]) == (y["d"] < y["c"])


def test_a_chain_is_drawn_straight() -> None:
    layout = lay(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d")])
    assert len({round(box.center_y, 6) for box in layout.boxes.values()}) == 1


def test_inputs_stay_in_the_first_column_and_other_sources_move_to_their_consumer() -> None:
    nodes = ["x", "y", "k", "a", "b", "out"]
    edges = [("x", "a"), ("a", "b"), ("b", "out"), ("y", "out"), ("k", "out")]
    layout = lay(nodes, edges, inputs=("x", "y"))
    assert layout.layer["y"] == 0 and layout.layer["k"] == layout.layer["out"] - 1


def test_routes_run_from_the_source_s_right_side_to_the_target_s_left_side() -> None:
    layout = homework()
    for route in layout.routes:
        source, target = layout.boxes[route.source], layout.boxes[route.target]
        assert route.points[0][0] == source.x + source.width and route.points[-1][0] == target.x
        assert source.y <= route.points[0][1] <= source.y + source.height
        assert target.y <= route.points[-1][1] <= target.y + target.height
        assert [x for x, _ in route.points] == sorted(x for x, _ in route.points)


def test_edges_past_the_dummy_budget_are_drawn_straight() -> None:
    # twelve inputs feed the end of a 60-node chain: 12 · 58 dummies, more than 8 per node
    wide = [f"m{i}" for i in range(12)]
    chain = [f"c{i}" for i in range(60)]
    names = wide + chain
    edges = [(a, b) for a, b in zip(chain, chain[1:])] + [(w, chain[-1]) for w in wide]
    layout = layered_layout(names, edges, {n: SIZE for n in names}, inputs=wide)
    assert 0 < layout.straight < len(wide) and len(layout.routes) == len(edges)
    for route in layout.routes:
        assert route.points[0][0] < route.points[-1][0]


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str]]]:
    count = draw(st.integers(2, 24))
    nodes = [f"v{i}" for i in range(count)]
    edges = []
    for i in range(1, count):
        operands = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True))
        edges += [(nodes[k], nodes[i]) for k in operands]
    return nodes, edges


def _brute_force_crossings(layout: Layout, edges: list[tuple[str, str]]) -> int:
    """Crossings between edges that join adjacent columns, counted from the final heights."""
    short = [(a, b) for a, b in edges if layout.layer[b] - layout.layer[a] == 1]
    crossings = 0
    for (a, b), (c, d) in itertools.combinations(short, 2):
        if layout.layer[a] != layout.layer[c]:
            continue
        top = layout.boxes[a].y - layout.boxes[c].y
        bottom = layout.boxes[b].y - layout.boxes[d].y
        crossings += top * bottom < 0
    return crossings


@settings(max_examples=60, deadline=None)
@given(dags())
def test_any_dag_is_laid_out_in_order_without_overlaps(dag: tuple[list[str], list[tuple[str, str]]]) -> None:
    nodes, edges = dag
    sizes = {n: (100.0 + 7 * (i % 3), 60.0 + 11 * (i % 4)) for i, n in enumerate(nodes)}
    layout = layered_layout(nodes, edges, sizes)
    assert set(layout.boxes) == set(nodes) and len(layout.routes) == len(edges)
    for a, b in edges:
        assert layout.layer[a] < layout.layer[b] and layout.boxes[a].x + layout.boxes[a].width < layout.boxes[b].x
    columns: dict[int, list] = {}
    for box in layout.boxes.values():
        columns.setdefault(box.layer, []).append(box)
        assert box.x >= 0 and box.y >= 0 and box.x + box.width <= layout.width and box.y + box.height <= layout.height
    for boxes in columns.values():
        boxes.sort(key=lambda b: b.y)
        for upper, lower in zip(boxes, boxes[1:]):
            assert lower.y - (upper.y + upper.height) >= NODE_GAP - 1e-6
    assert layered_layout(nodes, edges, sizes) == layout
    if all(layout.layer[b] - layout.layer[a] == 1 for a, b in edges):
        assert layout.crossings == _brute_force_crossings(layout, edges)
