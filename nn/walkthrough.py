"""The classic example told step by step: the document and the drawings ``stepgrad demo`` shows.

The text follows the published derivation: the network, the forward pass and the total error,
the output layer (w5 in full, w6..w8 in brief), the hidden layer (w1 in full with its two paths,
w2..w4 in brief), all eight updates at learning rate 0.5, and the error after the update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from autograd import Value, explain, explain_forward, topological_order
from autograd.printing.document import Document
from autograd.printing.lang import DEMO_STRINGS
from autograd.render import dot_source, draw

from .diagram import draw_network, network_dot
from .examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
from .layers import Network, neuron_of
from .losses import half_sse
from .optim import SGD

__all__ = ["classic_graph", "classic_walkthrough", "LR"]

LR = 0.5  # the published example's learning rate
OUTPUT_WEIGHTS = ("w5", "w6", "w7", "w8")
HIDDEN_WEIGHTS = ("w1", "w2", "w3", "w4")
FULL = ("plan", "local", "chain", "sum", "result", "note")  # w5 and w1: every line
SUMMARY = ("plan", "result")  # w6..w8 and w2..w4: the chain rule and its value

Drawing = tuple[str, object]
"""A graph as DOT text, and as a ``graphviz`` drawing (None without the graphviz package)."""


def classic_graph() -> tuple[Network, dict[str, Value]]:
    """The classic network and its forward pass: every labelled node of E_total's graph by label.

    >>> net, g = classic_graph()
    >>> round(g["E_total"].data, 9), g["w1"] is net["w1"]
    (0.298371109, True)
    """
    net = classic_network()
    error = half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS)
    return net, {v.label: v for v in topological_order(error) if v.label is not None}


def classic_walkthrough(lang: str = "en") -> tuple[Document, dict[str, Drawing]]:
    """The worked example as a :class:`~autograd.printing.document.Document`, and its two
    drawings by name: ``classic-graph`` (E_total's computation graph, w1's two paths
    highlighted) and ``classic-network`` (the neurons, with weights, ∂E/∂w and the updates).

    >>> doc, drawings = classic_walkthrough()
    >>> doc.title, sorted(drawings)
    ('Backpropagation step by step: the classic 2-2-2 network', ['classic-graph', 'classic-network'])
    >>> "w5⁺ = w5 − η·∂E_total/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648" in doc.to("text")
    True
    """
    words = DEMO_STRINGS[lang]
    net, v = classic_graph()
    error = v["E_total"]
    error.backward()
    derivation = {w: explain(error, v[w], lang=lang, lr=LR) for w in OUTPUT_WEIGHTS + HIDDEN_WEIGHTS}
    doc = Document(words["title"], lang)
    doc.heading(words["network"])
    doc.paragraph(words["network_text"])
    doc.derivation(explain_forward(error, lang=lang))  # titled "Forward pass" and "Total error" by the printer
    for heading, (first, *rest) in (("output_layer", OUTPUT_WEIGHTS), ("hidden_layer", HIDDEN_WEIGHTS)):
        doc.heading(words[heading])
        doc.derivation(derivation[first].only(FULL))
        if first == "w1":  # where the published text rounded an intermediate first
            doc.paragraph(words["rounding_note"])
        doc.paragraph(words["similarly"])
        doc.derivation(*(derivation[w].only(SUMMARY) for w in rest))
    doc.heading(words["update"])
    doc.derivation(*(derivation[w].only(["update"]) for w in OUTPUT_WEIGHTS + HIDDEN_WEIGHTS))
    drawings = {"classic-graph": _computation_graph(v), "classic-network": _network_diagram(net)}  # before the update
    SGD(net.parameters(), lr=LR).step()
    doc.heading(words["after"])
    doc.paragraph(words["after_text"])
    after = explain_forward(half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS), lang=lang)
    doc.derivation(replace(after, sections=after.sections[-1:]))  # its last section: E_total = E_o1 + E_o2
    doc.paragraph(words["after_note"])
    return doc, drawings


def _computation_graph(v: dict[str, Value]) -> Drawing:
    return _both(dot_source, draw, v["E_total"], highlight=v["w1"], group=neuron_of)


def _network_diagram(net: Network) -> Drawing:
    return _both(network_dot, draw_network, net, lr=LR)


def _both(source: Callable[..., str], drawing: Callable[..., object], *args: object, **options: object) -> Drawing:
    try:
        made = drawing(*args, **options)
    except ImportError:  # no graphviz package: the DOT text still serves
        made = None
    return source(*args, **options), made
