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

Every number comes from :func:`autograd.graph.sweep`, which runs backward's own chain rule on a
copy of the graph: ``Derivation.value`` equals ``wrt.grad`` after ``backward()``, bit for bit, and
each local derivative shown is the one backward used.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .expr import Deriv, Derivation, Elided, Expr, Join, Num, Path, Section, Step, Sym, Tmpl
from .graph import Sweep, collector_paused, gradient_step, sweep, topological_order
from .ops import ATOM, HALF_SQUARED_ERROR, SUM, Op

if TYPE_CHECKING:
    from .value import Value

__all__ = ["explain", "explain_forward", "Analysis", "analyse", "made_up_names", "relevant_and_keys", "update_line"]

# --- naming and forward formulas ---------------------------------------------------------------


def made_up_names(order: list[Value], named: Iterable[Value]) -> dict[Value, str]:
    """Names v1, v2, ... for the unlabelled nodes among ``named``, in graph order, skipping any
    name a label already uses (a person names a shared intermediate too).

    >>> from autograd import Value
    >>> x = Value(2.0, label="x"); y = x * x
    >>> made_up_names([x, y], [y])[y]
    'v1'
    """
    wanted = set(named)
    taken = {v.label for v in order if v.label is not None}
    names: dict[Value, str] = {}
    counter = 0
    for v in order:
        if v.label is None and v in wanted:
            counter += 1
            while f"v{counter}" in taken:
                counter += 1
            names[v] = f"v{counter}"
    return names


class _Namer:
    """Symbols and forward formulas of nodes, given which nodes are key.

    A key or labelled node is a symbol; an unlabelled leaf is its number; any other node is its
    op's forward template filled with its operands' formulas, unless that grows beyond
    ``max_fold`` primitives, in which case it is its number (a reader gains nothing from a
    formula a page long). Built without recursion, each node once.
    """

    def __init__(self, names: dict[Value, str], keys: set[Value], max_fold: int) -> None:
        self.max_fold = max_fold
        self.names = names  # made-up names; only those of key nodes are used as symbols
        self.keys = keys
        self._memo: dict[Value, tuple[Expr, int]] = {}

    def sym(self, v: Value) -> Sym:
        name = v.label if v.label is not None else self.names.get(v)
        if name is None:
            raise ValueError(f"internal: no name for {v!r}")
        return Sym(name, v.data)

    def is_symbol(self, v: Value) -> bool:
        return v.label is not None or (v in self.keys and v in self.names)

    def is_made_up(self, v: Value) -> bool:
        return v.label is None and v in self.keys and v in self.names

    def expr(self, root: Value) -> Expr:
        memo = self._memo
        stack = [root]
        while stack:
            v = stack[-1]
            if v in memo:
                stack.pop()
                continue
            if self.is_symbol(v):
                memo[v] = (self.sym(v), 1)
            elif v.op is None:
                memo[v] = (Num(v.data), 1)
            else:
                pending = [p for p in v.parents if p not in memo]
                if pending:
                    stack.extend(pending)
                    continue
                parts = [memo[p] for p in v.parents]
                size = 1 + sum(s for _, s in parts)
                if size > self.max_fold:
                    memo[v] = (Num(v.data), 1)
                else:
                    memo[v] = (_forward_formula(v.op, [e for e, _ in parts]), size)
            stack.pop()
        return memo[root][0]

    def definition(self, v: Value) -> Tmpl:
        """``v``'s op template over its operands' formulas: what a forward line says ``v`` is."""
        return _forward_formula(v.op, [self.expr(p) for p in v.parents])

    def partial(self, v: Value, slot: int) -> Tmpl:
        """The op row's partial of ``v`` for operand ``slot``, in operand formulas."""
        op = v.op
        assert op is not None
        row = op.partial(slot)
        names: dict[str, Expr] = {"out": self.expr(v)}
        if not op.variadic:
            names.update(zip(op.operands, (self.expr(p) for p in v.parents)))
        return Tmpl(row.text, row.latex, names, row.precedence)


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
    return kept[0] if len(kept) == 1 else Join("product", kept)


