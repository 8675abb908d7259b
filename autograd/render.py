"""Drawing a computation graph with Graphviz.

:func:`dot_source` is a pure function from a graph to DOT text (standard library only, so it
works without Graphviz installed and is tested as golden text); :func:`draw` wraps the same text
in a ``graphviz.Digraph``, which Jupyter displays as SVG. :func:`export` writes DOT, SVG, PNG or
PDF; only the last three need Graphviz's ``dot`` program, and without it they raise
:class:`GraphvizNotFound`, which says how to install it.

The picture: every Value is a box (label, data, grad); an op node sits between a result and its
operands; every operand slot is its own edge (``a + a`` draws two), labelled with the local
derivative that slot contributes, computed by the same op-table ``Partial`` the backward pass
uses. ``highlight=v`` colours every path from the output to ``v`` and lists each path with the
product of its local derivatives; their sum is ∂output/∂v.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import describe
from .escape import dot_string, html
from .graph import Sweep, sweep, topological_order
from .ops import fill
from .value import Value

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "draw", "dot_source", "export", "to_svg", "path_products", "GraphPath", "GraphvizNotFound", "INSTALL_HINT",
    "as_digraph", "dot_string", "number", "signed",
]

INSTALL_HINT = (
    "install Graphviz's programs: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS), `conda install -c conda-forge graphviz`, or see https://graphviz.org/download/; "
    "the DOT text (graph.source, or export to a .dot file) needs no install"
)

FONT = "Helvetica,Arial,sans-serif"
PATH_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
"""One colour per highlighted path (red, blue, green, ...); more paths than colours share one."""
CLUSTER_STYLE = 'labelloc=t labeljust=l style="rounded,dashed" color="#7f7f7f" fontsize=12'
MUTED = "#9a9a9a"  # edges off every highlighted path


class GraphvizNotFound(RuntimeError):
    """Rendering needs Graphviz's ``dot`` program and it is not on PATH."""


@dataclass(frozen=True)
class GraphPath:
    """One path from the output back to a Value: the steps, and the product of their local derivatives.

    ``steps`` lists ``(node, slot)`` from the output downwards: the chain passes from ``node``
    into its operand ``node.parents[slot]``; ``factors`` are the matching local derivatives.
    """

    steps: tuple[tuple[Value, int], ...]
    factors: tuple[float, ...]

    @property
    def product(self) -> float:
        return math.prod(self.factors)


# --- the graph, read once -----------------------------------------------------------------


def _record(output: Value, *, everything: bool = False) -> Sweep | None:
    """Every local derivative backward would use, from the engine's own chain rule; None where
    backward itself cannot run (a threshold unit refuses to pass a gradient: drawn without them)."""
    try:
        return sweep(output, everything=everything)
    except (ArithmeticError, ValueError, RuntimeError):
        return None


def _order(output: Value, max_nodes: int) -> list[Value]:
    if not isinstance(output, Value):
        raise TypeError(f"draw: expected the Value to draw from, got {type(output).__name__} {output!r}")
    order = topological_order(output)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw: the graph of {describe(output)} has {len(order)} Values, more than max_nodes={max_nodes}; "
            "Graphviz would take very long and the picture would be unreadable. Draw a smaller part (any "
            "interior Value can be the output), use nn.draw_network for a network, or pass a larger max_nodes."
        )
    return order


def _path_counts(order: list[Value], target: Value) -> dict[Value, int]:
    """For each node, how many slot-paths lead from it back to ``target`` (0 if none)."""
    counts: dict[Value, int] = {}
    for node in order:  # parents first
        counts[node] = 1 if node is target else sum(counts[p] for p in node.parents)
    return counts


def path_products(output: Value, target: Value, *, max_paths: int = 64) -> list[GraphPath]:
    """Every path from ``output`` back to ``target``, with its local derivatives.

    The sum of the products is ∂output/∂target (the chain rule summed over paths). A ``a + a``
    gives two paths, one per slot. Refuses (``ValueError``) when there are more than
    ``max_paths`` paths: their number can grow exponentially with depth.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a
    >>> [p.factors for p in path_products(c, a)]
    [(1.0, -3.0), (1.0,)]
    """
    for name, v in (("output", output), ("target", target)):
        if not isinstance(v, Value):
            raise TypeError(f"path_products: {name} must be a Value, got {type(v).__name__} {v!r}")
    record = sweep(output, everything=not target.requires_grad)
    return _paths(output, target, topological_order(output), max_paths, record)


