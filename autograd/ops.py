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

import importlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Op", "Partial", "OPS", "fill", "register", "ATOM", "POWER", "UNARY", "PRODUCT", "SUM"]


# Precedence of a formula's outermost operation; a printer wraps an operand in parentheses
# when the operand binds less tightly than the place it is put in.
ATOM, POWER, UNARY, PRODUCT, SUM = 100, 40, 30, 20, 10


@dataclass(frozen=True)
class Partial:
    """The local derivative of an op's result with respect to one operand.

    ``fn(out, *operands)`` takes the result's value and the operands' values (floats).
    ``text`` and ``latex`` are the formula a printer shows, and ``precedence`` the binding
    strength of its outermost operation (``SUM`` for ``1 − {out}²``), for parenthesising.
    """

    fn: Callable[..., float]
    text: str
    latex: str
    precedence: int


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
        # A registered row pickles and copies as its name (and the module that registers it), so
        # a copied or unpickled graph refers to the very rows of the table (its lambdas could not
        # be pickled anyway).
        if OPS.get(self.name) is self:
            return (_row, (self.name, self.forward.__module__))
        return super().__reduce__()


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


# --- forward functions with their domain errors, and local derivatives that need care ------


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("division by zero: the divisor {b} is zero")
    return a / b


def _div_d_divisor(out: float, a: float, b: float) -> float:
    # −a/b² computed as −(a/b)/b: b² underflows for |b| < 1e-154 (1e-300/1e-200 would divide by
    # zero) and loses bits as a subnormal, though the derivative itself is an ordinary number.
    return -out / b


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
    try:
        return b * math.pow(a, b - 1.0)
    except OverflowError:
        # a^(b−1) is beyond a float, but with |b| < 1 the derivative b·a^b / a may not be.
        d = b * out / a
        if math.isinf(d):
            raise OverflowError("it is beyond the largest float, ±1.8e308") from None
        return d


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


def _tanh_d(out: float, a: float) -> float:
    # Shown as 1 − out², and computed so while |a| < 0.55 (out² < ¼). Beyond, 1 − out² cancels
    # (relative error 1e-8 at a = 10, and exactly 0 from a = 20, where the true slope is 1.7e-17),
    # so the same number is computed from the operand: sech² a = 4t/(1 + t)² with t = e^(−2|a|),
    # which has no subtraction. Both are within 4 units in the last place for every finite a.
    if abs(a) < 0.55:
        return 1.0 - out * out
    t = math.exp(-2.0 * abs(a))
    return 4.0 * t / ((1.0 + t) * (1.0 + t))


def _sigmoid(a: float) -> float:
    # Two branches so that exp never overflows: for a < 0, 1/(1 + e^−a) = e^a/(1 + e^a).
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _sigmoid_d(out: float, a: float) -> float:
    # Shown as out(1 − out), and computed so up to a = 1. Beyond, out is near 1 and 1 − out keeps
    # only the bits out has below 1 (exactly 0 from a = 37, where the true slope is 8.5e-17); as
    # 1 − σ(a) is σ(−a), that factor is computed from the operand instead (one exp more). Within
    # 4 units in the last place for every finite a.
    return out * (1.0 - out) if a <= 1.0 else out * _sigmoid(-a)


def _relu(a: float) -> float:
    # NaN is passed on (a NaN is not "≤ 0"), so anomaly mode can stop at it.
    return 0.0 if a <= 0.0 else a


def _relu_d(out: float, a: float) -> float:
    # Kink: at 0 we take the subgradient 0 (as PyTorch and micrograd do), so a unit that is
    # exactly at its threshold passes no gradient.
    return 1.0 if a > 0.0 else 0.0


# Constant local derivatives take exactly their row's operands: a ``*operands`` signature would
# pack a tuple on every call, and add and sub are a large share of every graph's edges.
_ONE = Partial(fn=lambda out, a, b: 1.0, text="1", latex="1", precedence=ATOM)

