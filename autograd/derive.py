"""Derivation tracing: how a gradient (or a value) came about, step by step.

:func:`explain` writes ∂output/∂wrt the way a person derives it by hand, and :func:`explain_forward`
writes how a value was computed. Both return a :class:`Derivation`: a list of sections of
:class:`Step` lines, each a left-hand side, a formula (an expression tree) and a value. The
printers in :mod:`autograd.printing` turn it into Unicode text, LaTeX, Markdown or HTML, in
English or Chinese.

How the backward derivation is built (one pass each, no recursion over the graph):

1. The *relevant* nodes are those on a path from ``output`` to ``wrt``.
2. *Key* nodes get their own symbol: ``output``, ``wrt``, every labelled relevant node, and every
   unlabelled relevant node that feeds two or more relevant nodes (it gets a made-up name, v1,
   v2, ..., because a person would name a shared intermediate too). With ``expand=True`` every
   relevant node is key.
3. Every other relevant node feeds exactly one node, so it *folds* into the factor between the
   nearest key nodes: ∂key/∂key' is a product of op-table partials (a sum where one node uses
   another in several slots), each filled with its operands' forward formulas.
4. Lines: the chain from the last point where paths merge down to ``wrt`` is written as one
   product (∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5); above the merge
   point a reverse sweep over the key nodes writes each node's gradient once, from the gradients
   of the nodes it feeds, so shared sub-chains are written once and the number of lines grows
   with the graph, not with the number of paths. When the output is a sum of labelled terms
   (E_total = E_o1 + E_o2) and ``wrt`` reaches it through several of them, each term's share is
   written with the term as numerator (∂E_o1/∂out_h1), as the published derivation does; through
   only one term, the term folds away (∂E_total/∂out_o1 = −(target_o1 − out_o1)).

``Derivation.value`` is computed by the same sweep, in the same order and with the same
arithmetic as :func:`autograd.graph.backward`, so it equals ``wrt.grad`` after ``backward()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .graph import topological_order
from .ops import ATOM, HALF_SQUARED_ERROR, SUM, Op

if TYPE_CHECKING:
    from .value import Value

__all__ = [
    "explain",
    "explain_forward",
    "Derivation",
    "Section",
    "Step",
    "Path",
    "Sym",
    "Num",
    "Deriv",
    "Tmpl",
    "Join",
    "Elided",
]

# --- expression trees: what a formula is, independent of how it is printed -----------------


@dataclass(frozen=True)
class Sym:
    """A named quantity (a label, a made-up name, η) and its value."""

    name: str
    value: float
    latex: str | None = None  # None: derived from the name by the printer


@dataclass(frozen=True)
class Num:
    """A constant, printed as a number."""

    value: float


@dataclass(frozen=True)
class Deriv:
    """The symbol ∂num/∂den, with its value."""

    num: Sym
    den: Sym
    value: float


@dataclass(frozen=True)
class Tmpl:
    """An op-table template (``Op.text``/``Op.latex`` or ``Partial.text``/``Partial.latex``) with
    its placeholders bound to expressions. ``separator`` marks a variadic row: ``args`` is then a
    tuple of expressions joined by the template."""

    text: str
    latex: str
    args: Mapping[str, Expr] | tuple[Expr, ...]
    precedence: int | None  # None: inferred from the template by the printer
    separator: bool = False


@dataclass(frozen=True)
class Join:
    """A product (``"prod"``) or sum (``"sum"``) of expressions, as the chain rule writes them."""

    kind: str
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Elided:
    """A formula too long to be worth printing: ``what`` is ``"product"`` (of ``count`` local
    derivatives along one route) or ``"sum"`` (over ``count`` routes)."""

    what: str
    count: int


Expr = Sym | Num | Deriv | Tmpl | Join | Elided


@dataclass(frozen=True)
class Step:
    """One line: ``lhs = formula = formula with numbers = value``.

    ``kind`` says what the line does: ``"given"`` (a leaf's value), ``"forward"`` (a node from
    its operands), ``"plan"`` (the chain rule stated, no numbers), ``"local"`` (one factor from
    the op table), ``"chain"`` (a gradient as a product), ``"sum"`` (contributions added),
    ``"result"`` (the final number), ``"update"`` (a gradient step), ``"note"`` (narration only:
    ``formula`` is None and ``note`` names a language string, with ``args``).
    """

    kind: str
    lhs: Expr | None
    formula: Expr | None
    value: float | None
    show_formula: bool = True
    note: str | None = None
    args: tuple[Expr | str | int, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled group of steps; ``title`` names a language string, ``args`` fill it."""

    title: str
    args: tuple[Expr | str | int, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Path:
    """One path from the output down to ``wrt`` through key nodes, with each edge's factor."""

    nodes: tuple[str, ...]
    factors: tuple[float, ...]
    value: float


@dataclass
class Derivation:
    """A derivation: sections of steps, plus the numbers a program wants.

    ``value`` is ∂output/∂wrt (or the node's value, for a forward explanation); ``paths`` lists
    up to ``max_paths`` paths from output to wrt and ``path_count`` counts them all; ``steps``
    is every line in order. ``str()`` is Unicode text; ``to_latex()``, ``to_markdown()`` and
    ``to_html()`` are the other renderings, and Jupyter shows the object as rendered maths.

    >>> from autograd import Value, explain
    >>> a = Value(2.0, label="a")
    >>> b = (a * 3).labelled("b")
    >>> d = explain((b + a).labelled("c"), a)
    >>> d.value, d.path_count, [p.nodes for p in d.paths]
    (4.0, 2, [('c', 'b', 'a'), ('c', 'a')])
    >>> [step.kind for step in d.steps]
    ['local', 'local', 'sum', 'note']
    """

    value: float
    sections: list[Section]
    paths: list[Path] = field(default_factory=list)
    path_count: int = 0
    updated: float | None = None
    digits: int = 9
    exact: bool = False
    lang: str = "en"

    @property
    def steps(self) -> list[Step]:
        """Every step of every section, in order."""
        return [step for section in self.sections for step in section.steps]

    def only(self, kinds: Iterable[str]) -> Derivation:
        """The same derivation keeping only the steps of the given kinds (see :class:`Step`);
        a section left without steps goes. ``d.only(["plan", "result"])`` is the chain rule
        stated and its value, for a weight whose full derivation repeats one shown before.

        >>> from autograd import Value, explain
        >>> x = Value(3.0, label="x")
        >>> d = explain((x * x).labelled("y"), x, lr=0.1)
        >>> [s.kind for s in d.steps], [s.kind for s in d.only(["update"]).steps]
        (['local', 'update'], ['update'])
        """
        keep = set(kinds)
        sections = [replace(s, steps=tuple(step for step in s.steps if step.kind in keep)) for s in self.sections]
        return replace(self, sections=[s for s in sections if s.steps])

    def __str__(self) -> str:
        from .printing import to_text

        return to_text(self)

    def __repr__(self) -> str:
        steps, paths = len(self.steps), self.path_count
        return (
            f"<Derivation value={self.value!r}, {steps} step{'s' * (steps != 1)}, "
            f"{paths} path{'s' * (paths != 1)}>"
        )

    def to_latex(self) -> str:
        """An ``aligned`` block, one line per step."""
        from .printing import to_latex

        return to_latex(self)

    def to_markdown(self) -> str:
        """Markdown with ``$...$`` maths, one list item per step."""
        from .printing import to_markdown

        return to_markdown(self)

    def to_html(self) -> str:
        """A self-contained HTML fragment."""
        from .printing import to_html

        return to_html(self)

    def _repr_latex_(self) -> str:
        return "$$" + self.to_latex() + "$$"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()


# --- naming and forward formulas ---------------------------------------------------------------


class _Namer:
    """Symbols and forward formulas of nodes, given which nodes are key.

    A key or labelled node is a symbol; an unlabelled leaf is its number; any other node is its
    op's forward template filled with its operands' formulas, unless that grows beyond
    ``max_fold`` primitives, in which case it is its number (a reader gains nothing from a
    formula a page long). Built without recursion, each node once.
    """

    def __init__(self, order: list[Value], keys: set[int], max_fold: int) -> None:
        self.max_fold = max_fold
        taken = {v.label for v in order if v.label is not None}
        self.names: dict[int, str] = {}
        counter = 0
        for v in order:
            if v.label is None and id(v) in keys:
                counter += 1
                while f"v{counter}" in taken:
                    counter += 1
                self.names[id(v)] = f"v{counter}"
        self._memo: dict[int, tuple[Expr, int]] = {}

    def sym(self, v: Value) -> Sym:
        name = v.label if v.label is not None else self.names.get(id(v))
        if name is None:
            raise ValueError(f"internal: no name for {v!r}")
        return Sym(name, v.data)

    def is_symbol(self, v: Value) -> bool:
        return v.label is not None or id(v) in self.names

    def expr(self, root: Value) -> Expr:
        memo = self._memo
        stack = [root]
        while stack:
            v = stack[-1]
            if id(v) in memo:
                stack.pop()
                continue
            if self.is_symbol(v):
                memo[id(v)] = (self.sym(v), 1)
            elif v.op is None:
                memo[id(v)] = (Num(v.data), 1)
            else:
                pending = [p for p in v.parents if id(p) not in memo]
                if pending:
                    stack.extend(pending)
                    continue
                parts = [memo[id(p)] for p in v.parents]
                size = 1 + sum(s for _, s in parts)
                if size > self.max_fold:
                    memo[id(v)] = (Num(v.data), 1)
                else:
                    memo[id(v)] = (_forward_formula(v.op, [e for e, _ in parts]), size)
            stack.pop()
        return memo[id(root)][0]

    def partial(self, v: Value, slot: int) -> Tmpl:
        """The op row's partial of ``v`` for operand ``slot``, in operand formulas."""
        op = v.op
        assert op is not None
        row = op.partial(slot)
        names: dict[str, Expr] = {"out": self.expr(v)}
        if not op.variadic:
            names.update(zip(op.operands, (self.expr(p) for p in v.parents)))
        return Tmpl(row.text, row.latex, names, None)


def _forward_formula(op: Op, operands: list[Expr]) -> Tmpl:
    """The op row's forward template with its operands bound (a variadic row joins them)."""
    if op.variadic:
        return Tmpl(op.text, op.latex, tuple(operands), op.precedence, separator=True)
    return Tmpl(op.text, op.latex, dict(zip(op.operands, operands)), op.precedence)


def _is_one(e: Expr) -> bool:
    return isinstance(e, Tmpl) and not e.separator and e.text == "1"


def _product(factors: Iterable[Expr]) -> Expr:
    """A folded chain of local derivatives; factors that are the literal 1 are left out."""
    kept = tuple(f for f in factors if not _is_one(f))
    if not kept:
        return Tmpl("1", "1", {}, ATOM)
    return kept[0] if len(kept) == 1 else Join("prod", kept)


# --- the backward derivation ---------------------------------------------------------------


@dataclass
class _Edge:
    """∂consumer/∂parent between key nodes, folded over the unlabelled nodes between them."""

    routes: list[Expr]
    value: float = 0.0

    def formula(self, max_fold: int) -> Expr:
        if len(self.routes) == 1:
            return self.routes[0]
        if sum(_size(r) for r in self.routes) > 4 * max_fold:
            return Elided("sum", len(self.routes))
        return Join("sum", tuple(self.routes))


def _size(e: Expr) -> int:
    """How many symbols, numbers and templates a formula prints."""
    count, stack = 0, [e]
    while stack:
        x = stack.pop()
        count += 1
        if isinstance(x, Join):
            stack.extend(x.items)
        elif isinstance(x, Tmpl):
            stack.extend(x.args if x.separator else x.args.values())
    return count


def _fold(c: Value, relevant: set[int], keys: set[int], namer: _Namer, max_fold: int) -> dict[int, _Edge]:
    """The factors from key node ``c`` to each key node below it, folding unkeyed nodes.

    Every unkeyed relevant node feeds exactly one relevant node, so the nodes folded into ``c``
    form a tree and each is visited once. A chain is kept as a linked list (formula, rest) so a
    long chain is not copied at every step.
    """
    edges: dict[int, _Edge] = {}
    # Work items: (node, chain of formulas as a linked list, its length, value of the chain,
    # whether node is a key node that ends the chain). Pushed in reverse so that operands are
    # written in slot order.
    stack: list[tuple[Value, tuple | None, int, float, bool]] = [(c, None, 0, 1.0, False)]
    while stack:
        r, chain, length, val, ends = stack.pop()
        if ends:
            edge = edges.setdefault(id(r), _Edge([]))
            edge.routes.append(_chain_formula(chain, length))
            edge.value += val
            continue
        slots: dict[int, list[int]] = {}
        for slot, p in enumerate(r.parents):
            if id(p) in relevant:
                slots.setdefault(id(p), []).append(slot)
        by_id = {id(p): p for p in r.parents}
        operands = [q.data for q in r.parents]
        for pid, ss in reversed(slots.items()):
            local = 0.0
            for s in ss:  # the same sum, in the same order, as backward
                local += r.op.partial(s).fn(r.data, *operands)
            if length < max_fold:
                parts = [namer.partial(r, s) for s in ss]
                term = parts[0] if len(parts) == 1 else Join("sum", tuple(parts))
            else:
                term = None
            stack.append((by_id[pid], (term, chain), length + 1, val * local, pid in keys))
    return edges


def _chain_formula(link: tuple | None, length: int) -> Expr:
    items: list[Expr] = []
    while link is not None:
        term, link = link
        if term is None:
            return Elided("product", length)
        items.append(term)
    items.reverse()
    return _product(items)


def _all_unit(op: Op | None, arity: int) -> bool:
    return op is not None and all(op.partial(s).text == "1" for s in range(arity))


def explain(
    output: Value,
    wrt: Value,
    *,
    digits: int = 9,
    exact: bool = False,
    expand: bool = False,
    lang: str = "en",
    lr: float | None = None,
    forward: bool = False,
    max_lines: int = 200,
    max_paths: int = 1000,
    max_fold: int = 24,
) -> Derivation:
    """Explain ∂output/∂wrt step by step, with formulas from the op table and their values.

    ``digits`` is the number of decimals printed (trailing zeros dropped), ``exact=True`` prints
    every number as its shortest exact ``repr``. ``expand=True`` gives every primitive its own
    line instead of folding unlabelled nodes. ``lang`` is ``"en"`` or ``"zh"``. With ``lr`` the
    derivation ends with the gradient-descent update of ``wrt``; with ``forward=True`` it starts
    with the forward pass (:func:`explain_forward`). Derivations longer than ``max_lines`` steps
    keep their beginning and end; ``paths`` lists at most ``max_paths`` paths.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = (x * x).labelled("y")
    >>> d = explain(y, x)
    >>> d.value
    6.0
    >>> print(d)
    Backward pass: ∂y/∂x by the chain rule
      ∂y/∂x = x + x = 3 + 3 = 6
    """
    _check_args(output=output, wrt=wrt, digits=digits, lang=lang)
    if lr is not None and not isinstance(lr, (int, float)):
        raise TypeError(f"explain: lr must be a number (the learning rate), got {type(lr).__name__} {lr!r}")
    order = topological_order(output, needs_grad=wrt.requires_grad)
    relevant: set[int] = set()
    for v in order:
        if v is wrt or any(id(p) in relevant for p in v.parents):
            relevant.add(id(v))

    sections: list[Section] = []
    if forward:
        sections.extend(_forward_sections(output, expand=expand, max_lines=max_lines, max_fold=max_fold))

    if id(output) not in relevant:
        namer = _Namer(order + [wrt], {id(output), id(wrt)}, max_fold)
        d = Deriv(namer.sym(output), namer.sym(wrt), 0.0)
        note = Step("note", None, None, None, note="no_path", args=(namer.sym(output), namer.sym(wrt), d))
        sections.append(Section("backward", (d,), (note, Step("result", d, None, 0.0))))
        result = Derivation(0.0, sections, [], 0, digits=digits, exact=exact, lang=lang)
        _add_update(result, namer.sym(wrt), d, lr, wrt.data)
        return result

    rel_order = [v for v in order if id(v) in relevant]
    consumers: dict[int, list[Value]] = {id(v): [] for v in rel_order}
    for v in rel_order:
        seen: set[int] = set()
        for p in v.parents:
            if id(p) in relevant and id(p) not in seen:
                seen.add(id(p))
                consumers[id(p)].append(v)

    keys = {id(output), id(wrt)}
    for v in rel_order:
        if expand or v.label is not None or len(consumers[id(v)]) >= 2:
            keys.add(id(v))

    # A sum of labelled terms at the top (E_total = E_o1 + E_o2): through one term, the term
    # folds away; through several, each term is the numerator of its own share.
    roots = {id(output)}
    if _all_unit(output.op, len(output.parents)) and not expand:
        below = [p for p in {id(p): p for p in output.parents}.values() if id(p) in relevant]
        terms = [p for p in below if id(p) in keys and p is not wrt and consumers[id(p)] == [output]]
        # (if the output also uses other relevant nodes directly, it is written plainly)
        if len(terms) == len(below) >= 2:
            roots.update(id(t) for t in terms)
        elif len(terms) == len(below) == 1:
            keys.discard(id(terms[0]))

    namer = _Namer(order, keys, max_fold)
    key_order = [v for v in rel_order if id(v) in keys]
    edges = {id(c): _fold(c, relevant, keys, namer, max_fold) for c in key_order if c.op is not None}
    key_consumers: dict[int, list[Value]] = {id(v): [] for v in key_order}
    for c in key_order:
        for pid in edges.get(id(c), {}):
            key_consumers[pid].append(c)

    value = _sweep_value(rel_order, relevant, output, wrt)
    sweep = _sweep_order(output, key_order, edges, key_consumers)
    paths, path_count = _paths(output, wrt, edges, key_order, namer, max_paths)
    steps = _backward_steps(output, wrt, sweep, edges, key_consumers, roots, namer, max_fold)
    if path_count > 1:
        steps.append(Step("note", None, None, None, note="paths", args=(path_count, namer.sym(output), namer.sym(wrt))))
    steps = _trim(steps, max_lines)
    d = Deriv(namer.sym(output), namer.sym(wrt), value)
    sections.append(Section("backward", (d,), tuple(steps)))
    result = Derivation(value, sections, paths, path_count, digits=digits, exact=exact, lang=lang)
    _add_update(result, namer.sym(wrt), d, lr, wrt.data)
    return result


def _check_args(*, digits: int, lang: str, **values: object) -> None:
    from .printing import check_lang
    from .value import Value

    for name, v in values.items():
        if not isinstance(v, Value):
            raise TypeError(f"{name} must be a Value (a node of the graph), got {type(v).__name__} {v!r}")
    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a whole number ≥ 0 (decimals to print), got {digits!r}")
    check_lang(lang)


def _sweep_value(rel_order: list[Value], relevant: set[int], output: Value, wrt: Value) -> float:
    """∂output/∂wrt exactly as backward computes it: same order, same sums, same products."""
    grad = {id(output): 1.0}
    for v in reversed(rel_order):
        if v.op is None:
            continue
        upstream = grad.get(id(v), 0.0)
        operands = [p.data for p in v.parents]
        for slot, p in enumerate(v.parents):
            if id(p) in relevant:
                grad[id(p)] = grad.get(id(p), 0.0) + upstream * v.op.partial(slot).fn(v.data, *operands)
    return grad[id(wrt)]


def _sweep_order(output: Value, key_order: list[Value], edges: dict, key_consumers: dict) -> list[Value]:
    """Key nodes from the output down, each after every node it feeds; among the ready ones,
    depth first in operand order (o1's branch is written before o2's, as a person would)."""
    waiting = {id(v): len(key_consumers[id(v)]) for v in key_order}
    by_id = {id(v): v for v in key_order}
    order: list[Value] = []
    stack = [output]
    while stack:
        v = stack.pop()
        order.append(v)
        below = list(edges.get(id(v), {}))
        for pid in reversed(below):
            waiting[pid] -= 1
            if waiting[pid] == 0:
                stack.append(by_id[pid])
    return order


def _paths(output: Value, wrt: Value, edges: dict, key_order: list[Value], namer: _Namer, max_paths: int):
    count = {id(output): 1}
    for c in reversed(key_order):
        for pid in edges.get(id(c), {}):
            count[pid] = count.get(pid, 0) + count.get(id(c), 0)
    by_id = {id(v): v for v in key_order}
    paths: list[Path] = []
    stack: list[tuple[int, tuple[int, ...], tuple[float, ...]]] = [(id(output), (id(output),), ())]
    while stack and len(paths) < max_paths:
        nid, nodes, factors = stack.pop()
        if nid == id(wrt):
            product = 1.0
            for f in factors:
                product *= f
            paths.append(Path(tuple(namer.sym(by_id[n]).name for n in nodes), factors, product))
            continue
        for pid, edge in reversed(list(edges.get(nid, {}).items())):
            stack.append((pid, nodes + (pid,), factors + (edge.value,)))
    return paths, count.get(id(wrt), 0)


def _backward_steps(output, wrt, sweep, edges, key_consumers, roots, namer, max_fold) -> list[Step]:
    sym = namer.sym
    if output is wrt:
        return [Step("result", Deriv(sym(output), sym(wrt), 1.0), Tmpl("1", "1", {}, ATOM), 1.0)]
    # The chain below the last merge point: wrt, its single consumer, ..., up to a node that
    # feeds several nodes (or the output).
    chain = [wrt]
    while len(key_consumers[id(chain[-1])]) == 1 and chain[-1] is not output and id(chain[-1]) not in roots:
        chain.append(key_consumers[id(chain[-1])][0])
    top = chain[-1]
    chain.reverse()  # top, ..., wrt

    # Whose share each gradient is (∂E_o1/∂… or ∂E_total/∂…), and its value.
    numerator: dict[int, Value] = {id(v): v for v in sweep if id(v) in roots}
    grad: dict[int, float] = {rid: 1.0 for rid in roots}

    def local(c: Value, n: Value) -> tuple[Deriv, Step]:
        e = edges[id(c)][id(n)]
        d = Deriv(sym(c), sym(n), e.value)
        return d, Step("local", d, e.formula(max_fold), e.value)

    steps: list[Step] = []

    # The sweep above the chain: each key node's gradient, once, from the nodes it feeds.
    if top is not output:
        above = [v for v in sweep if id(v) not in roots]
        stop = above.index(top) + 1
        for n in above[:stop]:
            cons = key_consumers[id(n)]
            nums = {id(numerator[id(c)]) for c in cons}
            own = numerator[id(cons[0])] if len(nums) == 1 else output
            numerator[id(n)] = own
            groups: dict[int, list[Value]] = {}
            for c in cons:
                groups.setdefault(id(numerator[id(c)]), []).append(c)
            shares: list[tuple[Deriv, float]] = []
            for group in groups.values():
                num_node = numerator[id(group[0])]
                terms: list[Expr] = []
                total = 0.0
                for c in group:
                    d_local, step = local(c, n)
                    if id(c) not in roots:
                        steps.append(step)
                        terms.append(Join("prod", (Deriv(sym(num_node), sym(c), grad[id(c)]), d_local)))
                        total += grad[id(c)] * d_local.value
                    elif len(group) == 1:  # ∂E_o1/∂n straight from E_o1's row: that line is the share
                        steps.append(step)
                        terms.append(d_local)
                        total += d_local.value
                    else:  # the numerator among several consumers: its symbol would read as the
                        terms.append(step.formula)  # total, so its local formula goes inline
                        total += d_local.value
                share = Deriv(sym(num_node), sym(n), total)
                if not (len(terms) == 1 and isinstance(terms[0], Deriv)):
                    formula = terms[0] if len(terms) == 1 else Join("sum", tuple(terms))
                    steps.append(Step("chain" if len(terms) == 1 else "sum", share, formula, total))
                shares.append((share, total))
            if len(shares) > 1:
                value = 0.0
                for _, v in shares:
                    value += v
                formula = Join("sum", tuple(s for s, _ in shares))
                steps.append(Step("sum", Deriv(sym(own), sym(n), value), formula, value))
            else:
                value = shares[0][1]
            grad[id(n)] = value

    # The chain's own factors, then the product.
    factor_values: list[float] = []
    factor_syms: list[Deriv] = []
    if top is not output:
        factor_syms.append(Deriv(sym(numerator[id(top)]), sym(top), grad[id(top)]))
        factor_values.append(grad[id(top)])
    for c, n in zip(chain, chain[1:]):
        d, step = local(c, n)
        steps.append(step)
        factor_syms.append(d)
        factor_values.append(d.value)
    if len(chain) == 1 or (top is output and len(chain) == 2):
        return steps  # the sweep's last line, or the one factor, is the answer
    product = 1.0
    for f in factor_values:
        product *= f
    result = Deriv(sym(output), sym(wrt), product)
    chain_rule = Join("prod", tuple(factor_syms))
    # The chain rule is stated first, as a person writes it, and its numbers come at the end.
    return [
        Step("plan", result, chain_rule, None),
        *steps,
        Step("result", result, chain_rule, product, show_formula=False),
    ]


def _trim(steps: list[Step], max_lines: int) -> list[Step]:
    if len(steps) <= max_lines:
        return steps
    head = max_lines // 2
    tail = max_lines - head
    omitted = len(steps) - head - tail
    return steps[:head] + [Step("note", None, None, None, note="omitted", args=(omitted,))] + steps[-tail:]


def _add_update(result: Derivation, w: Sym, d: Deriv, lr: float | None, data: float) -> None:
    """Append the gradient-descent step w⁺ = w − η·∂E/∂w."""
    if lr is None:
        return
    eta = Sym("η", float(lr), r"\eta")
    grad = Deriv(d.num, d.den, result.value)
    updated = data - lr * result.value
    lhs = Sym(w.name + "⁺", updated, None)
    formula = Tmpl("{w} − {eta}·{d}", r"{w} - {eta} \cdot {d}", {"w": Sym(w.name, data), "eta": eta, "d": grad}, SUM)
    result.updated = updated
    rate = Tmpl("{eta} = {lr}", "{eta} = {lr}", {"eta": eta, "lr": Num(float(lr))}, SUM)
    result.sections.append(Section("update", (rate,), (Step("update", lhs, formula, updated),)))


# --- the forward derivation ---------------------------------------------------------------


def _forward_sections(node: Value, *, expand: bool, max_lines: int, max_fold: int) -> list[Section]:
    order = topological_order(node)
    keys = {id(node)}
    for v in order:
        if expand and v.op is not None:
            keys.add(id(v))
    namer = _Namer(order, keys, max_fold)
    lines = [
        Step("forward", namer.sym(v), _forward_formula(v.op, [namer.expr(p) for p in v.parents]), v.data)
        for v in order
        if v.op is not None and namer.is_symbol(v)
    ]
    # The given values (labelled leaves), in the order the formulas first use them.
    given: dict[str, Step] = {}
    leaves = {v.label: v for v in order if v.op is None and v.label is not None}
    for step in lines:
        for name in _symbols(step.formula):
            if name in leaves and name not in given:
                given[name] = Step("given", Sym(name, leaves[name].data), None, leaves[name].data)
    if node.op is None:
        return [Section("forward", (), (Step("given", namer.sym(node), None, node.data),))]
    last = lines.pop()
    sections = [Section("forward", (), tuple(_trim(list(given.values()) + lines, max_lines)))]
    # "Total error" only for what is one: a sum of error terms (½(t − o)² rows), as E_total is.
    total = _all_unit(node.op, len(node.parents)) and all(p.op is HALF_SQUARED_ERROR for p in node.parents)
    sections.append(Section("total" if total else "output", (namer.sym(node),), (last,)))
    return sections


def _symbols(e: Expr) -> list[str]:
    """The names in a formula, left to right (formulas are small: at most ``max_fold`` deep)."""
    if isinstance(e, Sym):
        return [e.name]
    if isinstance(e, Join):
        return [n for item in e.items for n in _symbols(item)]
    if isinstance(e, Tmpl):
        args = e.args if e.separator else e.args.values()
        return [n for a in args for n in _symbols(a)]
    return []


def explain_forward(
    node: Value,
    *,
    digits: int = 9,
    exact: bool = False,
    expand: bool = False,
    lang: str = "en",
    max_lines: int = 200,
    max_fold: int = 24,
) -> Derivation:
    """Explain how ``node``'s value came about: each labelled node from its operands, in labels
    and in numbers (the forward pass, 前向传播). Unlabelled intermediates fold into the formula
    of the labelled node that uses them (``expand=True`` names each one). ``value`` is the
    node's value.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(0.5, label="b")
    >>> c = (a * b + 1).labelled("c")
    >>> print(explain_forward(c))
    Forward pass
      a = 2
      b = 0.5
    Result: c
      c = a·b + 1 = 2 × 0.5 + 1 = 2
    """
    _check_args(node=node, digits=digits, lang=lang)
    sections = _forward_sections(node, expand=expand, max_lines=max_lines, max_fold=max_fold)
    return Derivation(node.data, sections, digits=digits, exact=exact, lang=lang)
