"""A layered left-to-right layout of a computation graph (the Sugiyama method), in pure Python.

Pictures of the graph (`symcheck.render.svg`) need every node's box and every
edge's route; no graphviz binary is involved. Four passes, each linear or
close to it in the size of the graph:

1. **Layers.** A node sits one layer right of its furthest operand; inputs
   sit in the first column, as in a circuit diagram, and any other source (a
   node of constants only) just left of its first consumer.
2. **Long edges** are cut into chains of *dummy* points, one per layer they
   cross, so they take part in the ordering like short ones. At most
   `DUMMIES_PER_NODE` dummies per node are made (shortest edges first); an
   edge past that budget is drawn straight and ignored by the ordering.
3. **Crossing reduction.** Sweeps left to right and right to left order each
   layer by the median position of each vertex's neighbours in the layer
   just swept, then adjacent swaps that remove crossings are made; the order
   with the fewest crossings (counted exactly) is kept. Ties keep the
   current order and the first order is program order, so the layout is
   deterministic. Big graphs get fewer sweeps (`SWEEP_WORK`).
4. **Coordinates.** Columns follow the layers; in each column the vertices
   keep their order and separations while each is pulled toward the mean
   height of its neighbours: a least-squares fit under the order constraints,
   solved exactly by isotonic regression (pool adjacent violators), so long
   wires straighten and nothing overlaps.

>>> layout = layered_layout(["x", "y", "z"], [("x", "z"), ("y", "z")], {n: (40, 20) for n in "xyz"})
>>> [layout.layer[n] for n in "xyz"], layout.crossings
([0, 0, 1], 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Collection, Mapping, Sequence

LAYER_GAP = 130.0
"""Horizontal room between two columns: the wires' labels sit in it."""

NODE_GAP = 26.0
"""Vertical room between two boxes in a column."""

DUMMY_HEIGHT = 6.0
"""The height a long wire takes where it crosses a column."""

DUMMIES_PER_NODE = 8
"""Budget of dummy points for long edges, per node of the graph."""

SWEEP_WORK = 4_000_000
"""Vertex-and-edge visits the crossing reduction may spend: a big graph gets fewer sweeps."""

MAX_SWEEPS = 12
"""Pairs of sweeps (left to right, then back) at most."""

PLACEMENT_PASSES = 8
"""Passes pulling each column toward its neighbours."""

MARGIN = 16.0
"""Room around the drawing."""

PORT_PITCH = 44.0
"""Vertical distance between two wires entering (or leaving) one box, room for their labels."""

PORT_MARGIN = 12.0
"""Room between a box's edge and its outermost wire."""


@dataclass(frozen=True)
class Box:
    """A node's box: top-left corner, size and layer."""

    name: str
    x: float
    y: float
    width: float
    height: float
    layer: int

    @property
    def center_y(self) -> float:
        """The height of the box's middle."""
        return self.y + self.height / 2


@dataclass(frozen=True)
class Route:
    """One edge's wire: from a port on the source's right side, through the dummy points, to a
    port on the target's left side."""

    source: str
    target: str
    points: tuple[tuple[float, float], ...]


@dataclass
class Layout:
    """Where everything goes: `boxes` by name, `routes` in edge order, the drawing's size."""

    boxes: dict[str, Box]
    routes: list[Route]
    width: float
    height: float
    layer: dict[str, int] = field(default_factory=dict)
    crossings: int = 0
    """Crossings between adjacent columns in the order kept (wires past the dummy budget not counted)."""
    straight: int = 0
    """Long edges drawn straight because the dummy budget ran out."""


def layered_layout(
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    sizes: Mapping[str, tuple[float, float]],
    *,
    inputs: Collection[str] = (),
) -> Layout:
    """Lay out the DAG: `nodes` in program order (operands first), `edges` (operand, node) pairs
    without repeats, `sizes` each node's box (width, height); the `inputs` stay in the first
    column, as a circuit diagram draws them."""
    graph = _Graph(nodes, edges, sizes, inputs)
    layers = graph.order_layers()
    return graph.place(layers)


