"""Neurons, layers and multilayer networks, named as in the classic example.

Naming (see the README's "Networks" section):

- inputs ``i1, i2, ...``; outputs ``o1, o2, ...``; with one hidden layer its neurons are
  ``h1, h2, ...``; with several, neuron j of hidden layer k is ``h<k>_<j>`` (``h2_3``);
- each neuron's weighted sum is labelled ``net_<neuron>`` and its activation ``out_<neuron>``;
- weights are numbered ``w1, w2, ...`` through the whole network, layer by layer, neuron by
  neuron, in input order (so w1 is i1→h1, w2 i2→h1, w3 i1→h2, ... as in the example);
- a bias per neuron is ``b_<neuron>`` (``b_h1``); a bias shared by a layer is ``b<k>`` for
  the k-th layer of weights (``b1`` hidden, ``b2`` output in the classic network).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from autograd import Value, apply
from autograd.ops import ADD_N, MUL

from .activations import canonical_name, get_activation
from .module import Module

__all__ = ["Neuron", "Layer", "Network", "BIAS_MODES", "as_inputs", "neuron_of"]

BIAS_MODES = ("neuron", "layer", None)
"""Bias options: one per neuron (default), one shared by the layer's neurons, or none."""

Input = Value | float | int


def neuron_of(label: str) -> str | None:
    """The neuron a Value belongs to, by its label (``net_h1`` and ``out_h1`` are h1's), or None:
    what ``autograd.draw(..., group=nn.neuron_of)`` boxes together.

    >>> neuron_of("out_h1"), neuron_of("w5")
    ('h1', None)
    """
    for prefix in ("net_", "out_"):
        if label.startswith(prefix) and len(label) > len(prefix):
            return label[len(prefix):]
    return None


def as_inputs(xs: Sequence[Input], n: int, *, where: str, names: Sequence[str] | None = None) -> list[Value]:
    """Check an input vector (length, real numbers, no NaN) and make its numbers Values.

    Numbers become constants labelled ``i1, i2, ...`` (or ``names``); Values pass unchanged.

    >>> as_inputs([0.05, 0.10], 2, where="Network")
    [Value(label='i1', data=0.05, grad=0.0), Value(label='i2', data=0.1, grad=0.0)]
    >>> as_inputs([0.05], 2, where="Network")
    Traceback (most recent call last):
    ...
    ValueError: Network expects 2 inputs (i1, i2), got 1
    """
    names = names or [f"i{k}" for k in range(1, n + 1)]
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__"):  # lists, tuples, NumPy rows
        raise TypeError(f"{where} expects a list of {n} inputs, got {type(xs).__name__} {xs!r}")
    if len(xs) != n:
        raise ValueError(f"{where} expects {n} inputs ({', '.join(names)}), got {len(xs)}")
    out = []
    for name, x in zip(names, xs):
        if isinstance(x, Value):
            out.append(x)
            continue
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"{where}: input {name} is {type(x).__name__} {x!r}, not a number")
        if math.isnan(x):
            raise ValueError(f"{where}: input {name} is NaN")
        out.append(Value(float(x), name, requires_grad=False))
    return out


class Neuron(Module):
    """One unit: ``out = activation(w1·x1 + w2·x2 + ... + b)``.

    ``bias`` is True (its own bias ``b_<name>``), False/None (no bias) or a Value shared with
    other neurons (a layer's shared bias; then the layer, not the neuron, lists it).
    Weights start at 0 (use :mod:`nn.init`).

    >>> n = Neuron(2, "sigmoid", name="h1")
    >>> out = n([0.05, 0.10])
    >>> out.label, out.data, out.parents[0].label
    ('out_h1', 0.5, 'net_h1')
    """

    def __init__(
        self,
        n_inputs: int,
        activation: str = "sigmoid",
        *,
        name: str = "n1",
        weight_names: Sequence[str] | None = None,
        bias: bool | Value | None = True,
    ) -> None:
        if not isinstance(n_inputs, int) or n_inputs < 1:
            raise ValueError(f"Neuron {name}: n_inputs must be a positive integer, got {n_inputs!r}")
        weight_names = list(weight_names or (f"w{k}" for k in range(1, n_inputs + 1)))
        if len(weight_names) != n_inputs:
            raise ValueError(f"Neuron {name}: {n_inputs} inputs but {len(weight_names)} weight names")
        self.name = name
        self.n_inputs = n_inputs
        self.activation = canonical_name(activation)
        self._act = get_activation(activation)
        self.weights = [Value(0.0, w) for w in weight_names]
        if bias is True:
            self.bias: Value | None = Value(0.0, f"b_{name}")
            self.owns_bias = True
        else:
            self.bias = bias or None
            self.owns_bias = False
        self._net_label = f"net_{name}"
        self._out_label = f"out_{name}"

    def _parameters(self) -> Iterator[Value]:
        yield from self.weights
        if self.owns_bias:
            yield self.bias

    def __call__(self, inputs: Sequence[Input]) -> Value:
        """The neuron's output for one input vector (numbers or Values)."""
        if len(inputs) != self.n_inputs:
            raise ValueError(f"neuron {self.name} expects {self.n_inputs} inputs, got {len(inputs)}")
        # The hot path: one product node per input and one add_n node for the weighted sum.
        terms = [apply(MUL, w, x) for w, x in zip(self.weights, inputs)]
        if self.bias is not None:
            terms.append(self.bias)
        net = apply(ADD_N, *terms, label=self._net_label)
        out = self._act(net)
        out.label = self._out_label  # linear: the sum itself is the output, labelled out_<name>
        return out

    def __repr__(self) -> str:
        return f"Neuron({self.n_inputs}, {self.activation!r}, name={self.name!r})"


