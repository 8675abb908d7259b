"""Anomaly mode: stop at the first NaN or infinity instead of letting it spread.

Outside this mode NaN and infinities propagate as IEEE floats do, as in PyTorch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

enabled = False  # read by the forward pass (value.py) and the backward pass (graph.py)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first op whose result or local derivative is not finite.

    >>> from autograd import Value, detect_anomaly
    >>> x = Value(float("inf"), label="x")
    >>> with detect_anomaly():
    ...     y = x - x
    Traceback (most recent call last):
    FloatingPointError: sub gave nan from 'x' = inf, 'x' = inf
    """
    global enabled
    previous, enabled = enabled, True
    try:
        yield
    finally:
        enabled = previous