def _symbols(e: Expr | None) -> list[str]:
    """The names in a formula, left to right, without recursion."""
    names: list[str] = []
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Sym):
            names.append(x.name)
        elif isinstance(x, Deriv):
            stack += [x.den, x.num]
        elif isinstance(x, Join):
            stack.extend(reversed(x.items))
        elif isinstance(x, Tmpl):
            stack.extend(reversed(x.args if x.separator else list(x.args.values())))
    return names


def _define_made_up_names(steps: list[Step], namer: _Namer, order: list[Value], defined: set[str]) -> list[Step]:
    """``steps`` with a definition line (``v1 = x·y = 2 × 3 = 6``) before the first use of every
    made-up name not ``defined`` yet, so no name appears that the reader has not been given. A
    definition that uses other made-up names comes after theirs."""
    nodes = {namer.names[v]: v for v in order if namer.is_made_up(v)}
    if not nodes:
        return steps
    position = {v: k for k, v in enumerate(order)}
    out: list[Step] = []
    for step in steps:
        needed: dict[Value, None] = {}
        stack = [n for n in _symbols(step.lhs) + _symbols(step.formula) + _symbols_in_args(step.args)]
        while stack:
            name = stack.pop()
            if name in nodes and name not in defined:
                defined.add(name)
                v = nodes[name]
                needed[v] = None
                if v.op is not None:
                    stack += _symbols(namer.definition(v))
        for v in sorted(needed, key=position.__getitem__):  # operands before what uses them
            if v.op is None:  # an unlabelled leaf the derivation is about: its number
                out.append(Step("given", namer.sym(v), None, v.data))
            else:
                out.append(Step("forward", namer.sym(v), namer.definition(v), v.data))
        out.append(step)
    return out


def _symbols_in_args(args: tuple) -> list[str]:
    return [n for a in args if not isinstance(a, (str, int)) for n in _symbols(a)]


# --- what explain knows about the graph between output and wrt ------------------------------


@dataclass
class _Edge:
    """∂consumer/∂parent between key nodes, folded over the unlabelled nodes between them.

    One entry per route in ``routes`` (its formula), ``values`` (the product of its local
    derivatives) and ``links`` (the operations on the way, as the linked list the fold built);
    ``value`` is their sum. ``hops`` spells the routes out, ``(node, slots)`` from the consumer
    down, only when asked: routes share their upper parts, and writing each out in full would
    cost time and memory quadratic in a chain's length.
    """

    routes: list[Expr]
    value: float = 0.0
    values: list[float] = field(default_factory=list)
    links: list[tuple | None] = field(default_factory=list)

    @property
    def hops(self) -> list[tuple[tuple[Value, tuple[int, ...]], ...]]:
        return [_chain_hops(link) for link in self.links]

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


@dataclass
class Analysis:
    """The part of a graph that ∂output/∂wrt depends on, as a person would name and fold it.

    ``relevant`` lists the nodes on a path from ``output`` down to ``wrt`` (parents first);
    ``keys`` are the ones that get their own symbol (labelled, shared, output, wrt; every one with
    ``expand``); ``edges[c][p]`` is ∂c/∂p between key nodes, folded over the nodes between them;
    ``roots`` are the output and, when the output is a sum of labelled terms reached through
    several of them (E_total = E_o1 + E_o2), those terms; ``record`` is the backward pass's
    :class:`~autograd.graph.Sweep`, where every number comes from.
    """

    output: Value
    wrt: Value
    order: list[Value]
    relevant: list[Value]
    keys: set[Value]
    roots: set[Value]
    namer: _Namer
    edges: dict[Value, dict[Value, _Edge]]
    key_order: list[Value]
    key_consumers: dict[Value, list[Value]]
    record: Sweep
    max_fold: int

    @property
    def value(self) -> float:
        """∂output/∂wrt, as backward computes it."""
        return self.record.grad.get(self.wrt, 0.0)


