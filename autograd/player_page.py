"""The step-through player: every forward, backward and update step of a pass, as one offline page.

:func:`player` records a pass with :func:`autograd.trace` and pairs it with the picture of the
graph (:func:`autograd.render.dot_source`, whose element ids are the trace's node and edge ids).
:meth:`Player.save` writes one self-contained HTML file: the trace as JSON, the page's own script
and style (``autograd/player/``), KaTeX for the maths and, where Graphviz's ``dot`` is on PATH,
the picture already laid out as SVG; where it is not, Graphviz compiled to WebAssembly
(``autograd/player/vendor/``) lays the DOT out in the browser. Nothing is fetched from a network.
In Jupyter a Player shows itself in an iframe, with the SVG and the text as fallbacks.
"""

from __future__ import annotations

import base64
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
from typing import Any

from .errors import describe
from .graph import topological_order
from .value import Value

__all__ = ["Player", "View", "player", "MAX_NODES", "graph_view", "recorded_grads"]

MAX_NODES = 2000
"""The largest graph (in Values) a page is made for: past it the picture cannot be followed."""

ASSETS = Path(__file__).with_name("player")
LANGS = ("en", "zh")


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
    ``stepgrad.trace``, version 1); ``views`` are the pictures, the first shown first.
    """

    def __init__(self, trace: dict[str, Any], views: Sequence[View], *, title: str = "stepgrad") -> None:
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
        self._svgs: list[str | None] | None = None

    @property
    def count(self) -> int:
        """How many steps the page plays."""
        return len(self.trace["steps"])

    def __repr__(self) -> str:
        return f"<Player {self.title!r}: {self.count} steps, {len(self.trace['nodes'])} nodes>"

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
            "title": html.escape(self.title),
            "katex_css": _katex_css(),
            "player_css": _asset("player.css"),
            "trace_json": _script_json(self.trace),
            "views_json": _script_json(views),
            "katex_js": _asset("vendor/katex/katex.min.js"),
            "graphviz_js": _graphviz_js() if None in svgs else "",
            "player_js": _asset("player.js"),
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
            f'<iframe srcdoc="{html.escape(self.to_html(), quote=True)}" title="{html.escape(self.title)}" '
            'style="width:100%;height:660px;border:1px solid #d2d2d7;border-radius:8px" '
            'sandbox="allow-scripts"></iframe>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        # Where scripts do not run (a notebook viewed on a code host), the SVG and the text remain.
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
) -> Player:
    """The step-through player of one pass through the graph of ``output``.

    Forward (one step per key node), the error, backward (each edge's local derivative times the
    upstream gradient, and the sums where paths meet) and, with a learning rate ``lr``, one
    update per parameter. ``wrt`` limits backward to the paths reaching it (one Value or a list;
    None: every Value that needs a gradient). ``lang`` is ``"en"``, ``"zh"`` or ``("en", "zh")``
    for a page that switches between them. A graph of more than :data:`MAX_NODES` Values is
    refused. ``save(path)`` writes the page; in Jupyter the player displays itself.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> p = player((a * b + a).labelled("c"))
    >>> p.count > 0 and "c" in str(p)
    True
    """
    from .render import dot_source

    check_size(output, where="player")
    langs = langs_of(lang, where="player")
    trace = record(output, wrt, lr, langs)
    dot = dot_source(output, max_nodes=MAX_NODES, grads=recorded_grads(output, trace))
    return Player(trace, [graph_view(trace, dot)], title=_title(trace))


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


def _title(trace: dict[str, Any]) -> str:
    names = {n["id"]: n["name"] or n["id"] for n in trace["nodes"]}
    return f"stepgrad · {names[trace['output']]}"


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
