"""A trained network with the scaling of its data: what ``stepgrad train`` saves and ``predict`` loads.

The seed's MATLAB recipe keeps three things: the network (``newff``, ``train``) and the
``premnmx`` settings of the inputs and of the targets, to scale new inputs (``tramnmx``) and
map the outputs back (``postmnmx``). A :class:`Model` keeps them together, with the data file's
column names and whether the targets are one-hot classes, in one JSON file. :func:`fit` is the
recipe itself. Both refuse what a pure-Python engine cannot hold: at most
:data:`MAX_PARAMETERS` weights and biases.
"""

from __future__ import annotations

import json
import math
import os
import reprlib
from collections.abc import Sequence
from typing import Any

from .activations import ACTIVATIONS, ALIASES, SATURATING, canonical_name
from .data import Dataset, MinMaxScaler, Row, is_column_name
from .layers import BIAS_MODES, Network
from .module import read_document, write_atomically
from .train import History, train

__all__ = ["Model", "fit", "rms_error", "check_size", "check_activation", "parameter_count", "MAX_PARAMETERS",
           "MODEL_FORMAT", "LOSS", "TRAINABLE"]

MODEL_FORMAT = "stepgrad.model"
LOSS = "mse"  # MATLAB's default performance function; the goal is on it, in scaled units

MAX_PARAMETERS = 1_000_000
"""The most weights and biases a network built from an option or a model file may have. Each
is a Value of a few hundred bytes, and one forward pass visits each: past a million, a
pure-Python engine needs gigabytes and minutes per sample."""

TRAINABLE = tuple(name for name in dict.fromkeys(map(canonical_name, ACTIVATIONS)) if name != "threshold")
"""Activations gradient descent can train: all but the threshold unit, whose derivative is 0
wherever it exists (see :data:`nn.activations.THRESHOLD`)."""

# The values each activation can reach, asymptotes included (an output unit is fitted to targets
# in this range); relu is bounded below only, linear not at all.
_REACH = {**SATURATING, "relu": (0.0, math.inf)}


def parameter_count(sizes: Sequence[int], bias: str | None = "neuron") -> int:
    """How many weights and biases ``Network(sizes, bias=bias)`` has.

    >>> parameter_count([4, 5, 3]), parameter_count([2, 2, 2], bias="layer")
    (43, 10)
    """
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    return weights + {"neuron": sum(sizes[1:]), "layer": len(sizes) - 1, None: 0}[bias]


def check_size(sizes: Sequence[int], bias: str | None = "neuron") -> None:
    """Refuse a network of more than :data:`MAX_PARAMETERS` weights and biases, saying so.

    >>> check_size([1, 99999999999999999999, 1])
    Traceback (most recent call last):
    ...
    ValueError: a 1-99999999999999999999-1 network would have 299,999,999,999,999,999,998 weights and biases; \
stepgrad builds at most 1,000,000 (a pure-Python engine needs gigabytes and minutes per sample past that)
    """
    n = parameter_count(sizes, bias)
    if n > MAX_PARAMETERS:
        shape = "-".join(reprlib.repr(s) for s in sizes[:12]) + ("-…" if len(sizes) > 12 else "")
        count = f"{n:,}" if n.bit_length() < 100 else f"about 2^{n.bit_length() - 1}"
        raise ValueError(f"a {shape} network would have {count} weights and biases; stepgrad builds at most "
                         f"{MAX_PARAMETERS:,} (a pure-Python engine needs gigabytes and minutes per sample past that)")


def check_activation(name: str) -> str:
    """The canonical name of an activation a network can be trained with; a ``ValueError`` for
    an unknown name or the threshold unit.

    >>> check_activation("TanSig")
    'tanh'
    >>> check_activation("hardlim")
    Traceback (most recent call last):
    ...
    ValueError: 'hardlim' (threshold) cannot be trained: its derivative is 0 wherever it exists, \
so no gradient reaches the weights; choose sigmoid (logsig), tanh (tansig), relu, linear (purelin)
    """
    canonical = _canonical(name)
    if canonical not in TRAINABLE:
        raise ValueError(f"{name!r} ({canonical}) cannot be trained: its derivative is 0 wherever it exists, so no "
                         f"gradient reaches the weights; choose {activation_names()}")
    return canonical


