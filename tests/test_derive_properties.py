"""Property tests: on random graphs every derivation's value is the gradient backward computes,
and every printed line is arithmetically true (its numbers, evaluated by Python, give its value).
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd import Value, add_n, explain, explain_forward, half_squared_error
from autograd.printing import Notation, render_expr

UNARY_OPS = ["neg", "sigmoid", "tanh", "relu", "exp", "square"]
BINARY_OPS = ["add", "sub", "mul", "div", "hse", "add_n", "const_mul", "const_sub"]


def _apply(name: str, a: Value, b: Value, c: Value, k: float) -> Value | None:
    if name == "neg":
        return -a
    if name in ("sigmoid", "tanh", "relu"):
        return getattr(a, name)()
    if name == "exp":
        return a.exp() if abs(a.data) < 5 else None
    if name == "square":
        return a**2
    if name == "add":
        return a + b
    if name == "sub":
        return a - b
    if name == "mul":
        return a * b
    if name == "div":
        return a / b if abs(b.data) > 0.2 else None
    if name == "hse":
        return half_squared_error(a, b)
    if name == "add_n":
        return add_n([a, b, c])
    if name == "const_mul":
        return k * a
    return a - k


@st.composite
def graphs(draw):
    n_leaves = draw(st.integers(1, 4))
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(n_leaves)]
    for i in range(draw(st.integers(1, 14))):
        name = draw(st.sampled_from(UNARY_OPS + BINARY_OPS))
        # operands mostly among the latest nodes, so that formulas nest
        a, b, c = (
            nodes[draw(st.integers(max(0, len(nodes) - 3), len(nodes) - 1) | st.integers(0, len(nodes) - 1))]
            for _ in range(3)
        )
        k = draw(st.sampled_from([-1.5, 0.5, 2.0, 3.0]))
        v = _apply(name, a, b, c, k)
        if v is None:
            continue
        if draw(st.integers(0, 2)) == 0:
            v.labelled(f"n{i}")
        nodes.append(v)
    root = nodes[-1]
    assume(root.op is not None and abs(root.data) < 1e6)
    return nodes[:n_leaves], root


def _python(numbers: str) -> str:
    """A printed numeric formula as a Python expression (the printer's notation, undone)."""
    s = numbers.replace("−", "-").replace("×", "*").replace("·", "*")
    s = s.replace("e^", "E**").replace("^", "**").replace("²", "**2").replace("½", "0.5*")
    s = s.replace("[", "(").replace("]", ")")
    s = re.sub(r"\)\s*\(", ")*(", s)
    s = re.sub(r"(\d)\(", r"\1*(", s)
    return s


def _evaluate(numbers: str) -> float:
    env = {"E": math.e, "tanh": math.tanh, "max": max, "inf": math.inf, "nan": math.nan}
    return float(eval(_python(numbers), {"__builtins__": {}}, env))  # noqa: S307  (our own printed text)


def _check_lines(d) -> None:
    nota = Notation("text", exact=True)
    for step in d.steps:
        if step.formula is None or step.kind == "plan" or step.value is None:
            continue
        numbers = render_expr(step.formula, nota, numeric=True)[0]
        if "(a " in numbers:  # an elided formula
            continue
        got = _evaluate(numbers)
        assert got == pytest.approx(step.value, rel=1e-9, abs=1e-12), (numbers, step)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(graphs(), st.booleans())
def test_derivation_value_is_the_gradient(graph, expand):
    leaves, root = graph
    derivations = [explain(root, leaf, expand=expand, exact=True) for leaf in leaves]
    root.backward()
    for leaf, d in zip(leaves, derivations):
        assert d.value == pytest.approx(leaf.grad, rel=1e-12, abs=1e-300)
        # the last line that carries a value is the answer, computed from the printed factors
        last = [s for s in d.steps if s.value is not None][-1]
        assert last.value == pytest.approx(d.value, rel=1e-9, abs=1e-12)
        assert sum(p.value for p in d.paths) == pytest.approx(d.value, rel=1e-9, abs=1e-12)
        _check_lines(d)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(graphs(), st.booleans())
def test_every_forward_line_evaluates_to_its_value(graph, expand):
    """The printed formula with numbers, parenthesised by precedence, evaluates to the value."""
    _, root = graph
    _check_lines(explain_forward(root, exact=True, expand=expand))