class _Graph:
    """The working state: vertices 0…n−1 are the nodes in program order, dummies follow."""

    def __init__(self, nodes: Sequence[str], edges: Sequence[tuple[str, str]],
                 sizes: Mapping[str, tuple[float, float]], inputs: Collection[str]) -> None:
        self.names = list(nodes)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.edges = [(self.index[a], self.index[b]) for a, b in edges]
        self.width = [float(sizes[n][0]) for n in self.names]
        self.height = [float(sizes[n][1]) for n in self.names]
        pinned = set(inputs)
        self.layer = _layers(len(self.names), self.edges, [name in pinned for name in self.names])
        self.up: list[list[int]] = [[] for _ in self.names]  # neighbours one layer left
        self.down: list[list[int]] = [[] for _ in self.names]  # neighbours one layer right
        self.chains: list[list[int]] = []  # per edge: the vertices it passes, ends included
        self.straight = 0
        self._cut_long_edges()

    # -- layers and dummies ---------------------------------------------------------------

    def _new_dummy(self, layer: int) -> int:
        self.layer.append(layer)
        self.width.append(0.0)
        self.height.append(DUMMY_HEIGHT)
        self.up.append([])
        self.down.append([])
        return len(self.layer) - 1

    def _cut_long_edges(self) -> None:
        budget = DUMMIES_PER_NODE * len(self.names)
        spans = sorted(range(len(self.edges)), key=lambda e: (self.layer[self.edges[e][1]] - self.layer[self.edges[e][0]], e))
        chains: dict[int, list[int]] = {}
        for e in spans:
            a, b = self.edges[e]
            span = self.layer[b] - self.layer[a]
            if span - 1 > budget:
                chains[e] = [a, b]
                self.straight += 1
                continue
            budget -= span - 1
            chain = [a, *(self._new_dummy(self.layer[a] + k) for k in range(1, span)), b]
            for left, right in zip(chain, chain[1:]):
                self.down[left].append(right)
                self.up[right].append(left)
            chains[e] = chain
        self.chains = [chains[e] for e in range(len(self.edges))]

    # -- crossing reduction ---------------------------------------------------------------

    def order_layers(self) -> list[list[int]]:
        """Each layer's vertices, top to bottom, with few crossings."""
        count = max(self.layer, default=-1) + 1
        layers: list[list[int]] = [[] for _ in range(count)]
        for v in range(len(self.layer)):  # program order first, dummies after: deterministic
            layers[self.layer[v]].append(v)
        self._sweep(layers, range(1, count), self.up)  # a first order: each layer after its left one
        best, fewest = [list(layer) for layer in layers], self.crossings(layers)
        size = len(self.layer) + sum(len(c) for c in self.chains)
        sweeps = max(1, min(MAX_SWEEPS, SWEEP_WORK // max(1, 4 * size)))
        stale = 0
        for _ in range(sweeps):
            if fewest == 0 or stale >= 2:
                break
            self._sweep(layers, range(1, count), self.up)
            self._sweep(layers, range(count - 2, -1, -1), self.down)
            self._transpose(layers)
            crossings = self.crossings(layers)
            if crossings < fewest:
                best, fewest, stale = [list(layer) for layer in layers], crossings, 0
            else:
                stale += 1
        self.crossing_count = fewest
        return best

    def _sweep(self, layers: list[list[int]], order: range, side: list[list[int]]) -> None:
        """Sort each layer in `order` by the median position of its neighbours on `side`."""
        position = {v: i for layer in layers for i, v in enumerate(layer)}
        for l in order:
            keys = {}
            for i, v in enumerate(layers[l]):
                near = side[v]
                keys[v] = (median(position[u] for u in near), i) if near else (float(i), i)
            layers[l].sort(key=keys.__getitem__)
            position.update((v, i) for i, v in enumerate(layers[l]))

    def _transpose(self, layers: list[list[int]]) -> None:
        """Swap adjacent vertices wherever that removes crossings with both neighbouring layers."""
        position = {v: i for layer in layers for i, v in enumerate(layer)}
        for layer in layers:
            for i in range(len(layer) - 1):
                u, v = layer[i], layer[i + 1]
                if self._pair_crossings(v, u, position) < self._pair_crossings(u, v, position):
                    layer[i], layer[i + 1] = v, u
                    position[u], position[v] = i + 1, i

    def _pair_crossings(self, first: int, second: int, position: dict[int, int]) -> int:
        """Crossings between the wires of `first` and `second` when `first` is above."""
        total = 0
        for side in (self.up, self.down):
            for a in side[first]:
                pa = position[a]
                total += sum(1 for b in side[second] if position[b] < pa)
        return total

    def crossings(self, layers: list[list[int]]) -> int:
        """Crossings between each pair of adjacent layers, counted exactly (inversions, Fenwick tree)."""
        position = {v: i for layer in layers for i, v in enumerate(layer)}
        total = 0
        for layer, right in zip(layers, layers[1:]):
            ends = sorted((position[u], position[w]) for u in layer for w in self.down[u])
            total += _inversions([w for _, w in ends], len(right))
        return total

    # -- coordinates ----------------------------------------------------------------------

    def place(self, layers: list[list[int]]) -> Layout:
        x = self._columns(layers)
        y = self._rows(layers)
        top = min((y[v] - self.height[v] / 2 for v in range(len(y))), default=0.0)
        shift = MARGIN - top
        boxes = {}
        for v, name in enumerate(self.names):
            column = x[self.layer[v]]
            boxes[name] = Box(name, column[0] + (column[1] - self.width[v]) / 2, y[v] + shift - self.height[v] / 2,
                              self.width[v], self.height[v], self.layer[v])
        routes = self._routes(boxes, x, y, shift)
        width = (x[-1][0] + x[-1][1] + MARGIN) if x else 2 * MARGIN
        height = max((y[v] + shift + self.height[v] / 2 for v in range(len(y))), default=0.0) + MARGIN
        return Layout(boxes, routes, width, height, {n: self.layer[i] for i, n in enumerate(self.names)},
                      getattr(self, "crossing_count", 0), self.straight)

    def _columns(self, layers: list[list[int]]) -> list[tuple[float, float]]:
        """Each layer's (left x, width)."""
        columns, left = [], MARGIN
        for layer in layers:
            width = max((self.width[v] for v in layer), default=0.0)
            columns.append((left, width))
            left += width + LAYER_GAP
        return columns

    def _rows(self, layers: list[list[int]]) -> list[float]:
        """Each vertex's center height: stacked, then pulled toward its neighbours."""
        y = [0.0] * len(self.layer)
        for layer in layers:
            at = 0.0
            for v in layer:
                y[v] = at + self.height[v] / 2
                at += self.height[v] + NODE_GAP
        for k in range(PLACEMENT_PASSES):
            order = range(1, len(layers)) if k % 2 == 0 else range(len(layers) - 2, -1, -1)
            side = self.up if k % 2 == 0 else self.down
            for l in order:
                self._fit(layers[l], y, side)
        for l in range(len(layers)):  # a last pass with both sides at once
            self._fit(layers[l], y, None)
        return y

    def _fit(self, layer: list[int], y: list[float], side: list[list[int]] | None) -> None:
        """Move the layer's vertices toward their neighbours' mean height, keeping order and gaps."""
        desired, weights = [], []
        for v in layer:
            near = (self.up[v] + self.down[v]) if side is None else side[v]
            desired.append(sum(y[u] for u in near) / len(near) if near else y[v])
            weights.append((2.0 if v >= len(self.names) else 1.0) if near else 0.25)
        gaps = [(self.height[a] + self.height[b]) / 2 + NODE_GAP for a, b in zip(layer, layer[1:])]
        for v, placed in zip(layer, _ordered_fit(desired, weights, gaps)):
            y[v] = placed

    def _routes(self, boxes: dict[str, Box], x: list[tuple[float, float]], y: list[float], shift: float) -> list[Route]:
        """Each edge's points: out-port, dummy points, in-port (ports spread down the box sides)."""
        out_ports = self._ports(boxes, y, shift, outgoing=True)
        in_ports = self._ports(boxes, y, shift, outgoing=False)
        routes = []
        for e, chain in enumerate(self.chains):
            a, b = self.edges[e]
            source, target = boxes[self.names[a]], boxes[self.names[b]]
            points = [(source.x + source.width, out_ports[e])]
            for d in chain[1:-1]:
                column = x[self.layer[d]]
                points.append((column[0], y[d] + shift))
                points.append((column[0] + column[1], y[d] + shift))
            points.append((target.x, in_ports[e]))
            routes.append(Route(source.name, target.name, tuple(points)))
        return routes

    def _ports(self, boxes: dict[str, Box], y: list[float], shift: float, *, outgoing: bool) -> dict[int, float]:
        """The height where each edge leaves its source (or enters its target): `PORT_PITCH` apart
        around the box's middle (closer on a box too short for that), in the order of the wires'
        other ends so that wires at one box do not cross each other."""
        by_vertex: dict[int, list[tuple[float, int]]] = {}
        for e, chain in enumerate(self.chains):
            end, toward = (chain[0], chain[1]) if outgoing else (chain[-1], chain[-2])
            by_vertex.setdefault(end, []).append((y[toward], e))
        ports = {}
        for v, wires in by_vertex.items():
            box = boxes[self.names[v]]
            wires.sort()
            room = (box.height - 2 * PORT_MARGIN) / (len(wires) - 1) if len(wires) > 1 else PORT_PITCH
            pitch = min(PORT_PITCH, room)
            for k, (_, e) in enumerate(wires):
                ports[e] = box.center_y + (k - (len(wires) - 1) / 2) * pitch
        return ports


def _layers(count: int, edges: list[tuple[int, int]], pinned: Sequence[bool]) -> list[int]:
    """Longest path from the sources; a source that is not `pinned` (a node of constants only)
    moves to just left of its first consumer, the pinned ones (inputs) stay in the first column."""
    operands: list[list[int]] = [[] for _ in range(count)]
    consumers: list[list[int]] = [[] for _ in range(count)]
    for a, b in edges:
        operands[b].append(a)
        consumers[a].append(b)
    layer = [0] * count
    for v in range(count):  # program order: operands come first
        if operands[v]:
            layer[v] = 1 + max(layer[a] for a in operands[v])
    for v in range(count):
        if not operands[v] and consumers[v] and not pinned[v]:
            layer[v] = min(layer[c] for c in consumers[v]) - 1
    return layer


def _inversions(values: list[int], size: int) -> int:
    """Pairs i < j with values[i] > values[j] (a Fenwick tree over 0…size−1)."""
    tree = [0] * (size + 1)
    seen, inversions = 0, 0
    for value in values:
        i, below = value + 1, 0
        while i > 0:
            below += tree[i]
            i -= i & -i
        inversions += seen - below
        i = value + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
        seen += 1
    return inversions


def _ordered_fit(desired: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """The heights closest to `desired` (weighted least squares) with each at least its gap below
    the one before: pool adjacent violators on the heights less the gaps above them."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [mean, weight, count]
    for target, weight, offset in zip(desired, weights, offsets):
        blocks.append([target - offset, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, w, n = blocks.pop()
            prev = blocks[-1]
            total = prev[1] + w
            prev[0] = (prev[0] * prev[1] + mean * w) / total
            prev[1], prev[2] = total, prev[2] + n
    fitted: list[float] = []
    for mean, _, n in blocks:
        fitted.extend([mean] * n)
    return [z + offset for z, offset in zip(fitted, offsets)]
