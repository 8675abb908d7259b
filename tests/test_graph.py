"""The graph walk and the backward pass (autograd.graph): what they promise and rely on. No timings.

- Graphs hold no reference cycle: reference counting frees them; the cyclic collector finds nothing.
- A node's operands read back the same however they are stored.
- backward pauses the collector and always restores it as it was.
- The topological walk gives the post-order of a depth-first walk, parents in slot order (checked
  against a plain recursive reference on random graphs), and relies on Values hashing by identity.
- A variadic row's local derivative is evaluated once per node (add_n of n terms is linear).
- A 1,000,000-node chain runs forward and backward with Python's default limits.
"""

from __future__ import annotations

import gc
import math
import random
import sys

import pytest

from autograd import Op, Partial, Value, add_n, apply, detect_anomaly, topological_order
from autograd.ops import ADD, ATOM, MUL, SUM
from nn.examples import classic_values


def _count_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def test_training_step_leaves_nothing_for_the_cyclic_collector():
    gc.collect()
    v = classic_values()
    v["E_total"].backward()
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        v[name].data -= 0.5 * v[name].grad
    del v
    assert gc.collect() == 0


def test_a_dropped_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    before = _count_values()
    gc.disable()
    try:
        x, w = Value(0.3, label="x"), Value(-1.2, label="w")
        y = ((x * w).tanh() + x.sigmoid() * w) / (1 + x.exp())
        y.backward()
        assert _count_values() > before + 2
        del x, w, y
        assert _count_values() == before
    finally:
        gc.enable()


@pytest.mark.parametrize("was_enabled", [True, False])
def test_backward_restores_the_collector_as_it_found_it(was_enabled):
    x = Value(2.0, label="x")
    (x * x).backward()
    if not was_enabled:
        gc.disable()
    try:
        (x * x + x).backward()
        assert gc.isenabled() is was_enabled
        with detect_anomaly(), pytest.raises(FloatingPointError):  # an error inside the pass
            Value(0.0, label="z").__pow__(0.5).backward()
        assert gc.isenabled() is was_enabled
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "make, slots, dx0",  # slots: which of x0, x1, x2 are the parents; dx0: d(result)/d(x0)
    [
        (lambda x: x[0], (), 1.0),
        (lambda x: -x[0], (0,), -1.0),
        (lambda x: x[0] * x[1], (0, 1), 2.0),
        (lambda x: x[0] + x[0], (0, 0), 2.0),
        (lambda x: add_n(x[:1]), (0,), 1.0),
        (lambda x: add_n(x), (0, 1, 2), 1.0),
        (lambda x: Value(7.0, op=MUL, parents=x[:2]), (0, 1), 2.0),
    ],
)
def test_parents_reads_back_the_operands_however_they_are_stored(make, slots, dx0):
    x = [Value(float(k + 1), label=f"x{k}") for k in range(3)]  # 1, 2, 3
    y = make(x)
    assert y.parents == tuple(x[k] for k in slots)
    y.backward()  # the walk and the chain rule read the same storage as parents
    assert x[0].grad == dx0


def test_values_hash_by_identity():
    # The topological walk keeps a set of the nodes themselves; equal data must not merge nodes.
    assert Value.__hash__ is object.__hash__
    assert Value.__eq__ is object.__eq__
    a, b = Value(1.0), Value(1.0)
    assert len({a, b}) == 2


def _reference_order(root: Value, needs_grad: bool) -> list[Value]:
    """Post-order of a recursive depth-first walk, parents in slot order (small graphs only)."""
    order: list[Value] = []
    seen: set[int] = set()

    def visit(node: Value) -> None:
        seen.add(id(node))
        for parent in node.parents:
            if id(parent) not in seen and (parent.requires_grad or not needs_grad):
                visit(parent)
        order.append(node)

    visit(root)
    return order


@pytest.mark.parametrize("seed", range(20))
def test_topological_order_is_the_depth_first_post_order(seed):
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1), label=f"x{k}", requires_grad=rng.random() < 0.7) for k in range(4)]
    for _ in range(rng.randrange(5, 40)):
        kind = rng.randrange(4)
        if kind == 0:
            nodes.append(rng.choice(nodes).tanh())
        elif kind == 1:
            nodes.append(rng.choice(nodes) * rng.choice(nodes))
        elif kind == 2:
            nodes.append(add_n(rng.sample(nodes, rng.randrange(1, min(5, len(nodes)) + 1))))
        else:
            nodes.append(rng.choice(nodes) + rng.uniform(-1, 1))
    root = nodes[-1]
    for needs_grad in (False, True):
        got = [id(v) for v in topological_order(root, needs_grad=needs_grad)]
        assert got == [id(v) for v in _reference_order(root, needs_grad)]


def test_a_variadic_local_derivative_is_evaluated_once_per_node():
    calls = []

    def local(out, *xs):
        calls.append(len(xs))
        return 2.0

    twice_sum = Op(
        "twice_sum", ("x",), lambda *xs: 2.0 * math.fsum(xs), (Partial(local, "2", "2", ATOM),),
        " + ", " + ", SUM, lambda sp, *xs: 2 * sp.Add(*xs), variadic=True,
    )
    xs = [Value(float(k), label=f"x{k}") for k in range(1000)]
    y = apply(twice_sum, *xs, Value(5.0, requires_grad=False))
    y.backward()
    assert calls == [1001]
    assert [x.grad for x in xs] == [2.0] * 1000
    assert y.data == 2.0 * (sum(range(1000)) + 5.0)


def test_a_users_row_returning_an_int_still_makes_float_data():
    floor_sum = Op(
        "floor_sum", ("a", "b"), lambda a, b: int(a + b), (Partial(lambda out, a, b: 0.0, "0", "0", ATOM),) * 2,
        "⌊{a} + {b}⌋", r"\lfloor {a} + {b} \rfloor", ADD.precedence, lambda sp, a, b: sp.floor(a + b),
    )
    y = apply(floor_sum, Value(1.5), 2)
    assert type(y.data) is float and y.data == 3.0


def test_a_million_node_chain_forward_and_backward_with_default_limits():
    assert sys.getrecursionlimit() <= 10_000  # nothing raised it for us
    x, a, b = Value(0.25, label="x"), Value(0.5, label="a"), Value(1.0, label="b")
    v = x
    steps = 500_000  # v ← v·a + b, two nodes per step
    for _ in range(steps):
        v = v * a + b
    v.backward()
    # Closed forms: v_n = 2 + (x − 2)·a^n; ∂v/∂b = Σ a^k = 2(1 − a^n); ∂v/∂x = a^n (underflows to 0);
    # ∂v/∂a = Σ_k a^(n−1−k)·v_k, which for huge n is Σ_j 0.5^j·2 = 4 minus terms below 1e-300.
    assert v.data == pytest.approx(2.0, rel=1e-12)
    assert b.grad == pytest.approx(2.0, rel=1e-12)
    assert x.grad == 0.0
    assert a.grad == pytest.approx(4.0, rel=1e-12)
    order = topological_order(v)
    assert len(order) == 2 * steps + 3 and order[-1] is v
    assert [n.op for n in order[:7]] == [None, None, MUL, None, ADD, MUL, ADD]  # x, a, ·, b, +, ·, +
