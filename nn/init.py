"""Initialisers: set a Neuron's, Layer's or Network's parameters from a seeded generator.

Frozen parameters (``requires_grad=False``) are left alone. ``seed`` is an int (the same seed
gives the same weights), a ``random.Random`` to draw from, or None (unseeded).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the initialisers read a module's structure; layers.py calls them when it builds one
    from .layers import Layer, Neuron
    from .module import Module

__all__ = ["uniform", "xavier", "he"]


def _rng(seed: int | random.Random | None) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _layers(module: Module) -> list[Layer | Neuron]:
    if hasattr(module, "layers"):  # a Network
        return list(module.layers)
    if hasattr(module, "neurons") or hasattr(module, "weights"):  # a Layer, a Neuron
        return [module]
    raise TypeError(f"initialisers work on a Neuron, Layer or Network, not {type(module).__name__}")


def _fans(layer: Layer | Neuron) -> tuple[int, int]:
    return layer.n_inputs, getattr(layer, "n_outputs", 1)


def _biases(layer: Layer | Neuron) -> list:
    if not hasattr(layer, "neurons"):  # a Neuron
        return [layer.bias] if layer.owns_bias else []
    return layer.biases


def uniform(module: Module, low: float = 0.0, high: float = 1.0, *, seed: int | random.Random | None = None) -> None:
    """Every weight and bias drawn from uniform(low, high).

    The default uniform(0, 1) is the seed's advice for normalised inputs ("w和b取0-1的随机数");
    ``uniform(net, -a, a)`` is the symmetric version.

    >>> from nn import Network
    >>> net = Network([2, 2, 1], init=None)
    >>> uniform(net, -0.5, 0.5, seed=1)
    >>> all(-0.5 <= p.data <= 0.5 for p in net.parameters()), net["w1"].data != 0.0
    (True, True)
    """
    if not low < high:
        raise ValueError(f"uniform: low must be below high, got low={low!r}, high={high!r}")
    rng = _rng(seed)
    for p in module.parameters():
        if p.requires_grad:
            p.data = rng.uniform(low, high)


def xavier(module: Module, *, seed: int | random.Random | None = None) -> None:
    """Xavier/Glorot uniform: weights from uniform(−a, a) with a = √(6 / (fan_in + fan_out)),
    biases 0. Keeps sigmoid and tanh units out of saturation at the start.

    >>> from nn import Network
    >>> net = Network([2, 2, 1], init=None)
    >>> xavier(net, seed=0)
    >>> a = (6 / (2 + 2)) ** 0.5
    >>> all(abs(w.data) <= a for w in net.layers[0].weights), net["b_h1"].data
    (True, 0.0)
    """
    rng = _rng(seed)
    for layer in _layers(module):
        fan_in, fan_out = _fans(layer)
        a = math.sqrt(6.0 / (fan_in + fan_out))
        _fill(layer, rng.uniform, -a, a)


def he(module: Module, *, seed: int | random.Random | None = None) -> None:
    """He (Kaiming) normal: weights from N(0, 2 / fan_in), biases 0; for relu layers.

    >>> from nn import Network
    >>> net = Network([4, 3], activation="relu", init=None)
    >>> he(net, seed=0)
    >>> round(net["w1"].data, 6) == round(random.Random(0).gauss(0.0, (2 / 4) ** 0.5), 6)
    True
    """
    rng = _rng(seed)
    for layer in _layers(module):
        std = math.sqrt(2.0 / _fans(layer)[0])
        _fill(layer, rng.gauss, 0.0, std)


def _fill(layer: Layer | Neuron, draw: Callable[[float, float], float], p1: float, p2: float) -> None:
    for w in layer.weights:
        if w.requires_grad:
            w.data = draw(p1, p2)
    for b in _biases(layer):
        if b.requires_grad:
            b.data = 0.0
