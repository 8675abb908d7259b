"""The classic 2-2-2 network of the step-by-step backpropagation example.

Inputs i1, i2 → hidden h1, h2 → outputs o1, o2, logistic units, one bias per layer shared by
its two neurons, error E_total = ½(target_o1 − out_o1)² + ½(target_o2 − out_o2)².
"""

from __future__ import annotations

from autograd import Value, add_n, half_squared_error

from .layers import Network

CLASSIC_INPUTS = (0.05, 0.10)
CLASSIC_TARGETS = (0.01, 0.99)
CLASSIC_WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
CLASSIC_BIASES = {"b1": 0.35, "b2": 0.60}


def classic_network() -> Network:
    """The published network as an :class:`nn.Network`: w1..w8 = .15 .20 .25 .30 .40 .45 .50
    .55, one sigmoid layer of two hidden units and one of two outputs, each layer with one
    shared bias (b1 = .35, b2 = .60), frozen as in the example, which never updates them.

    >>> net = classic_network()
    >>> [round(o.data, 9) for o in net(CLASSIC_INPUTS)]
    [0.75136507, 0.772928465]
    >>> net["b1"].requires_grad
    False
    """
    net = Network([2, 2, 2], activation="sigmoid", bias="layer", init=None)
    net.load_state_dict({**CLASSIC_WEIGHTS, **CLASSIC_BIASES})
    net.freeze(*CLASSIC_BIASES)
    return net


def classic_values() -> dict[str, Value]:
    """The classic network written directly with Values; every node by its label.

    >>> v = classic_values()
    >>> v["E_total"].backward()
    >>> round(v["w5"].grad, 9), round(v["w1"].grad, 9)
    (0.082167041, 0.000438568)
    """
    v: dict[str, Value] = {}
    for name, x in zip(("i1", "i2"), CLASSIC_INPUTS):
        v[name] = Value(x, name, requires_grad=False)
    for name, t in zip(("target_o1", "target_o2"), CLASSIC_TARGETS):
        v[name] = Value(t, name, requires_grad=False)
    for name, w in CLASSIC_WEIGHTS.items():
        v[name] = Value(w, name)
    for name, b in CLASSIC_BIASES.items():
        v[name] = Value(b, name, requires_grad=False)  # the example never updates its biases

    def neuron(name: str, w_a: str, w_b: str, x_a: str, x_b: str, bias: str) -> None:
        net = add_n([v[w_a] * v[x_a], v[w_b] * v[x_b], v[bias]], label=f"net_{name}")
        v[f"net_{name}"] = net
        v[f"out_{name}"] = net.sigmoid().labelled(f"out_{name}")

    neuron("h1", "w1", "w2", "i1", "i2", "b1")
    neuron("h2", "w3", "w4", "i1", "i2", "b1")
    neuron("o1", "w5", "w6", "out_h1", "out_h2", "b2")
    neuron("o2", "w7", "w8", "out_h1", "out_h2", "b2")
    v["E_o1"] = half_squared_error(v["out_o1"], v["target_o1"], label="E_o1")
    v["E_o2"] = half_squared_error(v["out_o2"], v["target_o2"], label="E_o2")
    v["E_total"] = (v["E_o1"] + v["E_o2"]).labelled("E_total")
    return v
