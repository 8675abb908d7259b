"""Anomaly mode: stop at the first NaN or infinity instead of letting it spread.

Outside this mode NaN and infinities propagate as IEEE floats do, as in PyTorch. The mode belongs
to the thread (and the asyncio task) that entered it, as PyTorch's does: it is a context
variable, so another thread computing at the same time is not affected, and blocks nest.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["detect_anomaly", "enabled"]

_on: ContextVar[bool] = ContextVar("stepgrad_detect_anomaly", default=False)
_lock = threading.Lock()

active = 0
"""How many ``detect_anomaly`` blocks are open in any thread or task. The forward pass reads this
plain integer on every node and asks the context variable only when it is not 0, so the mode
costs nothing while nobody uses it."""


def enabled() -> bool:
    """Whether the calling thread or task is inside ``detect_anomaly()``.

    >>> enabled()
    False
    >>> with detect_anomaly():
    ...     enabled()
    True
    """
    return active > 0 and _on.get()


@contextlib.contextmanager
def detect_anomaly(mode: bool = True) -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first op whose result or local derivative is not finite.

    ``detect_anomaly(False)`` turns the mode off again inside an enclosing block.

    >>> from autograd import Value, detect_anomaly
    >>> x = Value(float("inf"), label="x")
    >>> with detect_anomaly():
    ...     y = x - x
    Traceback (most recent call last):
    FloatingPointError: sub gave nan from 'x' = inf, 'x' = inf
    """
    global active
    with _lock:
        active += 1
    token = _on.set(bool(mode))
    try:
        yield
    finally:
        _on.reset(token)
        with _lock:
            active -= 1
