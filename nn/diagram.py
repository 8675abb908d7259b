"""The neuron-level picture of a network: i1, i2 → h1, h2 → o1, o2, with biases b1, b2.

Each edge carries its weight's name and value; after ``backward`` also ∂E/∂w; given a learning
rate also the updated weight ``w⁺ = w − η·∂E/∂w`` (plain gradient descent, the classic
example's step). :func:`network_dot` is the pure DOT text (golden-tested); :func:`draw_network`
wraps it in a ``graphviz.Digraph``. Export and SVG output as for the computation graph:
``autograd.render.export`` and ``autograd.render.to_svg``.

Only the network's public structure is read: ``sizes``, ``input_names``, ``layers`` →
``neurons`` → ``name``, ``weights``, ``bias``; parameters are the network's own Values, so the
numbers shown are whatever ``data`` and ``grad`` hold now.

Element ids (kept in the SVG) name the parts for the step-through player: ``n-<name>`` for an
input, neuron or shared bias (:func:`node_id`), ``w-<weight>`` for a weight's edge and
``w-<bias>-<neuron>`` for each edge of a shared bias (:func:`edge_id`).
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value
from autograd.escape import dot_string
from autograd.graph import gradient_step
from autograd.render import FONT, as_digraph, number

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw_network", "network_dot", "node_id", "edge_id", "weight_rows", "OUT", "LABEL_LIMIT"]

INPUT_STYLE = 'shape=circle, style=filled, fillcolor="#dbe9f6", width=0.6'
NEURON_STYLE = 'shape=circle, style=filled, fillcolor="#fde0c5", width=0.75'
NEURON_WITH_BIAS_STYLE = 'shape=box, style="rounded,filled", fillcolor="#fde0c5"'  # more lines than a circle holds
EDGE_COLOURS = ("#1f4e79", "#8b2c2c", "#2d6a2d", "#5b3a8c", "#8a5a00", "#444444")
"""Edges into the k-th neuron of a layer share a colour, and so do their labels, so that a label
can be matched to its edge where edges cross."""
BIAS_STYLE = 'shape=circle, style="filled,dashed", fillcolor="#f4f4f4", width=0.5'
LABEL_LIMIT = 60
"""Most weights and biases whose edges are labelled by default. Each label is three lines that
Graphviz must place beside its edge, and past a few dozen they stretch the picture into a tangle
(a 4-10-10-3 network drew 1424×9457 px): a larger network is drawn compact (see draw_network)."""
SIGN_COLOURS = ("#c0392b", "#2c7bb6")  # compact drawings: a positive weight red, a negative one blue


OUT = "out = "
"""What a neuron's output line starts with (the player fills in the number after it)."""


def node_id(name: str) -> str:
    """The DOT/SVG id of an input, neuron or shared-bias node: ``n-`` and its name."""
    return f"n-{name}"


def edge_id(parameter: str, neuron: str | None = None) -> str:
    """The id of a weight's edge (``w-w5``); a shared bias has one edge per neuron (``w-b1-h1``)."""
    return f"w-{parameter}" if neuron is None else f"w-{parameter}-{neuron}"


def weight_rows(w: Value, grads: bool, lr: float | None) -> list[tuple[str, str]]:
    """The lines of a weight's label as (text before the number, which number: data, grad, updated or "")."""
    rows = [(f"{w.label} = ", "data")]
    if not w.requires_grad:
        return [*rows, ("(frozen)", "")]
    if grads:
        rows.append((f"∂E/∂{w.label} = ", "grad"))
    if lr is not None:
        rows.append((f"{w.label}⁺ = ", "updated"))
    return rows


def _weight_label(w: Value, significant: int, grads: bool, lr: float | None) -> str:
    numbers = {"data": w.data, "grad": w.grad}
    if lr is not None:
        numbers["updated"] = gradient_step(w.data, lr, w.grad)
    rows = weight_rows(w, grads, lr)
    return "\n".join(head + (number(numbers[what], significant) if what else "") for head, what in rows)


def _node_label(name: str, value: float | None, significant: int, what: str = "") -> str:
    return name if value is None else f"{name}\n{what}{number(value, significant)}"


