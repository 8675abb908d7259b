"""Walking the graph: one topological order, and the backward pass built on it.

Nothing here recurses, so a chain of a million nodes is walked with Python's default limits.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import anomaly

if TYPE_CHECKING:
    from .value import Value

__all__ = ["topological_order", "backward"]


def topological_order(root: Value, *, needs_grad: bool = False) -> list[Value]:
    """Every Value ``root`` depends on, each after all of its parents; ``root`` last.

    Deterministic: a node's parents are visited in slot order, so the same graph always gives
    the same order. With ``needs_grad=True`` the walk does not enter Values that do not need a
    gradient (``requires_grad`` is False: inputs, targets, constants, frozen parameters, and
    everything computed only from them).

    >>> from autograd import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> c = (a * b).labelled("c") + a
    >>> [v.label for v in topological_order(c)]
    ['a', 'b', 'c', None]
    """
    order: list[Value] = []
    visited: set[int] = set()
    # Each node is pushed once as "enter" and, once its parents are done, emitted as "exit".
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in visited and (parent.requires_grad or not needs_grad):
                stack.append((parent, False))
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
    order = topological_order(root, needs_grad=True)
    for node in order:
        if node.op is not None:  # interior nodes start fresh; leaves accumulate across calls
            node.grad = 0.0
    root.grad += gradient
    check = anomaly.enabled
    for node in reversed(order):
        op = node.op
        if op is None:
            continue
        upstream = node.grad
        out = node.data
        parents = node.parents
        operands = [p.data for p in parents]
        for slot, parent in enumerate(parents):
            if parent.requires_grad:
                local = op.partial(slot).fn(out, *operands)
                if check and not math.isfinite(local):
                    raise FloatingPointError(
                        f"backward: the local derivative of {op.name} ({_name(node)}) with respect to "
                        f"operand {slot + 1} ({_name(parent)}) is {local!r}"
                    )
                parent.grad += upstream * local


def _name(v: Value) -> str:
    from .value import describe

    return describe(v)
