"""The symbolic witness: sympy only, derived from each node's forward meaning.

Nothing here reads an engine's backward rules. In the order a check uses them:
`opkind` (one op over one operand pattern, differentiated once, compiled for
30-digit mpmath and for floats; `sweep` keeps an op over thousands of operands
linear: all partials in one reverse pass, shared parts substituted and printed
once), `values` (every node's value and adjoint at
the point, 30 digits), `kinks` (points where an op is not differentiable, and
partials with no value there), `constants` (nodes no input reaches), `graph`
(the program as sympy: local partials and adjoints in chain-rule, node-symbol
and expanded forms), `ledger` (each ``.grad`` during the backward pass as a
partial sum), `budget` (a time bound for sympy's own work).
"""
