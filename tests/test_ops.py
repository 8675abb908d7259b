"""Every op-table row against SymPy: the formula text shown, the SymPy mapping, the numbers computed.

Three independent descriptions of each primitive must agree at several points: the numeric
forward and local-derivative functions (what backward uses), the Unicode and LaTeX formula text
(what the printers show), and SymPy's own derivative of the row's SymPy form.
"""

from __future__ import annotations

import math
import re

import pytest
import sympy as sp
from sympy.parsing.sympy_parser import implicit_multiplication, parse_expr, standard_transformations

import nn.activations  # noqa: F401  (registers nn's threshold row, which the table must cover too)
from autograd.ops import OPS, Op, fill

# Points inside each op's domain, one tuple of operand values per point.
POINTS = {
    "add": [(0.3, 1.7), (-2.5, 0.4), (1e3, -3.0)],
    "add_n": [(0.3, 1.7, -0.2), (-2.5, 0.4, 9.0)],
    "sub": [(0.3, 1.7), (-2.5, 0.4), (1e3, -3.0)],
    "mul": [(0.3, 1.7), (-2.5, 0.4), (1e3, -3.0)],
    "div": [(0.3, 1.7), (-2.5, 0.4), (7.0, -3.0)],
    "pow": [(0.3, 1.7), (2.5, -0.4), (1.5, 3.0)],
    "neg": [(0.3,), (-2.5,), (40.0,)],
    "exp": [(0.3,), (-2.5,), (4.0,)],
    "log": [(0.3,), (2.5,), (40.0,)],
    "tanh": [(0.3,), (-2.5,), (1.1,)],
    "sigmoid": [(0.3,), (-2.5,), (4.0,)],
    "relu": [(0.3,), (-2.5,), (40.0,)],
    "half_squared_error": [(0.75, 0.01), (-2.5, 0.4), (0.2, 0.99)],
    "threshold": [(0.3,), (-2.5,), (40.0,)],
}
# Rows whose local derivative refuses on purpose, with an explanation (a threshold unit's is 0
# almost everywhere and undefined at 0: a silent 0 would leave a network untrainable).
REFUSES = {"threshold": RuntimeError}

_T = standard_transformations + (implicit_multiplication,)


def _unicode_to_sympy(text: str, names: dict[str, sp.Symbol]) -> sp.Expr:
    """Read a Unicode formula as printed (with operands already in parentheses)."""
    s = text.replace("−", "-").replace("·", "*").replace("²", "**2").replace("½", "(1/2)")
    s = s.replace("^", "**").replace("ln ", "log").replace("max(", "Max(").replace("hardlim(", "Heaviside(")
    s = re.sub(r"\be\*\*", "E**", s)
    s = re.sub(r"\[(.*) > 0\]", r"Piecewise((1, \1 > 0), (0, True))", s)  # Iverson bracket
    return parse_expr(s, local_dict=dict(names), transformations=_T)


def _latex_to_sympy(latex: str, names: dict[str, sp.Symbol]) -> sp.Expr:
    """Read a LaTeX formula as printed, by rewriting its few constructs to plain syntax."""
    s = latex
    s = re.sub(r"\^\{([^{}]*)\}", r"**(\1)", s)  # first: a \frac argument may hold a power, {(b)^{2}}
    while r"\frac" in s:  # innermost-last is fine: arguments here never contain \frac
        before = s
        s = re.sub(r"\\t?frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", s)
        assert s != before, f"unhandled \\frac in {latex!r}: {s!r}"  # never loop forever
    s = s.replace(r"\tfrac{1}{2}", "(1/2)")
    s = s.replace(r"\cdot", "*").replace(r"\ln", "log").replace(r"\tanh", "tanh").replace(r"\max", "Max")
    s = s.replace(r"\operatorname{hardlim}", "Heaviside")
    s = re.sub(r"\be\*\*", "E**", s)
    s = re.sub(r"\[(.*) > 0\]", r"Piecewise((1, \1 > 0), (0, True))", s)
    assert "\\" not in s and "{" not in s, f"unhandled LaTeX in {latex!r}: {s!r}"
    return parse_expr(s, local_dict=dict(names), transformations=_T)


