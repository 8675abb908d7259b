"""The op table's numerics: exact, overflow-free activations and slopes; derivatives that do not
underflow needlessly; domain errors that name the op and the operand."""

from __future__ import annotations

import math

import mpmath
import pytest

from autograd import Value

mpmath.mp.prec = 200


def _exact_sigmoid(x: float) -> float:
    return float(1 / (1 + mpmath.exp(-mpmath.mpf(x))))


POINTS = [-1e308, -1000.0, -745.2, -40.0, -20.0, -1e-9, 0.0, 3e-17, 0.5, 0.549, 0.551, 10.0, 15.0, 20.0, 36.8, 40.0,
          1000.0, 1e308]


@pytest.mark.parametrize("x", POINTS)
def test_sigmoid_and_tanh_are_accurate_to_the_last_bits_and_never_overflow(x: float) -> None:
    # Within 2 units in the last place of the true value (tanh: libm's, within 1), at every
    # magnitude up to the largest float.
    v = Value(x, label="x")
    s, t = v.sigmoid(), v.tanh()
    exact_s, exact_t = _exact_sigmoid(x), float(mpmath.tanh(mpmath.mpf(x)))
    assert abs(s.data - exact_s) <= 2 * math.ulp(exact_s)
    assert abs(t.data - exact_t) <= math.ulp(exact_t)


@pytest.mark.parametrize("x", POINTS)
def test_sigmoid_and_tanh_slopes_are_accurate_where_they_saturate(x: float) -> None:
    # σ'(x) = σ(x)(1 − σ(x)) and tanh'(x) = 1 − tanh²(x) computed as written lose every bit where
    # the unit saturates (0.0 at tanh(20), where the slope is 1.7e-17); within 4 units in the last
    # place of the true slope, at every magnitude.
    m = mpmath.mpf(x)
    for slope, exact in (
        (lambda v: v.sigmoid(), mpmath.exp(-abs(m)) / (1 + mpmath.exp(-abs(m))) ** 2),
        (lambda v: v.tanh(), mpmath.sech(m) ** 2),
    ):
        v = Value(x, label="x")
        slope(v).backward()
        assert abs(v.grad - float(exact)) <= 4 * math.ulp(float(exact)), (x, v.grad, float(exact))


def test_sigmoid_gradient_at_plus_minus_1000_is_zero() -> None:
    for x in (-1000.0, 1000.0):
        v = Value(x)
        v.sigmoid().backward()
        assert v.grad == 0.0


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda x: (x * 1000).exp(), OverflowError, ["exp", "709.78"]),
        (lambda x: (x - 1).log(), ValueError, ["log", "positive", "= 0.0"]),
        (lambda x: (-x).log(), ValueError, ["log", "= -1.0"]),
        (lambda x: 1 / (x - 1), ZeroDivisionError, ["div", "divisor", "= 0.0"]),
        (lambda x: (x - 1) ** -1, ZeroDivisionError, ["pow", "negative", "= 0.0"]),
        (lambda x: (-x) ** 0.5, ValueError, ["pow", "non-integer", "= -1.0"]),
        (lambda x: (x * 1e200) ** 2, OverflowError, ["pow", "overflow"]),
    ],
)
def test_domain_errors_name_op_operand_and_value(make, error, words) -> None:
    x = Value(1.0, label="x")
    with pytest.raises(error) as info:
        make(x)
    for word in words:
        assert word in str(info.value)


def test_domain_errors_name_the_label() -> None:
    z = Value(0.0, label="z")
    with pytest.raises(ValueError, match=r"log: .*'z' = 0\.0"):
        z.log()
    with pytest.raises(ZeroDivisionError, match=r"div: .*'z' = 0\.0"):
        Value(1.0, label="y") / z


def test_d_exponent_of_a_negative_base_is_nan() -> None:
    a, b = Value(-2.0, label="a"), Value(2.0, label="b")
    (a ** b).backward()
    assert a.grad == -4.0 and math.isnan(b.grad)


def test_log_near_zero_and_pow_at_base_zero() -> None:
    x = Value(1e-300, label="x")
    x.log().backward()
    assert x.grad == pytest.approx(1e300, rel=2**-52)
    for exponent, slope in [(2.0, 0.0), (1.0, 1.0), (0.0, 0.0), (0.5, math.inf), (3.0, 0.0)]:
        z = Value(0.0, label="z")
        (z ** exponent).backward()
        assert z.grad == slope, exponent


@pytest.mark.parametrize(
    "a, b, d_a, d_b",
    [
        (1e-300, 1e-200, 1e200, -1e100),  # b² underflows to 0: −a/b² divided by zero
        (1e-300, 1e-160, 1e160, -1e20),  # b² is subnormal: −a/b² lost bits (−1.0000111e20)
        (3.0, 4.0, 0.25, -0.1875),
    ],
)
def test_division_derivatives_do_not_underflow_needlessly(a, b, d_a, d_b) -> None:
    x, y = Value(a, label="a"), Value(b, label="b")
    (x / y).backward()
    assert x.grad == pytest.approx(d_a, rel=1e-15) and y.grad == pytest.approx(d_b, rel=1e-15)


def test_a_power_derivative_beyond_a_float_names_the_op_and_operands() -> None:
    x = Value(5e-324, label="x")
    y = x**0.01  # the forward pass is fine: 5e-324 ** 0.01 = 0.000585
    with pytest.raises(OverflowError, match=r"local derivative of pow .* operand 1 \('x' = 5e-324\).*float"):
        y.backward()
    # With |b| < 1, b·a^(b − 1) can fit where a^(b − 1) alone does not: it is computed as b·a^b / a.
    z = Value(1e-320, label="z")
    (z**1e-20).backward()
    assert z.grad == pytest.approx(1e-20 * 1e-320 ** 1e-20 / 1e-320, rel=1e-12)


