"""Value: construction, operators, parents, and the named fan-out cases of backward."""

from __future__ import annotations

import copy
import math
import pickle
from fractions import Fraction

import pytest

from autograd import Value, add_n, apply, explain_forward, half_squared_error, topological_order
from autograd.ops import ADD, MUL, POW, SUB


def test_data_is_a_float_and_grad_starts_at_zero() -> None:
    assert Value(3).data == 3.0 and type(Value(3).data) is float
    assert Value(True).data == 1.0
    assert Value(Fraction(1, 4)).data == 0.25
    v = Value(0.5, label="w")
    assert (v.grad, v.label, v.op, v.parents, v.requires_grad) == (0.0, "w", None, (), True)


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, [1.0]])
def test_non_numbers_are_refused_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]


def test_operators_with_numbers_on_either_side_keep_operand_order() -> None:
    x = Value(3.0, label="x")
    cases = [(x + 2, ADD, 5.0), (2 + x, ADD, 5.0), (x - 2, SUB, 1.0), (2 - x, SUB, -1.0),
             (2 * x, MUL, 6.0), (x ** 2, POW, 9.0), (2 ** x, POW, 8.0)]
    for y, op, data in cases:
        assert (y.op, y.data) == (op, data)
        assert x in y.parents
        constant = next(p for p in y.parents if p is not x)
        assert constant.data == 2.0 and not constant.requires_grad
    assert (2 - x).parents[1] is x and (x - 2).parents[0] is x
    assert (6 / x).data == 2.0 and (x / 6).data == 0.5
    assert (-x).data == -3.0


def test_parents_are_an_ordered_tuple_with_duplicates() -> None:
    a = Value(1.5, label="a")
    s = a + a
    assert s.parents == (a, a)
    assert [v.label for v in topological_order(s)] == ["a", None]


def test_unsupported_operand_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "x"  # type: ignore[operator]


def test_repr_shows_label_data_and_grad() -> None:
    v = Value(0.4, label="w5")
    v.grad = 0.082167041
    assert repr(v) == "Value(label='w5', data=0.4, grad=0.082167041)"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"


# --- fan-out: named cases -------------------------------------------------------------------


def test_a_plus_a() -> None:
    a = Value(3.0, label="a")
    (a + a).backward()
    assert a.grad == 2.0


def test_a_times_b_plus_a() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    (a * b + a).backward()
    assert (a.grad, b.grad) == (-2.0, 2.0)  # d/da = b + 1, d/db = a


def test_one_node_used_by_two_branches() -> None:
    x = Value(0.5, label="x")
    h = (x * 3).labelled("h")  # h feeds two branches, like out_h1 feeding o1 and o2
    y = h.tanh() + h.sigmoid()
    y.backward()
    s = 1 / (1 + math.exp(-1.5))
    expected_dh = (1 - math.tanh(1.5) ** 2) + s * (1 - s)
    assert h.grad == pytest.approx(expected_dh, rel=1e-15)
    assert x.grad == pytest.approx(3 * expected_dh, rel=1e-15)


def test_backward_twice_accumulates_in_leaves_and_refreshes_interior_nodes() -> None:
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    m = (a * b).labelled("m")
    y = m * m
    y.backward()
    assert (a.grad, m.grad) == (2 * 10.0 * 5.0, 20.0)
    y.backward()
    assert a.grad == 2 * 100.0  # leaves accumulate, as in PyTorch
    assert m.grad == 20.0  # interior nodes start fresh on every call


def test_constants_and_frozen_values_get_no_gradient() -> None:
    x = Value(0.05, label="i1", requires_grad=False)
    w = Value(0.15, label="w1")
    b = Value(0.35, label="b1", requires_grad=False)
    net = add_n([w * x, b])
    net.backward()
    assert w.grad == 0.05 and x.grad == 0.0 and b.grad == 0.0
    assert topological_order(net, needs_grad=True) == [w, net.parents[0], net]


def test_a_graph_of_constants_cannot_be_differentiated() -> None:
    y = Value(1.0, label="t", requires_grad=False) * 2
    with pytest.raises(RuntimeError, match="'t'|needs a gradient"):
        y.backward()


def test_apply_takes_any_row_and_a_label() -> None:
    y = apply(MUL, Value(3.0), 4, label="y")
    assert (y.label, y.data, y.op) == ("y", 12.0, MUL)


def test_add_n_needs_values() -> None:
    with pytest.raises(ValueError, match="add_n"):
        add_n([])


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))])
def test_a_copied_or_unpickled_graph_refers_to_the_same_op_rows(duplicate) -> None:
    a, t = Value(0.5, label="a"), Value(0.25, label="t", requires_grad=False)
    E = (half_squared_error(a.sigmoid().labelled("o"), t, label="E_1") + (a * a).labelled("s")).labelled("E")
    twin = duplicate(E)
    assert [v.op for v in topological_order(twin)] == [v.op for v in topological_order(E)]
    assert all(x.op is y.op for x, y in zip(topological_order(twin), topological_order(E)))
    twin.backward()
    E.backward()
    assert twin.parents[0].parents[0].parents[0].grad == a.grad  # the copy's own a
    assert str(explain_forward(twin)) == str(explain_forward(E))


def test_pickle_and_deepcopy_of_a_long_chain_do_not_recurse() -> None:
    x = Value(0.5, label="x")
    v = x
    for _ in range(5000):  # pickle recursed past ~250 nodes, deepcopy past ~140
        v = v * 1.0001 + 0.001
    v.backward()
    x2, v2 = pickle.loads(pickle.dumps([x, v]))
    assert (v2.data, x2.grad) == (v.data, x.grad)
    assert topological_order(v2)[0] is x2  # one graph: the leaf is shared, not copied twice
    v3 = copy.deepcopy(v)
    assert v3.data == v.data and topological_order(v3)[0] is not x
    v3.backward()  # the copy is a working graph; its leaf kept its gradient, and accumulates
    assert topological_order(v3)[0].grad == 2 * x.grad


def test_a_label_is_a_string_and_a_gradient_a_number() -> None:
    with pytest.raises(TypeError, match=r"Value\(label\): a label is a str \(or None\), got int 3"):
        Value(1.0, label=3)
    with pytest.raises(TypeError, match=r"labelled\(label\): a label is a str"):
        Value(1.0).labelled(["y"])
    x = Value(2.0, label="x")
    with pytest.raises(TypeError, match=r"backward\(gradient\): expected a real number .* got str '2'"):
        (x * x).backward(gradient="2")
    assert x.grad == 0.0
