"""nn.player: one training step of a network, played step by step on its neuron-level diagram.

The steps are those of :func:`autograd.player` for the network's error (per neuron: net, out,
δ = ∂E/∂net, ∂E/∂w for each weight, the update); the picture is :func:`nn.diagram.network_dot`,
whose element ids name inputs, neurons, biases and weight edges, with a switch to the full
computation graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd.player_page import (
    MAX_NODES,
    Player,
    View,
    graph_view,
    langs_of,
    quiz_data,
    quiz_of,
    record,
    recorded_grads,
)
from autograd.render import dot_source

from .diagram import OUT, edge_id, network_dot, node_id, weight_rows
from .layers import neuron_of
from .losses import get_loss

__all__ = ["player", "network_view"]


def player(
    net: Any,
    inputs: Sequence[float],
    targets: Sequence[float],
    *,
    loss: str = "half_sse",
    lr: float | None = None,
    lang: str | Sequence[str] = "en",
    quiz: bool | str | Sequence[str] = False,
) -> Player:
    """The step-through player of one pass of ``net`` on one sample: forward, error, backward, update.

    ``loss`` names the error (``half_sse``, the example's ½Σ(t − o)², ``sse``, ``mse``, ``bce``);
    ``lr`` adds an update step per trainable parameter; ``lang`` is ``"en"``, ``"zh"`` or both.
    The page opens on the network diagram and switches to the computation graph (left out when
    that graph has more than ``autograd.player_page.MAX_NODES`` Values). The network is not changed.
    ``quiz=True`` makes the page a quiz on every quantity of the pass (or on what ``quiz`` asks,
    as :func:`autograd.exercise`'s ``ask``): see :func:`autograd.player`.

    >>> from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
    >>> p = player(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS, lr=0.5)
    >>> [view.kind for view in p.views]
    ['network', 'graph']
    >>> len(player(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS, lr=0.5, quiz="update").questions)
    9
    """
    langs = langs_of(lang, where="nn.player")
    error = get_loss(loss)(net(inputs), targets)
    ex = quiz_of(quiz, error, lr, where="nn.player")
    trainable = [p for p in net.parameters() if p.requires_grad]
    trace = record(error, trainable or None, lr, langs)
    views = [network_view(net, trace, inputs, lr)]
    if len(trace["nodes"]) <= MAX_NODES:
        dot = dot_source(error, max_nodes=MAX_NODES, group=neuron_of, grads=recorded_grads(error, trace))
        views.append(graph_view(trace, dot))
    sizes = "-".join(str(n) for n in net.sizes)
    title = f"stepgrad · {'quiz · ' if ex is not None else ''}network {sizes}"
    return Player(trace, views, title=title, quiz=quiz_data(ex, trace))


def network_view(net: Any, trace: dict[str, Any], inputs: Sequence[float], lr: float | None) -> View:
    """The diagram's view: each input, neuron, bias and weight edge tied to the trace's nodes by label."""
    by_label = {n["label"]: n["id"] for n in trace["nodes"] if n["label"] is not None}
    consumers: dict[str, list[str]] = {}  # node id -> the nodes it feeds
    for n in trace["nodes"]:
        for parent in n["parents"]:
            consumers.setdefault(parent, []).append(n["id"])
    slots: list[dict[str, str]] = []
    mapping: dict[str, list[str]] = {}

    def tie(element: str, labels: Sequence[str]) -> None:
        ids = [by_label[label] for label in labels if label in by_label]
        if ids:
            mapping.setdefault(element, []).extend(ids)

    def show(element: str, prefix: str, field: str, label: str) -> None:
        if field and label in by_label:
            slots.append({"element": element, "prefix": prefix, "field": field, "node": by_label[label]})

    def parameter(element: str, p: Any, product: bool) -> None:
        tie(element, [p.label])
        if product and p.label in by_label:  # w·x: the product's step lights the weight's edge
            mapping[element] += consumers.get(by_label[p.label], [])
        for prefix, field in weight_rows(p, True, lr):
            show(element, prefix, field, p.label)

    for name in net.input_names:
        tie(node_id(name), [name])
        show(node_id(name), "", "data", name)
    shared = set()
    for layer in net.layers:
        feeds: dict[int, int] = {}
        for neuron in layer.neurons:
            if neuron.bias is not None:
                feeds[id(neuron.bias)] = feeds.get(id(neuron.bias), 0) + 1
        for neuron in layer.neurons:
            element = node_id(neuron.name)
            tie(element, [f"net_{neuron.name}", f"out_{neuron.name}", f"E_{neuron.name}"])
            show(element, OUT, "data+updated", f"out_{neuron.name}")  # its output, then after the update
            for w in neuron.weights:
                parameter(edge_id(w.label), w, True)
            bias = neuron.bias
            if bias is None:
                continue
            if feeds[id(bias)] == 1:  # written inside the neuron (see network_dot)
                for prefix, field in weight_rows(bias, True, lr):
                    show(element, prefix, field, bias.label)
            else:
                if id(bias) not in shared:
                    shared.add(id(bias))
                    tie(node_id(bias.label), [bias.label])
                parameter(edge_id(bias.label, neuron.name), bias, False)
    dot = network_dot(net, lr=lr, inputs=inputs, grads=True)
    return View("network", dot, slots, mapping)