class Layer(Module):
    """A row of neurons that all see the same inputs.

    ``names`` are the neurons' names (default ``n1, n2, ...``); weights are numbered from
    ``first_weight``, neuron by neuron in input order; ``bias`` is ``"neuron"``, ``"layer"``
    (one shared Value named ``bias_name``) or None.

    >>> layer = Layer(2, 2, names=["h1", "h2"], bias="layer", bias_name="b1")
    >>> [name for name, _ in layer.named_parameters()]
    ['w1', 'w2', 'w3', 'w4', 'b1']
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: str = "sigmoid",
        *,
        bias: str | None = "neuron",
        names: Sequence[str] | None = None,
        first_weight: int = 1,
        bias_name: str = "b1",
    ) -> None:
        if bias not in BIAS_MODES:
            raise ValueError(f"Layer: bias must be 'neuron', 'layer' or None, got {bias!r}")
        if not isinstance(n_outputs, int) or n_outputs < 1:
            raise ValueError(f"Layer: n_outputs must be a positive integer, got {n_outputs!r}")
        names = list(names or (f"n{j}" for j in range(1, n_outputs + 1)))
        if len(names) != n_outputs:
            raise ValueError(f"Layer: {n_outputs} neurons but {len(names)} names")
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.activation = canonical_name(activation)
        self.bias_mode = bias
        self.shared_bias = Value(0.0, bias_name) if bias == "layer" else None
        self.neurons = []
        for j, name in enumerate(names):
            first = first_weight + j * n_inputs
            self.neurons.append(Neuron(
                n_inputs, activation, name=name,
                weight_names=[f"w{k}" for k in range(first, first + n_inputs)],
                bias=self.shared_bias if bias == "layer" else bias == "neuron",
            ))

    def _parameters(self) -> Iterator[Value]:
        for neuron in self.neurons:
            yield from neuron._parameters()
        if self.shared_bias is not None:
            yield self.shared_bias

    @property
    def weights(self) -> list[Value]:
        """The layer's weights, neuron by neuron."""
        return [w for n in self.neurons for w in n.weights]

    @property
    def biases(self) -> list[Value]:
        """The layer's biases (one per neuron, the shared one, or none)."""
        if self.shared_bias is not None:
            return [self.shared_bias]
        return [n.bias for n in self.neurons if n.bias is not None]

    def __call__(self, inputs: Sequence[Input]) -> list[Value]:
        """Every neuron's output for one input vector.

        >>> [v.data for v in Layer(2, 2)([1.0, 2.0])]  # weights start at 0: sigmoid(0) each
        [0.5, 0.5]
        """
        return [neuron(inputs) for neuron in self.neurons]


