"""Activation functions by name, including the MATLAB names the seed's readers know.

============================  ==========================================================
name (aliases)                function
============================  ==========================================================
``sigmoid`` (``logsig``)      1 / (1 + e^−x), the classic example's unit
``tanh`` (``tansig``)         tanh x
``relu``                      max(0, x)
``linear`` (``purelin``)      x (the weighted sum is passed on unchanged)
``threshold`` (``hardlim``)   1 if x ≥ 0 else 0 — forward only, see :data:`THRESHOLD`
============================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable

from autograd import Value, apply
from autograd.ops import ATOM, Op, Partial, register

__all__ = ["Activation", "ACTIVATIONS", "ALIASES", "THRESHOLD", "SATURATING", "canonical_name", "get_activation"]

Activation = Callable[[Value], Value]


def _no_derivative(out: float, a: float) -> float:
    raise RuntimeError(
        "backward through a threshold (hardlim) unit: its derivative is 0 everywhere except at 0, "
        "where it does not exist, so no gradient can flow through it and gradient descent cannot train "
        "the weights below it. Use sigmoid/logsig (its smooth version) for a unit you want to train; "
        "threshold units are for forward passes (perceptron-style) only."
    )


# The seed's threshold unit (MATLAB's hardlim): 1 for x ≥ 0, 0 below. Its row has a Partial,
# like every op, but the Partial raises: the derivative is zero almost everywhere, and a
# silent zero would leave a network untrainable without saying why.
THRESHOLD = register(Op(
    name="threshold", operands=("a",), forward=lambda a: 1.0 if a >= 0.0 else 0.0,
    partials=(
        Partial(fn=_no_derivative, text="0 (undefined at {a} = 0)", latex=r"0 \text{ (undefined at } {a} = 0)",
                precedence=ATOM),
    ),
    text="hardlim({a})", latex=r"\operatorname{hardlim}({a})", precedence=ATOM, sympy=lambda sp, a: sp.Heaviside(a, 1),
))


def _sigmoid(x: Value) -> Value:
    return x.sigmoid()


def _tanh(x: Value) -> Value:
    return x.tanh()


def _relu(x: Value) -> Value:
    return x.relu()


def _linear(x: Value) -> Value:
    # No node: out_<neuron> is then the weighted sum itself (the label moves to the sum node).
    return x


def _threshold(x: Value) -> Value:
    return apply(THRESHOLD, x)


ALIASES = {"logsig": "sigmoid", "tansig": "tanh", "purelin": "linear", "hardlim": "threshold"}
"""MATLAB's names for the same functions."""

ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "relu": _relu,
    "linear": _linear,
    "threshold": _threshold,
}
ACTIVATIONS.update({alias: ACTIVATIONS[name] for alias, name in ALIASES.items()})
"""Every activation by name, aliases included."""

SATURATING = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
"""The activations (canonical names) that saturate, with their two asymptotes."""


def canonical_name(name: str) -> str:
    """The activation's own name for any of its names.

    >>> canonical_name("TanSig")
    'tanh'
    """
    get_activation(name)
    return ALIASES.get(name.lower(), name.lower())


def get_activation(name: str) -> Activation:
    """The activation called ``name`` (case-insensitive); a ``ValueError`` listing the known names.

    >>> get_activation("logsig")(Value(0.0)).data
    0.5
    >>> get_activation("softsign")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'softsign'; known: hardlim, linear, logsig, purelin, relu, sigmoid, ...
    """
    if not isinstance(name, str) or name.lower() not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; known: {known}")
    return ACTIVATIONS[name.lower()]