def analyse(output: Value, wrt: Value, *, expand: bool = False, max_fold: int = 24) -> Analysis:
    """Find, name and fold the part of ``output``'s graph that leads down to ``wrt``.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a")
    >>> b = (a * 3).labelled("b")
    >>> g = analyse((b + a).labelled("c"), a)
    >>> [v.label for v in g.key_order], g.value
    (['a', 'b', 'c'], 4.0)
    """
    order = topological_order(output, needs_grad=wrt.requires_grad)
    relevant, consumers, keys = relevant_and_keys(order, [wrt], [output, wrt], expand=expand)
    relevant_set = set(relevant)
    roots = {output}
    if output in relevant_set and _all_unit(output.op, len(output.parents)) and not expand:
        # A sum of labelled terms at the top (E_total = E_o1 + E_o2): through one term, the term
        # folds away; through several, each term is the numerator of its own share. (If the output
        # also uses other relevant nodes directly, it is written plainly.)
        below = [p for p in dict.fromkeys(output.parents) if p in relevant_set]
        terms = [p for p in below if p in keys and p is not wrt and consumers[p] == [output]]
        if len(terms) == len(below) >= 2:
            roots.update(terms)
        elif len(terms) == len(below) == 1:
            keys.discard(terms[0])

    record = sweep(output, everything=not wrt.requires_grad)
    namer = _Namer(made_up_names(order + [wrt], keys), keys, max_fold)
    key_order = [v for v in relevant if v in keys]
    edges = {c: _fold(c, relevant_set, keys, namer, record, max_fold) for c in key_order if c.op is not None}
    key_consumers: dict[Value, list[Value]] = {v: [] for v in key_order}
    for c in key_order:
        for p in edges.get(c, {}):
            key_consumers[p].append(c)
    return Analysis(output, wrt, order, relevant, keys, roots, namer, edges, key_order, key_consumers, record, max_fold)


def relevant_and_keys(
    order: list[Value], targets: Iterable[Value], always: Iterable[Value], *, expand: bool
) -> tuple[list[Value], dict[Value, list[Value]], set[Value]]:
    """The nodes of ``order`` on a path down to one of ``targets`` (parents first), the relevant
    nodes each of them feeds (each once, in order), and the key nodes among them: ``always``,
    every labelled one, every one that feeds two or more (a person names a shared
    intermediate too) and, with ``expand``, every one.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a"); s = a * a; y = s * s + s   # s feeds s·s and y: a key node
    >>> relevant, consumers, keys = relevant_and_keys([a, s, y.parents[0], y], [a], [y], expand=False)
    >>> len(relevant), keys == {a, s, y}
    (4, True)
    """
    wanted = set(targets)
    relevant_set: set[Value] = set()
    for v in order:
        if v in wanted or any(p in relevant_set for p in v.parents):
            relevant_set.add(v)
    relevant = [v for v in order if v in relevant_set]
    consumers: dict[Value, list[Value]] = {v: [] for v in relevant}
    for v in relevant:
        for p in dict.fromkeys(v.parents):  # each distinct operand once, in slot order
            if p in relevant_set:
                consumers[p].append(v)
    keys = set(always)
    for v in relevant:
        if expand or v.label is not None or len(consumers[v]) >= 2:
            keys.add(v)
    return relevant, consumers, keys


