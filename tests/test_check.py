"""The checkers the package ships: gradcheck catches a wrong rule; the SymPy bridge agrees."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from autograd import GradcheckError, Op, Partial, Value, apply, gradcheck, to_sympy
from autograd.ops import UNARY


def test_gradcheck_passes_on_correct_rules_and_reports_each_input() -> None:
    report = gradcheck(lambda x, y: (x * y).sigmoid() + (x / y).log() - y**3, [0.7, 1.3])
    assert report.ok and len(report.rows) == 2
    row = report.rows[0]
    assert row.label == "x1" and row.difference == abs(row.analytic - row.numeric) < 1e-8
    assert "analytic" in str(report) and "x2" in str(report)


# A deliberately wrong rule: sin with derivative sin (it should be cos).
WRONG_SIN = Op(
    name="wrong_sin", operands=("a",), forward=math.sin,
    partials=(Partial(fn=lambda out, a: math.sin(a), text="sin {a}", latex=r"\sin {a}", precedence=UNARY),),
    text="sin {a}", latex=r"\sin {a}", precedence=UNARY, sympy=lambda sp_, a: sp_.sin(a),
)


def test_gradcheck_fails_on_a_wrong_rule() -> None:
    with pytest.raises(GradcheckError, match="mismatch"):
        gradcheck(lambda x: apply(WRONG_SIN, x) * 2, [Value(0.4, label="x")])
    report = gradcheck(lambda x: apply(WRONG_SIN, x), [0.4], raise_exception=False)
    assert not report.ok
    assert report.rows[0].analytic == pytest.approx(math.sin(0.4), rel=1e-15)
    assert report.rows[0].numeric == pytest.approx(math.cos(0.4), rel=1e-8)


def test_to_sympy_names_symbols_by_label_and_gradients_agree() -> None:
    x, y = Value(0.3, label="x"), Value(-1.2, label="y")
    f = (x * y + 2).tanh() * x.exp() - y / 4
    expr, env = to_sympy(f)
    X, Y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    assert sp.simplify(expr - (sp.tanh(X * Y + 2) * sp.exp(X) - Y / 4)) == 0
    assert env == {X: sp.Rational(0.3), Y: sp.Rational(-1.2)}
    f.backward()
    assert x.grad == pytest.approx(float(expr.diff(X).subs(env).evalf(30)), rel=1e-14)
    assert y.grad == pytest.approx(float(expr.diff(Y).subs(env).evalf(30)), rel=1e-14)


def test_to_sympy_refuses_two_leaves_with_one_label() -> None:
    with pytest.raises(ValueError, match="'x'"):
        to_sympy(Value(1.0, label="x") + Value(2.0, label="x"))


def test_gradcheck_reports_rather_than_crashes_where_backward_or_f_fails() -> None:
    from autograd import gradcheck

    report = gradcheck(lambda a: a**0.01, [5e-324], raise_exception=False)
    assert not report.ok and "backward raised OverflowError" in str(report)
    report = gradcheck(lambda a: a**0.5, [1e-9], raise_exception=False)  # a − eps < 0: f undefined
    assert not report.ok and "f is not defined at x1 ± 1e-06" in str(report)
