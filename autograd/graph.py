"""Walking the graph: one topological order, and the backward pass built on it.

Nothing here recurses, so a chain of a million nodes is walked with Python's default limits.
"""

from __future__ import annotations

import gc
import math
from typing import TYPE_CHECKING

from . import anomaly

if TYPE_CHECKING:
    from .value import Value

__all__ = ["topological_order", "backward"]

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


def backward(root: Value, gradient: float = 1.0) -> None:
    """Apply the chain rule on every edge, from ``root`` back to the leaves.

    Each node's gradient is complete before it is passed on (reverse topological order), and a
    parent that appears in several slots, or under several consumers, receives the sum of
    every edge's contribution: upstream gradient × the op row's local derivative.
    """
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: {_name(root)} does not depend on any Value that needs a gradient "
            "(every leaf it comes from has requires_grad=False)"
        )
    # The cyclic collector is paused for the pass. Backward allocates only acyclic temporaries
    # (the order, the walk's set and stack, float gradients), so a collection could free nothing
    # of ours, yet each one it triggers would traverse the whole live graph (and the user's
    # objects). Pausing only postpones: the user's own garbage is collected by the first
    # collection after the pass, and a collector the user had switched off stays off.
    paused = gc.isenabled()
    gc.disable()
    try:
        order = topological_order(root, needs_grad=True)
        for node in order:
            if node.op is not None:  # interior nodes start fresh; leaves accumulate across calls
                node.grad = 0.0
        root.grad += gradient
        _chain_rule(order, anomaly.enabled)
    finally:
        if paused:
            gc.enable()


def _chain_rule(order: list[Value], check: bool) -> None:
    # One edge: parent.grad += upstream × partial.fn(out, *operand floats). Unary and binary
    # nodes (nearly all of a graph) are read from their operand slots without building an operand
    # list; a variadic row has one partial for every slot, and its fn cannot see the slot, so it
    # is evaluated once per node rather than once per slot (add_n of n terms stays linear).
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
                if check:
                    _check_local(node, 0, local)
                a.grad += upstream * local
            if b.requires_grad:
                local = partials[1].fn(out, x, y)
                if check:
                    _check_local(node, 1, local)
                b.grad += upstream * local
        elif a is not None:  # a one-operand row
            if a.requires_grad:
                local = partials[0].fn(out, a.data)
                if check:
                    _check_local(node, 0, local)
                a.grad += upstream * local
        else:  # add_n, and a user's rows of three or more operands
            parents = node._more
            operands = [p.data for p in parents]
            variadic = op.variadic
            shared = partials[0].fn(out, *operands) if variadic else 0.0
            for slot, parent in enumerate(parents):
                if parent.requires_grad:
                    local = shared if variadic else partials[slot].fn(out, *operands)
                    if check:
                        _check_local(node, slot, local)
                    parent.grad += upstream * local


def _check_local(node: Value, slot: int, local: float) -> None:
    if not math.isfinite(local):
        raise _local_error(node, slot, local)


def _local_error(node: Value, slot: int, local: float) -> FloatingPointError:
    """What anomaly mode raises for a local derivative that is not finite (compiled mode too)."""
    return FloatingPointError(
        f"backward: the local derivative of {node.op.name} ({_name(node)}) with respect to "
        f"operand {slot + 1} ({_name(node.parents[slot])}) is {local!r}"
    )


def _name(v: Value) -> str:
    from .value import describe

    return describe(v)