def _fold(
    c: Value, relevant: set[Value], keys: set[Value], namer: _Namer, record: Sweep, max_fold: int,
    split: bool = False,
) -> dict[Value, _Edge]:
    """The factors from key node ``c`` to each key node below it, folding unkeyed nodes.

    Every unkeyed relevant node feeds exactly one relevant node, so the nodes folded into ``c``
    form a tree and each is visited once. A chain is kept as a linked list (formula, hop, rest)
    so a long chain is not copied at every step. A node that uses a key node in several slots
    makes one route of them (``∂y/∂x = x + x``), or with ``split`` one route per slot, as
    backward adds them (the step-by-step trace shows each contribution).
    """
    edges: dict[Value, _Edge] = {}
    # Work items: (node, chain of formulas as a linked list, its length, value of the chain,
    # whether node is a key node that ends the chain). Pushed in reverse so that operands are
    # written in slot order.
    stack: list[tuple[Value, tuple | None, int, float, bool]] = [(c, None, 0, 1.0, False)]
    local = record.local
    while stack:
        r, chain, length, val, ends = stack.pop()
        if ends:
            edge = edges.setdefault(r, _Edge([]))
            edge.routes.append(_chain_formula(chain, length))
            edge.value += val
            edge.values.append(val)
            edge.links.append(chain)
            continue
        slots: dict[Value, list[int]] = {}
        for slot, p in enumerate(r.parents):
            if p in relevant:
                slots.setdefault(p, []).append(slot)
        for p, ss in reversed(slots.items()):
            for group in reversed([[s] for s in ss] if split and p in keys else [ss]):
                factor = 0.0
                for s in group:  # one operand in several slots: its local derivatives add up
                    factor += local[r, s]
                if length < max_fold:
                    parts = [namer.partial(r, s) for s in group]
                    term = parts[0] if len(parts) == 1 else Join("sum", tuple(parts))
                else:
                    term = None
                stack.append((p, (term, (r, tuple(group)), chain), length + 1, val * factor, p in keys))
    return edges


def _chain_formula(link: tuple | None, length: int) -> Expr:
    items: list[Expr] = []
    while link is not None:
        term, _, link = link
        if term is None:
            return Elided("product", length)
        items.append(term)
    items.reverse()
    return _product(items)


def _chain_hops(link: tuple | None) -> tuple[tuple[Value, tuple[int, ...]], ...]:
    hops = []
    while link is not None:
        _, hop, link = link
        hops.append(hop)
    return tuple(reversed(hops))


def _all_unit(op: Op | None, arity: int) -> bool:
    return op is not None and all(op.partial(s).text == "1" for s in range(arity))


# --- the backward derivation ---------------------------------------------------------------


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
    keep their beginning and end; ``paths`` lists at most ``max_paths`` paths (and at most
    ``PATH_NODES`` nodes over all of them), ``path_count`` counts them all.

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
    if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float))):
        raise TypeError(f"explain: lr must be a number (the learning rate), got {type(lr).__name__} {lr!r}")
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"explain: lr (the learning rate) must be a finite number > 0, got {lr!r}")
    with collector_paused():
        return _explain(output, wrt, digits, exact, expand, lang, lr, forward, max_lines, max_paths, max_fold)


def _explain(
    output: Value, wrt: Value, digits: int, exact: bool, expand: bool, lang: str, lr: float | None, forward: bool,
    max_lines: int, max_paths: int, max_fold: int,
) -> Derivation:
    g = analyse(output, wrt, expand=expand, max_fold=max_fold)
    namer = g.namer
    sections: list[Section] = []
    defined: set[str] = set()
    if forward:
        sections.extend(_forward_sections(output, expand=expand, max_lines=max_lines, max_fold=max_fold))
        defined.update(s.lhs.name for section in sections for s in section.steps if isinstance(s.lhs, Sym))
    d = Deriv(namer.sym(output), namer.sym(wrt), g.value)
    steps: list[Step] = []
    if not wrt.requires_grad:
        steps.append(Step("note", None, None, None, note="no_grad", args=(namer.sym(wrt),)))
    if output not in g.keys or (output is not wrt and not g.edges.get(output)):
        steps += [Step("note", None, None, None, note="no_path", args=(namer.sym(output), namer.sym(wrt), d)),
                  Step("result", d, None, 0.0)]
        paths, path_count = [], 0
    else:
        paths, path_count = _paths(g, max_paths)
        steps += _backward_steps(g)
        if path_count > 1:
            steps.append(Step("note", None, None, None, note="paths",
                              args=(path_count, namer.sym(output), namer.sym(wrt))))
    steps = _trim(_define_made_up_names(steps, namer, g.order + [wrt], defined), max_lines)
    sections.append(Section("backward", (d,), tuple(steps)))
    result = Derivation(g.value, sections, paths, path_count, digits=digits, exact=exact, lang=lang)
    _add_update(result, namer.sym(wrt), d, lr)
    return result


