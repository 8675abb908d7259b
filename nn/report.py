"""The initialisation diagnostic: the seed's two conditions for a good start.

"参数初始化要满足两个必要条件:1、各个激活层不会出现饱和现象 ... 2、各个激活值不为0" — no layer
of sigmoid/tanh units should sit in its flat, saturated region, and activations should not be
zero (a zero activation gives the next layer's weights a zero gradient).

A unit is *saturated* on an input when its slope there is below ``slope`` (default 5 %) of its
steepest slope: for sigmoid out(1 − out) < 0.05 · ¼ (out below 0.0127 or above 0.9873), for
tanh 1 − out² < 0.05 (|out| above 0.9747). It is *zero* when |out| ≤ ``zero_tol`` (default:
exactly 0, as a relu below its threshold gives).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .activations import SATURATING
from .layers import Network
from .train import _samples

__all__ = ["LayerReport", "InitReport", "diagnose_init"]

_MAX_SLOPE = {"sigmoid": 0.25, "tanh": 1.0}


def _slope(activation: str, out: float) -> float:
    return out * (1.0 - out) if activation == "sigmoid" else 1.0 - out * out


@dataclass(frozen=True)
class LayerReport:
    """One layer's figures over every (input, unit) pair."""

    layer: int
    units: tuple[str, ...]
    activation: str
    saturated: float | None  # fraction; None for activations that do not saturate
    zero: float  # fraction


@dataclass(frozen=True)
class InitReport:
    """Per-layer figures and the overall fractions (saturated: over sigmoid/tanh layers only)."""

    layers: tuple[LayerReport, ...]
    saturated: float
    zero: float

    @property
    def ok(self) -> bool:
        """True when no unit is saturated and no activation is zero."""
        return self.saturated == 0.0 and self.zero == 0.0

    def __str__(self) -> str:
        lines = ["layer  units         activation  saturated  zero"]
        for r in self.layers:
            sat = "-" if r.saturated is None else f"{r.saturated:.1%}"
            units = ",".join(r.units) if len(r.units) <= 3 else f"{r.units[0]}..{r.units[-1]}"
            lines.append(f"{r.layer:<6} {units:<13} {r.activation:<11} {sat:>9}  {r.zero:.1%}")
        lines.append(f"all    saturated {self.saturated:.1%}, zero {self.zero:.1%}")
        return "\n".join(lines)


def diagnose_init(net: Network, inputs: Sequence[Any], *, slope: float = 0.05, zero_tol: float = 0.0) -> InitReport:
    """Run ``inputs`` forward and report saturated units and zero activations, layer by layer.

    >>> from nn.examples import CLASSIC_INPUTS, classic_network
    >>> diagnose_init(classic_network(), [CLASSIC_INPUTS]).ok
    True
    >>> net = Network([2, 2, 1], init=None)
    >>> net.load_state_dict({name: 10.0 for name in net.state_dict()})
    >>> report = diagnose_init(net, [[1.0, 1.0]])
    >>> report.saturated, report.layers[0].saturated
    (1.0, 1.0)
    """
    if not 0.0 < slope < 1.0:
        raise ValueError(f"diagnose_init: slope must be between 0 and 1, got {slope!r}")
    samples = _samples(net, inputs, [[0.0] * net.n_outputs] * len(inputs), "diagnosis")
    per_layer = [net.layer_outputs(x) for x, _ in samples]
    reports = []
    sat_count = sat_total = zero_count = total = 0
    for k, layer in enumerate(net.layers):
        outs = [v.data for sample in per_layer for v in sample[k]]
        zeros = sum(abs(o) <= zero_tol for o in outs)
        saturated = None
        if layer.activation in SATURATING:
            limit = slope * _MAX_SLOPE[layer.activation]
            n_sat = sum(_slope(layer.activation, o) < limit for o in outs)
            saturated = n_sat / len(outs)
            sat_count += n_sat
            sat_total += len(outs)
        reports.append(LayerReport(k + 1, tuple(n.name for n in layer.neurons), layer.activation, saturated,
                                   zeros / len(outs)))
        zero_count += zeros
        total += len(outs)
    return InitReport(tuple(reports), sat_count / sat_total if sat_total else 0.0, zero_count / total)