def _paths(output: Value, target: Value, order: list[Value], max_paths: int, record: Sweep) -> list[GraphPath]:
    counts = _path_counts(order, target)
    total = counts[output]
    if total > max_paths:
        raise ValueError(
            f"path_products: {total} paths lead from {describe(output)} to {describe(target)}, more than "
            f"max_paths={max_paths}; pass a larger max_paths to list them all"
        )
    paths: list[GraphPath] = []
    # Depth-first with an explicit stack: (node, steps so far, factors so far).
    stack: list[tuple[Value, tuple[tuple[Value, int], ...], tuple[float, ...]]] = [(output, (), ())]
    while stack:
        node, steps, factors = stack.pop()
        if node is target:
            paths.append(GraphPath(steps, factors))
            continue
        for slot in reversed(range(len(node.parents))):  # reversed: slot 0 is popped first
            parent = node.parents[slot]
            if counts[parent]:
                stack.append((parent, (*steps, (node, slot)), (*factors, record.local[node, slot])))
    return paths


# --- DOT text -------------------------------------------------------------------------------


def number(x: float, significant: int) -> str:
    """A number as drawn: ``significant`` significant digits (the one format every drawing uses).

    >>> number(0.000438568, 4), number(0.4, 4)
    ('0.0004386', '0.4')
    """
    return format(x, f".{significant}g")


def signed(x: float, significant: int) -> str:
    """A number as a drawing's text writes it in a formula: with the minus sign of the derivations.

    >>> signed(-0.00022983, 4)
    '−0.0002298'
    """
    return number(x, significant).replace("-", "−")


def _shade(grad: float, low: float, high: float) -> str:
    """White to orange by log |grad| between the smallest and largest nonzero |grad| drawn."""
    if grad == 0.0 or not math.isfinite(grad):
        return "#ffffff"
    t = 1.0 if high == low else (math.log(abs(grad)) - math.log(low)) / (math.log(high) - math.log(low))
    t = 0.15 + 0.85 * t
    r, g, b = (round(255 + (c - 255) * t) for c in (253, 141, 60))
    return f"#{r:02x}{g:02x}{b:02x}"


def _value_label(
    v: Value, name: str | None, grad: float, significant: int, fill_colour: str | None, border: str
) -> str:
    rows = []
    if v.label:
        rows.append(f"<b>{html(v.label)}</b>")
    elif name is not None:  # a made-up name the caption and the derivations use
        rows.append(f"<i>{html(name)}</i>")
    rows.append(f"data {number(v.data, significant)}")
    if v.requires_grad:
        rows.append(f"grad {number(grad, significant)}")
    bg = f' bgcolor="{fill_colour}"' if fill_colour else ""
    cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
    return (
        f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3" color="{border}"{bg}>'
        f"{cells}</table>>"
    )


