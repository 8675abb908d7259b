"""``Value``: a scalar that records the operation that made it.

A Value holds its number (``data``), its gradient (``grad``), an optional ``label``, and, when it
is the result of an operation, the op-table row (``op``) and its operands (``parents``, an
ordered tuple in which ``a + a`` keeps both slots). That is all backward needs; the derivation
tracer and the renderers read the same fields.

How the operands are stored is the one concession to speed in the data layout: a node of a one-
or two-operand row holds them in its own slots ``_a`` and ``_b`` (``None`` when absent), and only
a variadic row, or one of three or more operands, keeps a tuple (``_more``). A tuple per node
would be a second object for Python's cyclic collector to walk, again and again, while a large
graph is being built (see "Speed notes" below). ``parents`` reads the operands back as a tuple.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable

from . import anomaly, graph
from .errors import anomaly_error, op_error, shorten, to_float
from .ops import (
    ADD,
    ADD_N,
    DIV,
    EXP,
    HALF_SQUARED_ERROR,
    LOG,
    MUL,
    NEG,
    POW,
    RELU,
    SIGMOID,
    SUB,
    TANH,
    Op,
)

__all__ = ["Value", "Number", "apply", "add_n", "half_squared_error"]

Number = int | float


class Value:
    """A scalar node of a computation graph.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-4.0, -2.0, 2.0)
    """

    __slots__ = ("data", "grad", "label", "op", "requires_grad", "_a", "_b", "_more")

    def __init__(
        self,
        data: Number,
        label: str | None = None,
        requires_grad: bool = True,
        *,
        op: Op | None = None,
        parents: tuple[Value, ...] = (),
    ) -> None:
        self.data: float = data if type(data) is float else to_float(data, "Value(data)")
        self.grad: float = 0.0
        self.label = label if label is None or type(label) is str else _label(label, "Value(label)")
        self.op = op
        self.requires_grad = requires_grad
        _link(self, op, tuple(parents))

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands this Value was computed from, in the op's slot order (``()`` for a leaf).

        >>> a = Value(2.0)
        >>> (a + a).parents == (a, a)
        True
        """
        a = self._a
        if a is None:
            return self._more
        b = self._b
        return (a,) if b is None else (a, b)

    # --- arithmetic: each operator is one op-table row applied to (self, other) -------------
    # Operators take the fast path for one- and two-operand rows (``_make``); numbers become
    # constants (``_lift``).

    def __add__(self, other: Value | Number) -> Value:
        return _make(ADD, self, other if type(other) is Value else _lift(other, ADD))

    def __radd__(self, other: Number) -> Value:
        return _make(ADD, _lift(other, ADD), self)

    def __sub__(self, other: Value | Number) -> Value:
        return _make(SUB, self, other if type(other) is Value else _lift(other, SUB))

    def __rsub__(self, other: Number) -> Value:
        return _make(SUB, _lift(other, SUB), self)

    def __mul__(self, other: Value | Number) -> Value:
        return _make(MUL, self, other if type(other) is Value else _lift(other, MUL))

    def __rmul__(self, other: Number) -> Value:
        return _make(MUL, _lift(other, MUL), self)

    def __truediv__(self, other: Value | Number) -> Value:
        return _make(DIV, self, other if type(other) is Value else _lift(other, DIV))

    def __rtruediv__(self, other: Number) -> Value:
        return _make(DIV, _lift(other, DIV), self)

    def __pow__(self, other: Value | Number) -> Value:
        return _make(POW, self, other if type(other) is Value else _lift(other, POW))

    def __rpow__(self, other: Number) -> Value:
        return _make(POW, _lift(other, POW), self)

    def __neg__(self) -> Value:
        return _make(NEG, self)

    def exp(self) -> Value:
        """e to the power of this value."""
        return _make(EXP, self)

    def log(self) -> Value:
        """Natural logarithm; a ``ValueError`` naming this value if it is not positive."""
        return _make(LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, overflow-free, within 1 ulp, for every finite input."""
        return _make(TANH, self)

    def sigmoid(self) -> Value:
        """The logistic function 1 / (1 + e^−x), overflow-free, within 2 ulp, for every finite input."""
        return _make(SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); its derivative at exactly 0 is taken as 0."""
        return _make(RELU, self)

    # --- gradients ---------------------------------------------------------------------------

    def backward(self, gradient: float = 1.0) -> None:
        """Fill ``grad`` of every Value this one depends on with d(self)/d(that Value).

        As in PyTorch: leaves (Values made by the user) *accumulate* across calls, so summing
        per-sample gradients is calling backward once per sample; every interior node gets a
        fresh gradient on each call. Values with ``requires_grad=False`` get nothing, and the
        walk does not enter parts of the graph that cannot reach a Value that needs a gradient.
        """
        graph.backward(self, gradient if type(gradient) is float else to_float(gradient, "backward(gradient)"))

    def labelled(self, label: str) -> Value:
        """Set the label and return this Value, for use inside expressions.

        >>> (Value(0.5) * 2).labelled("y")
        Value(label='y', data=1.0, grad=0.0)
        """
        self.label = label if type(label) is str else _label(label, "labelled(label)")
        return self

    # --- copying and pickling ----------------------------------------------------------------
    # Pickle and deepcopy would follow parents recursively, and a chain of a few hundred nodes
    # exceeds Python's recursion limit. So the first node reduced lists all its ancestors, in
    # topological order, ahead of its own fields: each of them is then reduced with its parents
    # already in the pickler's (or deepcopy's) memo, so nothing nests more than one level. Those
    # ancestors are remembered (by id, in this thread) so that their own reductions stay shallow.

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        shallow = _REDUCING.__dict__.setdefault("ids", set())
        if id(self) in shallow:
            shallow.discard(id(self))
            ancestors: list[Value] | None = None
        else:
            shallow.clear()  # any earlier graph has been written out completely
            ancestors = graph.topological_order(self)[:-1]
            shallow.update(map(id, ancestors))
        return _restore, (ancestors, self.data, self.grad, self.label, self.op, self.requires_grad, self.parents)

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label is not None else ""
        return f"Value({name}data={self.data!r}, grad={self.grad!r})"

    # Printing lives in the printers (autograd.printing); these hooks only import them lazily.
    # (Derivation and rendering hooks are added by those modules' issues.)


_REDUCING = threading.local()


def _restore(
    ancestors: list[Value] | None, data: float, grad: float, label: str | None, op: Op | None,
    requires_grad: bool, parents: tuple[Value, ...],
) -> Value:
    """A Value from its fields (``ancestors`` only made sure its parents were restored first)."""
    v = Value(data, label, requires_grad, op=op, parents=parents)
    v.grad = grad
    return v


def _label(label: object, where: str) -> str | None:
    if label is None or isinstance(label, str):
        return label
    raise TypeError(f"{where}: a label is a str (or None), got {type(label).__name__} {shorten(repr(label))}")


def _lift(x: Value | Number, op: Op) -> Value:
    """An operand as a Value: plain numbers become constants (``requires_grad=False``)."""
    if isinstance(x, Value):
        return x
    return Value(to_float(x, f"{op.name}"), None, False)


# Speed notes (issue 7). Every node an operator makes is made by ``_make``, which calls the row's
# forward function with the operands' floats directly (no argument lists) and fills the slots of
# a bare instance (``object.__new__``): a keyword-argument ``__init__`` call costs about twice as
# much, and a graph is mostly such nodes. ``apply`` handles any arity and a label. Nodes point
# only at older nodes (their parents), never back, so a graph holds no reference cycle: reference
# counting frees it the moment the last reference goes, and the cyclic collector never has
# anything to find in it. It still walks every live node each time it runs, and while a graph
# grows it runs often (a full collection each time the live objects grow by a quarter): that walk
# was ~40% of building a million-node chain when each node also owned a parents tuple. Operands
# in the node's own slots halve the objects walked, and the memory per node.
_new = object.__new__


def _make(op: Op, a: Value, b: Value | None = None) -> Value:
    """The result of a one- or two-operand row (``b`` None for one) as a new node."""
    try:
        data = op.forward(a.data) if b is None else op.forward(a.data, b.data)
    except (ArithmeticError, ValueError) as exc:
        raise op_error(op, (a,) if b is None else (a, b), exc) from None
    if type(data) is not float or anomaly.active:  # one test on the fast path; the rest in _result
        data = _result(op, data, (a,) if b is None else (a, b))
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = None
    node.op = op
    node.requires_grad = a.requires_grad or (b is not None and b.requires_grad)
    node._a = a
    node._b = b
    node._more = ()
    return node


def _result(op: Op, data: object, parents: tuple[Value, ...]) -> float:
    """A row's forward result as a float; in anomaly mode, refused if it is not finite."""
    if type(data) is not float:
        data = to_float(data, f"{op.name} forward")
    if anomaly.active and not math.isfinite(data) and anomaly.enabled():
        raise anomaly_error(op, data, parents)
    return data


def _link(node: Value, op: Op | None, parents: tuple[Value, ...]) -> None:
    """Store ``parents`` as ``node``'s operands: in the slots for a fixed-arity row of one or two,
    else as a tuple."""
    if op is not None and not op.variadic and 1 <= len(parents) <= 2:
        node._a = parents[0]
        node._b = parents[1] if len(parents) == 2 else None
        node._more = ()
    else:
        node._a = node._b = None
        node._more = parents


def apply(op: Op, *operands: Value | Number, label: str | None = None) -> Value:
    """Apply an op-table row to operands (Values or plain numbers) and record the result.

    >>> from autograd.ops import MUL
    >>> apply(MUL, Value(3.0), 4, label="y")
    Value(label='y', data=12.0, grad=0.0)
    """
    parents = tuple([x if type(x) is Value else _lift(x, op) for x in operands])
    try:
        data = op.forward(*[p.data for p in parents])
    except (ArithmeticError, ValueError) as exc:
        raise op_error(op, parents, exc) from None
    return Value(_result(op, data, parents), label, any([p.requires_grad for p in parents]), op=op, parents=parents)


def add_n(values: Iterable[Value | Number], label: str | None = None) -> Value:
    """The sum of many values as one node (its derivation reads ``a + b + c``, one step).

    >>> add_n([Value(1.0), 2, Value(3.5)], label="s").data
    6.5
    """
    operands = list(values)
    if not operands:
        raise ValueError("add_n: needs at least one value to add, got none")
    return apply(ADD_N, *operands, label=label)


def half_squared_error(output: Value, target: Value | Number, label: str | None = None) -> Value:
    """½(target − output)², the classic example's per-output error, as one node.

    >>> e = half_squared_error(Value(0.75, label="o"), 0.25, label="E")
    >>> e.backward()
    >>> e.data, e.parents[0].grad
    (0.125, 0.5)
    """
    return apply(HALF_SQUARED_ERROR, output, target, label=label)