def _check_args(*, digits: int, lang: str, **values: object) -> None:
    from .printing import check_lang
    from .value import Value

    for name, v in values.items():
        if not isinstance(v, Value):
            raise TypeError(f"{name} must be a Value (a node of the graph), got {type(v).__name__} {v!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a whole number ≥ 0 (decimals to print), got {digits!r}")
    check_lang(lang)


def _sweep_order(g: Analysis) -> list[Value]:
    """Key nodes from the output down, each after every node it feeds; among the ready ones,
    depth first in operand order (o1's branch is written before o2's, as a person would)."""
    waiting = {v: len(g.key_consumers[v]) for v in g.key_order}
    order: list[Value] = []
    stack = [g.output]
    while stack:
        v = stack.pop()
        order.append(v)
        for p in reversed(list(g.edges.get(v, {}))):
            waiting[p] -= 1
            if waiting[p] == 0:
                stack.append(p)
    return order


PATH_NODES = 100_000
"""Most nodes listed over all of a derivation's ``paths`` (a chain whose every level uses wrt has
as many paths as levels, each as long as the chain: listing them all would be quadratic)."""


def _paths(g: Analysis, max_paths: int) -> tuple[list[Path], int]:
    """Up to ``max_paths`` paths from the output down to wrt through key nodes (and no more than
    ``PATH_NODES`` nodes in all), and how many there are. A path being explored is a linked list
    (node, factor, rest), so a long path is not copied at every step."""
    count = {g.output: 1}
    for c in reversed(g.key_order):
        for p in g.edges.get(c, {}):
            count[p] = count.get(p, 0) + count.get(c, 0)
    paths: list[Path] = []
    listed = 0
    stack: list[tuple[Value, tuple | None]] = [(g.output, None)]
    while stack and len(paths) < max_paths and listed < PATH_NODES:
        node, link = stack.pop()
        if node is g.wrt:
            nodes, factors = [node], []
            while link is not None:
                above, factor, link = link
                nodes.append(above)
                factors.append(factor)
            nodes.reverse()
            factors.reverse()
            product = 1.0
            for f in factors:
                product *= f
            names = tuple(g.namer.sym(v).name for v in nodes)
            paths.append(Path(names, tuple(factors), product))
            listed += len(nodes)
            continue
        for p, edge in reversed(list(g.edges.get(node, {}).items())):
            stack.append((p, (node, edge.value, link)))
    return paths, count.get(g.wrt, 0)


def _backward_steps(g: Analysis) -> list[Step]:
    """The chain rule from the output down to wrt: the shared gradients above the last merge
    point, then the chain below it as one product."""
    output, wrt, sym = g.output, g.wrt, g.namer.sym
    if output is wrt:
        return [Step("result", Deriv(sym(output), sym(wrt), 1.0), Tmpl("1", "1", {}, ATOM), 1.0)]
    # The chain below the last merge point: wrt, its single consumer, ..., up to a node that
    # feeds several nodes (or the output).
    chain = [wrt]
    while len(g.key_consumers[chain[-1]]) == 1 and chain[-1] is not output and chain[-1] not in g.roots:
        chain.append(g.key_consumers[chain[-1]][0])
    top = chain[-1]
    chain.reverse()  # top, ..., wrt
    numerator: dict[Value, Value] = {v: v for v in g.roots}  # whose share each gradient is
    grad: dict[Value, float] = {r: 1.0 for r in g.roots}
    above = _shares_above(g, top, numerator, grad) if top is not output else []
    factors, rule = _chain_below(g, chain, numerator, grad)
    if rule is None:
        return above + factors  # the sweep's last line, or the one factor, is the answer
    # The chain rule is stated first, as a person writes it, and its numbers come at the end.
    result = Deriv(sym(output), sym(wrt), g.value)
    return [
        Step("plan", result, rule, None), *above, *factors, Step("result", result, rule, g.value, show_formula=False)
    ]


