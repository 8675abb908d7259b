"""The step record of a whole pass (forward, loss, backward edge by edge, update), as data and as JSON.

:func:`trace` lists the steps a person takes to compute a pass by hand, in that order, each with
its formula (an expression tree of :mod:`autograd.expr`, printed by :mod:`autograd.printing`),
its number, and the ids of the nodes and edges it concerns, which are the ids the graph drawing
gives them (:func:`autograd.render.dot_source`): a front end highlights them as the learner steps.
:meth:`Trace.to_json` is the documented, versioned format every front end reads
(``"format": "stepgrad.trace"``, ``"version": 1``); ``autograd/player/SCHEMA.md`` describes every
field.

The steps:

- **forward**: the given values of the labelled leaves, one step per group (inputs and
  constants, parameters, targets); then one step per *key* node, its formula folded over the
  unlabelled nodes between it and the key nodes it uses, exactly as :func:`autograd.explain`
  folds (``net_h1 = w1·i1 + w2·i2 + b1 = 0.15 × 0.05 + 0.2 × 0.1 + 0.35 = 0.3775``).
- **loss**: the output's step, with the key nodes that use a target (``E_o1 = ½(target_o1 −
  out_o1)²``) and whatever is computed from them.
- **backward**: ``∂E/∂E = 1``; then one step per contribution, an edge of the folded graph
  that carries gradient: the local derivative from the op table, then the upstream gradient
  times it; where a node receives several contributions (it feeds several nodes, or one node
  twice, as in ``a + a``), an *accumulate* step adds them; where a Value backward is asked for
  is reached by several paths that met higher up (w1 through o1 and o2), a *gradient* step
  shows each path's product and their sum.
- **update** (with ``lr``): ``w⁺ = w − η·∂E/∂w`` for each parameter.
- **after** (with ``lr``): the forward pass again with the updated parameters (the classic
  example's error drops from 0.298371109 to 0.291027774).

Key nodes are the output, the Values backward is asked for, every labelled node, and every
unlabelled node that backward reaches from two or more nodes (it gets a made-up name, v1, v2,
..., and its own forward step, so the name is defined before it is used); ``expand=True`` makes
every operation a key node. An unlabelled node that feeds only one node folds into that node's
formula, as a person would write it. A graph with few or no labels is folded too, not expanded
(a fully unlabelled ``tanh(w·x + b)`` reads as one forward line and one route per parameter);
``expand=True`` is the way to see every primitive. Past :data:`MAX_NODES` key nodes a trace is
refused, with the way out in the message: a page of thousands of steps teaches nothing.

Nodes are named by their index in :func:`autograd.topological_order` (``"v3"``), operand slots
``"e7.0"`` (operand 0 of ``v7``), as the drawing names its boxes and arrows.

Every number comes from the engine: values are the graph's own, every local derivative,
contribution and gradient is what :func:`autograd.graph.sweep` recorded while running
backward's chain rule on a copy of the graph, updates come from
:func:`autograd.graph.gradient_step`, and the after pass applies the same op rows. So a trace's
gradients equal ``backward()``'s bit for bit (from zeroed gradients), by construction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .derive import _all_unit, _fold, _Namer, given_order, made_up_names, relevant_and_keys, update_line
from .errors import describe
from .expr import Deriv, Elided, Expr, Join, Num, Step, Sym, Tmpl
from .graph import Sweep, collector_paused, sweep, topological_order
from .ops import HALF_SQUARED_ERROR
from .value import Value, apply

if TYPE_CHECKING:
    from .printing import Notation

__all__ = ["trace", "Trace", "TraceNode", "TraceEdge", "TraceStep", "Words", "MAX_NODES", "expr_to_json",
           "expr_from_json", "step_to_json", "step_from_json"]

FORMAT = "stepgrad.trace"
VERSION = 1
MAX_NODES = 2000
"""The most key nodes (nodes with steps of their own) a trace is made for."""
MAX_PATHS = 8  # a gradient reached by more paths is not split into them: the list would not help
MAX_FOLD = 24  # the longest formula folded into one line, as in explain
PHASES = ("forward", "loss", "backward", "update", "after")


# --- the record ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """A sentence of the language tables (:mod:`autograd.printing.lang`): its key and the
    formulas, names or counts that fill it. Printed in each language a trace embeds."""

    key: str
    args: tuple[Expr | str | int, ...] = ()


@dataclass
class TraceNode:
    """One Value of the graph, as the trace and the drawing name it (see the schema)."""

    id: str
    name: str | None
    label: str | None
    op: str | None
    parents: tuple[str, ...]
    role: str
    requires_grad: bool
    key: bool
    data: float
    grad: float | None
    updated: float | None = None
    after: float | None = None


@dataclass
class TraceEdge:
    """One operand slot of an operation: ``source`` (the operand) feeds ``target`` in ``slot``."""

    id: str
    source: str
    target: str
    slot: int
    local: float | None
    formula: Expr


@dataclass
class TraceStep:
    """One step of the pass: what it computes (``node``, ``value``), what it shows (``lines``,
    each a :class:`~autograd.expr.Step`), what to highlight and what it makes known."""

    index: int
    phase: str
    kind: str
    node: str
    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    reveals: dict[str, tuple[str, ...]]
    value: float | None
    lines: tuple[Step, ...]
    title: Words
    note: Words | None = None
    edge: str | None = None  # a contribution's own edge: the slot whose product backward adds


@dataclass
class Trace:
    """Every step of one pass through a graph; see :func:`trace`.

    ``steps`` in order, ``nodes`` (every Value, parents first) and ``edges`` (every operand slot)
    as the drawing numbers them. ``len()`` counts the steps, ``str()`` prints them as text, and
    :meth:`to_json` writes the versioned format front ends read.
    """

    output: str
    wrt: list[str]
    lr: float | None
    langs: list[str]
    digits: int
    expand: bool
    nodes: list[TraceNode]
    edges: list[TraceEdge]
    steps: list[TraceStep] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        counts = {phase: sum(1 for s in self.steps if s.phase == phase) for phase in PHASES}
        parts = ", ".join(f"{phase} {n}" for phase, n in counts.items() if n)
        return f"<Trace of {self._names()[self.output]}: {len(self)} steps ({parts}), {len(self.nodes)} nodes>"

    def _names(self) -> dict[str, str]:
        return {n.id: n.name or n.id for n in self.nodes}

    def __str__(self) -> str:
        """The steps as text, in the first language: each title once, then its lines indented."""
        from .printing import Notation, step_parts

        lang = self.langs[0]
        nota = Notation("text", self.digits, False, lang)
        out: list[str] = []
        heading = None
        for step in self.steps:
            title = _sentence(step.title, lang, nota)
            if title != heading:
                out.append(title)
                heading = title
            out += ["  " + " = ".join(step_parts(line, nota)) for line in step.lines]
            if step.note is not None:
                out.append(f"  ({_sentence(step.note, lang, nota)})")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """The trace as a JSON-ready object (see :meth:`to_json`)."""
        from .printing import Notation, render_expr, step_parts

        lang = self.langs[0]
        formats = {name: Notation(name, self.digits, False, lang) for name in ("text", "latex", "html")}
        words = {code: Notation("text", self.digits, False, code) for code in self.langs}

        def node(n: TraceNode) -> dict[str, Any]:
            return {
                "id": n.id, "name": n.name, "label": n.label, "op": n.op, "parents": list(n.parents),
                "role": n.role, "requires_grad": n.requires_grad, "key": n.key, "data": _number(n.data),
                "grad": _number(n.grad), "updated": _number(n.updated), "after": _number(n.after),
            }

        def edge(e: TraceEdge) -> dict[str, Any]:
            formula = {name: render_expr(e.formula, nota)[0] for name, nota in formats.items()}
            return {"id": e.id, "from": e.source, "to": e.target, "slot": e.slot, "local": _number(e.local),
                    "formula": formula}

        def line(s: Step) -> dict[str, Any]:
            out: dict[str, Any] = {name: " = ".join(step_parts(s, nota)) for name, nota in formats.items()}
            out["expr"] = step_to_json(s)
            return out

        def step(s: TraceStep) -> dict[str, Any]:
            out = {
                "index": s.index, "phase": s.phase, "kind": s.kind, "node": s.node, "nodes": list(s.nodes),
                "edges": list(s.edges), "reveals": {k: list(v) for k, v in s.reveals.items()},
                "value": _number(s.value), "edge": s.edge, "lines": [line(x) for x in s.lines],
                "title": {code: _sentence(s.title, code, nota) for code, nota in words.items()},
            }
            if s.note is not None:
                out["note"] = {code: _sentence(s.note, code, nota) for code, nota in words.items()}
            return out

        return {
            "format": FORMAT, "version": VERSION, "langs": list(self.langs), "digits": self.digits,
            "lr": self.lr, "expand": self.expand, "output": self.output, "wrt": list(self.wrt),
            "nodes": [node(n) for n in self.nodes], "edges": [edge(e) for e in self.edges],
            "steps": [step(s) for s in self.steps],
        }

    def to_json(self, indent: int | None = None) -> str:
        """The trace as JSON text (format ``stepgrad.trace``, version 1; see
        ``autograd/player/SCHEMA.md``). Strict JSON: a number that is not finite is written as
        the string ``"Infinity"``, ``"-Infinity"`` or ``"NaN"``, and every finite number as the
        shortest text that reads back as the same float.

        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> data = json.loads(trace((x * x).labelled("y")).to_json())
        >>> data["format"], data["version"], [n["grad"] for n in data["nodes"]]
        ('stepgrad.trace', 1, [6.0, 1.0])
        """
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, indent=indent)


def _number(x: float | None) -> float | str | None:
    if x is None or math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _sentence(words: Words, lang: str, nota: Notation) -> str:
    from .printing import words_in

    return words_in(words.key, words.args, lang, nota, lambda s: s)


# --- expressions as JSON -------------------------------------------------------------------------


def expr_to_json(e: Expr) -> dict[str, Any]:
    """An expression tree as a JSON-ready object: ``{"type": "sym" | "num" | "deriv" | "tmpl" |
    "join" | "elided", ...}`` with the fields of the matching class of :mod:`autograd.expr`.

    >>> expr_to_json(Deriv(Sym("y", 9.0), Sym("x", 3.0), 6.0))["type"]
    'deriv'
    """
    if isinstance(e, Sym):
        out: dict[str, Any] = {"type": "sym", "name": e.name, "value": _number(e.value)}
        if e.latex is not None:
            out["latex"] = e.latex
        return out
    if isinstance(e, Num):
        return {"type": "num", "value": _number(e.value)}
    if isinstance(e, Deriv):
        return {"type": "deriv", "num": expr_to_json(e.num), "den": expr_to_json(e.den), "value": _number(e.value)}
    if isinstance(e, Tmpl):
        args: Any = (
            [expr_to_json(a) for a in e.args] if e.separator else {k: expr_to_json(a) for k, a in e.args.items()}
        )
        return {"type": "tmpl", "text": e.text, "latex": e.latex, "args": args, "precedence": e.precedence,
                "separator": e.separator}
    if isinstance(e, Join):
        return {"type": "join", "kind": e.kind, "items": [expr_to_json(x) for x in e.items]}
    if isinstance(e, Elided):
        return {"type": "elided", "kind": e.kind, "count": e.count}
    raise TypeError(f"expr_to_json: {e!r} is not an expression of autograd.expr")


def expr_from_json(d: dict[str, Any]) -> Expr:
    """The expression tree :func:`expr_to_json` wrote.

    >>> e = Join("product", (Sym("w5", 0.4), Num(2.0)))
    >>> expr_from_json(json.loads(json.dumps(expr_to_json(e)))) == e
    True
    """
    kind = d.get("type")
    if kind == "sym":
        return Sym(d["name"], _float(d["value"]), d.get("latex"))
    if kind == "num":
        return Num(_float(d["value"]))
    if kind == "deriv":
        return Deriv(expr_from_json(d["num"]), expr_from_json(d["den"]), _float(d["value"]))
    if kind == "tmpl":
        args = d["args"]
        bound = tuple(map(expr_from_json, args)) if d["separator"] else {k: expr_from_json(a) for k, a in args.items()}
        return Tmpl(d["text"], d["latex"], bound, d["precedence"], d["separator"])
    if kind == "join":
        return Join(d["kind"], tuple(expr_from_json(x) for x in d["items"]))
    if kind == "elided":
        return Elided(d["kind"], d["count"])
    raise ValueError(f"expr_from_json: unknown expression type {kind!r}")


def step_to_json(s: Step) -> dict[str, Any]:
    """One line (:class:`~autograd.expr.Step`) as JSON: ``lhs = formula = numbers = value``."""
    return {
        "kind": s.kind,
        "lhs": None if s.lhs is None else expr_to_json(s.lhs),
        "formula": None if s.formula is None else expr_to_json(s.formula),
        "value": _number(s.value),
        "show_formula": s.show_formula,
    }


def step_from_json(d: dict[str, Any]) -> Step:
    """The line :func:`step_to_json` wrote."""
    lhs, formula = d["lhs"], d["formula"]
    return Step(d["kind"], None if lhs is None else expr_from_json(lhs),
                None if formula is None else expr_from_json(formula),
                None if d["value"] is None else _float(d["value"]), d["show_formula"])


def _float(x: float | str) -> float:
    return float(x)  # float("Infinity"), float("NaN") read the strings _number writes


# --- building a trace ----------------------------------------------------------------------------


@dataclass(eq=False)  # each route is one object (kept in a dict by identity)
class _Route:
    """One way backward passes from key node ``top`` down to key node ``bottom``.

    ``hops`` are the operations on the way, ``(node, slots)`` from ``top`` down; the last one
    has a single slot, whose operand is ``bottom`` (each slot into a key node is a contribution
    of its own, as backward adds it). Earlier hops pass through unlabelled nodes that are folded
    away; a hop has two slots where a folded node uses the next one twice.
    """

    top: Value
    bottom: Value
    hops: tuple[tuple[Value, tuple[int, ...]], ...]
    local: float  # ∂top/∂bottom along this route: the recorded local derivatives multiplied
    formula: Expr
    siblings: int  # routes from top to bottom, this one included (a + a: 2)
    use: int  # which of them, from 1


def trace(
    output: Value,
    wrt: Value | Sequence[Value] | None = None,
    *,
    lr: float | None = None,
    lang: str | Sequence[str] = "en",
    digits: int = 9,
    expand: bool = False,
    after: bool | None = None,
) -> Trace:
    """Record every step of one pass through the graph of ``output``, in the order a person
    computes them: forward, the loss, backward edge by edge, and with ``lr`` the update of each
    parameter and the forward pass again (``after``, on by default when ``lr`` is given).

    ``wrt`` (a Value or a list) limits backward to the paths that reach it; None means every
    leaf that needs a gradient. ``lang`` is ``"en"``, ``"zh"`` or a list of both (titles and
    narration are embedded in each); numbers are printed with ``digits`` decimals;
    ``expand=True`` gives every operation its own steps. A graph whose key nodes (the nodes with
    steps of their own) number more than :data:`MAX_NODES` is refused.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = (a * b + a).labelled("c")
    >>> t = trace(c, a)
    >>> [(step.phase, step.kind) for step in t.steps]  # doctest: +NORMALIZE_WHITESPACE
    [('forward', 'given'), ('loss', 'forward'), ('backward', 'gradient'), ('backward', 'contribution'),
     ('backward', 'contribution'), ('backward', 'accumulate')]
    >>> print("\\n".join(str(t).splitlines()[-4:]))
    Backward pass: contributions add up at a
      ∂c/∂a = b + 1
      ∂c/∂a = −3 + 1 = −2
      (a is used 2 times: its gradient is the sum of the contributions (backward's +=))
    >>> c.backward(); t.steps[-1].value == a.grad
    True
    """
    with collector_paused():
        return _Builder(output, wrt, lr=lr, lang=lang, digits=digits, expand=expand, after=after).build()


class _Builder:
    """The analysis of one graph and the steps made from it; one method per phase."""

    def __init__(self, output, wrt, *, lr, lang, digits, expand, after) -> None:
        if not isinstance(output, Value):
            raise TypeError(f"trace: expected the Value to trace from, got {type(output).__name__} {output!r}")
        if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
            raise ValueError(f"trace: digits must be a whole number ≥ 0 (decimals to print), got {digits!r}")
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float))):
            raise TypeError(f"trace: lr must be a number (the learning rate), got {type(lr).__name__} {lr!r}")
        self.langs = [lang] if isinstance(lang, str) else list(dict.fromkeys(lang))
        if not self.langs:
            raise ValueError("trace: lang must name at least one language ('en', 'zh')")
        from .printing import check_lang

        for code in self.langs:
            check_lang(code)
        self.output = output
        self.lr = None if lr is None else float(lr)
        self.digits = digits
        self.expand = bool(expand)
        self.after = self.lr is not None if after is None else bool(after)
        self.order = topological_order(output)
        self.index = {v: i for i, v in enumerate(self.order)}
        self.targets = self._targets(wrt)
        self.record: Sweep = sweep(output, everything=any(not t.requires_grad for t in self.targets))
        self.contribution = {(node, slot): upstream * local for node, slot, upstream, local in self.record.edges}
        self._analyse()
        self.steps: list[TraceStep] = []
        self.revealed: dict[str, set[Value]] = {"data": set(), "grad": set(), "updated": set(), "after": set()}
        self.updated: dict[Value, float] = {}
        self.after_values: dict[Value, float] = {}
        self.edge_index: dict[_Route, int] = {}  # a route -> the index of its step

    # --- the graph ---------------------------------------------------------------------------

    def _targets(self, wrt) -> list[Value]:
        if wrt is None:
            return [v for v in self.order if v.op is None and v.requires_grad]
        single = isinstance(wrt, (Value, str)) or not isinstance(wrt, Iterable)
        wanted = [wrt] if single else list(wrt)
        for k, w in enumerate(wanted):
            where = "wrt" if single else f"wrt[{k}]"
            if not isinstance(w, Value):
                raise TypeError(f"trace: {where} must be a Value of the graph, got {type(w).__name__} {w!r}")
            if w not in self.index:
                raise ValueError(f"trace: {where} = {describe(w)} is not part of the graph of {describe(self.output)}")
        return list(dict.fromkeys(wanted))

    def _analyse(self) -> None:
        """Which nodes backward walks for the targets, which are key, how they are named, and
        the routes between key nodes: :func:`autograd.explain`'s analysis, for several targets."""
        output, targets = self.output, self.targets
        relevant, _, keys = relevant_and_keys(self.order, targets, [output, *targets], expand=self.expand)
        # The forward pass shows every labelled node (and, expanded, every operation), not only
        # those on the way back to the targets.
        keys.update(v for v in self.order if v.label is not None or (self.expand and v.op is not None))
        if len(keys) > MAX_NODES:
            if self.expand:
                way_out = "pass expand=False to fold unlabelled nodes into labelled ones, or use nn.player (a network)"
            else:
                way_out = "trace a smaller part of the graph (any interior Value can be the output)"
            raise ValueError(
                f"trace: {len(keys):,} nodes of the graph of {describe(output)} would have steps of their own, "
                f"more than the bound of {MAX_NODES:,}; {way_out}"
            )
        self.relevant = set(relevant)
        self.keys = keys
        self.namer = _Namer(made_up_names(self.order, keys), keys, MAX_FOLD)
        self.routes: dict[Value, list[_Route]] = {}
        for c in relevant:
            if c in keys and c.op is not None:
                folded = _fold(c, self.relevant, keys, self.namer, self.record, MAX_FOLD, split=True)
                self.routes[c] = [
                    _Route(c, p, hops, value, formula, len(edge.routes), use)
                    for p, edge in folded.items()
                    for use, (formula, value, hops) in enumerate(zip(edge.routes, edge.values, edge.hops), 1)
                ]

    # --- ids, names, roles -------------------------------------------------------------------

    def vid(self, v: Value) -> str:
        return f"v{self.index[v]}"

    def eid(self, v: Value, slot: int) -> str:
        return f"e{self.index[v]}.{slot}"

    def sym(self, v: Value) -> Sym:
        return self.namer.sym(v)

    def name(self, v: Value) -> str | None:
        return self.namer.sym(v).name if self.namer.is_symbol(v) else None

    def role(self, v: Value) -> str:
        if v is self.output:
            return "output"
        return "node" if v.op is not None else _leaf_role(v)

    # --- steps ---------------------------------------------------------------------------------

    def add(self, phase: str, kind: str, node: Value, lines: list[Step], title: Words, *,
            nodes: Sequence[Value] = (), edges: Sequence[str] = (), value: float | None = None,
            note: Words | None = None, edge: str | None = None, **reveals: Sequence[Value]) -> None:
        shown: dict[str, tuple[str, ...]] = {}
        for what in ("data", "grad", "updated", "after"):
            fresh = [v for v in dict.fromkeys(reveals.get(what, ())) if v not in self.revealed[what]]
            self.revealed[what].update(fresh)
            shown[what] = tuple(self.vid(v) for v in fresh)
        self.steps.append(TraceStep(
            len(self.steps), phase, kind, self.vid(node),
            tuple(self.vid(v) for v in dict.fromkeys([node, *nodes])), tuple(dict.fromkeys(edges)),
            shown, value, tuple(lines), title, note, edge,
        ))

    def build(self) -> Trace:
        self.forward_phase()
        self.backward_phase()
        if self.lr is not None:
            self.update_phase()
            if self.after and self.updated:
                self.after_phase()
        return Trace(self.vid(self.output), [self.vid(t) for t in self.targets], self.lr, self.langs,
                     self.digits, self.expand, self.trace_nodes(), self.trace_edges(), self.steps)

    def region(self, k: Value) -> tuple[list[Value], list[str]]:
        """The nodes a forward step of key node ``k`` uses and computes (the unlabelled nodes
        folded into its formula, down to key nodes and leaves), and the edges between them."""
        nodes: list[Value] = []
        edges: list[str] = []
        seen = {k}
        stack = [k]
        while stack:
            v = stack.pop()
            below = []
            for slot, p in enumerate(v.parents):
                edges.append(self.eid(v, slot))
                if p not in seen:
                    seen.add(p)
                    nodes.append(p)
                    if p.op is not None and p not in self.keys:
                        below.append(p)
            stack.extend(reversed(below))
        return nodes, edges

    def forward_phase(self) -> None:
        groups: dict[str, list[Value]] = {"input": [], "parameter": [], "target": []}
        leaves = [v for v in self.order if v.op is None and v in self.keys]
        for v in given_order([v for v in leaves if v.label is not None]) + [v for v in leaves if v.label is None]:
            role = _leaf_role(v)
            groups["input" if role == "constant" else role].append(v)
        for role, group in groups.items():
            if group:
                lines = [Step("given", self.sym(v), None, v.data) for v in group]
                self.add("forward", "given", group[0], lines, Words(f"trace_given_{role}"), nodes=group, data=group)
        self.regions = {k: self.region(k) for k in self.order if k.op is not None and k in self.keys}
        # The loss: the output, the key nodes that use a target, and whatever is computed from them.
        self.loss: set[Value] = set()
        for k, (used, _) in self.regions.items():
            if k is self.output or any(v in self.loss or (v.op is None and _leaf_role(v) == "target") for v in used):
                self.loss.add(k)
        self.forward_steps("forward", self.namer, {v: v for v in self.order})

    def forward_steps(self, phase: str, namer: _Namer, copy: dict[Value, Value]) -> None:
        """A step per key operation, the loss last: the forward pass, or the after pass (``copy``
        is then the graph recomputed with the updated parameters, and ``namer`` names it)."""
        output = self.output
        total = _all_unit(output.op, len(output.parents)) and all(p.op is HALF_SQUARED_ERROR for p in output.parents)
        for in_loss in (False, True):
            for k, (used, edges) in self.regions.items():
                if (k in self.loss) != in_loss:
                    continue
                c = copy[k]
                line = Step("forward", namer.sym(c), namer.definition(c), c.data)
                computed = [k, *(v for v in used if v not in self.keys)]  # with folded nodes, unnamed constants
                if phase == "after":
                    title = Words("trace_after_loss", (namer.sym(c),)) if in_loss else Words("trace_after")
                    computed += [v for v in used if v in self.updated]
                    self.add("after", "forward", k, [line], title, nodes=used, edges=edges, value=c.data,
                             after=computed)
                    continue
                if k is output:  # "Total error" only for what is one: a sum of ½(t − o)² terms, as E_total is
                    title = Words("total" if total else "output", (namer.sym(c),))
                else:
                    title = Words("trace_loss", (namer.sym(c),)) if in_loss else Words("forward")
                self.add("loss" if in_loss else "forward", "forward", k, [line], title, nodes=used, edges=edges,
                         value=c.data, data=computed)

    def backward_phase(self) -> None:
        output, grad = self.output, self.record.grad
        if output not in self.relevant:
            self.add("backward", "note", output, [], Words("trace_no_grad", (self.sym(output),)))
            return
        E = self.sym(output)
        seed = Deriv(E, E, grad[output])
        self.add("backward", "gradient", output, [Step("result", seed, None, grad[output])],
                 Words("trace_seed", (E,)), value=grad[output], note=Words("trace_seed_note", (seed,)), grad=[output])
        incoming: dict[Value, list[_Route]] = {}
        for routes in self.routes.values():
            for route in routes:
                incoming.setdefault(route.bottom, []).append(route)
        self.incoming = incoming
        paths = self.path_counts()
        # Key nodes from the output down, each once every node it feeds is done; among the
        # ready ones depth first in operand order (o1's branch before o2's, as a person writes).
        waiting = {v: len({r.top for r in rs}) for v, rs in incoming.items()}
        stack = [output]
        while stack:
            c = stack.pop()
            into = incoming.get(c, [])
            if len(into) >= 2:
                self.accumulate(c, into)
            if c in self.targets and c is not output and paths[c] > len(into):
                self.paths_step(c, paths[c])
            routes = self.routes.get(c, [])
            for route in routes:
                self.edge_step(route, len(incoming[route.bottom]))
            ready = []
            for p in dict.fromkeys(route.bottom for route in routes):  # c is one consumer of each
                waiting[p] -= 1
                if waiting[p] == 0:
                    ready.append(p)
            stack.extend(reversed(ready))

    def factor(self, route: _Route) -> Expr:
        """The route's local derivative as a factor of the chain rule: ∂top/∂bottom, or its
        formula where that symbol would mean more than this route: ``top`` reaches ``bottom`` by
        several routes, or ``top`` is the output and ∂output/∂bottom is the sum of several."""
        if route.siblings == 1 and not (route.top is self.output and len(self.incoming[route.bottom]) > 1):
            return Deriv(self.sym(route.top), self.sym(route.bottom), route.local)
        return route.formula

    def share(self, route: _Route) -> Expr:
        """A contribution as the chain rule writes it: ∂E/∂top · ∂top/∂bottom."""
        if route.top is self.output:
            return self.factor(route)
        upstream = Deriv(self.sym(self.output), self.sym(route.top), self.record.grad[route.top])
        return Join("product", (upstream, self.factor(route)))

    def edge_step(self, route: _Route, parts: int) -> None:
        top, bottom, grad = route.top, route.bottom, self.record.grad
        E = self.sym(self.output)
        last, (slot,) = route.hops[-1]
        edges = [self.eid(node, s) for node, slots in route.hops for s in slots]
        folded = [node for node, _ in route.hops[1:]]
        local = Step("local", Deriv(self.sym(top), self.sym(bottom), route.local), route.formula, route.local)
        lines = [local]
        if parts == 1:
            value = grad[bottom]
            if top is not self.output:
                lines.append(Step("chain", Deriv(E, self.sym(bottom), value), self.share(route), value))
            note = None
            done = [*folded, bottom]
        else:
            value = self.contribution[last, slot]
            if top is not self.output:
                lines.append(Step("chain", self.share(route), self.share(route), value))
            total = Deriv(E, self.sym(bottom), grad[bottom])
            if route.siblings > 1:  # the symbol ∂top/∂bottom is the sum of the uses: say which one this is
                note = Words("trace_use", (self.sym(top), self.sym(bottom), route.siblings, route.use, total))
            else:
                note = Words("trace_part", (total, parts))
            done = folded
        self.edge_index[route] = len(self.steps)
        self.add("backward", "contribution", bottom, lines, Words("trace_edge", (self.sym(top), self.sym(bottom))),
                 nodes=[top, *folded], edges=edges, value=value, note=note, edge=self.eid(last, slot), grad=done)

    def accumulate(self, node: Value, into: list[_Route]) -> None:
        E, grad = self.sym(self.output), self.record.grad[node]
        total = Deriv(E, self.sym(node), grad)
        shares = Join("sum", tuple(self.share(r) for r in into))
        numbers = Join("sum", tuple(Num(self.contribution[r.hops[-1][0], r.hops[-1][1][0]]) for r in into))
        lines = [Step("plan", total, shares, None), Step("sum", total, numbers, grad)]
        tops = [r.top for r in into]
        edges = [self.eid(r.hops[-1][0], r.hops[-1][1][0]) for r in into]
        note = Words("trace_accumulate_note", (self.sym(node), len(into)))
        self.add("backward", "accumulate", node, lines, Words("trace_accumulate", (self.sym(node),)), nodes=tops,
                 edges=edges, value=grad, note=note, grad=[node])

    def path_counts(self) -> dict[Value, int]:
        """How many routes-paths lead from the output down to each key node."""
        count = {self.output: 1}
        for v in reversed(self.order):
            for route in self.routes.get(v, []):
                count[route.bottom] = count.get(route.bottom, 0) + count.get(v, 0)
        return count

    def paths_step(self, target: Value, count: int) -> None:
        """∂E/∂target as the sum over the paths that lead to it, each a product of factors."""
        E, grad = self.sym(self.output), self.record.grad[target]
        total = Deriv(E, self.sym(target), grad)
        lines: list[Step] = []
        nodes: list[Value] = []
        edges: list[str] = []
        if count <= MAX_PATHS:
            values: list[Num] = []
            # Depth first from the target up to the output (each path is then read top down).
            stack: list[tuple[Value, tuple | None]] = [(target, None)]
            found: list[list[_Route]] = []
            while stack:
                v, link = stack.pop()
                if v is self.output:
                    path = []
                    while link is not None:
                        route, link = link
                        path.append(route)
                    found.append(path)
                    continue
                for route in reversed(self.incoming.get(v, [])):
                    stack.append((route.top, (route, link)))
            found.sort(key=lambda path: [self.edge_index[r] for r in path])  # in the order of the steps
            for path in found:
                product = path[0].local
                for route in path[1:]:
                    product *= route.local
                factors = [self.factor(r) for r in path]
                formula = factors[0] if len(factors) == 1 else (
                    Elided("product", len(factors)) if len(factors) > MAX_FOLD else Join("product", tuple(factors)))
                lines.append(Step("chain", formula, formula, product))
                values.append(Num(product))
                for route in path:
                    nodes += [route.top, *(node for node, _ in route.hops[1:])]
                    edges += [self.eid(node, s) for node, slots in route.hops for s in slots]
            lines.append(Step("sum", total, Join("sum", tuple(values)), grad))
        else:
            lines.append(Step("result", total, None, grad))
        note = Words("paths", (count, E, self.sym(target)))
        self.add("backward", "gradient", target, lines, Words("trace_paths", (self.sym(target),)), nodes=nodes,
                 edges=edges, value=grad, note=note)

    def update_phase(self) -> None:
        E = self.sym(self.output)
        for w in self.parameters():
            line, rate = update_line(self.sym(w), self.lr, Deriv(E, self.sym(w), self.record.grad[w]))
            self.updated[w] = line.value
            self.add("update", "update", w, [line], Words("trace_update", (rate,)), value=line.value, updated=[w])

    def parameters(self) -> list[Value]:
        """The targets an update moves (leaves that need a gradient), as the given values list them."""
        params = [t for t in self.targets if t.op is None and t.requires_grad]
        named = given_order([w for w in params if w.label is not None])
        return named + [w for w in params if w.label is None]

    def after_phase(self) -> None:
        """The forward pass again, on a copy of the graph whose parameters have their new values."""
        copy: dict[Value, Value] = {}
        try:
            for v in self.order:
                if v.op is None:
                    copy[v] = Value(self.updated.get(v, v.data), v.label, v.requires_grad)
                else:
                    copy[v] = apply(v.op, *(copy[p] for p in v.parents), label=v.label)
        except (ArithmeticError, ValueError) as exc:
            self.add("after", "note", self.output, [], Words("trace_after_failed", (str(exc),)))
            return
        self.after_values = {v: c.data for v, c in copy.items()}
        keys = {copy[v] for v in self.keys}
        self.forward_steps("after", _Namer(made_up_names([copy[v] for v in self.order], keys), keys, MAX_FOLD), copy)

    # --- nodes and edges -------------------------------------------------------------------

    def trace_nodes(self) -> list[TraceNode]:
        grads = self.record.grad
        return [
            TraceNode(
                self.vid(v), self.name(v), v.label, None if v.op is None else v.op.name,
                tuple(self.vid(p) for p in v.parents), self.role(v), v.requires_grad, v in self.keys, v.data,
                grads.get(v), self.updated.get(v), self.after_values.get(v),
            )
            for v in self.order
        ]

    def trace_edges(self) -> list[TraceEdge]:
        local = self.record.local
        # An edge's formula names its operands as the drawing does (a name, or else a number),
        # without the folded formulas of the cards: it labels one arrow.
        short = _Namer(self.namer.names, self.keys, 1)
        return [
            TraceEdge(self.eid(v, slot), self.vid(p), self.vid(v), slot, local.get((v, slot)), short.partial(v, slot))
            for v in self.order if v.op is not None
            for slot, p in enumerate(v.parents)
        ]


def _leaf_role(v: Value) -> str:
    if v.requires_grad:
        return "parameter"
    if v.label is None:
        return "constant"
    return "target" if v.label.startswith("target") else "input"
