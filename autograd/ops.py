"""The op table: every primitive the engine knows, one row each.

A row holds everything there is to know about a primitive: its forward function, the local
derivative with respect to each operand, and the formula text (Unicode and LaTeX) a printer
shows for both. The backward pass, the derivation printer, the graph renderer and the SymPy
bridge all read the same row, so the maths shown cannot drift from the maths computed; a test
evaluates every formula text against its numeric local derivative.

Templates name operands in braces, ``{a}``, ``{b}`` (the names in ``Op.operands``), and the
op's own result as ``{out}``; :func:`fill` substitutes them. Forward functions report a bad
operand by raising an ordinary arithmetic exception whose message uses the same placeholders,
so the caller can name the offending Value (see ``value._op_error``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Op", "Partial", "OPS", "fill"]


@dataclass(frozen=True)
class Partial:
    """The local derivative of an op's result with respect to one operand.

    ``fn(out, *operands)`` takes the result's value and the operands' values (floats).
    """

    fn: Callable[..., float]
    text: str
    latex: str


@dataclass(frozen=True)
class Op:
    """One primitive: a row of the op table."""

    name: str
    operands: tuple[str, ...]  # placeholder names, in slot order
    forward: Callable[..., float]
    partials: tuple[Partial, ...]  # one per operand (one shared by all, if variadic)
    text: str  # the forward formula, Unicode
    latex: str  # the forward formula, LaTeX
    precedence: int  # binding strength of the forward formula, for parenthesising
    sympy: Callable[..., Any]  # sympy(sp, *operands) -> the same function in SymPy
    variadic: bool = False  # any number of operands, joined by ``text``/``latex`` as separator

    def partial(self, slot: int) -> Partial:
        """The local derivative for operand ``slot``."""
        return self.partials[0] if self.variadic else self.partials[slot]

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def __reduce__(self) -> str | tuple[Any, ...]:
        # A row of the table pickles and copies as its name, so a copied or unpickled graph
        # refers to the very rows of this module (its lambdas could not be pickled anyway).
        if OPS.get(self.name) is self:
            return (_row, (self.name,))
        return super().__reduce__()


# Precedence of a formula's outermost operation; a printer wraps an operand in parentheses
# when the operand binds less tightly than the place it is put in.
ATOM, POWER, UNARY, PRODUCT, SUM = 100, 40, 30, 20, 10

_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")


def fill(template: str, names: Mapping[str, str]) -> str:
    """Substitute ``{name}`` placeholders in a formula template.

    Braces that are not a known placeholder (LaTeX groups) are left alone.

    >>> fill("{b}·{a}^({b} − 1)", {"a": "x", "b": "3"})
    '3·x^(3 − 1)'
    >>> fill(r"\\frac{1}{{b}}", {"b": "y"})
    '\\\\frac{1}{y}'
    """
    return _PLACEHOLDER.sub(lambda m: names.get(m.group(1), m.group(0)), template)


# --- forward functions with their domain errors -------------------------------------------


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("division by zero: the divisor {b} is zero")
    return a / b


def _pow(a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError("0 raised to a negative power: the base {a} is zero and the exponent {b} is negative")
    if a < 0.0 and math.isfinite(b) and not b.is_integer():
        raise ValueError("a negative base to a non-integer power is not a real number: base {a}, exponent {b}")
    try:
        return math.pow(a, b)
    except OverflowError:
        raise OverflowError("the result overflows a float: base {a}, exponent {b}") from None


def _pow_d_base(out: float, a: float, b: float) -> float:
    # Kink: at base 0 the derivative b·a^(b−1) is 0 for b > 1 or b = 0, 1 for b = 1, and
    # +inf for 0 < b < 1 (the one-sided slope of a root at 0). Negative b cannot reach here:
    # the forward pass refused 0 to a negative power.
    if a == 0.0:
        if b == 1.0:
            return 1.0
        return math.inf if 0.0 < b < 1.0 else 0.0
    return b * math.pow(a, b - 1.0)


def _pow_d_exponent(out: float, a: float, b: float) -> float:
    # d(a^b)/db = a^b·ln a needs a > 0. At a = 0 (b > 0) the result is 0 for every b near,
    # so the slope is 0. For a < 0 the logarithm is complex: NaN, which anomaly mode reports.
    if a > 0.0:
        return out * math.log(a)
    return 0.0 if a == 0.0 else math.nan


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError("e^{a} overflows a float (any operand above 709.78 does); scale the operand down") from None


def _log(a: float) -> float:
    if not a > 0.0 and not math.isnan(a):
        raise ValueError("ln is defined only for positive numbers, but the operand {a} is not")
    return math.log(a)


def _sigmoid(a: float) -> float:
    # Two branches so that exp never overflows: for a < 0, 1/(1 + e^−a) = e^a/(1 + e^a).
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _relu_d(out: float, a: float) -> float:
    # Kink: at 0 we take the subgradient 0 (as PyTorch and micrograd do), so a unit that is
    # exactly at its threshold passes no gradient.
    return 1.0 if a > 0.0 else 0.0


# Constant local derivatives take exactly their row's operands: a ``*operands`` signature would
# pack a tuple on every call, and add and sub are a large share of every graph's edges.
_ONE = Partial(lambda out, a, b: 1.0, "1", "1")
_MINUS_ONE = Partial(lambda out, a, b: -1.0, "−1", "-1")

ADD = Op(
    "add", ("a", "b"), lambda a, b: a + b,
    (_ONE, _ONE),
    "{a} + {b}", "{a} + {b}", SUM, lambda sp, a, b: a + b,
)
ADD_N = Op(
    "add_n", ("x",), lambda *xs: math.fsum(xs),
    (Partial(lambda out, *xs: 1.0, "1", "1"),),
    " + ", " + ", SUM, lambda sp, *xs: sp.Add(*xs), variadic=True,
)
SUB = Op(
    "sub", ("a", "b"), lambda a, b: a - b,
    (_ONE, _MINUS_ONE),
    "{a} − {b}", "{a} - {b}", SUM, lambda sp, a, b: a - b,
)
MUL = Op(
    "mul", ("a", "b"), lambda a, b: a * b,
    (Partial(lambda out, a, b: b, "{b}", "{b}"), Partial(lambda out, a, b: a, "{a}", "{a}")),
    "{a}·{b}", r"{a} \cdot {b}", PRODUCT, lambda sp, a, b: a * b,
)
DIV = Op(
    "div", ("a", "b"), _div,
    (
        Partial(lambda out, a, b: 1.0 / b, "1 / {b}", r"\frac{1}{{b}}"),
        Partial(lambda out, a, b: -a / (b * b), "−{a} / {b}²", r"-\frac{{a}}{{b}^{2}}"),
    ),
    "{a} / {b}", r"\frac{{a}}{{b}}", PRODUCT, lambda sp, a, b: a / b,
)
POW = Op(
    "pow", ("a", "b"), _pow,
    (
        Partial(_pow_d_base, "{b}·{a}^({b} − 1)", r"{b} \cdot {a}^{{b} - 1}"),
        Partial(_pow_d_exponent, "{a}^{b}·ln {a}", r"{a}^{{b}} \ln {a}"),
    ),
    "{a}^{b}", "{a}^{{b}}", POWER, lambda sp, a, b: a**b,
)
NEG = Op(
    "neg", ("a",), lambda a: -a,
    (Partial(lambda out, a: -1.0, "−1", "-1"),),
    "−{a}", "-{a}", UNARY, lambda sp, a: -a,
)
EXP = Op(
    "exp", ("a",), _exp,
    (Partial(lambda out, a: out, "e^{a}", "e^{{a}}"),),
    "e^{a}", "e^{{a}}", POWER, lambda sp, a: sp.exp(a),
)
LOG = Op(
    "log", ("a",), _log,
    (Partial(lambda out, a: 1.0 / a, "1 / {a}", r"\frac{1}{{a}}"),),
    "ln {a}", r"\ln {a}", UNARY, lambda sp, a: sp.log(a),
)
TANH = Op(
    "tanh", ("a",), math.tanh,
    (Partial(lambda out, a: 1.0 - out * out, "1 − {out}²", "1 - {out}^{2}"),),
    "tanh({a})", r"\tanh({a})", ATOM, lambda sp, a: sp.tanh(a),
)
SIGMOID = Op(
    "sigmoid", ("a",), _sigmoid,
    (Partial(lambda out, a: out * (1.0 - out), "{out}(1 − {out})", "{out}(1 - {out})"),),
    "1 / (1 + e^(−{a}))", r"\frac{1}{1 + e^{-{a}}}", PRODUCT, lambda sp, a: 1 / (1 + sp.exp(-a)),
)
RELU = Op(
    "relu", ("a",), lambda a: a if a > 0.0 else 0.0,
    (Partial(_relu_d, "[{a} > 0]", r"[{a} > 0]"),),
    "max(0, {a})", r"\max(0, {a})", ATOM, lambda sp, a: sp.Max(0, a),
)
# The loss term of the classic example, E_o = ½(t − o)², as one row: the derivation then reads
# ∂E_o/∂o = −(t − o), as it is written by hand, rather than a chain of sub, pow and mul.
HALF_SQUARED_ERROR = Op(
    "half_squared_error", ("o", "t"), lambda o, t: 0.5 * (t - o) * (t - o),
    (
        Partial(lambda out, o, t: o - t, "−({t} − {o})", "-({t} - {o})"),
        Partial(lambda out, o, t: t - o, "{t} − {o}", "{t} - {o}"),
    ),
    "½({t} − {o})²", r"\tfrac{1}{2}({t} - {o})^{2}", PRODUCT,
    lambda sp, o, t: sp.Rational(1, 2) * (t - o) ** 2,
)

def _row(name: str) -> Op:
    return OPS[name]


OPS: dict[str, Op] = {
    op.name: op
    for op in (ADD, ADD_N, SUB, MUL, DIV, POW, NEG, EXP, LOG, TANH, SIGMOID, RELU, HALF_SQUARED_ERROR)
}
"""Every row, by name."""