def _local_step(g: Analysis, c: Value, n: Value) -> tuple[Deriv, Step]:
    """∂c/∂n between key nodes, as a symbol and as its own line."""
    e = g.edges[c][n]
    d = Deriv(g.namer.sym(c), g.namer.sym(n), e.value)
    return d, Step("local", d, e.formula(g.max_fold), e.value)


def _shares_above(g: Analysis, top: Value, numerator: dict[Value, Value], grad: dict[Value, float]) -> list[Step]:
    """Each key node's gradient above the chain, once, from the nodes it feeds (down to ``top``).

    A node fed by consumers with different numerators (w1's out_h1 under E_o1 and E_o2) gets one
    share per numerator, then their sum."""
    sym = g.namer.sym
    above = [v for v in _sweep_order(g) if v not in g.roots]
    steps: list[Step] = []
    for n in above[: above.index(top) + 1]:
        consumers = g.key_consumers[n]
        groups: dict[Value, list[Value]] = {}
        for c in consumers:
            groups.setdefault(numerator[c], []).append(c)
        numerator[n] = next(iter(groups)) if len(groups) == 1 else g.output
        shares: list[tuple[Deriv, float]] = []
        for num, group in groups.items():
            terms: list[Expr] = []
            total = 0.0
            for c in group:
                d_local, step = _local_step(g, c, n)
                if c not in g.roots:
                    steps.append(step)
                    terms.append(Join("product", (Deriv(sym(num), sym(c), grad[c]), d_local)))
                    total += grad[c] * d_local.value
                elif len(group) == 1:  # ∂E_o1/∂n straight from E_o1's row: that line is the share
                    steps.append(step)
                    terms.append(d_local)
                    total += d_local.value
                else:  # the numerator among several consumers: its symbol would read as the
                    terms.append(step.formula)  # total, so its local formula goes inline
                    total += d_local.value
            share = Deriv(sym(num), sym(n), total)
            if not (len(terms) == 1 and isinstance(terms[0], Deriv)):
                formula = terms[0] if len(terms) == 1 else Join("sum", tuple(terms))
                steps.append(Step("chain" if len(terms) == 1 else "sum", share, formula, total))
            shares.append((share, total))
        if len(shares) > 1:
            value = 0.0
            for _, v in shares:
                value += v
            steps.append(Step("sum", Deriv(sym(numerator[n]), sym(n), value),
                              Join("sum", tuple(s for s, _ in shares)), value))
        else:
            value = shares[0][1]
        grad[n] = value
    return steps


def _chain_below(
    g: Analysis, chain: list[Value], numerator: dict[Value, Value], grad: dict[Value, float]
) -> tuple[list[Step], Expr | None]:
    """The chain from ``top`` (its gradient known) down to wrt: a line per factor, and the
    product of the factors (None when there is only one factor: it is the answer)."""
    sym = g.namer.sym
    top = chain[0]
    steps: list[Step] = []
    factors: list[Deriv] = []
    if top is not g.output:
        factors.append(Deriv(sym(numerator[top]), sym(top), grad[top]))
    for c, n in zip(chain, chain[1:]):
        d, step = _local_step(g, c, n)
        steps.append(step)
        factors.append(d)
    if len(factors) < 2:
        return steps, None
    if len(factors) > g.max_fold:  # a chain a page long: each factor has its own line already
        return steps, Elided("product", len(factors))
    return steps, Join("product", tuple(factors))


def _trim(steps: list[Step], max_lines: int) -> list[Step]:
    if len(steps) <= max_lines:
        return steps
    head = max_lines // 2
    tail = max_lines - head
    omitted = len(steps) - head - tail
    return steps[:head] + [Step("note", None, None, None, note="omitted", args=(omitted,))] + steps[-tail:]


def _add_update(result: Derivation, w: Sym, d: Deriv, lr: float | None) -> None:
    """Append the gradient-descent step w⁺ = w − η·∂E/∂w."""
    if lr is None:
        return
    step, rate = update_line(w, lr, d)
    result.updated = step.value
    result.sections.append(Section("update", (rate,), (step,)))


