"""The step-through player: every forward, backward and update step of a pass, as one offline page.

:func:`player` records a pass with :func:`autograd.trace` and pairs it with the picture of the
graph (:func:`autograd.render.dot_source`, whose element ids are the trace's node and edge ids).
:meth:`Player.save` writes one self-contained HTML file: the trace as JSON, the page's own script
and style (``autograd/player/``), KaTeX for the maths and, where Graphviz's ``dot`` is on PATH,
the picture already laid out as SVG; where it is not, Graphviz compiled to WebAssembly
(``autograd/player/vendor/``) lays the DOT out in the browser. Nothing is fetched from a network.
In Jupyter a Player shows itself in an iframe, with the SVG and the text as fallbacks.

With ``quiz=True`` the page is a quiz (:func:`quiz_data`): the numbers of an exercise's
questions (:func:`autograd.exercise`) stay hidden, on the card and on the picture, until the
learner types them in; ``autograd/player/checker.js`` gives the verdicts of
:meth:`Exercise.check <autograd.exercise.Exercise.check>` in the browser.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import escape
from .errors import describe
from .graph import topological_order
from .value import Value

if TYPE_CHECKING:
    from .exercise import Exercise

__all__ = ["Player", "View", "player", "MAX_NODES", "graph_view", "recorded_grads", "quiz_of", "quiz_data"]

MAX_NODES = 2000
"""The largest graph (in Values) a page is made for: past it the picture cannot be followed."""

ASSETS = Path(__file__).with_name("player")
LANGS = ("en", "zh")
CHECKER_OPS = frozenset({
    "add", "add_n", "sub", "mul", "div", "pow", "neg", "exp", "log", "tanh", "sigmoid", "relu", "half_squared_error",
    "threshold",
})
"""The op rows ``player/checker.js`` mirrors (forward and local derivatives); a browser test
checks each against the op table at sample points. A quiz is refused on a graph with others."""


@dataclass
class View:
    """One picture of the page: its DOT text and how its elements show the trace.

    ``slots`` name the text elements that show a number: ``element`` (an id in the DOT), the
    ``prefix`` its text starts with (the number follows it), ``field`` (``data``, ``grad``,
    ``updated``, ``local``, or ``data+updated``: the value, then ``→`` what the update or the
    forward pass after it makes of it) and the trace ``node`` or ``edge`` it shows.
    ``map`` sends an element id to the trace nodes it stands for (highlighting and clicks); an
    element whose id is a trace edge's id is lit with that edge.
    """

    kind: str  # "graph" (the computation graph) or "network" (nn's neuron-level diagram)
    dot: str
    slots: list[dict[str, str]] = field(default_factory=list)
    map: dict[str, list[str]] = field(default_factory=dict)


class Player:
    """A recorded pass and its pictures; :meth:`save` writes the page, Jupyter displays it.

    ``trace`` is the JSON object of :meth:`autograd.trace.Trace.to_json` (format
    ``stepgrad.trace``, version 1); ``views`` are the pictures, the first shown first; ``quiz``
    the page's questions (:func:`quiz_data`), or None for a page that shows every number.
    """

    def __init__(
        self, trace: dict[str, Any], views: Sequence[View], *, title: str = "stepgrad",
        quiz: dict[str, Any] | None = None,
    ) -> None:
        if trace.get("format") != "stepgrad.trace" or trace.get("version") != 1:
            raise ValueError(
                f"Player: expected a trace of format 'stepgrad.trace' version 1, got "
                f"format={trace.get('format')!r} version={trace.get('version')!r}"
            )
        if not trace.get("steps"):
            raise ValueError("Player: the trace has no steps to play")
        self.trace = trace
        self.views = list(views)
        self.title = title
        self.quiz = quiz
        self._svgs: list[str | None] | None = None

    @property
    def count(self) -> int:
        """How many steps the page plays."""
        return len(self.trace["steps"])

    def __repr__(self) -> str:
        asked = f", {len(self.questions)} questions" if self.quiz else ""
        return f"<Player {self.title!r}: {self.count} steps, {len(self.trace['nodes'])} nodes{asked}>"

    @property
    def questions(self) -> list[dict[str, Any]]:
        """The quiz's questions in the order the page asks them (each with the step ``at`` which
        it is asked), or ``[]`` for a page that is no quiz."""
        if not self.quiz:
            return []
        return sorted((q for q in self.quiz["questions"] if q["at"] is not None), key=lambda q: (q["at"], q["line"]))

    def __str__(self) -> str:
        """The derivation as plain text: each step's lines under its title, in order."""
        lang = self.trace["langs"][0]
        out: list[str] = []
        heading = None
        for step in self.trace["steps"]:
            title = (step.get("title") or {}).get(lang, "")
            if title != heading:
                out.append(title)
                heading = title
            out += [f"  {line['text']}" for line in step["lines"]]
        return "\n".join(out)

    def svgs(self) -> list[str | None]:
        """Each view laid out by Graphviz's ``dot`` as SVG, or None where ``dot`` is not on PATH."""
        if self._svgs is None:
            self._svgs = [_dot_to_svg(view.dot) for view in self.views]
        return self._svgs

    def to_html(self) -> str:
        """The whole page as one string (see :meth:`save`)."""
        svgs = self.svgs()
        views = [
            {"kind": v.kind, "dot": None if svg else v.dot, "svg": svg, "slots": v.slots, "map": v.map}
            for v, svg in zip(self.views, svgs)
        ]
        parts = {
            "title": escape.html(self.title),
            "katex_css": _katex_css(),
            "player_css": _asset("player.css"),
            "trace_json": _script_json(self.trace),
            "views_json": _script_json(views),
            "quiz_json": "" if not self.quiz else (
                f'<script type="application/json" id="stepgrad-quiz">{_script_json(self.quiz)}</script>'
            ),
            "katex_js": _asset("vendor/katex/katex.min.js"),
            "graphviz_js": _graphviz_js() if None in svgs else "",
            "player_js": (_asset("checker.js") + "\n" if self.quiz else "") + _asset("player.js"),
        }
        # One pass over the template: text inside the parts is never read as a placeholder.
        return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("page.html"))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path``: one HTML file that opens from disk, with no network.

        >>> import tempfile, pathlib
        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> with tempfile.TemporaryDirectory() as d:
        ...     page = player((x * x).labelled("y")).save(pathlib.Path(d) / "steps.html")
        ...     page.read_text(encoding="utf-8").startswith("<!doctype html>")
        True
        """
        path = Path(path)
        text = self.to_html()
        path.write_text(text, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # An iframe with srcdoc: the page's scripts run in classic Notebook, Lab and VS Code alike.
        return (
            # the page itself, verbatim (not autograd.escape.html, which rewrites control characters)
            f'<iframe srcdoc="{html.escape(self.to_html(), quote=True)}" title="{escape.html(self.title)}" '
            'style="width:100%;height:660px;border:1px solid #d2d2d7;border-radius:8px" '
            'sandbox="allow-scripts"></iframe>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        # Where scripts do not run (a notebook viewed on a code host), the SVG and the text remain;
        # a quiz leaves only its questions there (the picture and the text would give the answers).
        if self.quiz:
            lines = [f"{q['prompt']['text']} = ?  ({q['kinds'][self.trace['langs'][0]]})" for q in self.questions]
            return {"text/plain": "\n".join(lines), "text/html": self._repr_html_()}
        bundle = {"text/plain": str(self), "text/html": self._repr_html_()}
        svg = self.svgs()[0]
        if svg is not None:
            bundle["image/svg+xml"] = svg
        return bundle


def graph_view(trace: dict[str, Any], dot: str) -> View:
    """The computation graph's view: its element ids are the trace's own (see ``dot_source``).

    >>> from autograd import Value
    >>> from autograd.render import dot_source
    >>> from autograd.trace import trace
    >>> x = Value(3.0, label="x")
    >>> y = (x * x).labelled("y")
    >>> view = graph_view(json.loads(trace(y).to_json()), dot_source(y))
    >>> view.map
    {'v0': ['v0'], 'v1': ['v1'], 'op1': ['v1']}
    >>> [(s["element"], s["field"]) for s in view.slots]  # doctest: +NORMALIZE_WHITESPACE
    [('v0', 'data+updated'), ('v0', 'grad'), ('v1', 'data+updated'), ('v1', 'grad'),
     ('e1.0', 'local'), ('e1.1', 'local')]
    """
    slots: list[dict[str, str]] = []
    mapping: dict[str, list[str]] = {}
    for node in trace["nodes"]:
        nid = node["id"]
        slots.append({"element": nid, "prefix": "data ", "field": "data+updated", "node": nid})
        if node["requires_grad"]:
            slots.append({"element": nid, "prefix": "grad ", "field": "grad", "node": nid})
        mapping[nid] = [nid]
        if node["op"] is not None:
            mapping["op" + nid[1:]] = [nid]
    slots += [{"element": e["id"], "prefix": "", "field": "local", "edge": e["id"]} for e in trace["edges"]]
    return View("graph", dot, slots, mapping)


def check_size(output: Value, *, where: str) -> int:
    """The number of Values ``output`` depends on; refuses (ValueError) past :data:`MAX_NODES`.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> check_size(x * x + x, where="player")
    3
    """
    if not isinstance(output, Value):
        raise TypeError(f"{where}: expected the Value to play, got {type(output).__name__} {output!r}")
    n = len(topological_order(output))
    if n > MAX_NODES:
        raise ValueError(
            f"{where}: the graph of {describe(output)} has {n:,} Values, more than the player's bound of "
            f"{MAX_NODES:,}; play a network with nn.player (its picture folds each neuron into one circle) "
            "or play a smaller part of the graph (any interior Value can be the output)"
        )
    return n


def langs_of(lang: str | Sequence[str], *, where: str) -> list[str]:
    """``lang`` as the list of languages to embed: ``"en"``, ``"zh"``, or both (the first is shown first).

    >>> langs_of("zh", where="player"), langs_of(("en", "zh"), where="player")
    (['zh'], ['en', 'zh'])
    """
    wanted = [lang] if isinstance(lang, str) else list(lang)
    if not wanted or any(code not in LANGS for code in wanted) or len(set(wanted)) != len(wanted):
        raise ValueError(f"{where}: lang must be 'en', 'zh' or both as ('en', 'zh') or ('zh', 'en'), got {lang!r}")
    return wanted


def record(output: Value, wrt: Value | Sequence[Value] | None, lr: float | None, langs: list[str]) -> dict[str, Any]:
    """The trace of one pass as its JSON object (both languages' words when ``langs`` has two).

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> [s["phase"] for s in record((x * x).labelled("y"), None, 0.1, ["en", "zh"])["steps"]][:3]
    ['forward', 'loss', 'backward']
    """
    from .trace import trace

    data = trace(output, wrt, lr=lr, lang=langs if len(langs) > 1 else langs[0]).to_json()
    return json.loads(data) if isinstance(data, str) else data


def player(
    output: Value,
    wrt: Value | Sequence[Value] | None = None,
    *,
    lr: float | None = None,
    lang: str | Sequence[str] = "en",
    quiz: bool | str | Sequence[str] | Exercise = False,
) -> Player:
    """The step-through player of one pass through the graph of ``output``.

    Forward (one step per key node), the error, backward (each edge's local derivative times the
    upstream gradient, and the sums where paths meet) and, with a learning rate ``lr``, one
    update per parameter. ``wrt`` limits backward to the paths reaching it (one Value or a list;
    None: every Value that needs a gradient). ``lang`` is ``"en"``, ``"zh"`` or ``("en", "zh")``
    for a page that switches between them. A graph of more than :data:`MAX_NODES` Values is
    refused. ``save(path)`` writes the page; in Jupyter the player displays itself.

    ``quiz=True`` makes the page a quiz on every quantity the pass computes (``quiz`` may also be
    what to ask, as :func:`autograd.exercise`'s ``ask``, or an exercise on this graph): see
    :func:`quiz_of`.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> p = player((a * b + a).labelled("c"))
    >>> p.count > 0 and "c" in str(p)
    True
    >>> [q["name"] for q in player((a * b + a).labelled("c"), quiz=True).questions]
    ['c', 'dc/db', 'dc/da']
    """
    from .render import dot_source

    check_size(output, where="player")
    langs = langs_of(lang, where="player")
    ex = quiz_of(quiz, output, lr, where="player")
    lr = lr if ex is None else ex.lr
    trace = record(output, wrt, lr, langs)
    dot = dot_source(output, max_nodes=MAX_NODES, grads=recorded_grads(output, trace))
    return Player(trace, [graph_view(trace, dot)], title=_title(trace, ex), quiz=quiz_data(ex, trace))


def recorded_grads(output: Value, trace: dict[str, Any]) -> dict[Value, float]:
    """The trace's gradient of each Value (by the shared topological index), to size the boxes.

    The page shows the trace's numbers; drawing them at export makes Graphviz lay each box out
    wide enough for them (a recorded pass leaves ``.grad`` as it was, often 0).

    >>> from autograd import Value
    >>> from autograd.trace import trace
    >>> x = Value(3.0, label="x")
    >>> y = (x * x).labelled("y")
    >>> [(v.label, g) for v, g in recorded_grads(y, json.loads(trace(y).to_json())).items()], x.grad
    ([('x', 6.0), ('y', 1.0)], 0.0)
    """
    grads = {}
    for v, node in zip(topological_order(output), trace["nodes"]):
        if isinstance(node.get("grad"), float):
            grads[v] = node["grad"]
    return grads


def _title(trace: dict[str, Any], ex: Exercise | None = None) -> str:
    names = {n["id"]: n["name"] or n["id"] for n in trace["nodes"]}
    return f"stepgrad · {'quiz · ' if ex is not None else ''}{names[trace['output']]}"


# --- the quiz ------------------------------------------------------------------------------------


def quiz_of(
    quiz: bool | str | Sequence[str] | Exercise | None, output: Value, lr: float | None, *, where: str
) -> Exercise | None:
    """The exercise a page asks: None for ``quiz=False``; for ``True`` every quantity of the pass
    (``ask="all"``); a phase, a name or a list of them as :func:`autograd.exercise`'s ``ask``;
    or an exercise made on this very graph (its learning rate is the page's).

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = (x * x).labelled("y")
    >>> [q.name for q in quiz_of("backward", y, None, where="player").questions]
    ['dy/dx']
    >>> quiz_of(True, x * 2, None, where="player")
    Traceback (most recent call last):
    ...
    ValueError: player: exercise: the output needs a label (e.g. .labelled('E_total')): questions name it
    """
    from .exercise import Exercise, exercise

    if quiz is False or quiz is None:
        return None
    if isinstance(quiz, Exercise):
        if quiz.output is not output:
            raise ValueError(f"{where}: quiz= is an exercise on another graph (its output is {describe(quiz.output)}, "
                             f"the page's {describe(output)}); make the exercise from the Value the page plays")
        if lr is not None and quiz.lr != lr:
            raise ValueError(f"{where}: lr={lr!r} but the exercise's learning rate is {quiz.lr!r}; give one of them")
        ex = quiz
    else:
        try:
            ex = exercise(output, "all" if quiz is True else quiz, lr=lr)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    others = sorted({v.op.name for v in topological_order(output) if v.op is not None} - CHECKER_OPS)
    if others:
        raise ValueError(f"{where}: the quiz cannot check a graph with the op {others[0]!r} (the page's checker, "
                         f"autograd/player/checker.js, mirrors {', '.join(sorted(CHECKER_OPS))})")
    return ex


def quiz_data(ex: Exercise | None, trace: dict[str, Any]) -> dict[str, Any] | None:
    """What the quiz page needs: the exercise's :meth:`~autograd.exercise.Exercise.checker_data`,
    and where each question is asked in the trace.

    Each question gets ``at``, the step that reveals its number (the trace's ``reveals`` of its
    node; for a local derivative, the step by which backward has used every edge it is folded
    over; for a term's share, the contribution step that shows it), or None when this trace has
    no such step (backward limited by ``wrt``); ``line``, the card line that shows it; ``hides``,
    the picture's numbers to keep blank until it is answered (``"field\\x1fid"``: a node's
    ``data``, ``grad``, ``updated`` or ``after``, or an edge's ``local``; its own, and any
    unlabelled node's or edge's that is the same number); and ``prompt``, its
    symbol as that card line writes it (∂E_total/∂net_o1 for the question ∂E_o1/∂net_o1).
    ``masks`` lists, per step, the lines that show the number of a question asked at or before
    that step, with the line written without its numbers (``lhs = formula = ?``).

    >>> from autograd import Value
    >>> from autograd.exercise import exercise
    >>> x = Value(3.0, label="x")
    >>> y = (x * x).labelled("y")
    >>> data = quiz_data(exercise(y, "all"), record(y, None, None, ["en"]))
    >>> [(q["name"], q["at"], q["hides"]) for q in data["questions"]]
    [('y', 1, ['data\\x1fv1']), ('dy/dx', 5, ['grad\\x1fv0'])]
    >>> data["masks"]["1"][0]["text"]
    'y = x·x = ?'
    """
    if ex is None:
        return None
    data = ex.checker_data()
    place = _Placement(ex, trace)
    for q in data["questions"]:
        place.question(q)
    data["masks"] = place.masks([q for q in data["questions"] if q["at"] is not None])
    return data


class _Placement:
    """Where an exercise's questions sit in a trace (see :func:`quiz_data`)."""

    KINDS = ("data", "grad", "updated", "after")  # what a node's slots show

    def __init__(self, ex: Exercise, trace: dict[str, Any]) -> None:
        from .exercise import _parse

        self.ex, self.trace, self.steps = ex, trace, trace["steps"]
        self.questions = {q.name: q for q in ex.questions}
        self.first: dict[str, dict[str, int]] = {kind: {} for kind in (*self.KINDS, "local")}
        for s in self.steps:  # the step from which each number is known (as player.js's revealedAt)
            for kind, ids in s["reveals"].items():
                for i in ids:
                    self.first[kind].setdefault(i, s["index"])
            if s["phase"] == "backward":
                for e in s["edges"]:
                    self.first["local"].setdefault(e, s["index"])
        # each card line's numbers, each with the name of the quantity it is (None: by its number)
        self.shown = [[_shown(line["expr"], lambda e, after=s["phase"] == "after": self.named(e, after))
                       for line in s["lines"]] for s in self.steps]
        # the primitive edges of each question's local derivative (under any of its names)
        self.edges: dict[str, list[str]] = {}
        for q in ex.questions:
            edges = []
            for name in ex._group(q.name):
                kind, c, a = _parse(name, ex._sk)
                if kind == "local":
                    edges += [f"e{ex._sk.index[id(v)]}.{slot}" for route in ex._sk.routes[(c, a)] for v, slot in route]
            self.edges[q.name] = list(dict.fromkeys(edges))
        self.sharing: dict[str, int] = {}  # how many questions' local derivatives each edge is part of
        for edges in self.edges.values():
            for e in edges:
                self.sharing[e] = self.sharing.get(e, 0) + 1
        # Folded nodes and edges have no name: their numbers are hidden when they are an open
        # question's number (the product w5·out_h1 carries δ_o1 = ∂E/∂net_o1 as its gradient).
        self.unnamed = [(kind, n["id"], n[kind]) for n in trace["nodes"] if n["label"] is None for kind in self.KINDS]
        self.unnamed += [("local", e["id"], e["local"]) for e in trace["edges"]]

    @staticmethod
    def same(a: Any, b: float) -> bool:
        """The same number as the card prints it."""
        from .printing import format_number

        return isinstance(a, float) and format_number(a) == format_number(b)

    def named(self, e: dict[str, Any] | None, after: bool) -> str | None:
        """The question a symbol of a trace line stands for (under any of its names), else the
        symbol's own name; None for a number or a product (those are known by their number)."""
        from .exercise import normalise

        ex = self.ex
        if e is None or e["type"] not in ("sym", "deriv"):
            return None
        if e["type"] == "sym":  # in the forward pass after the update, w5 means w5⁺
            name = normalise(e["name"]) + ("+" if after and not e["name"].endswith("⁺") else "")
            return ex._aliases.get(name, name)
        num, den = e["num"]["name"], e["den"]["name"]
        if num in ex._sk.node and den in ex._sk.node:
            return ex._aliases.get(ex._alias_key(num, den), f"d{num}/d{den}")
        return f"d{num}/d{den}"

    def shows(self, step: int, line: int, q: dict[str, Any], value_only: bool = False) -> bool:
        """Whether a card line prints the number of question ``q`` (``value_only``: as its
        result): under one of its names, or as a number or a product that is the same number."""
        entries = self.shown[step][line]
        return any(name == q["name"] or (name is None and self.same(x, q["value"]))
                   for name, x in (entries[:1] if value_only else entries))

    def question(self, q: dict[str, Any]) -> None:
        """Add ``at``, ``line``, ``hides`` and ``prompt`` to a question of checker_data."""
        from .printing import Notation, render_expr
        from .trace import step_from_json

        question = self.questions[q["name"]]
        focus, kind = question.node_ids[0], question.reveals
        if kind == "local":
            ats = [self.first["local"].get(e) for e in question.edge_ids]
            at = None if None in ats or not ats else max(ats)
        elif kind is not None:
            at = self.first[kind].get(focus)
        else:  # a term's share: the contribution step into its node that shows its number
            at = next((s["index"] for s in self.steps if s["phase"] == "backward" and s["node"] == focus
                       and any(self.shows(s["index"], k, q, True) for k in range(len(s["lines"])))),
                      self.first["grad"].get(focus))
        lines = self.steps[at]["lines"] if at is not None else []
        line = next((k for k in range(len(lines)) if self.shows(at, k, q, True)), None)
        edges = self.edges[q["name"]]
        hides = [f"{kind}\x1f{focus}"] if kind in self.KINDS else []
        hides += [f"local\x1f{e}" for e in ([e for e in edges if self.sharing[e] == 1] or edges)]
        hides += [f"{what}\x1f{i}" for what, i, x in self.unnamed if self.same(x, q["value"])]
        prompt = {"text": q["text"], "latex": q["latex"]}
        lhs = lines[line]["expr"]["lhs"] if line is not None else None
        if lhs is not None and lhs["type"] == "deriv" and self.named(lhs, False) == q["name"]:
            symbol = step_from_json(lines[line]["expr"]).lhs  # ∂E_total/∂net_o1 where the card writes it so
            prompt = {fmt: render_expr(symbol, Notation(fmt))[0] for fmt in ("text", "latex")}
        q.update(at=at, line=line, hides=list(dict.fromkeys(hides)), prompt=prompt)

    def masks(self, asked: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """Per step, the lines that print the number of a question asked at or before it."""
        from .trace import step_from_json

        out: dict[str, list[dict[str, Any]]] = {}
        for s in self.steps:
            for k, line in enumerate(s["lines"]):
                hidden = [q for q in asked if q["at"] <= s["index"] and self.shows(s["index"], k, q)]
                if hidden:
                    out.setdefault(str(s["index"]), []).append({
                        "line": k, "names": [q["name"] for q in hidden],
                        **_masked(step_from_json(line["expr"]), [q["value"] for q in hidden], self.trace["digits"]),
                    })
        return out


def _shown(expr: dict[str, Any], named: Any) -> list[tuple[str | None, Any]]:
    """The numbers a trace line prints, each with the name ``named`` gives its symbol (None for a
    number): the line's value first (named by its left-hand side), then those its formula is
    written with."""
    if expr["kind"] == "plan":
        return []
    out = [(named(expr["lhs"]), expr["value"])]
    stack = [expr["formula"]] if expr["formula"] is not None else []
    while stack:
        e = stack.pop()
        if e["type"] in ("sym", "deriv", "num"):
            out.append((named(e), e["value"]))
        elif e["type"] == "join":
            stack += e["items"]
        elif e["type"] == "tmpl":  # only the placeholders the template writes (a row binds them all)
            args = e["args"]
            stack += args if e["separator"] else [args[k] for k in re.findall(r"\{([a-z]+)\}", e["text"]) if k in args]
    return out


def _masked(step: Any, values: Sequence[float], digits: int) -> dict[str, str]:
    """A card line without its numbers, ``lhs = formula = ?``; the formula too is left out when
    it is written with one of the hidden numbers (a sum of contributions)."""
    from .expr import Join, Num, Tmpl
    from .printing import Notation, format_number, step_parts

    hidden = {format_number(v) for v in values}
    stack, leaks = [step.formula], False
    while stack:
        e = stack.pop()
        if isinstance(e, Num):
            leaks |= format_number(e.value) in hidden
        elif isinstance(e, Join):
            stack += e.items
        elif isinstance(e, Tmpl):
            stack += e.args if e.separator else e.args.values()
    shown = dataclasses.replace(step, formula=None) if leaks else step
    out = {}
    for fmt in ("text", "latex"):
        parts = step_parts(shown, Notation(fmt, digits), numbers=False)
        out[fmt] = " = ".join([*parts, "{?}" if fmt == "latex" else "?"])  # {?}: spaced as a symbol
    return out


# --- the page's pieces ---------------------------------------------------------------------------


@cache
def _asset(name: str) -> str:
    text = (ASSETS / name).read_text(encoding="utf-8")
    if name.endswith(".js") and re.search(r"</script|<!--", text, re.I):
        raise ValueError(f"player: {name} cannot be inlined in a <script> element (it contains '</script' or '<!--')")
    return text


@cache
def _katex_css() -> str:
    """KaTeX's style with its fonts inlined as WOFF2 data: URLs (the other formats dropped)."""
    fonts = ASSETS / "vendor" / "katex" / "fonts"

    def inline(m: re.Match[str]) -> str:
        data = base64.b64encode((fonts / f"{m.group(1)}.woff2").read_bytes()).decode("ascii")
        return f'src:url(data:font/woff2;base64,{data}) format("woff2")'

    css = re.sub(
        r'src:url\(fonts/([\w-]+)\.woff2\) format\("woff2"\),url\(fonts/\1\.woff\) format\("woff"\),'
        r'url\(fonts/\1\.ttf\) format\("truetype"\)',
        inline,
        _asset("vendor/katex/katex.min.css"),
    )
    if "url(fonts/" in css:
        raise ValueError("player: vendor/katex/katex.min.css names a font this builder does not inline")
    return css


@cache
def _graphviz_js() -> str:
    """The Graphviz WebAssembly module as a classic script that sets ``window.stepgradGraphviz``.

    The package is an ES module whose only module syntax is its closing ``export {…}``; a page
    opened from disk cannot import a module, so the export becomes a global inside a closure.
    """
    text = _asset("vendor/wasm-graphviz/index.js")
    m = re.search(r"export\s*\{([^}]*)\};?\s*(?://# sourceMappingURL=\S*\s*)?$", text)
    exports = {}
    for item in (m.group(1).split(",") if m else []):
        local, _, public = item.strip().partition(" as ")
        exports[public or local] = local
    if "Graphviz" not in exports:
        raise ValueError("player: vendor/wasm-graphviz/index.js does not end by exporting Graphviz")
    return f"(function () {{\n{text[:m.start()]}\nwindow.stepgradGraphviz = {exports['Graphviz']};\n}})();"


def _finite(obj: Any) -> Any:
    """``obj`` with NaN and ±inf as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if math.isnan(obj) else ("Infinity" if obj > 0 else "-Infinity")
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def _script_json(obj: Any) -> str:
    """JSON to sit inside a <script> element: no '<', '>' or '&' that HTML could read as markup.

    >>> print(_script_json({"label": "</script>", "grad": float("nan")}))
    {"label":"\\u003c/script\\u003e","grad":"NaN"}
    """
    text = json.dumps(_finite(obj), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _dot_to_svg(dot: str) -> str | None:
    """``dot -Tsvg`` of the text, or None when Graphviz's ``dot`` is not on PATH."""
    program = shutil.which("dot")
    if program is None:
        return None
    done = subprocess.run([program, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"player: dot could not lay out the graph: {done.stderr.decode('utf-8', 'replace').strip()}")
    svg = done.stdout.decode("utf-8")
    return svg[svg.index("<svg"):]  # the XML prolog and DOCTYPE mean nothing inside HTML
