r"""LaTeX for homework answers: derivations, the backward pass step by step, and claim verdicts.

Everything is an ``align*`` block to paste between the handout's
``%%% BEGIN ANSWER`` and ``%%% END ANSWER`` markers; a derivation reads

    \begin{align*}
    \frac{\partial f}{\partial z_{3}} &= (chain rule over z3's consumers) \\
      &= (node-symbol form) \\
      &= (in the inputs) \\
      &\approx (value at the point)
    \end{align*}

Names are a letter with its index (``z_{3}``) or a word in italic
(``\mathit{err}``), numbers read ``-1.7446 \times 10^{-17}``, and a formula
too wide for a page's text is broken before a top-level ``+`` or ``-`` (or,
for one long product, between its factors) onto continuation rows, so that
pdflatex sets every row within the text width of a 10 pt article.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterator, Optional

from symcheck.render import format_number as num
from symcheck.render.formulas import name_latex, partial_latex

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Contribution, NodeResult, Report, Step, Trace, Verdict

ROW_WIDTH = 40.0
"""The widest formula set on one row, in the rough glyph units of `visible_width` (a 10 pt article's text
width holds about 55 of them; a row also carries its left side)."""

_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_WIDE_COMMANDS = {"sin": 3, "cos": 3, "tan": 3, "tanh": 4, "exp": 3, "log": 3, "ln": 2, "sigma": 1,
                  "operatorname": 0, "mathit": 0, "mathrm": 0, "text": 0, "texttt": 0, "left": 0, "right": 0,
                  "quad": 2, "qquad": 4, "frac": 0, "partial": 1, "cdot": 1, "times": 1, "approx": 1, ",": 0.3,
                  "_": 1, "mathrel": 0, "big": 0, "Big": 0}


def latex_symbol(name: str) -> str:
    r"""A node name as LaTeX: ``z3`` → ``z_{3}``, ``x`` → ``x``, ``err`` → ``\mathit{err}``."""
    return name_latex(name)


def partial(of: str, wrt: str) -> str:
    r"""``\frac{\partial f}{\partial z_{3}}`` (`of` ``"f"`` stays f)."""
    return partial_latex(of, wrt)


def latex_number(value: Optional[float], digits: int = 6) -> str:
    r"""A number at `digits` significant digits: ``0.75``, ``-1.7446 \times 10^{-17}``, ``\text{nan}``."""
    shown = num(value, digits)
    if shown in ("-", "nan"):
        return r"\text{" + shown + "}"
    if shown in ("inf", "-inf"):
        return shown.replace("inf", r"\infty")
    mantissa, e, exponent = shown.partition("e")
    if not e:
        return mantissa
    power = int(exponent)
    return f"{mantissa} \\times 10^{{{power}}}"


def _point(report: Report) -> str:
    return ", ".join(f"{name} = {num(value)}" for name, value in report.inputs.items())


# -- breaking long formulas ---------------------------------------------------------


def visible_width(latex: str) -> float:
    r"""A rough width of `latex` as set, in glyphs: commands count as what they print (``\cos`` 3, ``\left`` 0),
    a fraction as its wider part, sub- and superscripts at 60 %."""
    width, i = 0.0, 0
    while i < len(latex):
        char = latex[i]
        if latex.startswith(r"\frac", i):
            top, after_top = _group(latex, i + 5)
            bottom, after = _group(latex, after_top)
            width += max(visible_width(top), visible_width(bottom))
            i = after
            continue
        if char == "\\":
            command = _COMMAND.match(latex, i)
            name = command.group(1) if command else ""
            width += _WIDE_COMMANDS.get(name, 1)
            i = command.end() if command else i + 1
            continue
        if char in "^_":
            script, i = _group(latex, i + 1)
            width += 0.6 * visible_width(script)
            continue
        width += 0 if char in "{} &" else 1
        i += 1
    return width


def _group(latex: str, start: int) -> tuple[str, int]:
    """The braced group (or single token) at `start`: its content and the index after it."""
    while start < len(latex) and latex[start] == " ":
        start += 1
    if start >= len(latex):
        return "", start
    if latex[start] != "{":
        command = _COMMAND.match(latex, start) if latex[start] == "\\" else None
        end = command.end() if command else start + 1
        return latex[start:end], end
    depth = 0
    for index in range(start, len(latex)):
        depth += {"{": 1, "}": -1}.get(latex[index], 0)
        if depth == 0:
            return latex[start + 1 : index], index + 1
    return latex[start + 1 :], len(latex)


def _top_level_cuts(latex: str, signs: tuple[str, ...]) -> list[int]:
    """Positions of `signs` outside braces and ``\\left … \\right`` pairs (not a leading sign)."""
    cuts, depth, i = [], 0, 0
    while i < len(latex):
        if latex.startswith(r"\left", i) and not latex.startswith(r"\leftarrow", i):
            depth += 1
            i += 5
            continue
        if latex.startswith(r"\right", i) and not latex.startswith(r"\rightarrow", i):
            depth -= 1
            i += 6
            continue
        char = latex[i]
        if char == "\\":
            command = _COMMAND.match(latex, i)
            i = command.end() if command else i + 1
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and i > 0 and any(latex.startswith(sign, i) for sign in signs):
            cuts.append(i)
        i += 1
    return cuts


def break_formula(latex: str, width: float = ROW_WIDTH) -> list[str]:
    r"""`latex` cut into pieces each at most `width` wide where it can be: before top-level
    ``+``/``-`` first, else between a product's factors (the next piece then starts with ``\cdot``),
    else inside a wide ``\left( … \right)``, closed with ``\right.`` and reopened with ``\left.``."""
    if visible_width(latex) <= width:
        return [latex]
    pieces = _pack(latex, _top_level_cuts(latex, (" + ", " - ")), width, joiner="")
    if len(pieces) == 1 and visible_width(pieces[0]) > width:  # one long sum has no room between factors
        pieces = _pack(latex, _top_level_cuts(latex, (" ",)), width, joiner=r"\cdot ")
    result: list[str] = []
    for piece in pieces:
        result.extend([piece] if visible_width(piece) <= width else _split_inside(piece, width))
    return result


def _split_inside(latex: str, width: float) -> list[str]:
    r"""A formula whose widest part is one ``\left( … \right)``: that bracket's content broken at its own
    ``+``/``-``, each row keeping its ``\left``/``\right`` pair balanced (``\right.``, ``\left.``)."""
    pair = _widest_bracket(latex)
    if pair is None:
        return [latex]
    open_at, inner_start, inner_end, close_end = pair
    inner = latex[inner_start:inner_end]
    lines = _pack(inner, _top_level_cuts(inner, (" + ", " - ")), width - 4, joiner="")
    if len(lines) == 1:
        return [latex]
    opener, closer = latex[open_at:inner_start], latex[inner_end:close_end]
    rows = [f"{latex[:open_at]}{opener}{lines[0]} \\right."]
    rows += [f"\\left. {line} \\right." for line in lines[1:-1]]
    rows.append(f"\\left. {lines[-1]} {closer}{latex[close_end:]}")
    return rows


def _widest_bracket(latex: str) -> Optional[tuple[int, int, int, int]]:
    r"""(where ``\left`` starts, where its content starts and ends, where ``\right…`` ends) of the widest
    top-level ``\left … \right`` pair, or None."""
    best, depth, start, i = None, 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\left", i) and not latex.startswith(r"\leftarrow", i):
            if depth == 0:
                start = i
            depth += 1
            i += 5
            continue
        if latex.startswith(r"\right", i) and not latex.startswith(r"\rightarrow", i):
            depth -= 1
            end = i + 6 + (len(_COMMAND.match(latex, i + 6).group(0)) if latex.startswith("\\", i + 6) else 1)
            if depth == 0:
                inner_start = start + 5 + (len(_COMMAND.match(latex, start + 5).group(0))
                                           if latex.startswith("\\", start + 5) else 1)
                width = visible_width(latex[inner_start:i])
                if best is None or width > best[0]:
                    best = (width, (start, inner_start, i, end))
            i = end
            continue
        i += 1
    return best[1] if best else None


def _pack(latex: str, cuts: list[int], width: float, *, joiner: str) -> list[str]:
    """Greedy lines: the pieces between `cuts`, joined while they fit."""
    if not cuts:
        return [latex]
    bounds = [0, *cuts, len(latex)]
    parts = [latex[a:b].strip() for a, b in zip(bounds, bounds[1:])]
    lines = [parts[0]]
    for part in parts[1:]:
        if not part:
            continue
        if visible_width(lines[-1]) + visible_width(part) <= width:
            lines[-1] = f"{lines[-1]} {part}"
        else:
            lines.append(f"{joiner}{part}" if joiner else part)
    return lines


def _rows(left: str, relation: str, formula: str) -> list[str]:
    r"""``left &= formula`` as one row, or several: ``&\quad + …`` continuation rows for a long formula."""
    pieces = break_formula(formula)
    rows = [f"{left} &{relation} {pieces[0]}"]
    rows += [rf"  &\qquad {piece}" for piece in pieces[1:]]
    return rows


def _align(rows: list[str]) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


# -- check: each adjoint's derivation -------------------------------------------------


def derivation(result: NodeResult) -> Optional[str]:
    """One ``align*`` block for ∂f/∂node, or None when no symbolic form was kept."""
    forms = [
        form for form in (result.chain_rule_latex, result.grad_symbolic_latex, result.grad_expanded_latex)
        if form is not None
    ]
    forms = list(dict.fromkeys(forms))
    if not forms:
        return None
    rows = _rows(partial("f", result.name), "=", forms[0])
    for form in forms[1:]:
        rows += _rows(" ", "=", form)
    rows.append(rf"  &\approx {latex_number(result.grad_expected)}")
    return _align(rows)


def report_to_latex(report: Report, *, nodes: Optional[Collection[str]] = None) -> str:
    """Every adjoint's derivation (program order, the output's trivial 1 left out), one block each.

    `nodes` keeps only the named nodes.
    """
    blocks = [
        f"% symcheck: derivatives of f = {report.output} at {_point(report)}\n"
        "% paste a block between %%% BEGIN ANSWER and %%% END ANSWER",
    ]
    for result in report.nodes:
        if result.name == report.output or (nodes is not None and result.name not in nodes):
            continue
        block = derivation(result)
        if block is not None:
            blocks.append(f"% ∂f/∂{result.name}\n{block}")
    return "\n\n".join(blocks) + "\n"


# -- trace: the backward pass step by step --------------------------------------------


def _tt(name: str) -> str:
    return name.replace("\\", "").replace("_", r"\_")


_INFIX = {"add": " + ", "sub": " - ", "mul": r" \cdot ", "div": " / "}


def _node_latex(report: Report, name: str) -> str:
    """``z_{4} = z_{3} + z_{1}``, ``z_{5} = \\sin(z_{4})``, ``x`` for an input."""
    node = report.program.node(name)
    if node.is_input:
        return rf"{name_latex(name)} \text{{ is an input}}"
    operands = [name_latex(o) if isinstance(o, str) else latex_number(o) for o in node.inputs]
    if node.op in _INFIX and len(operands) == 2:
        return f"{name_latex(name)} = {_INFIX[node.op].join(operands)}"
    if node.op == "pow" and len(operands) == 2:
        return f"{name_latex(name)} = {{{operands[0]}}}^{{{operands[1]}}}"
    if node.op == "id":
        return f"{name_latex(name)} = {operands[0]}"
    function = _FUNCTIONS.get(node.op, rf"\operatorname{{{node.op}}}")
    index = f"_{{{node.index}}}" if node.index is not None else ""
    return rf"{name_latex(name)} = {function}{index}({', '.join(operands)})"


def _state(pending: tuple[str, ...]) -> str:
    if not pending:
        return r"\text{(complete)}"
    return r"\text{(pending: }" + ", ".join(rf"\texttt{{{_tt(k)}}}" for k in pending) + r"\text{)}"


def _left_rows(head: str, formula: str, tail: str = "") -> list[str]:
    r"""``&\qquad head formula`` in the one left-aligned column, a long formula continued on ``&\qquad\qquad`` rows."""
    pieces = break_formula(formula, ROW_WIDTH - 6)
    rows = [rf"&\qquad {head} {pieces[0]}"] + [rf"&\qquad\qquad {piece}" for piece in pieces[1:]]
    rows[-1] += tail
    return rows


def _grad_rows(trace: Trace, step: Step, name: str, sums: dict[str, list[str]]) -> list[str]:
    terms = sums.get(name) or (["1"] if name == trace.report.output else ["0"])
    formula = " + ".join(terms).replace("+ -", "- ")
    value = step.expected_before.get(name, step.grads_before.get(name))
    shown = latex_number(value)
    body = formula if formula == shown else rf"{formula} \approx {shown}"
    return _left_rows(rf"\texttt{{{_tt(name)}.grad}} =", body, rf" \quad {_state(tuple(step.pending.get(name, ())))}")


def _adds_rows(step: Step, c: Contribution) -> list[str]:
    head = rf"\texttt{{{_tt(c.target)}.grad}} \mathrel{{+}}= {partial('f', step.node)} {partial(step.node, c.target)} ="
    numbers = rf"({latex_number(c.upstream)})({latex_number(c.local)}) = {latex_number(c.value)}"
    return _left_rows(head, c.term_latex) + [rf"&\qquad\qquad = {numbers}"]


def _trace_blocks(trace: Trace, node: Optional[str], steps: Optional[Collection[str]]) -> Iterator[list[str]]:
    """The rows of each kept step (one ``align*`` each, so that a long pass breaks across pages)."""
    sums: dict[str, list[str]] = {}
    for step in trace.steps:
        if steps is None or step.node in steps:
            rows = [rf"&\text{{step {step.number}: before }}\texttt{{{_tt(step.node)}.\_backward()}}\quad "
                    rf"({_node_latex(trace.report, step.node)})"]
            names = [node] if node is not None else [step.node] + [
                n for n, users in step.pending.items()
                if users and n != step.node and step.symbolic_before.get(n, "0") != "0"
            ]
            for name in names:
                rows += _grad_rows(trace, step, name, sums)
            for c in (c for c in step.adds if node is None or c.target == node):
                rows += _adds_rows(step, c)
            if not step.adds and node is None and trace.report.program.node(step.node).is_input:
                rows.append(rf"&\qquad \texttt{{{_tt(step.node)}.\_backward()}} \text{{ adds nothing: an input has "
                            "no operands}")
            yield rows
        for c in step.adds:  # what this step adds arrives before the next one
            sums.setdefault(c.target, []).append(c.term_latex)


def trace_to_latex(trace: Trace, *, node: Optional[str] = None, steps: Optional[Collection[str]] = None) -> str:
    """Each kept step as an ``align*`` block: the node's grad and the partly accumulated ones (with the
    consumers still pending), then what the step adds, as upstream times local.

    `node` keeps one node's grad, `steps` the steps of the named nodes; `trace`
    must hold every step (the sums are rebuilt from what each step adds).
    """
    blocks = [_align(rows) for rows in _trace_blocks(trace, node, steps)]
    head = f"% symcheck: the backward pass step by step, f = {trace.report.output} at {_point(trace.report)}"
    return head + "\n" + "\n".join(blocks) + "\n"


# -- claims ---------------------------------------------------------------------------

_FUNCTIONS = {"sin": r"\sin", "cos": r"\cos", "tanh": r"\tanh", "exp": r"\exp", "log": r"\log", "sigmoid": r"\sigma"}
_LEVELS = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}


def claim_latex(node: Any, neighbours: Optional[Callable[[str, str], bool]] = None, level: int = 0) -> str:
    r"""A claim side (`symcheck.parse.claim_ast`) in LaTeX, partials in the handout's notation.

    ``D(f, b)`` and ``local(a, b)`` print as ``\frac{\partial …}{\partial …}``
    (which reads back as the same partial); ``D(a, b)`` too, unless b is an
    operand of a (`neighbours`), where ∂ would read as the local partial: it
    then prints as ``\operatorname{D}(a, b)``.
    """
    kind = type(node).__name__
    if kind == "Num":
        return _number_latex(node)
    if kind == "Ref":
        return name_latex(node.name)
    if kind == "LocalPartial" or kind == "Derivative" and (node.of == "f" or not (neighbours or _never)(node.of,
                                                                                                         node.wrt)):
        return partial(node.of, node.wrt)
    if kind == "Derivative":
        return rf"\operatorname{{D}}({name_latex(node.of)}, {name_latex(node.wrt)})"
    if kind == "GradBefore":
        return rf"\texttt{{{_tt(node.node)}.grad}}\big|_{{\text{{before }}\texttt{{{_tt(node.before)}.\_backward()}}}}"
    if kind == "Neg":  # inside a product or a power a negation takes brackets: a \cdot (-b)
        return _wrap(f"-{claim_latex(node.operand, neighbours, 3)}", 1, level)
    if kind == "BinOp":
        return _binary_latex(node, neighbours, level)
    if kind == "Call":
        args = ", ".join(claim_latex(a, neighbours) for a in node.args)
        function = _FUNCTIONS.get(node.func, rf"\operatorname{{{node.func}}}")
        index = f"_{{{node.index}}}" if node.index is not None else ""
        return rf"{function}{index}\left({args}\right)"
    return str(node)


def _never(of: str, wrt: str) -> bool:
    return False


def _binary_latex(node: Any, neighbours: Optional[Callable[[str, str], bool]], level: int) -> str:
    precedence = _LEVELS[node.op]
    if node.op == "/":
        return rf"\frac{{{claim_latex(node.left, neighbours)}}}{{{claim_latex(node.right, neighbours)}}}"
    if node.op == "**":
        base = claim_latex(node.left, neighbours, 5)
        return _wrap(f"{{{base}}}^{{{claim_latex(node.right, neighbours)}}}", precedence, level)
    left = claim_latex(node.left, neighbours, precedence)
    right = claim_latex(node.right, neighbours, precedence + 1)
    sign = {"+": " + ", "-": " - ", "*": r" \cdot "}[node.op]
    return _wrap(f"{left}{sign}{right}", precedence, level)


def _wrap(text: str, precedence: int, level: int) -> str:
    return rf"\left({text}\right)" if precedence < level else text


def _number_latex(node: Any) -> str:
    """A number as it was written (``0.5067``, ``1.7446e-17`` as ``1.7446 \\times 10^{-17}``)."""
    written = getattr(node, "written", "") or ""
    sign = "-" if node.value < 0 and not written.startswith("-") else ""
    if written and re.fullmatch(r"[-+]?[\d.]+", written):
        return sign + written
    scientific = re.fullmatch(r"([-+]?[\d.]+)[eE]([-+]?\d+)", written)
    if scientific:
        return f"{sign}{scientific.group(1)} \\times 10^{{{int(scientific.group(2))}}}"
    value = float(node.value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else latex_number(value, 17)


def verdict_to_latex(verdict: Verdict) -> str:
    r"""The claim as an ``align*`` block under a comment with the verdict.

    A claim that holds reads ``lhs &= rhs \ &= form \ &pprox value``; one
    that fails ``lhs &
