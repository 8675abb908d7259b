"""Checks the package ships: finite-difference gradcheck and a SymPy bridge for cross-checks."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .graph import topological_order
from .value import Number, Value

if TYPE_CHECKING:
    import sympy

__all__ = ["gradcheck", "GradcheckError", "GradcheckReport", "GradcheckRow", "to_sympy"]


@dataclass(frozen=True)
class GradcheckRow:
    """One input of a gradcheck: the backward pass's gradient against central differences."""

    label: str
    analytic: float
    numeric: float
    difference: float
    ok: bool
    note: str = ""  # why a number is missing (NaN): backward raised, or f is undefined at x ± eps


@dataclass(frozen=True)
class GradcheckReport:
    """The rows of a gradcheck, one per input; true when every row agrees."""

    rows: tuple[GradcheckRow, ...]

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"{'input':<12} {'analytic':>24} {'numeric':>24} {'difference':>12}"]
        for r in self.rows:
            mark = "" if r.ok else "   <- mismatch" + (f": {r.note}" if r.note else "")
            lines.append(f"{r.label:<12} {r.analytic:>24.17g} {r.numeric:>24.17g} {r.difference:>12.3g}{mark}")
        return "\n".join(lines)


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when a gradient disagrees with its finite difference."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | Number],
    *,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Compare ``backward()``'s gradients of ``f(*inputs)`` with central differences.

    For each input x: numeric = (f(x + eps) − f(x − eps)) / (2 eps); a row passes when
    |analytic − numeric| <= atol + rtol·|numeric|. Raises :class:`GradcheckError` with the
    table on a mismatch (unless ``raise_exception=False``); returns the report.

    >>> report = gradcheck(lambda x, y: x * y + x.tanh(), [0.5, -2.0])
    >>> report.ok, [round(r.analytic, 6) for r in report.rows]
    (True, [-1.213552, 0.5])
    """
    values = [float(x.data if isinstance(x, Value) else x) for x in inputs]
    labels = [
        x.label if isinstance(x, Value) and x.label is not None else f"x{i + 1}" for i, x in enumerate(inputs)
    ]

    leaves = [Value(v, label) for v, label in zip(values, labels)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    failed = ""
    try:
        out.backward()
    except (ArithmeticError, ValueError) as exc:  # a derivative that does not fit in a float
        failed = f"backward raised {type(exc).__name__}: {exc}"

    def at(i: int, shift: float) -> float:
        args = [Value(v + (shift if j == i else 0.0), label, requires_grad=False) for j, (v, label) in
                enumerate(zip(values, labels))]
        try:
            return f(*args).data
        except (ArithmeticError, ValueError):  # f is not defined there (x − eps < 0 under a root, ...)
            return math.nan

    rows = []
    for i, leaf in enumerate(leaves):
        analytic = math.nan if failed else leaf.grad
        numeric = (at(i, eps) - at(i, -eps)) / (2 * eps)
        note = failed or ("" if not math.isnan(numeric) else f"f is not defined at {labels[i]} ± {eps}")
        difference = abs(analytic - numeric)
        ok = difference <= atol + rtol * abs(numeric)
        rows.append(GradcheckRow(labels[i], analytic, numeric, difference, ok, note))
    report = GradcheckReport(tuple(rows))
    if raise_exception and not report.ok:
        raise GradcheckError(f"gradcheck: analytic and numeric gradients disagree\n{report}")
    return report


def to_sympy(output: Value) -> tuple[sympy.Expr, dict[sympy.Symbol, sympy.Expr]]:
    """The graph of ``output`` as a SymPy expression, and the values of its symbols.

    Labelled leaves become real symbols named by their labels; unlabelled constants become
    exact rationals (the float's binary value); other unlabelled leaves get symbols ``_v1``,
    ``_v2``, ... Every op maps through its op-table row's ``sympy`` entry.

    >>> x = Value(3.0, label="x")
    >>> expr, env = to_sympy(x * x + 2 * x)
    >>> expr, expr.diff(*env).subs(env)
    (x**2 + 2*x, 8)
    """
    import sympy as sp

    env: dict[Any, Any] = {}
    by_label: dict[str, Value] = {}
    expr_of: dict[int, Any] = {}
    for node in topological_order(output):
        if node.op is not None:
            expr_of[id(node)] = node.op.sympy(sp, *(expr_of[id(p)] for p in node.parents))
            continue
        if node.label is None and not node.requires_grad:
            expr_of[id(node)] = sp.Rational(node.data)
            continue
        name = node.label if node.label is not None else f"_v{len(env) + 1}"
        if by_label.setdefault(name, node) is not node:
            raise ValueError(f"to_sympy: two different leaves are both labelled {name!r}; labels must be unique")
        symbol = sp.Symbol(name, real=True)
        env[symbol] = sp.Rational(node.data)
        expr_of[id(node)] = symbol
    return expr_of[id(output)], env