def dot_source(
    output: Value,
    *,
    significant: int = 4,
    formulas: bool = False,
    rankdir: str = "LR",
    highlight: Value | None = None,
    color_by_grad: bool = False,
    max_nodes: int = 500,
    max_paths: int = 64,
    group: Callable[[str], str | None] | None = None,
    grads: Mapping[Value, float] | None = None,
) -> str:
    """The DOT text of the graph ``output`` depends on; see :func:`draw` for the options.

    ``grads`` draws these gradients in place of the Values' ``.grad`` (the step-through player
    draws a recorded pass, which leaves ``.grad`` alone).

    Deterministic: the same graph gives the same text, so it can be compared as golden text.
    Element ids name the parts as :func:`autograd.trace` does (the SVG keeps them): a Value's box
    is ``v<i>`` (``i`` its topological index), its op ellipse ``op<i>``, the edge from operand
    slot ``k`` into it ``e<i>.<k>`` and the edge from its op to it ``e<i>``.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> for line in dot_source(a + a).splitlines():
    ...     if "->" in line:
    ...         print(line.strip())
    v0 -> op1 [id="e1.0", label="1"]
    v0 -> op1 [id="e1.1", label="1"]
    op1 -> v1 [id="e1"]
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw: rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got {rankdir!r}")
    if isinstance(significant, bool) or not (isinstance(significant, int) and 1 <= significant <= 17):
        raise ValueError(f"draw: significant must be an int from 1 to 17 (digits shown), got {significant!r}")
    order = _order(output, max_nodes)
    index = {v: i for i, v in enumerate(order)}
    if highlight is not None and highlight not in index:
        raise ValueError(f"draw: highlight={describe(highlight)} is not part of the graph of {describe(output)}")
    record = _record(output, everything=highlight is not None and not highlight.requires_grad)
    local = record.local if record is not None else {}

    # Names: a label, or the made-up name a derivation of the highlighted gradient gives a shared
    # unlabelled node (v1, ...), so the caption and the boxes speak as the text does.
    names: dict[Value, str] = {}
    if highlight is not None:
        from .derive import analyse

        g = analyse(output, highlight)
        names = {v: g.namer.sym(v).name for v in g.key_order if g.namer.is_symbol(v)}
        names.update({v: g.namer.sym(v).name for v in (output, highlight)})

    def name(v: Value) -> str:
        return v.label or names.get(v) or number(v.data, significant)

    # Highlighting: which edges lie on a path to the target (counts), and, when the paths are few
    # enough to list, which listed paths use each edge: key (node, slot) for the edge from operand
    # ``slot`` into node's op, (node, -1) for the edge from node's op to node.
    counts = _path_counts(order, highlight) if highlight is not None else {}
    paths: list[GraphPath] = []
    through: dict[tuple[Value, int], list[int]] = {}
    if highlight is not None and record is not None and counts[output] <= max_paths:
        paths = _paths(output, highlight, order, max_paths, record)
        for k, path in enumerate(paths):
            for node, slot in path.steps:
                through.setdefault((node, slot), []).append(k)
                through.setdefault((node, -1), []).append(k)

    def path_style(on_path: bool, key: tuple[Value, int]) -> list[str]:
        """Edge attributes when highlighting: coloured by the paths using the edge, or muted."""
        if not on_path:
            return [f'color="{MUTED}"']
        ks = through.get(key, [])
        colours = [PATH_COLOURS[k] for k in ks] if ks and len(paths) <= len(PATH_COLOURS) else [PATH_COLOURS[0]]
        return [f'color="{":".join(colours)}"', "penwidth=2.5", f'fontcolor="{colours[0]}"']

    shades: dict[Value, str] = {}
    if color_by_grad:
        mags = [abs(v.grad) for v in order if v.requires_grad and v.grad != 0.0 and math.isfinite(v.grad)]
        if mags:
            low, high = min(mags), max(mags)
            shades = {v: _shade(v.grad, low, high) for v in order if v.requires_grad}

    # Boxes around groups (nn's neurons): ``group(label)`` names the box of a labelled Value;
    # unlabelled interior Values join the box of the node they feed (children come before
    # parents in reverse order).
    cluster: dict[Value, str] = {}
    if group is not None:
        for v in reversed(order):
            box = group(v.label) if v.label else None
            if box is not None:
                cluster[v] = box
            if v in cluster:
                for p in v.parents:
                    if p.label is None and p.op is not None and p not in cluster:
                        cluster[p] = cluster[v]

    def grad(v: Value) -> float:
        return v.grad if grads is None else grads.get(v, v.grad)

    def node_lines(v: Value) -> list[str]:
        i = index[v]
        border = "#000000"
        if highlight is not None and (v is highlight or v is output):
            border = PATH_COLOURS[0]
        label = _value_label(v, names.get(v), grad(v), significant, shades.get(v), border)
        lines = [f'v{i} [id="v{i}", label={label}]']
        if v.op is not None:
            lines.append(
                f'op{i} [id="op{i}", label={dot_string(v.op.name)}, shape=ellipse, fontsize=9, margin=0.03, height=0.3]'
            )
        return lines

    groups: dict[str, list[str]] = {}
    top: list[str] = []
    for v in order:
        key = cluster.get(v)
        (groups.setdefault(key, []) if key is not None else top).extend(node_lines(v))

    edges: list[str] = []
    for v in order:
        if v.op is None:
            continue
        i = index[v]
        for slot, p in enumerate(v.parents):
            attrs = [f'id="e{i}.{slot}"']
            if (v, slot) in local:  # edges into Values that need no gradient carry no derivative
                text = number(local[v, slot], significant)
                if formulas:
                    operands = dict(zip(v.op.operands, map(name, v.parents)))
                    formula = fill(v.op.partial(slot).text, {**operands, "out": name(v)})
                    text = text if formula == text else f"{formula} = {text}"
                attrs.append(f"label={dot_string(text)}")
            if highlight is not None:
                attrs += path_style(counts[p] > 0, (v, slot))  # p leads to the target
            if not p.requires_grad:
                attrs.append("style=dashed")  # no gradient flows into this operand
            edges.append(f"v{index[p]} -> op{i} [{', '.join(attrs)}]")
        # The edge into v is on a path when v leads to the target and is not the target itself.
        on_path = highlight is not None and counts[v] > 0 and v is not highlight
        attrs = [f'id="e{i}"', *(path_style(on_path, (v, -1)) if highlight is not None else [])]
        edges.append(f"op{i} -> v{i} [{', '.join(attrs)}]")

    graph_attrs = [f"rankdir={rankdir}", f'fontname="{FONT}"', "nodesep=0.25", "ranksep=0.35"]
    if highlight is not None:
        caption = _caption(output, highlight, paths, counts[output], name, significant, max_paths)
        graph_attrs += [f"label={caption}", "labelloc=b", "labeljust=l"]
    lines = [
        "digraph stepgrad {",
        f"\tgraph [{', '.join(graph_attrs)}]",
        f'\tnode [fontname="{FONT}", fontsize=11, shape=plain]',
        f'\tedge [fontname="{FONT}", fontsize=9, arrowsize=0.6]',
    ]
    lines += [f"\t{line}" for line in top]
    for box, members in groups.items():
        lines.append(f"\tsubgraph {dot_string('cluster_' + box)} {{")
        lines.append(f"\t\tlabel={dot_string(box)} {CLUSTER_STYLE}")
        lines += [f"\t\t{line}" for line in members]
        lines.append("\t}")
    lines += [f"\t{line}" for line in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _caption(
    output: Value, target: Value, paths: list[GraphPath], total: int, name: Callable[[Value], str],
    significant: int, max_paths: int,
) -> str:
    """The graph's caption when highlighting: each path with its product, then their sum."""
    of = f"∂{name(output)}/∂{name(target)}"
    if not paths:
        head = (
            f"{total} paths from {name(output)} to {name(target)} (coloured); "
            f"more than max_paths={max_paths}, so they are not listed"
        )
        return f"<{html(head)}>"

    def term(x: float, first: bool) -> str:  # −0.5 written (−0.5) after the first term, as the text does
        s = signed(x, significant)
        return s if first or not s.startswith("−") else f"({s})"

    def stop(v: Value) -> str:  # a stop on a path: its name, else the op that made it
        return v.label or names_or_op(v)

    def names_or_op(v: Value) -> str:
        n = name(v)
        return f"({v.op.name})" if v.op is not None and n == number(v.data, significant) else n

    count = f"{len(paths)} path" if len(paths) == 1 else f"{len(paths)} paths"
    rows = [f'<tr><td align="left" colspan="3"><b>{html(of)}: {count}, one product each</b></td></tr>']
    for k, path in enumerate(paths):
        c = PATH_COLOURS[k] if len(paths) <= len(PATH_COLOURS) else PATH_COLOURS[0]
        route = " ← ".join([name(output)] + [stop(node.parents[slot]) for node, slot in path.steps])
        factors = " × ".join(term(f, n == 0) for n, f in enumerate(path.factors)) or "1"  # the output itself
        rows.append(
            f'<tr><td align="left"><font color="{c}"><b>path {k + 1}</b></font></td>'
            f'<td align="left">{html(route)}</td>'
            f'<td align="left">{html(factors)} = <b>{html(signed(path.product, significant))}</b></td></tr>'
        )
    total_value = math.fsum(p.product for p in paths)
    terms = " + ".join(term(p.product, n == 0) for n, p in enumerate(paths))
    rows.append(
        f'<tr><td align="left"><b>sum</b></td><td align="left">{html(of)}</td>'
        f'<td align="left">{html(terms)} = <b>{html(signed(total_value, significant))}</b></td></tr>'
    )
    return f'<<table border="0" cellspacing="0" cellpadding="2">{"".join(rows)}</table>>'