def network_dot(
    net: Any,
    *,
    lr: float | None = None,
    inputs: Sequence[float] | None = None,
    grads: bool | None = None,
    significant: int = 4,
    rankdir: str = "LR",
    max_edges: int = 500,
    labels: bool | None = None,
) -> str:
    """The DOT text of the network diagram; see :func:`draw_network` for the options.

    >>> from nn.examples import classic_network
    >>> text = network_dot(classic_network())
    >>> [line.split(" [")[0].strip() for line in text.splitlines() if "label='w" in line.replace('"', "'")][:3]
    ['"i1" -> "h1"', '"i2" -> "h1"', '"i1" -> "h2"']
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw_network: rankdir must be 'LR' or 'TB', got {rankdir!r}")
    if lr is not None and (
        isinstance(lr, bool)
        or not isinstance(lr, numbers.Real)
        or not math.isfinite(lr)
        or lr <= 0
    ):
        raise ValueError(f"draw_network: lr (the learning rate) must be a finite number > 0, got {lr!r}")
    layers = list(net.layers)
    n_edges = sum(len(n.weights) + (n.bias is not None) for layer in layers for n in layer.neurons)
    if n_edges > max_edges:
        raise ValueError(
            f"draw_network: {net!r} has {n_edges} weights and biases, more than max_edges={max_edges}; "
            "Graphviz would take very long and the labels could not be read. Pass a larger max_edges to draw it anyway."
        )
    params = [p for layer in layers for n in layer.neurons for p in (*n.weights, n.bias) if p is not None]
    if grads is None:  # after backward: some trainable parameter has a gradient
        grads = any(p.requires_grad and p.grad != 0.0 for p in params)
    if labels is None:
        labels = n_edges <= LABEL_LIMIT
    largest = max((abs(p.data) for p in params if math.isfinite(p.data)), default=0.0) or 1.0

    def look(w: Value, colour: str, text: str) -> str:
        """An edge's attributes: its label in the edge's colour, or, compact, a colour by sign and a
        width by |w| (the full label becomes the tooltip an SVG viewer shows on hover)."""
        if labels:
            return f'label={dot_string(text)}, color="{colour}", fontcolor="{colour}"'
        width = 0.4 + 3.0 * min(abs(w.data) / largest, 1.0) if math.isfinite(w.data) else 1.0
        return f'color="{SIGN_COLOURS[w.data < 0]}", penwidth={width:.2f}, tooltip={dot_string(text)}'

    # Values shown in the nodes when inputs are given: the inputs and every neuron's output.
    values: dict[str, float] = {}
    if inputs is not None:
        values.update(zip(net.input_names, map(float, inputs)))
        for layer, outs in zip(layers, net.layer_outputs(inputs)):
            values.update((n.name, out.data) for n, out in zip(layer.neurons, outs))

    columns: list[list[str]] = [[
        f"{dot_string(name)} [label={dot_string(_node_label(name, values.get(name), significant))}, {INPUT_STYLE}, "
        f"id={dot_string(node_id(name))}]"
        for name in net.input_names
    ]]
    order: list[list[str]] = [list(net.input_names)]  # node names per column, top to bottom
    edges: list[str] = []
    sources = list(net.input_names)
    for layer in layers:
        column: list[str] = []
        names = order[-1]  # the column the layer's biases join
        biases: dict[int, tuple[Value, list[tuple[str, str]]]] = {}  # id -> (bias, neurons it feeds), first-seen order
        feeds = Counter(id(n.bias) for n in layer.neurons if n.bias is not None)
        for j, neuron in enumerate(layer.neurons):
            colour = EDGE_COLOURS[j % len(EDGE_COLOURS)]
            label = _node_label(neuron.name, values.get(neuron.name), significant, OUT)
            own_bias = neuron.bias is not None and feeds[id(neuron.bias)] == 1
            style = NEURON_STYLE
            if own_bias:  # a neuron's own bias is written inside it: a node and an edge each would crowd the picture
                bias_text = _weight_label(neuron.bias, significant, grads, lr)
                if labels:
                    label, style = label + "\n" + bias_text, NEURON_WITH_BIAS_STYLE
                else:
                    style += f", tooltip={dot_string(bias_text)}"
            element = dot_string(node_id(neuron.name))
            column.append(f"{dot_string(neuron.name)} [label={dot_string(label)}, {style}, id={element}]")
            for source, w in zip(sources, neuron.weights):
                text = _weight_label(w, significant, grads, lr)
                attrs = f"{look(w, colour, text)}, id={dot_string(edge_id(w.label))}"
                edges.append(f"{dot_string(source)} -> {dot_string(neuron.name)} [{attrs}]")
            if neuron.bias is not None and not own_bias:
                biases.setdefault(id(neuron.bias), (neuron.bias, []))[1].append((neuron.name, colour))
        # A shared bias sits in the column of the layer's inputs, as in the example's picture.
        for bias, fed in biases.values():
            quoted = dot_string(bias.label)
            columns[-1].append(f"{quoted} [label={quoted}, {BIAS_STYLE}, id={dot_string(node_id(bias.label))}]")
            names.append(bias.label)
            for name, colour in fed:
                text = _weight_label(bias, significant, grads, lr)
                attrs = f"{look(bias, colour, text)}, style=dashed, id={dot_string(edge_id(bias.label, name))}"
                edges.append(f"{dot_string(bias.label)} -> {dot_string(name)} [{attrs}]")
        columns.append(column)
        order.append([n.name for n in layer.neurons])
        sources = [n.name for n in layer.neurons]

    lines = [
        "digraph network {",
        f'\tgraph [rankdir={rankdir}, fontname="{FONT}", nodesep=0.5, ranksep=1.6, splines=true]',
        f'\tnode [fontname="{FONT}", fontsize=11]',
        f'\tedge [fontname="{FONT}", fontsize=9, arrowsize=0.6, labelfloat=false]',
    ]
    for column, names in zip(columns, order):
        lines.append("\t{ rank=same;")
        lines += [f"\t\t{node}" for node in column]
        if len(names) > 1:  # keep the column's order (biases last), as in the example's picture
            lines.append(f"\t\t{' -> '.join(map(dot_string, names))} [style=invis]")
        lines.append("\t}")
    lines += [f"\t{edge}" for edge in edges]
    captions = [] if labels else [
        f"{n_edges} weights and biases: too many to label (more than {LABEL_LIMIT}). An edge is red for a "
        "positive weight, blue for a negative one, and thicker for a larger |w|; hover over it for its numbers."
    ]
    if lr is not None:
        captions.append(f"w⁺ = w − η·∂E/∂w with η = {number(lr, significant)}")
    if captions:
        lines.insert(2, f"\tlabel={dot_string(chr(10).join(captions))} labelloc=b")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_network(
    net: Any,
    *,
    lr: float | None = None,
    inputs: Sequence[float] | None = None,
    grads: bool | None = None,
    significant: int = 4,
    rankdir: str = "LR",
    max_edges: int = 500,
    labels: bool | None = None,
) -> graphviz.Digraph:
    """The neuron-level diagram of ``net`` as a ``graphviz.Digraph`` (SVG in Jupyter).

    - every edge: the weight's name and value; with ``grads`` (default: when some trainable
      parameter has a nonzero gradient, i.e. after ``backward``) also ∂E/∂w; with a
      ``lr`` also the updated weight w − η·∂E/∂w. Frozen parameters say so.
    - ``inputs``: show the inputs and each neuron's output for this input vector in the nodes.
    - biases: a bias shared by a layer (b1, b2 in the classic network) is a node in the column
      of the layer's inputs, with a dashed edge to each neuron it feeds; a neuron's own bias is
      written inside the neuron, with the same lines as a weight.
    - ``labels``: label every edge (True), or draw compact (False): no labels, each edge red for a
      positive weight and blue for a negative one, as thick as |w| is large, its numbers in a
      tooltip (SVG viewers show it on hover). By default a network with more than
      ``LABEL_LIMIT`` (60) weights and biases is drawn compact: past a few dozen labels Graphviz
      stretches the picture into a tangle.
    - ``max_edges``: a network with more weights and biases than this is refused (``ValueError``).

    >>> from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
    >>> import nn
    >>> net = classic_network()
    >>> nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS).backward()
    >>> g = draw_network(net, lr=0.5)
    >>> "w5⁺ = 0.3589" in g.source
    True
    """
    return as_digraph(
        network_dot(
            net, lr=lr, inputs=inputs, grads=grads, significant=significant, rankdir=rankdir,
            max_edges=max_edges, labels=labels,
        )
    )
