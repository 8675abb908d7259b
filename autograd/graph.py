"""Walking the graph: one topological order, and the chain rule on it (the backward pass).

The chain rule (:func:`_chain_rule`) is the one place where a local derivative is evaluated and
multiplied into a gradient. Everything that shows a local derivative or a gradient (derivations,
drawings, the step-by-step trace) gets its numbers from :func:`sweep`, which runs that same code
on a copy of the graph and records every edge, so what is shown is what backward computes, bit
for bit, by construction.

Nothing here recurses, so a chain of a million nodes is walked with Python's default limits.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import anomaly
from .errors import describe, local_error

if TYPE_CHECKING:
    from .value import Value

__all__ = ["topological_order", "backward", "sweep", "Sweep", "gradient_step", "collector_paused"]

_EXIT = object()  # on the walk's stack, below a node's parents: "emit the node under me"


def topological_order(root: Value, *, needs_grad: bool = False) -> list[Value]:
    """Every Value ``root`` depends on, each after all of its parents; ``root`` last.

    Deterministic: a node's parents are visited in slot order, so the same graph always gives
    the same order (the post-order of a depth-first walk from ``root``). With ``needs_grad=True``
    the walk does not enter Values that do not need a gradient (``requires_grad`` is False:
    inputs, targets, constants, frozen parameters, and everything computed only from them).

    >>> from autograd import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> c = (a * b).labelled("c") + a
    >>> [v.label for v in topological_order(c)]
    ['a', 'b', 'c', None]
    """
    # The stack holds nodes to enter; a node being entered is pushed back with _EXIT above it
    # and its parents (last slot deepest) above that, so it is emitted once they all are. Plain
    # object pushes, no (node, flag) tuples: the walk allocates nothing per node but its set entry.
    # The first parent is entered straight away rather than pushed and popped (the inner loop),
    # so a long chain of nodes is walked without a round trip through the stack per node.
    order: list[Value] = []
    emit = order.append
    # Values hash by identity (Value defines no __eq__), so the set holds the nodes themselves:
    # no id() call per visit.
    visited: set[Value] = set()
    mark = visited.add
    stack: list[object] = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = pop()
        if node is _EXIT:
            emit(pop())
            continue
        if node in visited or (needs_grad and not node.requires_grad and node is not root):
            continue
        while True:  # enter node
            mark(node)
            a = node._a  # the operand slots: see value.py's module docstring
            if a is None:  # a leaf, or a row of three or more operands
                if node._more:
                    push(node)
                    push(_EXIT)
                    stack.extend(node._more[::-1])
                else:
                    emit(node)
                break
            push(node)
            push(_EXIT)
            b = node._b
            if b is not None and b not in visited:
                push(b)
            if a in visited or (needs_grad and not a.requires_grad):
                break
            node = a
    return order


def gradient_step(data: float, lr: float, grad: float) -> float:
    """The gradient-descent update w − η·g: the one place it is computed (optimisers, derivations
    and drawings of an update all call it).

    >>> gradient_step(0.4, 0.5, 0.25)
    0.275
    """
    return data - lr * grad


def backward(root: Value, gradient: float = 1.0) -> None:
    """Apply the chain rule on every edge, from ``root`` back to the leaves.

    Each node's gradient is complete before it is passed on (reverse topological order), and a
    parent that appears in several slots, or under several consumers, receives the sum of
    every edge's contribution: upstream gradient × the op row's local derivative.
    """
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: {describe(root)} does not depend on any Value that needs a gradient "
            "(every leaf it comes from has requires_grad=False)"
        )
    _run(root, gradient, _check_local if anomaly.active and anomaly.enabled() else None)


class collector_paused:  # noqa: N801 (used as a function: ``with collector_paused():``)
    """Pause Python's cyclic collector while a whole graph is walked or copied.

    A graph holds no reference cycles (nodes point only at their parents), so a collection could
    free nothing of it, yet each one that the walk's allocations trigger would traverse every live
    node again: walking a large graph would cost time quadratic in its size. Pausing only
    postpones: the user's own garbage is collected by the first collection after, and a collector
    the user had switched off stays off. (A class, not a generator: backward enters it on every
    call, and a generator's context manager costs three times as much.)
    """

    __slots__ = ("paused",)

    def __enter__(self) -> None:
        self.paused = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.paused:
            gc.enable()


def _run(root: Value, gradient: float, watch: Callable[[Value, int, float], None] | None) -> list[Value]:
    with collector_paused():  # backward allocates only acyclic temporaries (order, set, stack, floats)
        order = topological_order(root, needs_grad=True)
        for node in order:
            if node.op is not None:  # interior nodes start fresh; leaves accumulate across calls
                node.grad = 0.0
        root.grad += gradient
        _chain_rule(order, watch)
        return order


def _chain_rule(order: list[Value], watch: Callable[[Value, int, float], None] | None) -> None:
    # One edge: parent.grad += upstream × partial.fn(out, *operand floats), for every operand
    # slot that needs a gradient. Unary and binary nodes (nearly all of a graph) are read from
    # their operand slots without building an operand list. ``watch(node, slot, local)`` sees
    # every local derivative before it is used: anomaly mode's check, or sweep's recorder.
    node = None
    try:
        for node in reversed(order):
            op = node.op
            if op is None:
                continue
            upstream = node.grad
            out = node.data
            partials = op.partials
            a = node._a
            b = node._b
            if b is not None:  # a two-operand row
                x = a.data
                y = b.data
                if a.requires_grad:
                    local = partials[0].fn(out, x, y)
                    if watch is not None:
                        watch(node, 0, local)
                    a.grad += upstream * local
                if b.requires_grad:
                    local = partials[1].fn(out, x, y)
                    if watch is not None:
                        watch(node, 1, local)
                    b.grad += upstream * local
            elif a is not None:  # a one-operand row
                if a.requires_grad:
                    local = partials[0].fn(out, a.data)
                    if watch is not None:
                        watch(node, 0, local)
                    a.grad += upstream * local
            else:  # add_n, and a user's rows of three or more operands
                parents = node._more
                operands = [p.data for p in parents]
                # A variadic row has one partial for every slot, and its fn cannot see the slot,
                # so it is evaluated once per node, not once per slot (add_n of n terms stays linear).
                shared = partials[0].fn(out, *operands) if op.variadic else 0.0
                for slot, parent in enumerate(parents):
                    if parent.requires_grad:
                        local = shared if op.variadic else partials[slot].fn(out, *operands)
                        if watch is not None:
                            watch(node, slot, local)
                        parent.grad += upstream * local
    except (ArithmeticError, ValueError) as exc:  # a derivative that does not fit in a float
        raise _derivative_error(node, exc) from None


def _derivative_error(node: Value, exc: Exception) -> Exception:
    """The error of a local derivative that raised, reworded to name the op and the operands."""
    operands = [p.data for p in node.parents]
    for slot, parent in enumerate(node.parents):
        if parent.requires_grad:
            try:
                node.op.partial(slot).fn(node.data, *operands)
            except (ArithmeticError, ValueError):
                return type(exc)(str(local_error(node, slot, None, cause=str(exc))))
    return exc


def _check_local(node: Value, slot: int, local: float) -> None:
    if not math.isfinite(local):
        raise local_error(node, slot, local)


@dataclass
class Sweep:
    """What one backward pass computes, edge by edge (see :func:`sweep`).

    ``order`` lists the nodes backward walked, parents first; ``grad`` maps each to its gradient;
    ``local`` maps ``(node, slot)`` to the local derivative of every edge that carried gradient;
    ``edges`` lists those edges as ``(node, slot, upstream, local)`` in the order the chain rule
    applied them (a node's gradient is the sum of its edges' ``upstream × local``, in this order).
    """

    order: list[Value]
    grad: dict[Value, float] = field(default_factory=dict)
    local: dict[tuple[Value, int], float] = field(default_factory=dict)
    edges: list[tuple[Value, int, float, float]] = field(default_factory=list)


def sweep(root: Value, *, everything: bool = False) -> Sweep:
    """Run the backward pass from ``root`` and record it, without touching any Value's ``grad``.

    The chain rule runs, as :func:`backward` runs it, on a copy of the graph (same ops, same
    numbers, same order), and every local derivative is recorded as it is used: the gradients in
    the record equal what ``root.backward()`` gives from zeroed gradients, bit for bit. With
    ``everything=True`` every leaf is treated as needing a gradient (to explain a constant's).

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> s = sweep(a * a + a)
    >>> s.grad[a], [(node.op.name, slot, local) for node, slot, _, local in s.edges]
    (7.0, [('add', 0, 1.0), ('add', 1, 1.0), ('mul', 0, 3.0), ('mul', 1, 3.0)])
    """
    with collector_paused():
        return _sweep(root, everything)


def _sweep(root: Value, everything: bool) -> Sweep:
    Value = type(root)  # noqa: N806 (the class itself: this module does not import value.py, which imports it)
    order = topological_order(root)
    copy: dict[Value, Value] = {}
    for node in order:
        if node.op is None:
            twin = Value(node.data, node.label, node.requires_grad or everything)
        else:
            parents = tuple(copy[p] for p in node.parents)
            twin = Value(node.data, node.label, any(p.requires_grad for p in parents), op=node.op, parents=parents)
        copy[node] = twin
    original = {twin: node for node, twin in copy.items()}
    record = Sweep([])
    if not copy[root].requires_grad:
        return record
    check = anomaly.enabled()

    def watch(twin: Value, slot: int, local: float) -> None:
        if check:
            _check_local(twin, slot, local)
        node = original[twin]
        record.local[node, slot] = local
        record.edges.append((node, slot, twin.grad, local))

    walked = _run(copy[root], 1.0, watch)
    record.order = [original[twin] for twin in walked]
    record.grad = {original[twin]: twin.grad for twin in walked}
    return record
