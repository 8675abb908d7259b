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
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import describe
from .graph import topological_order
from .ops import fill
from .value import Value

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "draw", "dot_source", "export", "to_svg", "path_products", "GraphPath", "GraphvizNotFound", "INSTALL_HINT",
    "as_digraph", "dot_string", "number",
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
NEURON = re.compile(r"(?:net|out)_(\w+)")  # nn's labels: a neuron's weighted sum and activation


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


def _local(node: Value, slot: int) -> float:
    """∂node/∂(its operand in ``slot``): the op row's Partial, exactly as backward evaluates it.

    A Partial that refuses (a threshold unit's raises: its derivative does not exist) is drawn as
    NaN rather than stopping the picture; backward still raises its explanation.
    """
    try:
        return node.op.partial(slot).fn(node.data, *[p.data for p in node.parents])
    except (ArithmeticError, ValueError, RuntimeError):
        return math.nan


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


def _path_counts(order: list[Value], target: Value) -> dict[int, int]:
    """For each node (by id), how many slot-paths lead from it back to ``target`` (0 if none)."""
    counts: dict[int, int] = {}
    for node in order:  # parents first
        counts[id(node)] = 1 if node is target else sum(counts[id(p)] for p in node.parents)
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
    order = topological_order(output)
    counts = _path_counts(order, target)
    total = counts[id(output)]
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
            if counts[id(parent)]:
                stack.append((parent, (*steps, (node, slot)), (*factors, _local(node, slot))))
    return paths


# --- DOT text -------------------------------------------------------------------------------


