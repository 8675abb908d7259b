"""Worked proof: the classic 2-2-2 network written directly with Values gives the published gradients.

w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55; one bias per layer shared by its two neurons (b1 = .35,
b2 = .60); inputs .05 .10; targets .01 .99; logistic units; E = Σ ½(t − o)².
"""

from __future__ import annotations

import pytest
import sympy as sp

from autograd import Value, to_sympy
from autograd.testing import assert_published
from nn.examples import classic_values

WEIGHTS = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]


def build_by_hand() -> tuple[Value, list[Value]]:
    """Only operators and methods of Value: no composite rows."""
    w = [Value(x, label=f"w{k + 1}") for k, x in enumerate(WEIGHTS)]
    i1, i2 = Value(0.05, "i1", requires_grad=False), Value(0.10, "i2", requires_grad=False)
    b1, b2 = Value(0.35, "b1", requires_grad=False), Value(0.60, "b2", requires_grad=False)
    out_h1 = (w[0] * i1 + w[1] * i2 + b1).sigmoid()
    out_h2 = (w[2] * i1 + w[3] * i2 + b1).sigmoid()
    out_o1 = (w[4] * out_h1 + w[5] * out_h2 + b2).sigmoid()
    out_o2 = (w[6] * out_h1 + w[7] * out_h2 + b2).sigmoid()
    e_total = 0.5 * (0.01 - out_o1) ** 2 + 0.5 * (0.99 - out_o2) ** 2
    return e_total, w


def test_published_gradients_of_w5_and_w1_at_printed_digits() -> None:
    e_total, w = build_by_hand()
    assert_published(e_total, "0.298371109", what="E_total")
    e_total.backward()
    assert_published(w[4].grad, "0.082167041", what="∂E_total/∂w5")
    assert_published(w[0].grad, "0.000438568", what="∂E_total/∂w1")


def test_every_weight_gradient_against_sympy() -> None:
    e_total, w = build_by_hand()
    e_total.backward()
    expr, env = to_sympy(e_total)
    for weight in w:
        exact = sp.diff(expr, sp.Symbol(weight.label, real=True)).subs(env).evalf(40)
        assert weight.grad == pytest.approx(float(exact), rel=1e-14), weight.label


def test_the_composite_rows_give_the_same_network() -> None:
    """nn.examples builds it with add_n and half_squared_error rows; same numbers, same gradients."""
    by_rows = classic_values()
    by_rows["E_total"].backward()
    e_total, w = build_by_hand()
    e_total.backward()
    assert by_rows["E_total"].data == pytest.approx(e_total.data, rel=1e-15)
    for weight in w:
        assert by_rows[weight.label].grad == pytest.approx(weight.grad, rel=1e-13)
    assert by_rows["b1"].grad == 0.0  # the biases are frozen: requires_grad=False
