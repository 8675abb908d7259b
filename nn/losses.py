"""Losses for one sample: a network's outputs against plain-number targets.

Each loss labels its per-output terms ``E_o1, E_o2, ...`` and the total ``E_total``, and its
targets ``target_o1, ...``, so derivations read like the classic example.

================  ===========================================  =====================
name              E_total                                       per-output term E_ok
================  ===========================================  =====================
``half_sse``      Σ ½(t − o)²  (the classic example)             ½(t − o)²
``sse``           Σ (t − o)²                                     (t − o)²
``mse``           (1/n) Σ (t − o)²                               (t − o)²
``bce``           (1/n) Σ −[t ln o + (1 − t) ln(1 − o)]          −[t ln o + (1 − t) ln(1 − o)]
================  ===========================================  =====================

Binary cross-entropy needs outputs strictly between 0 and 1 (a sigmoid output layer); an
output of exactly 0 or 1 makes ``ln`` raise an error naming the output.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

from autograd import Value, add_n, half_squared_error

__all__ = ["Loss", "LOSSES", "half_sse", "sse", "mse", "bce", "get_loss"]

Loss = Callable[[Sequence[Value], Sequence[Value | float]], Value]


def _pairs(loss: str, outputs: Sequence[Value], targets: Sequence[Value | float]) -> list[tuple[str, Value, Value]]:
    """(output name, output, target as a labelled constant) for each output; checks counts and NaN."""
    if len(outputs) != len(targets):
        raise ValueError(f"{loss}: the network has {len(outputs)} outputs but {len(targets)} targets were given")
    pairs = []
    for k, (o, t) in enumerate(zip(outputs, targets), start=1):
        label = o.label or ""
        name = label[4:] if label.startswith("out_") else f"o{k}"
        if not isinstance(t, Value):
            if isinstance(t, bool) or not isinstance(t, numbers.Real):
                raise TypeError(f"{loss}: target for {name} is {type(t).__name__} {t!r}, not a number")
            if math.isnan(t):
                raise ValueError(f"{loss}: target for {name} is NaN")
            t = Value(float(t), f"target_{name}", requires_grad=False)
        pairs.append((name, o, t))
    return pairs


def half_sse(outputs: Sequence[Value], targets: Sequence[Value | float]) -> Value:
    """E_total = Σ ½(target − out)², the classic example's error, with E_o1, E_o2, ... labelled.

    >>> o = [Value(0.75, "out_o1"), Value(0.5, "out_o2")]
    >>> e = half_sse(o, [1.0, 0.0])
    >>> e.label, e.data, [p.label for p in e.parents]
    ('E_total', 0.15625, ['E_o1', 'E_o2'])
    """
    terms = [half_squared_error(o, t, label=f"E_{name}") for name, o, t in _pairs("half_sse", outputs, targets)]
    return add_n(terms, label="E_total")


def _squared_terms(loss: str, outputs: Sequence[Value], targets: Sequence[Value | float]) -> list[Value]:
    return [((t - o) ** 2).labelled(f"E_{name}") for name, o, t in _pairs(loss, outputs, targets)]


def sse(outputs: Sequence[Value], targets: Sequence[Value | float]) -> Value:
    """E_total = Σ (target − out)².

    >>> sse([Value(0.75, "out_o1"), Value(0.5, "out_o2")], [1.0, 0.0]).data
    0.3125
    """
    return add_n(_squared_terms("sse", outputs, targets), label="E_total")


def mse(outputs: Sequence[Value], targets: Sequence[Value | float]) -> Value:
    """E_total = the mean over outputs of (target − out)².

    >>> mse([Value(0.75, "out_o1"), Value(0.5, "out_o2")], [1.0, 0.0]).data
    0.15625
    """
    terms = _squared_terms("mse", outputs, targets)
    return (add_n(terms) / len(terms)).labelled("E_total")


def bce(outputs: Sequence[Value], targets: Sequence[Value | float]) -> Value:
    """E_total = the mean over outputs of −[t ln o + (1 − t) ln(1 − o)].

    >>> round(bce([Value(0.8, "out_o1")], [1.0]).data, 12) == round(-math.log(0.8), 12)
    True
    """
    terms = [
        (-(t * o.log() + (1 - t) * (1 - o).log())).labelled(f"E_{name}")
        for name, o, t in _pairs("bce", outputs, targets)
    ]
    return (add_n(terms) / len(terms)).labelled("E_total")


LOSSES: dict[str, Loss] = {"half_sse": half_sse, "sse": sse, "mse": mse, "bce": bce}
"""Every loss by name."""


def get_loss(loss: str | Loss) -> Loss:
    """A loss by name (or a callable, returned as is); a ``ValueError`` listing the names.

    >>> get_loss("mse") is mse
    True
    """
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known: {', '.join(LOSSES)}")
    return LOSSES[loss]
