"""One pass over a sympy expression's DAG: all partials at once, substitutions, sizes, shared parts.

sympy shares sub-expressions: ∂/∂xₖ log(Σⱼ e^xⱼ) = e^xₖ / Σⱼ e^xⱼ holds the
same sum Σ in all n partials. Walked as trees, n such partials cost n² (a
sympy.diff per operand re-reads the whole n-term forward expression; an
``xreplace`` or a printer per partial re-reads Σ). Every function here visits
each distinct sub-expression once, so an op over 20,000 operands is derived,
substituted, measured and compiled in time linear in its size.

`all_partials` is reverse-mode differentiation of one expression: its
sub-expressions in reverse topological order, each adding its adjoint times
the derivative of its own head (sympy's: `Function.fdiff`, sympy's power rule;
the sum and product rules) into its arguments. Only expressions symcheck
built from the op table go through it, never user text.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Mapping, Sequence

import sympy
from sympy import Expr

ONE = sympy.Integer(1)


def distinct_nodes(exprs: Iterable[Expr]) -> Iterator[Expr]:
    """Every distinct sub-expression of `exprs` once, each after its arguments (post-order)."""
    seen: set[Expr] = set()
    for root in exprs:
        if root in seen:
            continue
        stack: list[tuple[Expr, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                yield node
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((arg, False) for arg in reversed(node.args) if arg not in seen)


def all_partials(expr: Expr, variables: Sequence[sympy.Symbol]) -> tuple[Expr, ...]:
    """∂expr/∂v for each of the `variables` (symbols), in one reverse sweep over `expr`'s DAG.

    >>> a, b, c = sympy.symbols("a b c")
    >>> all_partials(sympy.log(sympy.exp(a) + sympy.exp(b) + c), [a, b, c])
    (exp(a)/(c + exp(a) + exp(b)), exp(b)/(c + exp(a) + exp(b)), 1/(c + exp(a) + exp(b)))
    """
    wanted = set(variables)
    order = list(distinct_nodes([expr]))
    depends: dict[Expr, bool] = {}
    for node in order:  # arguments first: does the node depend on any variable?
        depends[node] = node in wanted or any(depends[arg] for arg in node.args)
    terms: dict[Expr, list[Expr]] = {expr: [ONE]}
    found: dict[Expr, Expr] = {}
    for node in reversed(order):  # the root first: each node's adjoint is complete when it is reached
        contributions = terms.pop(node, None)
        if contributions is None:
            continue
        adjoint = sympy.Add(*contributions)
        if node in wanted:
            found[node] = adjoint
        for position, arg in enumerate(node.args):
            if depends[arg]:
                terms.setdefault(arg, []).append(adjoint * _head_derivative(node, position))
    return tuple(found.get(v, sympy.Integer(0)) for v in variables)


def _head_derivative(node: Expr, position: int) -> Expr:
    """∂node/∂(its argument at `position`), the other arguments held fixed, as sympy writes it."""
    args = node.args
    if node.is_Add:
        return ONE
    if node.is_Mul:
        return sympy.Mul(*(arg for i, arg in enumerate(args) if i != position))
    if node.is_Pow:  # sympy's own rule: d(b**e) = b**e·(de·log(b) + db·e/b)
        base, exponent = args
        return node * exponent / base if position == 0 else node * sympy.log(base)
    if isinstance(node, sympy.Function):
        return node.fdiff(position + 1)
    stand_in = sympy.Dummy("arg")
    alone = node.func(*(stand_in if i == position else arg for i, arg in enumerate(args)))
    return sympy.diff(alone, stand_in).xreplace({stand_in: args[position]})


def replace_all(exprs: Sequence[Expr], mapping: Mapping[Expr, Expr]) -> list[Expr]:
    """``[e.xreplace(mapping) for e in exprs]``, rebuilding each shared sub-expression once."""
    if not mapping:
        return list(exprs)
    done: dict[Expr, Expr] = {}
    for node in distinct_nodes(exprs):
        if node in mapping:
            done[node] = mapping[node]
        elif node.args:
            args = tuple(done[arg] for arg in node.args)
            done[node] = node.func(*args) if args != node.args else node
        else:
            done[node] = node
    return [done[e] for e in exprs]


def tree_sizes(exprs: Sequence[Expr]) -> tuple[int, ...]:
    """How many nodes each expression has as a tree (shared parts counted at every use, as printed)."""
    size: dict[Expr, int] = {}
    for node in distinct_nodes(exprs):
        size[node] = 1 + sum(size[arg] for arg in node.args)
    return tuple(size[e] for e in exprs)


def atoms_of(exprs: Iterable[Expr], *types: type) -> set[Expr]:
    """The sub-expressions of `exprs` that are instances of `types` (``expr.atoms(*types)``, shared parts once)."""
    return {node for node in distinct_nodes(exprs) if isinstance(node, types)}


def shared_parts(exprs: Sequence[Expr], symbols: Callable[[int], sympy.Symbol] = lambda i: sympy.Symbol(f"_x{i}")
                 ) -> tuple[list[tuple[sympy.Symbol, Expr]], list[Expr]]:
    """Common sub-expressions by identity of structure: ``(replacements, reduced)`` as `sympy.cse` gives them.

    Every compound sub-expression used more than once becomes a symbol defined
    once, inner ones first, so code printed from the result is linear in the
    DAG's size (lambdify's ``cse=`` hook takes this function). Unlike
    `sympy.cse` it looks for nothing sympy has not already shared, and so costs
    one pass.
    """
    uses: dict[Expr, int] = {}
    order = list(distinct_nodes(exprs))
    for node in order:
        for arg in node.args:
            uses[arg] = uses.get(arg, 0) + 1
    for root in exprs:
        uses[root] = uses.get(root, 0) + 1
    mapping: dict[Expr, Expr] = {}
    replacements: list[tuple[sympy.Symbol, Expr]] = []
    rebuilt: dict[Expr, Expr] = {}
    for node in order:  # inner nodes first
        if node.args:
            args = tuple(rebuilt[arg] for arg in node.args)
            body = node.func(*args, evaluate=False) if args != node.args else node
        else:
            body = node
        if node.args and uses.get(node, 0) > 1:
            symbol = symbols(len(replacements))
            replacements.append((symbol, body))
            mapping[node] = symbol
            rebuilt[node] = symbol
        else:
            rebuilt[node] = body
    return replacements, [rebuilt[e] for e in exprs]


def shared_cse(exprs: object, *_: object, **__: object) -> tuple[list[tuple[sympy.Symbol, Expr]], list[Expr]]:
    """`shared_parts` with `sympy.cse`'s signature, for ``lambdify(..., cse=shared_cse)``."""
    single = not isinstance(exprs, (list, tuple))
    listed = [exprs] if single else list(exprs)  # type: ignore[list-item]
    replacements, reduced = shared_parts(listed)  # type: ignore[arg-type]
    return replacements, (reduced[0] if single else reduced)  # type: ignore[return-value]


def substitute_symbols(exprs: Sequence[Expr], old: Sequence[sympy.Symbol], new: Sequence[Expr]) -> list[Expr]:
    """Each expression with `old[i]` replaced by `new[i]`, in one pass over their shared DAG."""
    return replace_all(exprs, dict(zip(old, new)))