def _operand_names(op: Op, n: int) -> list[str]:
    return [f"x{i}" for i in range(n)] if op.variadic else list(op.operands)


def _forward_template(op: Op, names: list[str], latex: bool) -> str:
    if op.variadic:
        return (op.latex if latex else op.text).join(f"({x})" for x in names)
    return fill(op.latex if latex else op.text, {x: f"({x})" for x in names})


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_has_points(name: str) -> None:
    assert name in POINTS, f"op {name!r} has no test points: add some"


@pytest.mark.parametrize("name", sorted(POINTS))
@pytest.mark.parametrize("latex", [False, True], ids=["unicode", "latex"])
def test_formula_text_matches_numbers(name: str, latex: bool) -> None:
    op = OPS[name]
    read = _latex_to_sympy if latex else _unicode_to_sympy
    for point in POINTS[name]:
        names = _operand_names(op, len(point))
        symbols = {x: sp.Symbol(x, real=True) for x in [*names, "out"]}
        out = op.forward(*point)
        env = {symbols[x]: v for x, v in zip(names, point)} | {symbols["out"]: out}

        shown_forward = read(_forward_template(op, names, latex), symbols)
        assert float(shown_forward.subs(env)) == pytest.approx(out, rel=1e-13, abs=1e-15)

        for slot in range(len(point)):
            partial = op.partial(slot)
            if name in REFUSES:
                with pytest.raises(REFUSES[name]):
                    partial.fn(out, *point)
                continue
            template = partial.latex if latex else partial.text
            shown = read(fill(template, {x: f"({x})" for x in [*names, "out"]}), symbols)
            computed = partial.fn(out, *point)
            assert float(shown.subs(env)) == pytest.approx(computed, rel=1e-13, abs=1e-15), (
                f"{name}: the formula {template!r} for operand {slot + 1} disagrees with its local derivative"
            )


@pytest.mark.parametrize("name", sorted(POINTS))
def test_sympy_form_matches_numbers(name: str) -> None:
    """SymPy differentiates the row's SymPy form; the row's numeric partials must agree."""
    op = OPS[name]
    for point in POINTS[name]:
        symbols = [sp.Symbol(f"x{i}", real=True) for i in range(len(point))]
        expr = op.sympy(sp, *symbols)
        env = dict(zip(symbols, [sp.Rational(v) for v in point]))
        out = op.forward(*point)
        assert out == pytest.approx(float(expr.subs(env).evalf(30)), rel=1e-14, abs=1e-300)
        for slot, symbol in enumerate(symbols):
            if name in REFUSES:
                continue  # checked in test_formula_text_matches_numbers
            exact = float(sp.diff(expr, symbol).subs(env).evalf(30))
            assert op.partial(slot).fn(out, *point) == pytest.approx(exact, rel=1e-13, abs=1e-300)


def test_fill_leaves_latex_groups_alone() -> None:
    assert fill(r"\frac{{a}}{{b}^{2}}", {"a": "x", "b": "y"}) == r"\frac{x}{y^{2}}"


def test_relu_kink_is_documented_subgradient() -> None:
    # At exactly 0 the derivative is taken as 0 (SymPy's Heaviside(0) is 1/2: a choice, not a fact).
    assert OPS["relu"].partial(0).fn(0.0, 0.0) == 0.0


def test_pow_kinks_at_base_zero() -> None:
    d_base = OPS["pow"].partial(0).fn
    assert d_base(0.0, 0.0, 2.0) == 0.0
    assert d_base(1.0, 0.0, 0.0) == 0.0
    assert d_base(0.0, 0.0, 1.0) == 1.0
    assert d_base(0.0, 0.0, 0.5) == math.inf
    d_exponent = OPS["pow"].partial(1).fn
    assert d_exponent(0.0, 0.0, 2.0) == 0.0
    assert math.isnan(d_exponent(4.0, -2.0, 2.0))