def number(x: float, digits: int) -> str:
    """A number as drawn: ``digits`` significant digits (the one format every drawing uses).

    >>> number(0.000438568, 4), number(0.4, 4)
    ('0.0004386', '0.4')
    """
    return format(x, f".{digits}g")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def dot_string(text: str) -> str:
    """``text`` as a quoted DOT string.

    >>> print(dot_string('say "hi"'))
    "say \\"hi\\""
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _name(v: Value, digits: int) -> str:
    """How a Value is named inside formulas and path lists: its label, else its value."""
    return v.label if v.label is not None else number(v.data, digits)


def _stop(v: Value, digits: int) -> str:
    """A Value as a stop on a listed path: its label, else the op that made it, else its value."""
    if v.label is not None:
        return v.label
    return f"({v.op.name})" if v.op is not None else number(v.data, digits)


def _shade(grad: float, low: float, high: float) -> str:
    """White to orange by log |grad| between the smallest and largest nonzero |grad| drawn."""
    if grad == 0.0 or not math.isfinite(grad):
        return "#ffffff"
    t = 1.0 if high == low else (math.log(abs(grad)) - math.log(low)) / (math.log(high) - math.log(low))
    t = 0.15 + 0.85 * t
    r, g, b = (round(255 + (c - 255) * t) for c in (253, 141, 60))
    return f"#{r:02x}{g:02x}{b:02x}"


def _value_label(v: Value, digits: int, fill_colour: str | None, border: str) -> str:
    rows = []
    if v.label is not None:
        rows.append(f"<b>{_html(v.label)}</b>")
    rows.append(f"data {number(v.data, digits)}")
    if v.requires_grad:
        rows.append(f"grad {number(v.grad, digits)}")
    bg = f' bgcolor="{fill_colour}"' if fill_colour else ""
    cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
    return (
        f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3" color="{border}"{bg}>'
        f"{cells}</table>>"
    )


def dot_source(
    output: Value,
    *,
    digits: int = 4,
    formulas: bool = False,
    rankdir: str = "LR",
    highlight: Value | None = None,
    color_by_grad: bool = False,
    max_nodes: int = 500,
    max_paths: int = 64,
    group_neurons: bool = True,
) -> str:
    """The DOT text of the graph ``output`` depends on; see :func:`draw` for the options.

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
    if not (isinstance(digits, int) and 1 <= digits <= 17):
        raise ValueError(f"draw: digits must be an int from 1 to 17 (significant digits shown), got {digits!r}")
    order = _order(output, max_nodes)
    index = {id(v): i for i, v in enumerate(order)}
    if highlight is not None and id(highlight) not in index:
        raise ValueError(f"draw: highlight={describe(highlight)} is not part of the graph of {describe(output)}")

    # Highlighting: which edges lie on a path to the target (counts), and, when the paths are few
    # enough to list, which listed paths use each edge: key (node id, slot) for the edge from
    # operand ``slot`` into node's op, (node id, -1) for the edge from node's op to node.
    counts = _path_counts(order, highlight) if highlight is not None else {}
    paths: list[GraphPath] = []
    through: dict[tuple[int, int], list[int]] = {}
    if highlight is not None and counts[id(output)] <= max_paths:
        paths = path_products(output, highlight, max_paths=max_paths)
        for k, path in enumerate(paths):
            for node, slot in path.steps:
                through.setdefault((id(node), slot), []).append(k)
                through.setdefault((id(node), -1), []).append(k)

    def path_style(on_path: bool, key: tuple[int, int]) -> list[str]:
        """Edge attributes when highlighting: coloured by the paths using the edge, or muted."""
        if not on_path:
            return [f'color="{MUTED}"']
        ks = through.get(key, [])
        colours = [PATH_COLOURS[k] for k in ks] if ks and len(paths) <= len(PATH_COLOURS) else [PATH_COLOURS[0]]
        return [f'color="{":".join(colours)}"', "penwidth=2.5", f'fontcolor="{colours[0]}"']

    shades: dict[int, str] = {}
    if color_by_grad:
        mags = [abs(v.grad) for v in order if v.requires_grad and v.grad != 0.0 and math.isfinite(v.grad)]
        if mags:
            low, high = min(mags), max(mags)
            shades = {id(v): _shade(v.grad, low, high) for v in order if v.requires_grad}

    # Neuron clusters: a Value labelled net_X or out_X anchors cluster X; unlabelled interior
    # Values join the cluster of the node they feed (children come before parents in reverse order).
    cluster: dict[int, str] = {}
    if group_neurons:
        for v in reversed(order):
            m = NEURON.fullmatch(v.label or "")
            if m:
                cluster[id(v)] = m.group(1)
            if id(v) in cluster:
                for p in v.parents:
                    if p.label is None and p.op is not None and id(p) not in cluster:
                        cluster[id(p)] = cluster[id(v)]

    def node_lines(v: Value) -> list[str]:
        i = index[id(v)]
        border = "#000000"
        if highlight is not None and (v is highlight or v is output):
            border = PATH_COLOURS[0]
        lines = [f'v{i} [id="v{i}", label={_value_label(v, digits, shades.get(id(v)), border)}]']
        if v.op is not None:
            lines.append(
                f'op{i} [id="op{i}", label={dot_string(v.op.name)}, shape=ellipse, fontsize=9, margin=0.03, height=0.3]'
            )
        return lines

    groups: dict[str, list[str]] = {}
    top: list[str] = []
    for v in order:
        key = cluster.get(id(v))
        (groups.setdefault(key, []) if key is not None else top).extend(node_lines(v))

    edges: list[str] = []
    for v in order:
        if v.op is None:
            continue
        i = index[id(v)]
        for slot, p in enumerate(v.parents):
            local = number(_local(v, slot), digits)
            text = local
            if formulas:
                names = dict(zip(v.op.operands, (_name(q, digits) for q in v.parents)))
                names["out"] = _name(v, digits)
                formula = fill(v.op.partial(slot).text, names)
                text = local if formula == local else f"{formula} = {local}"
            attrs = [f'id="e{i}.{slot}"', f"label={dot_string(text)}"]
            if highlight is not None:
                attrs += path_style(counts[id(p)] > 0, (id(v), slot))  # p leads to the target
            if not p.requires_grad:
                attrs.append("style=dashed")  # no gradient flows into this operand
            edges.append(f"v{index[id(p)]} -> op{i} [{', '.join(attrs)}]")
        # The edge into v is on a path when v leads to the target and is not the target itself.
        on_path = highlight is not None and counts[id(v)] > 0 and v is not highlight
        attrs = [f'id="e{i}"', *(path_style(on_path, (id(v), -1)) if highlight is not None else [])]
        edges.append(f"op{i} -> v{i} [{', '.join(attrs)}]")

    graph_attrs = [f"rankdir={rankdir}", f'fontname="{FONT}"', "nodesep=0.25", "ranksep=0.35"]
    caption = _caption(output, highlight, paths, counts, digits, max_paths) if highlight is not None else ""
    if caption:
        graph_attrs += [f"label={caption}", "labelloc=b", "labeljust=l"]
    lines = [
        "digraph stepgrad {",
        f"\tgraph [{', '.join(graph_attrs)}]",
        f'\tnode [fontname="{FONT}", fontsize=11, shape=plain]',
        f'\tedge [fontname="{FONT}", fontsize=9, arrowsize=0.6]',
    ]
    lines += [f"\t{line}" for line in top]
    for name, members in groups.items():
        lines.append(f"\tsubgraph {dot_string('cluster_' + name)} {{")
        lines.append(f"\t\tlabel={dot_string(name)} {CLUSTER_STYLE}")
        lines += [f"\t\t{line}" for line in members]
        lines.append("\t}")
    lines += [f"\t{line}" for line in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _caption(
    output: Value, target: Value, paths: list[GraphPath], counts: dict[int, int], digits: int, max_paths: int
) -> str:
    """The graph's caption when highlighting: each path with its product, then their sum."""
    of = f"∂{_name(output, digits)}/∂{_name(target, digits)}"
    total = counts[id(output)]
    if not paths:
        head = (
            f"{total} paths from {_name(output, digits)} to {_name(target, digits)} (coloured); "
            f"more than max_paths={max_paths}, so they are not listed"
        )
        return f"<{_html(head)}>"
    count = f"{len(paths)} path" if len(paths) == 1 else f"{len(paths)} paths"
    rows = [f'<tr><td align="left" colspan="3"><b>{_html(of)}: {count}, one product each</b></td></tr>']
    for k, path in enumerate(paths):
        c = PATH_COLOURS[k] if len(paths) <= len(PATH_COLOURS) else PATH_COLOURS[0]
        route = " ← ".join([_name(output, digits)] + [_stop(node.parents[slot], digits) for node, slot in path.steps])
        factors = " × ".join(number(f, digits) for f in path.factors) or "1"  # the output itself
        rows.append(
            f'<tr><td align="left"><font color="{c}"><b>path {k + 1}</b></font></td>'
            f'<td align="left">{_html(route)}</td>'
            f'<td align="left">{_html(factors)} = <b>{number(path.product, digits)}</b></td></tr>'
        )
    total_value = math.fsum(p.product for p in paths)
    rows.append(
        f'<tr><td align="left"><b>sum</b></td><td align="left">{_html(of)}</td>'
        f'<td align="left"><b>{number(total_value, digits)}</b></td></tr>'
    )
    return f'<<table border="0" cellspacing="0" cellpadding="2">{"".join(rows)}</table>>'


# --- graphviz objects and files -----------------------------------------------------------


def draw(
    output: Value,
    *,
    digits: int = 4,
    formulas: bool = False,
    rankdir: str = "LR",
    highlight: Value | None = None,
    color_by_grad: bool = False,
    max_nodes: int = 500,
    max_paths: int = 64,
    group_neurons: bool = True,
) -> graphviz.Digraph:
    """The computation graph of ``output`` as a ``graphviz.Digraph`` (displays as SVG in Jupyter).

    - ``digits``: significant digits of every number shown.
    - ``formulas``: label each edge with its local derivative's formula as well as its value.
    - ``rankdir``: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
    - ``highlight``: a Value; every path from ``output`` to it is coloured (one colour per path
      when there are at most six) and a caption lists each path's local derivatives and their
      product, then the sum, ∂output/∂highlight. Paths are listed up to ``max_paths``.
    - ``color_by_grad``: shade each Value by |grad| (log scale, white to orange).
    - ``max_nodes``: more Values than this is refused with a ``ValueError`` (never a hang).
    - ``group_neurons``: draw each ``nn`` neuron (``net_X``, ``out_X`` and the unlabelled
      nodes feeding them) inside a box labelled ``X``.

    Needs the ``graphviz`` Python package (``pip install 'stepgrad[viz]'``); the picture itself
    is rendered by Graphviz's ``dot`` (see :func:`export`).

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> g = draw((x * x).labelled("y"), formulas=True)
    >>> 'label="x = 2"' in g.source
    True
    """
    text = dot_source(
        output, digits=digits, formulas=formulas, rankdir=rankdir, highlight=highlight,
        color_by_grad=color_by_grad, max_nodes=max_nodes, max_paths=max_paths, group_neurons=group_neurons,
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