# --- graphviz objects and files -----------------------------------------------------------


def draw(
    output: Value,
    *,
    significant: int = 4,
    formulas: bool = False,
    rankdir: str = "LR",
    highlight: Value | None = None,
    color_by_grad: bool = False,
    max_nodes: int = 500,
    max_paths: int = 64,
    group: Callable[[str], str | None] | None = None,
) -> graphviz.Digraph:
    """The computation graph of ``output`` as a ``graphviz.Digraph`` (displays as SVG in Jupyter).

    - ``significant``: significant digits of every number shown.
    - ``formulas``: label each edge with its local derivative's formula as well as its value.
    - ``rankdir``: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
    - ``highlight``: a Value; every path from ``output`` to it is coloured (one colour per path
      when there are at most six) and a caption lists each path's local derivatives and their
      product, then the sum, ∂output/∂highlight. Paths are listed up to ``max_paths``.
    - ``color_by_grad``: shade each Value by |grad| (log scale, white to orange).
    - ``max_nodes``: more Values than this is refused with a ``ValueError`` (never a hang).
    - ``group``: a function from a label to the name of a box to draw the Value in, or None;
      unlabelled nodes join the box of the node they feed. ``nn.neuron_of`` boxes each neuron
      (``net_h1``, ``out_h1`` and the products feeding them, in a box ``h1``).

    Edges carry the local derivative backward uses (from the engine's own chain rule); an edge
    into a Value that needs no gradient is dashed and carries none.

    Needs the ``graphviz`` Python package (``pip install 'stepgrad[viz]'``); the picture itself
    is rendered by Graphviz's ``dot`` (see :func:`export`).

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> g = draw((x * x).labelled("y"), formulas=True)
    >>> 'label="x = 2"' in g.source
    True
    """
    text = dot_source(
        output, significant=significant, formulas=formulas, rankdir=rankdir, highlight=highlight,
        color_by_grad=color_by_grad, max_nodes=max_nodes, max_paths=max_paths, group=group,
    )
    return as_digraph(text)