def update_line(w: Sym, lr: float, d: Deriv) -> tuple[Step, Tmpl]:
    """The gradient-descent step ``w⁺ = w − η·∂E/∂w`` as a line (``w`` and ``d`` carry the value
    and the gradient; the new value is :func:`autograd.graph.gradient_step`'s), and the
    learning rate as a title states it, ``η = lr``.

    >>> from autograd.printing import Notation, render_expr
    >>> step, rate = update_line(Sym("w5", 0.4), 0.5, Deriv(Sym("E", 0.3), Sym("w5", 0.4), 0.25))
    >>> step.value, render_expr(step.formula, Notation("text"))[0], render_expr(rate, Notation("text"))[0]
    (0.275, 'w5 − η·∂E/∂w5', 'η = 0.5')
    """
    eta = Sym("η", float(lr), r"\eta")
    updated = gradient_step(w.value, lr, d.value)
    formula = Tmpl("{w} − {eta}·{d}", r"{w} - {eta} \cdot {d}", {"w": w, "eta": eta, "d": d}, SUM)
    rate = Tmpl("{eta} = {lr}", "{eta} = {lr}", {"eta": eta, "lr": Num(float(lr))}, SUM)
    return Step("update", Sym(w.name + "⁺", updated, None), formula, updated), rate


# --- the forward derivation ---------------------------------------------------------------


def given_order(leaves: Iterable[Value]) -> list[Value]:
    """Labelled leaves as a person lists the given numbers: inputs and other constants, then the
    parameters (leaves that need a gradient), then targets (labels ``target…``); within each,
    grouped by name (w1, w2, … together, in numeric order), groups in order of first use.

    >>> from autograd import Value
    >>> vs = [Value(1, "w2"), Value(1, "i1", False), Value(1, "w1"), Value(1, "target_o1", False)]
    >>> [v.label for v in given_order(vs)]
    ['i1', 'w1', 'w2', 'target_o1']
    """
    leaves = list(leaves)
    stems: dict[str, int] = {}
    for v in leaves:
        stems.setdefault(_stem(v.label), len(stems))

    def rank(v: Value) -> tuple[int, int, int, str]:
        kind = 2 if v.label.startswith("target") else 1 if v.requires_grad else 0
        digits = v.label[len(_stem(v.label)):]
        number = int(digits) if digits.isdigit() else -1
        return kind, stems[_stem(v.label)], number, v.label

    return sorted(leaves, key=rank)


def _stem(label: str) -> str:
    return label.rstrip("0123456789")


def _forward_sections(node: Value, *, expand: bool, max_lines: int, max_fold: int) -> list[Section]:
    order = topological_order(node)
    keys = {node} | ({v for v in order if v.op is not None} if expand else set())
    namer = _Namer(made_up_names(order, keys), keys, max_fold)
    lines = [Step("forward", namer.sym(v), namer.definition(v), v.data)
             for v in order if v.op is not None and namer.is_symbol(v)]
    if node.op is None:
        return [Section("forward", (), (Step("given", namer.sym(node), None, node.data),))]
    # The given values: every labelled leaf a formula uses, once, grouped (inputs, parameters, targets).
    leaves = {v.label: v for v in order if v.op is None and v.label is not None}
    used = dict.fromkeys(name for step in lines for name in _symbols(step.formula) if name in leaves)
    given = [Step("given", Sym(v.label, v.data), None, v.data) for v in given_order(leaves[n] for n in used)]
    last = lines.pop()
    sections = [Section("forward", (), tuple(_trim(given + lines, max_lines)))]
    # "Total error" only for what is one: a sum of error terms (½(t − o)² rows), as E_total is.
    total = _all_unit(node.op, len(node.parents)) and all(p.op is HALF_SQUARED_ERROR for p in node.parents)
    sections.append(Section("total" if total else "output", (namer.sym(node),), (last,)))
    return sections


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
