"""Property tests: random expression graphs over every op agree with SymPy and with central differences.

A graph is drawn as a small program (each step: an op and the slots of earlier nodes or constants
it reads), so it can be replayed on new leaf values for finite differences and exported to SymPy.
Steps whose operands fall outside the op's domain, near a kink, or whose SymPy tree would grow
past a size limit are dropped, so every drawn graph is smooth where it is evaluated.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value, add_n, gradcheck, half_squared_error, to_sympy, topological_order

UNARY = ["neg", "exp", "log", "tanh", "sigmoid", "relu"]
BINARY = ["add", "sub", "mul", "div", "pow", "half_squared_error"]
MAX_TREE = 80  # SymPy expands shared nodes into a tree; keep it small enough to differentiate


@dataclass(frozen=True)
class Step:
    op: str
    operands: tuple[int | float, ...]  # an int is an earlier node's index; a float is a constant


def run(steps: list[Step], leaves: list[Value]) -> Value:
    nodes: list[Value] = list(leaves)
    for step in steps:
        xs = [nodes[x] if isinstance(x, int) else x for x in step.operands]
        nodes.append(_apply(step.op, xs))
    return nodes[-1]


def _apply(op: str, xs: list) -> Value:
    a = xs[0] if isinstance(xs[0], Value) else Value(xs[0], requires_grad=False)
    if op == "add_n":
        return add_n(xs)
    if op == "half_squared_error":
        return half_squared_error(a, xs[1])
    if op in UNARY:
        return -a if op == "neg" else getattr(a, op)()
    b = xs[1]
    return {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
            "pow": operator.pow}[op](a, b)


def _allowed(op: str, values: list[float]) -> bool:
    a = values[0]
    b = values[1] if len(values) > 1 else 0.0
    return {
        "div": abs(b) > 0.1,
        "log": a > 0.1,
        "pow": (a > 0.1 and abs(b) <= 3) or (a < -0.1 and b in (2.0, 3.0)),
        "exp": a < 20,
        "relu": abs(a) > 1e-3,
    }.get(op, True)


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[float], list[Step]]:
    n_leaves = draw(st.integers(1, 4))
    # Six decimals: SymPy cannot evaluate some graphs of tiny leaves (1e-300) to a float at all.
    values = [round(draw(st.floats(-2.0, 2.0, allow_nan=False)), 6) for _ in range(n_leaves)]
    sizes = [1] * n_leaves
    steps: list[Step] = []
    leaves = [Value(v, requires_grad=False) for v in values]
    nodes = list(leaves)
    for _ in range(draw(st.integers(0, 60 - n_leaves))):
        op = draw(st.sampled_from(UNARY + BINARY + ["add_n"]))
        arity = 1 if op in UNARY else draw(st.integers(2, 4)) if op == "add_n" else 2
        operands: list[int | float] = []
        for slot in range(arity):
            if slot > 0 and draw(st.booleans()) and draw(st.booleans()):
                operands.append(draw(st.sampled_from([-2.0, -1.0, 0.5, 1.5, 2.0, 3.0])))
            else:  # mostly recent nodes, sometimes any earlier one
                recent = draw(st.booleans())
                lo = max(0, len(nodes) - 3) if recent else 0
                operands.append(draw(st.integers(lo, len(nodes) - 1)))
        xs = [nodes[x].data if isinstance(x, int) else x for x in operands]
        size = 1 + sum(sizes[x] for x in operands if isinstance(x, int))
        if op == "pow" and xs[0] < 0 and not isinstance(operands[1], float):
            continue  # a negative base only to a constant integer power, not to a value that moves
        if not _allowed(op, xs) or size > MAX_TREE:
            continue
        node = _apply(op, [nodes[x] if isinstance(x, int) else x for x in operands])
        if not (math.isfinite(node.data) and abs(node.data) < 1e6):
            continue
        steps.append(Step(op, tuple(operands)))
        nodes.append(node)
        sizes.append(size)
    return values, steps


def _error_scale(root: Value) -> dict[int, float]:
    """Backward with |local derivative| on every edge: the scale rounding errors are relative to."""
    scale = {id(root): 1.0}
    for node in reversed(topological_order(root)):
        if node.op is None:
            continue
        operands = [p.data for p in node.parents]
        for slot, parent in enumerate(node.parents):
            local = abs(node.op.partial(slot).fn(node.data, *operands))
            scale[id(parent)] = scale.get(id(parent), 0.0) + scale.get(id(node), 0.0) * local
    return scale


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(programs())
def test_random_graphs_agree_with_sympy(program: tuple[list[float], list[Step]]) -> None:
    values, steps = program
    leaves = [Value(v, label=f"x{i + 1}") for i, v in enumerate(values)]
    out = run(steps, leaves)
    if not out.requires_grad:  # the program never touched a leaf (constants only)
        return
    out.backward()
    expr, env = to_sympy(out)
    # Evaluate with 50-digit Floats put in place of the symbols: every node then evaluates as it
    # is built. (Substituting into the symbolic derivative instead can send SymPy into endless
    # simplification of Heaviside(...) from relu, or exact rationals with millions of digits.)
    at = {symbol: sp.Float(value, 50) for symbol, value in env.items()}
    scale = _error_scale(out)
    assert float(expr.xreplace(at)) == pytest.approx(out.data, rel=1e-9, abs=1e-12)
    for leaf in leaves:
        symbol = sp.Symbol(leaf.label, real=True)
        exact = float(sp.diff(expr, symbol).xreplace(at)) if symbol in env else 0.0
        # Saturated tanh/sigmoid compute their slope from the rounded output (1 − out², as
        # PyTorch does), so a true slope below ~1e-16 can come out as 0: the 1e-12 floor.
        tolerance = 1e-9 * abs(exact) + 1e-12 * (1.0 + scale.get(id(leaf), 0.0))
        assert abs(leaf.grad - exact) <= tolerance, (leaf.label, leaf.grad, exact, steps)


@SETTINGS
@given(programs())
def test_random_graphs_agree_with_central_differences(program: tuple[list[float], list[Step]]) -> None:
    values, steps = program
    probe = run(steps, [Value(v) for v in values])
    if not probe.requires_grad:
        return
    scale = 1.0 + abs(probe.data)
    # Central differences are off by f'''(x)·eps²/6: on a steep graph (exp(x1·e^(x2·e^x2)) has the
    # slope 23636.7 at x1 = 0, and eps = 1e-6 gives 23638.9) that alone exceeds the tolerance. So
    # they are taken at eps and eps/2 and extrapolated (Richardson), which cancels that term.
    def f(*xs: Value) -> Value:
        return run(steps, list(xs))

    coarse, fine = (gradcheck(f, values, eps=eps, raise_exception=False).rows for eps in (1e-6, 5e-7))
    for c, r in zip(coarse, fine):
        numeric = r.numeric + (r.numeric - c.numeric) / 3
        assert abs(r.analytic - numeric) <= 1e-5 * scale + 1e-5 * abs(numeric), (r, c, steps)