eq rhs``, then each side with its form and value.
    """
    word = "undecided" if verdict.undecided else "holds" if verdict.holds else "fails"
    relation = r"\approx" if verdict.relation == "≈" else "="
    if not verdict.holds and not verdict.undecided:
        relation = r"\neq"
    lhs, rhs = verdict.lhs_latex or r"\text{?}", verdict.rhs_latex or r"\text{?}"
    rows = _rows(lhs, relation, rhs)
    if verdict.holds:
        form = verdict.lhs_symbolic_latex
        plain_rhs = not any(mark in rhs for mark in (r"\partial", r"\texttt", r"\operatorname{D}"))
        if form and form not in (lhs, rhs, latex_number(verdict.lhs_value)) and not plain_rhs:
            rows += _rows(" ", "=", form)
        if verdict.lhs_value is not None and latex_number(verdict.lhs_value) not in (lhs, rhs, form):
            rows.append(rf"  &\approx {latex_number(verdict.lhs_value)}")
    elif not verdict.undecided:
        for written, form, value in ((lhs, verdict.lhs_symbolic_latex, verdict.lhs_value),
                                     (rhs, verdict.rhs_symbolic_latex, verdict.rhs_value)):
            shown = latex_number(value)
            formula = shown if form in ("", written, shown) else rf"{form} \approx {shown}"
            if written == shown:
                continue
            rows += _rows(written, "=" if formula != shown else r"\approx", formula)
    comment = f"% symcheck: claim {word} [{verdict.method}]: {verdict.claim}"
    return comment + "\n" + _align(rows) + "\n"