ADD = Op(
    name="add", operands=("a", "b"), forward=lambda a, b: a + b,
    partials=(_ONE, _ONE),
    text="{a} + {b}", latex="{a} + {b}", precedence=SUM, sympy=lambda sp, a, b: a + b,
)
ADD_N = Op(
    name="add_n", operands=("x",), forward=lambda *xs: math.fsum(xs),
    partials=(Partial(fn=lambda out, *xs: 1.0, text="1", latex="1", precedence=ATOM),),
    text=" + ", latex=" + ", precedence=SUM, sympy=lambda sp, *xs: sp.Add(*xs), variadic=True,
)
SUB = Op(
    name="sub", operands=("a", "b"), forward=lambda a, b: a - b,
    partials=(_ONE, Partial(fn=lambda out, a, b: -1.0, text="−1", latex="-1", precedence=UNARY)),
    text="{a} − {b}", latex="{a} - {b}", precedence=SUM, sympy=lambda sp, a, b: a - b,
)
MUL = Op(
    name="mul", operands=("a", "b"), forward=lambda a, b: a * b,
    partials=(
        Partial(fn=lambda out, a, b: b, text="{b}", latex="{b}", precedence=ATOM),
        Partial(fn=lambda out, a, b: a, text="{a}", latex="{a}", precedence=ATOM),
    ),
    text="{a}·{b}", latex=r"{a} \cdot {b}", precedence=PRODUCT, sympy=lambda sp, a, b: a * b,
)
DIV = Op(
    name="div", operands=("a", "b"), forward=_div,
    partials=(
        Partial(fn=lambda out, a, b: 1.0 / b, text="1 / {b}", latex=r"\frac{1}{{b}}", precedence=PRODUCT),
        Partial(fn=_div_d_divisor, text="−{a} / {b}²", latex=r"-\frac{{a}}{{b}^{2}}", precedence=UNARY),
    ),
    text="{a} / {b}", latex=r"\frac{{a}}{{b}}", precedence=PRODUCT, sympy=lambda sp, a, b: a / b,
)
POW = Op(
    name="pow", operands=("a", "b"), forward=_pow,
    partials=(
        Partial(fn=_pow_d_base, text="{b}·{a}^({b} − 1)", latex=r"{b} \cdot {a}^{{b} - 1}", precedence=PRODUCT),
        Partial(fn=_pow_d_exponent, text="{a}^{b}·ln {a}", latex=r"{a}^{{b}} \ln {a}", precedence=PRODUCT),
    ),
    text="{a}^{b}", latex="{a}^{{b}}", precedence=POWER, sympy=lambda sp, a, b: a**b,
)
NEG = Op(
    name="neg", operands=("a",), forward=lambda a: -a,
    partials=(Partial(fn=lambda out, a: -1.0, text="−1", latex="-1", precedence=UNARY),),
    text="−{a}", latex="-{a}", precedence=UNARY, sympy=lambda sp, a: -a,
)
EXP = Op(
    name="exp", operands=("a",), forward=_exp,
    partials=(Partial(fn=lambda out, a: out, text="e^{a}", latex="e^{{a}}", precedence=POWER),),
    text="e^{a}", latex="e^{{a}}", precedence=POWER, sympy=lambda sp, a: sp.exp(a),
)
LOG = Op(
    name="log", operands=("a",), forward=_log,
    partials=(Partial(fn=lambda out, a: 1.0 / a, text="1 / {a}", latex=r"\frac{1}{{a}}", precedence=PRODUCT),),
    text="ln {a}", latex=r"\ln {a}", precedence=UNARY, sympy=lambda sp, a: sp.log(a),
)
TANH = Op(
    name="tanh", operands=("a",), forward=math.tanh,
    partials=(Partial(fn=_tanh_d, text="1 − {out}²", latex="1 - {out}^{2}", precedence=SUM),),
    text="tanh({a})", latex=r"\tanh({a})", precedence=ATOM, sympy=lambda sp, a: sp.tanh(a),
)
SIGMOID = Op(
    name="sigmoid", operands=("a",), forward=_sigmoid,
    partials=(Partial(fn=_sigmoid_d, text="{out}(1 − {out})", latex="{out}(1 - {out})", precedence=PRODUCT),),
    text="1 / (1 + e^(−{a}))", latex=r"\frac{1}{1 + e^{-{a}}}", precedence=PRODUCT,
    sympy=lambda sp, a: 1 / (1 + sp.exp(-a)),
)
RELU = Op(
    name="relu", operands=("a",), forward=_relu,
    partials=(Partial(fn=_relu_d, text="[{a} > 0]", latex=r"[{a} > 0]", precedence=ATOM),),
    text="max(0, {a})", latex=r"\max(0, {a})", precedence=ATOM, sympy=lambda sp, a: sp.Max(0, a),
)
# The loss term of the classic example, E_o = ½(t − o)², as one row: the derivation then reads
# ∂E_o/∂o = −(t − o), as it is written by hand, rather than a chain of sub, pow and mul.
HALF_SQUARED_ERROR = Op(
    name="half_squared_error", operands=("o", "t"), forward=lambda o, t: 0.5 * (t - o) * (t - o),
    partials=(
        Partial(fn=lambda out, o, t: o - t, text="−({t} − {o})", latex="-({t} - {o})", precedence=UNARY),
        Partial(fn=lambda out, o, t: t - o, text="{t} − {o}", latex="{t} - {o}", precedence=SUM),
    ),
    text="½({t} − {o})²", latex=r"\tfrac{1}{2}({t} - {o})^{2}", precedence=PRODUCT,
    sympy=lambda sp, o, t: sp.Rational(1, 2) * (t - o) ** 2,
)


def _row(name: str, module: str | None = None) -> Op:
    # How a pickled or copied row comes back: a row registered by another module (nn's threshold
    # unit) is there once that module has been imported.
    if name not in OPS and module is not None:
        importlib.import_module(module)
    return OPS[name]


OPS: dict[str, Op] = {
    op.name: op
    for op in (ADD, ADD_N, SUB, MUL, DIV, POW, NEG, EXP, LOG, TANH, SIGMOID, RELU, HALF_SQUARED_ERROR)
}
"""Every row, by name: this module's, and those added with :func:`register`."""


def register(op: Op) -> Op:
    """Add a row made outside this module to the table (``nn``'s threshold unit is one), so that
    it pickles by name like the table's own rows and the table's tests check its formulas.

    >>> register(OPS["mul"]) is OPS["mul"]
    True
    """
    if OPS.setdefault(op.name, op) is not op:
        raise ValueError(f"register: the op table already has a row named {op.name!r}")
    return op