def as_digraph(text: str) -> graphviz.Digraph:
    """A ``graphviz.Digraph`` whose ``.source`` is exactly ``text`` (DOT as written here: a
    ``digraph NAME {`` line, body lines, and a closing ``}``).

    >>> as_digraph("digraph g {\\n\\ta -> b\\n}\\n").source == "digraph g {\\n\\ta -> b\\n}\\n"
    True
    """
    head, _, rest = text.partition("\n")
    body = rest.rstrip("\n").removesuffix("}").splitlines(keepends=True)
    return _drawing_class()(name=head.split()[1], body=body)


@functools.cache
def _drawing_class() -> type:
    """``graphviz.Digraph``, except that in Jupyter without ``dot`` it shows how to install it.

    (Defined on first use: the graphviz package is imported only when something is drawn.)
    """
    import graphviz

    class Drawing(graphviz.Digraph):
        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                return {"text/plain": f"{_missing_dot('SVG')}\n\n{self.source}"}

    Drawing.__module__, Drawing.__qualname__ = __name__, "Drawing"  # not "_drawing_class.<locals>.Drawing"
    return Drawing


def _missing_dot(fmt: str) -> str:
    return (
        f"rendering to {fmt} needs Graphviz's `dot` program, which is not on PATH "
        f"({os.environ.get('PATH', '')!r}); {INSTALL_HINT}"
    )


def _pipe(graph: graphviz.Digraph, fmt: str) -> bytes:
    import graphviz

    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFound(_missing_dot(fmt.upper())) from None


def to_svg(graph: graphviz.Digraph) -> str:
    """The SVG text of a drawing (needs Graphviz's ``dot``).

    >>> from autograd import Value
    >>> to_svg(draw(Value(1.0, label="x"))).lstrip().startswith("<?xml")
    True
    """
    return _pipe(graph, "svg").decode("utf-8")


EXPORT_FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".pdf": "pdf"}


def export(graph: graphviz.Digraph, path: str | os.PathLike[str]) -> Path:
    """Write a drawing to ``path``; the format comes from the suffix: .dot/.gv, .svg, .png or .pdf.

    DOT needs nothing; the others run Graphviz's ``dot`` and raise :class:`GraphvizNotFound`,
    naming how to install it, when it is missing. Returns the path written.

    >>> import tempfile, pathlib
    >>> from autograd import Value
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = export(draw(Value(1.0, label="x")), pathlib.Path(d) / "x.dot")
    ...     out.read_text().startswith("digraph stepgrad {")
    True
    """
    path = Path(path)
    fmt = EXPORT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"export: cannot tell the format of {str(path)!r} from its suffix; use one of {', '.join(EXPORT_FORMATS)}"
        )
    if fmt == "dot":
        path.write_text(graph.source, encoding="utf-8")
    else:
        path.write_bytes(_pipe(graph, fmt))
    return path