def activation_names() -> str:
    """The trainable activations with their MATLAB names, for messages and help.

    >>> activation_names()
    'sigmoid (logsig), tanh (tansig), relu, linear (purelin)'
    """
    return ", ".join(map(_with_alias, TRAINABLE))


def _canonical(name: object) -> str:
    if not isinstance(name, str) or name.lower() not in ACTIVATIONS:
        raise ValueError(f"unknown activation {reprlib.repr(name)}; known: {', '.join(sorted(ACTIVATIONS))}")
    return canonical_name(name)


def _with_alias(name: str) -> str:
    alias = next((a for a, n in ALIASES.items() if n == name), None)
    return f"{name} ({alias})" if alias else name


def _one_hot(rows: Sequence[Sequence[float]]) -> bool:
    return len(rows[0]) > 1 and all(sorted(r) == [0.0] * (len(r) - 1) + [1.0] for r in rows)


def _argmax(row: Sequence[float]) -> int:
    return max(range(len(row)), key=row.__getitem__)


def rms_error(predicted: Sequence[Sequence[float]], targets: Sequence[Sequence[float]]) -> float:
    """The root of the mean squared difference over every output of every sample.

    >>> rms_error([(1.0, 2.0)], [(1.0, 4.0)])
    1.4142135623730951
    """
    squares = [(p - t) * (p - t) for ps, ts in zip(predicted, targets) for p, t in zip(ps, ts)]  # ** can overflow
    return math.sqrt(math.fsum(squares) / len(squares))


