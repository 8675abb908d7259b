"""How the engine words its errors: every message names the op, the operand by label, and its value.

Forward errors, anomaly-mode errors and local-derivative errors are all built here, for the eager
engine (``value.py``, ``graph.py``) and compiled replay (``compiled.py``) alike, so a mistake
reads the same wherever it is caught.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

from .ops import fill

if TYPE_CHECKING:
    from .ops import Op
    from .value import Value

__all__ = ["describe", "to_float", "op_error", "anomaly_error", "local_error", "shorten"]

LONGEST = 120
"""Longest text of a user's value quoted in a message (a 94 MB error message helps nobody)."""


def shorten(text: str, longest: int = LONGEST) -> str:
    """``text`` cut to ``longest`` characters, saying how much was left out.

    >>> shorten("x" * 10, 8)
    'xxxxxxxx… (10 characters)'
    """
    return text if len(text) <= longest else f"{text[:longest]}… ({len(text)} characters)"


def describe(v: Value) -> str:
    """How error messages name a Value: its label and data, or what made it.

    >>> from autograd import Value
    >>> describe(Value(-1.0, label="x"))
    "'x' = -1.0"
    >>> describe(Value(2.0) * 3)
    'the unlabelled result of mul = 6.0'
    """
    if v.label is not None:
        return f"{shorten(repr(v.label))} = {v.data!r}"
    if v.op is None:
        return f"the constant {v.data!r}" if not v.requires_grad else f"an unlabelled Value = {v.data!r}"
    return f"the unlabelled result of {v.op.name} = {v.data!r}"


def to_float(data: object, where: str) -> float:
    """A real number as a float, or a ``TypeError`` saying ``where`` it was expected.

    >>> to_float(True, "x"), to_float(3, "x")
    (1.0, 3.0)
    >>> to_float("2", "Value(data)")
    Traceback (most recent call last):
    TypeError: Value(data): expected a real number (int, float or bool), got str '2'
    """
    # bool and int (and numpy scalars, Fraction, ...) are numbers.Real; complex, str, None are not.
    if isinstance(data, numbers.Real):
        return float(data)
    raise TypeError(
        f"{where}: expected a real number (int, float or bool), got {type(data).__name__} {shorten(repr(data))}"
    )


def op_error(op: Op, operands: tuple[Value, ...], exc: Exception) -> Exception:
    """A forward function's domain error, its ``{a}``/``{b}`` placeholders naming the operands."""
    names = dict(zip(op.operands, map(describe, operands)))
    return type(exc)(f"{op.name}: {fill(str(exc), names)}")


def anomaly_error(op: Op, data: float, operands: tuple[Value, ...]) -> FloatingPointError:
    """What anomaly mode raises for a forward result that is not finite (see autograd.anomaly)."""
    return FloatingPointError(f"{op.name} gave {data!r} from {', '.join(map(describe, operands))}")


def local_error(node: Value, slot: int, local: float | None, *, cause: str = "") -> FloatingPointError:
    """A local derivative that is not finite (anomaly mode), or, with ``local`` None, one that
    could not be computed as a float at all (``cause`` says why)."""
    what = f"is {local!r}" if local is not None else f"cannot be computed as a float ({cause})"
    return FloatingPointError(
        f"backward: the local derivative of {node.op.name} ({describe(node)}) with respect to "
        f"operand {slot + 1} ({describe(node.parents[slot])}) {what}"
    )
