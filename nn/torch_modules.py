"""The one PyTorch module the bridge needs that torch lacks: a linear layer whose neurons share one bias.

This file imports torch at the top, so only :mod:`nn.pytorch`'s functions import it (lazily);
``import nn`` never does.
"""

from __future__ import annotations

import math

import torch

__all__ = ["SharedBiasLinear"]


class SharedBiasLinear(torch.nn.Module):
    """``y = x·Wᵀ + b`` where ``b`` is one number added to every neuron's weighted sum.

    The classic example's layers work this way (b1 feeds h1 and h2, b2 feeds o1 and o2). A
    ``torch.nn.Linear`` has a bias per neuron, and copying one number into each would let
    training move the copies apart; here there is a single parameter, ``bias`` of shape ``()``,
    and its gradient is the sum of the neurons' gradients, as in stepgrad's ``bias="layer"``.

    ``weight`` is ``(out_features, in_features)`` as in ``Linear``, initialised the same way
    (uniform in ±1/√in_features, bias too).

    >>> f64 = torch.float64
    >>> layer = SharedBiasLinear(2, 2, dtype=f64)
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.tensor([[0.15, 0.20], [0.25, 0.30]], dtype=f64)); _ = layer.bias.fill_(0.35)
    >>> layer(torch.tensor([[0.05, 0.10]], dtype=f64)).tolist()  # net_h1, net_h2
    [[0.3775, 0.39249999999999996]]
    >>> layer
    SharedBiasLinear(in_features=2, out_features=2, bias=shared)
    """

    def __init__(self, in_features: int, out_features: int, *, device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = torch.nn.Parameter(torch.empty(out_features, in_features, device=device, dtype=dtype))
        self.bias = torch.nn.Parameter(torch.empty((), device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in ±1/√in_features, the range ``torch.nn.Linear`` gives its weights and biases."""
        bound = 1.0 / math.sqrt(self.in_features)
        torch.nn.init.uniform_(self.weight, -bound, bound)
        torch.nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # expand makes a view, not copies: every neuron reads the one bias, so backward sums
        # their gradients into it, and the arithmetic is exactly Linear's with equal biases.
        return torch.nn.functional.linear(x, self.weight, self.bias.expand(self.out_features))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias=shared"