class Model:
    """A trained network together with the scaling of its inputs and targets (premnmx/postmnmx).

    ``columns`` are the data file's column names (inputs, then targets) or None; ``one_hot``
    says the targets were classes, one column each (the largest output names the class).

    >>> net = Network([1, 1], "linear", init=None)
    >>> net.load_state_dict({"w1": 0.5, "b_o1": 0.0})
    >>> model = Model(net, MinMaxScaler((0.0,), (10.0,)), MinMaxScaler((100.0,), (200.0,)))
    >>> model.predict([(10.0,), (0.0,)])  # scaled 1 → 0.5 → 175; scaled −1 → −0.5 → 125
    [(175.0,), (125.0,)]
    >>> model.input_names, model.target_names
    (['i1'], ['o1'])
    """

    def __init__(
        self,
        net: Network,
        inputs_scaler: MinMaxScaler | None = None,
        targets_scaler: MinMaxScaler | None = None,
        columns: Sequence[str] | None = None,
        one_hot: bool = False,
    ) -> None:
        if (inputs_scaler is None) != (targets_scaler is None):
            raise ValueError("scaling: give both the inputs' and the targets' scaler, or neither")
        if inputs_scaler is not None and (len(inputs_scaler.minimum), len(targets_scaler.minimum)) != (
                net.n_inputs, net.n_outputs):
            raise ValueError("scaling does not match the network's numbers of inputs and outputs")
        if columns is not None:
            columns = list(columns)
            if len(columns) != net.n_inputs + net.n_outputs or not all(map(is_column_name, columns)):
                raise ValueError(f"columns: expected {net.n_inputs + net.n_outputs} names (the inputs', then the "
                                 f"targets') fit for a data file's header, found {reprlib.repr(columns)}")
        if not isinstance(one_hot, bool) or (one_hot and net.n_outputs < 2):
            raise ValueError(f"one_hot: expected true (two or more classes) or false, found {reprlib.repr(one_hot)}")
        self.net, self.inputs_scaler, self.targets_scaler = net, inputs_scaler, targets_scaler
        self.columns, self.one_hot = columns, one_hot

    @property
    def input_names(self) -> list[str]:
        """The inputs' column names (``i1, i2, ...`` when the data had no header)."""
        return self.columns[:self.net.n_inputs] if self.columns else list(self.net.input_names)

    @property
    def target_names(self) -> list[str]:
        """The targets' column names (``o1, o2, ...`` when the data had no header); for a
        one-hot model, the names of the classes."""
        return self.columns[self.net.n_inputs:] if self.columns else self.net.output_names

    def predict(self, inputs: Sequence[Sequence[float]]) -> list[Row]:
        """Outputs in the targets' original units for inputs in their original units."""
        xs = self.inputs_scaler.scale(inputs) if self.inputs_scaler else inputs
        ys = [tuple(v.data for v in self.net(x)) for x in xs]
        return self.targets_scaler.unscale(ys) if self.targets_scaler else ys

    def classes(self, outputs: Sequence[Sequence[float]]) -> list[str]:
        """The class each output vector names (its largest output), for a one-hot model.

        >>> net = Network([1, 2], "linear", init=None)
        >>> Model(net, columns=["x", "cat", "dog"], one_hot=True).classes([(0.1, 0.7), (0.9, 0.2)])
        ['dog', 'cat']
        """
        return [self.target_names[_argmax(y)] for y in outputs]

    def correct(self, outputs: Sequence[Sequence[float]], targets: Sequence[Sequence[float]]) -> int:
        """How many output vectors name the class their one-hot target names."""
        return sum(a == b for a, b in zip(self.classes(outputs), self.classes(targets)))

    def to_json(self) -> str:
        """The model file's text (exact floats; a ``ValueError`` if a parameter is not finite)."""
        document = {
            "format": MODEL_FORMAT,
            "version": 1,
            "architecture": self.net.architecture(),
            "parameters": self.net.state_dict(),
            "normalize": "minmax" if self.inputs_scaler else "none",
            "scaling": {"inputs": self.inputs_scaler.to_dict(), "targets": self.targets_scaler.to_dict()}
            if self.inputs_scaler else None,
            "columns": self.columns,
            "one_hot": self.one_hot,
        }
        return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model file, all or nothing (see :func:`nn.module.write_atomically`)."""
        write_atomically(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Model:
        """Read a model file. Anything but a model file that fits in :data:`MAX_PARAMETERS`
        (not JSON, another format, a wrong type or size anywhere) is a ``ValueError`` naming the
        file and what is wrong; ``OSError`` if the file cannot be read at all."""
        where = os.fspath(path)
        document = read_document(path, MODEL_FORMAT, "stepgrad model file")
        try:
            return cls._from_document(document)
        except ValueError as exc:
            raise ValueError(f"{where}: broken model file: {exc}") from None

    @classmethod
    def _from_document(cls, document: dict[str, Any]) -> Model:
        # Every value is checked for type before it is used, so a wrong one is a ValueError that
        # says where, never a TypeError from inside; the size is checked before anything is built.
        arch = document.get("architecture")
        if not isinstance(arch, dict) or arch.get("module") != "Network":
            raise ValueError(f"expected a Network architecture, found {reprlib.repr(arch)}")
        sizes, activations, bias = arch.get("sizes"), arch.get("activations"), arch.get("bias")
        if not isinstance(sizes, list) or not all(type(s) is int and s >= 1 for s in sizes) or len(sizes) < 2:
            raise ValueError(f"architecture: sizes must be two or more positive integers, found {reprlib.repr(sizes)}")
        if not isinstance(activations, list):
            raise ValueError(f"architecture: activations must be a list of names, found {reprlib.repr(activations)}")
        activations = [_canonical(a) for a in activations]
        if not any(bias == mode and type(bias) is type(mode) for mode in BIAS_MODES):
            raise ValueError(f"architecture: bias must be 'neuron', 'layer' or null, found {reprlib.repr(bias)}")
        check_size(sizes, bias)
        net = Network(sizes, activations, bias=bias, init=None)
        net.load_state_dict(document.get("parameters"), source="parameters")
        scaling = document.get("scaling")
        scalers = (None, None)
        if scaling is not None:
            if not isinstance(scaling, dict):
                raise ValueError(f"scaling: expected inputs and targets, found {reprlib.repr(scaling)}")
            scalers = tuple(MinMaxScaler.from_dict(scaling.get(part)) for part in ("inputs", "targets"))
        return cls(net, *scalers, columns=_list_or_none(document.get("columns"), "columns"),
                   one_hot=document.get("one_hot", False))


def _list_or_none(value: object, what: str) -> list | None:
    if value is not None and not isinstance(value, list):
        raise ValueError(f"{what}: expected a list or null, found {reprlib.repr(value)}")
    return value


def fit(
    data: Dataset,
    hidden: Sequence[int],
    *,
    activation: str = "tansig",
    output_activation: str = "purelin",
    init: str = "xavier",
    normalize: str = "minmax",
    seed: int | None = 0,
    check: Dataset | None = None,
    **options: Any,
) -> tuple[Model, History]:
    """The seed's MATLAB recipe: scale inputs and targets to [−1, 1] by the training data's
    minimum and maximum (``normalize="minmax"``, premnmx; or ``"none"``), build the network
    (newff), train it on the mean squared error (train; ``options`` go to :func:`nn.train`).

    Refused with a ``ValueError`` before any work: a check set of another width, an activation
    that cannot be trained, a network past :data:`MAX_PARAMETERS`, and an output activation
    whose values cannot reach the (scaled) training targets, with what to do instead.

    >>> from nn.data import parse_data
    >>> data = parse_data("x t\\n0 0\\n1 2\\n2 4\\n")
    >>> model, history = fit(data, [2], activation="linear", epochs=100, lr=0.1)
    >>> [round(t, 3) for (t,) in model.predict([(0.5,), (1.5,)])]  # t = 2x, in the data's own units
    [1.0, 3.0]
    >>> fit(data, [2], output_activation="logsig")
    Traceback (most recent call last):
    ...
    ValueError: the output activation 'logsig' reaches only [0, 1], but the training targets, scaled to [-1, 1], \
