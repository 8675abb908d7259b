"""The classic 2-2-2 network of the step-by-step backpropagation example.

Inputs i1, i2 → hidden h1, h2 → outputs o1, o2, logistic units, one bias per layer shared by
its two neurons, error E_total = ½(target_o1 − out_o1)² + ½(target_o2 − out_o2)².
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from autograd import Value, add_n, half_squared_error

from .layers import Network

if TYPE_CHECKING:
    from autograd.exercise import Exercise

CLASSIC_INPUTS = (0.05, 0.10)
CLASSIC_TARGETS = (0.01, 0.99)
CLASSIC_WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
CLASSIC_BIASES = {"b1": 0.35, "b2": 0.60}


def classic_network(
    weights: dict[str, float] = CLASSIC_WEIGHTS, biases: dict[str, float] = CLASSIC_BIASES
) -> Network:
    """The published network as an :class:`nn.Network`: w1..w8 = .15 .20 .25 .30 .40 .45 .50
    .55, one sigmoid layer of two hidden units and one of two outputs, each layer with one
    shared bias (b1 = .35, b2 = .60), frozen as in the example, which never updates them.
    Other ``weights`` and ``biases`` give the same network with other numbers.

    >>> net = classic_network()
    >>> [round(o.data, 9) for o in net(CLASSIC_INPUTS)]
    [0.75136507, 0.772928465]
    >>> net["b1"].requires_grad
    False
    """
    net = Network([2, 2, 2], activation="sigmoid", bias="layer", init=None)
    net.load_state_dict({**weights, **biases})
    net.freeze(*biases)
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


CLASSIC_LR = 0.5
"""The learning rate of the published update."""


def classic_variant(seed: int) -> dict[str, dict[str, float] | tuple[float, float]]:
    """Numbers for the classic network that are as easy to work with by hand as the published
    ones: weights, biases, inputs and targets with two decimals, drawn from ``seed`` (the same
    seed gives the same numbers on every machine and Python version, as :class:`random.Random`
    promises). Drawn again until no unit is near saturation (every out between 0.1 and 0.9),
    every output is at least 0.05 from its target, and every weight has a gradient of at least
    0.0001, so that each step of the pass has something to show.

    >>> v = classic_variant(7)
    >>> v == classic_variant(7), sorted(v)
    (True, ['biases', 'inputs', 'targets', 'weights'])
    """
    from .losses import half_sse

    rng = random.Random(seed)

    def two_decimals(low: int, high: int) -> float:  # k/100 for low ≤ k ≤ high, |k| ≥ 5: never 0
        k = 0
        while abs(k) < 5:
            k = rng.randint(low, high)
        return k / 100

    for _ in range(10_000):
        numbers = {
            "weights": {f"w{k}": two_decimals(-90, 90) for k in range(1, 9)},
            "biases": {"b1": two_decimals(-50, 90), "b2": two_decimals(-50, 90)},
            "inputs": (two_decimals(5, 99), two_decimals(5, 99)),
            "targets": (two_decimals(5, 95), two_decimals(5, 95)),
        }
        net = classic_network(numbers["weights"], numbers["biases"])
        hidden, outputs = net.layer_outputs(numbers["inputs"])
        error = half_sse(outputs, numbers["targets"])
        error.backward()
        if (
            all(0.1 <= o.data <= 0.9 for o in (*hidden, *outputs))
            and all(abs(t - o.data) >= 0.05 for t, o in zip(numbers["targets"], outputs))
            and all(abs(net[w].grad) >= 1e-4 for w in numbers["weights"])
        ):
            return numbers
    raise RuntimeError(f"classic_variant: no suitable numbers found for seed {seed!r}")  # never seen


def classic_exercise(
    seed: int | None = None, ask: str | Sequence[str] = "all", *, lr: float = CLASSIC_LR
) -> Exercise:
    """The classic network as an exercise (see :func:`autograd.exercise`): the published
    numbers, or with a ``seed`` a variant of the same network with numbers of its own (see
    :func:`classic_variant`). ``ask`` says what the learner computes (default: the whole pass,
    forward, backward and the update at learning rate ``lr``). The worksheet draws the network
    with its weights.

    >>> ex = classic_exercise(ask="dE_total/dw5")
    >>> [(q.name, round(q.value, 9)) for q in ex.questions]
    [('dE_total/dw5', 0.082167041)]
    >>> print(ex.check({"dE_total/dw5": "0.0822"}).score_line())
    Score: 1 of 1 right
    """
    from autograd.exercise import exercise

    from .diagram import network_dot
    from .losses import half_sse

    if seed is None:
        weights, biases, inputs, targets = CLASSIC_WEIGHTS, CLASSIC_BIASES, CLASSIC_INPUTS, CLASSIC_TARGETS
        title = {"en": "Backpropagation by hand: the classic 2-2-2 network", "zh": "手算反向传播：经典的 2-2-2 网络"}
    else:
        numbers = classic_variant(seed)
        weights, biases, inputs, targets = (numbers[k] for k in ("weights", "biases", "inputs", "targets"))
        title = {
            "en": f"Backpropagation by hand: the 2-2-2 network, variant {seed}",
            "zh": f"手算反向传播：2-2-2 网络（变式 {seed}）",
        }
    net = classic_network(weights, biases)
    error = half_sse(net(inputs), targets)
    return exercise(error, ask, lr=lr, diagram=network_dot(net, grads=False), title=title)