class Network(Module):
    """A multilayer network: ``sizes = [inputs, hidden..., outputs]``.

    ``activation`` is one name for every layer or a list with one name per layer of weights;
    ``bias`` is ``"neuron"`` (default), ``"layer"`` or None; ``init`` is ``"xavier"``
    (default), ``"he"``, ``"uniform"`` (uniform(0, 1), the seed's advice for normalised
    inputs), ``None`` (all zeros) or a callable ``init(network, seed=seed)``; ``seed`` makes
    the initial weights reproducible.

    >>> net = Network([2, 3, 1], activation=["tanh", "sigmoid"], seed=0)
    >>> [n.name for layer in net.layers for n in layer.neurons]
    ['h1', 'h2', 'h3', 'o1']
    >>> [name for name, _ in net.named_parameters()][-4:]
    ['w7', 'w8', 'w9', 'b_o1']
    >>> net.state_dict() == Network([2, 3, 1], activation=["tanh", "sigmoid"], seed=0).state_dict()
    True
    >>> [v.label for v in net([1.0, 0.5])]
    ['out_o1']
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        *,
        bias: str | None = "neuron",
        init: str | Callable[..., None] | None = "xavier",
        seed: int | None = None,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in sizes):
            raise ValueError(f"Network: sizes must be two or more positive integers [inputs, ..., outputs], "
                             f"got {sizes!r}")
        n_layers = len(sizes) - 1
        activations = [activation] * n_layers if isinstance(activation, str) else list(activation)
        if len(activations) != n_layers:
            raise ValueError(f"Network: {n_layers} layers of weights but {len(activations)} activations "
                             f"{activations!r}")
        self.sizes = sizes
        self.input_names = [f"i{k}" for k in range(1, sizes[0] + 1)]
        self.layers: list[Layer] = []
        first_weight = 1
        for k in range(1, n_layers + 1):
            if k == n_layers:
                names = [f"o{j}" for j in range(1, sizes[k] + 1)]
            elif n_layers == 2:
                names = [f"h{j}" for j in range(1, sizes[k] + 1)]
            else:
                names = [f"h{k}_{j}" for j in range(1, sizes[k] + 1)]
            try:
                layer = Layer(sizes[k - 1], sizes[k], activations[k - 1], bias=bias, names=names,
                              first_weight=first_weight, bias_name=f"b{k}")
            except ValueError as exc:
                raise ValueError(f"Network layer {k}: {exc}") from None
            self.layers.append(layer)
            first_weight += sizes[k - 1] * sizes[k]
        self.bias_mode = bias
        self._by_name = {p.label: p for p in self._parameters()}
        _initialise(self, init, seed)

    def _parameters(self) -> Iterator[Value]:
        for layer in self.layers:
            yield from layer._parameters()

    def __getitem__(self, name: str) -> Value:
        try:
            return self._by_name[name]
        except KeyError:
            return super().__getitem__(name)  # raises, listing the names

    @property
    def n_inputs(self) -> int:
        """How many inputs the network takes."""
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        """How many outputs it gives."""
        return self.sizes[-1]

    @property
    def output_names(self) -> list[str]:
        """``o1, o2, ...``."""
        return [n.name for n in self.layers[-1].neurons]

    def architecture(self) -> dict[str, Any]:
        """Sizes, activation per layer and bias mode: what a saved file must match."""
        return {"module": "Network", "sizes": self.sizes, "activations": [layer.activation for layer in self.layers],
                "bias": self.bias_mode}

    def layer_outputs(self, inputs: Sequence[Input]) -> list[list[Value]]:
        """Every layer's outputs (``out_h1, ...``, then ``out_o1, ...``) for one input vector.

        >>> [[v.label for v in layer] for layer in Network([2, 2, 1]).layer_outputs([0.0, 1.0])]
        [['out_h1', 'out_h2'], ['out_o1']]
        """
        xs = as_inputs(inputs, self.sizes[0], where="Network", names=self.input_names)
        outputs = []
        for layer in self.layers:
            xs = layer(xs)
            outputs.append(xs)
        return outputs

    def __call__(self, inputs: Sequence[Input]) -> list[Value]:
        """The outputs (``out_o1, out_o2, ...``) for one input vector of numbers or Values.

        >>> net = Network([2, 1], activation="linear", init=None)
        >>> net.load_state_dict({"w1": 2.0, "w2": 3.0, "b_o1": 1.0})
        >>> net([1.0, Value(-1.0, "x")])
        [Value(label='out_o1', data=0.0, grad=0.0)]
        """
        xs = as_inputs(inputs, self.sizes[0], where="Network", names=self.input_names)
        for layer in self.layers:
            xs = layer(xs)
        return xs

    def __repr__(self) -> str:
        acts = [layer.activation for layer in self.layers]
        return f"Network({self.sizes}, activation={acts}, bias={self.bias_mode!r})"


def _initialise(net: Network, init: str | Callable[..., None] | None, seed: int | None) -> None:
    from . import init as initialisers

    if init is None:
        return
    if callable(init):
        init(net, seed=seed)
        return
    known = {"xavier": initialisers.xavier, "glorot": initialisers.xavier, "he": initialisers.he,
             "uniform": initialisers.uniform}
    if init not in known:
        raise ValueError(f"Network: unknown init {init!r}; known: {', '.join(known)}, None or a callable")
    known[init](net, seed=seed)