span [-1, 1]: choose tanh (tansig) or linear (purelin) for the output layer
    """
    if normalize not in ("minmax", "none"):
        raise ValueError(f"normalize must be 'minmax' or 'none', got {reprlib.repr(normalize)}")
    if check is not None and (check.n_inputs, check.n_targets) != (data.n_inputs, data.n_targets):
        raise ValueError(f"{check.source}: {check.n_inputs} input and {check.n_targets} target columns, but "
                         f"{data.source} has {data.n_inputs} and {data.n_targets}")
    activations = [check_activation(activation)] * len(hidden) + [check_activation(output_activation)]
    sizes = [data.n_inputs, *hidden, data.n_targets]
    check_size(sizes)
    scalers = (None, None)
    if normalize == "minmax":
        scalers = (MinMaxScaler.fit(data.inputs), MinMaxScaler.fit(data.targets))

    def scaled(d: Dataset) -> tuple[list[Sequence[float]], list[Sequence[float]]]:
        if scalers[0] is None:
            return list(d.inputs), list(d.targets)
        return scalers[0].scale(d.inputs), scalers[1].scale(d.targets)

    inputs, targets = scaled(data)
    _check_reach(output_activation, [t for row in targets for t in row], [t for row in data.targets for t in row],
                 scaled=scalers[0] is not None)
    net = Network(sizes, activations, init=init, seed=seed)
    history = train(net, inputs, targets, loss=LOSS, check=scaled(check) if check is not None else None, seed=seed,
                    **options)
    columns = list(data.header) if data.header else None
    return Model(net, *scalers, columns=columns, one_hot=_one_hot(data.targets)), history


def _reach(activation: str) -> tuple[float, float]:
    return _REACH.get(_canonical(activation), (-math.inf, math.inf))


def _covers(activation: str, values: Sequence[float]) -> bool:
    lo, hi = _reach(activation)
    return lo <= min(values) and max(values) <= hi


def _check_reach(activation: str, targets: Sequence[float], raw: Sequence[float], *, scaled: bool) -> None:
    """Refuse an output unit that cannot reach the targets it is trained on (a logistic output
    and targets scaled to [−1, 1] trains towards values it never gives), saying what would."""
    if _covers(activation, targets):
        return
    lo, hi = _reach(activation)
    fits = [_with_alias(name) for name in TRAINABLE if _covers(name, targets)]
    told = f"the training targets, scaled to [-1, 1], span [{min(targets):g}, {max(targets):g}]" if scaled else \
        f"the training targets span [{min(targets):g}, {max(targets):g}]"
    advice = f"choose {' or '.join(fits)} for the output layer"
    if scaled and _covers(activation, raw):
        advice += f", or train on unscaled targets (normalize none): they span [{min(raw):g}, {max(raw):g}]"
    raise ValueError(f"the output activation {activation!r} reaches only [{lo:g}, {hi:g}], but {told}: {advice}")
