"""Optimisers: what to do with the gradients once backward has filled them."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from autograd import Value
from autograd.graph import gradient_step

__all__ = ["SGD"]


class SGD:
    """Gradient descent: ``w ← w − lr·grad`` (the classic example's update, lr = η = 0.5).

    With ``momentum`` μ > 0 each parameter keeps a velocity ``v ← μ·v + grad`` and moves by
    ``−lr·v`` (PyTorch's form). Frozen parameters (``requires_grad=False``) are never moved.

    >>> w = Value(0.40, "w5")
    >>> opt = SGD([w], lr=0.5)
    >>> w.grad = 0.082167041
    >>> opt.step()
    >>> round(w.data, 9)
    0.35891648
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        self.params = list(params)
        for k, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"SGD: parameter {k} is {type(p).__name__}, not a Value")
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"SGD: the learning rate lr must be a finite number > 0, got {lr!r}")
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be a number in [0, 1), got {momentum!r}")
        self.lr = float(lr)
        self.momentum = float(momentum)
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """Move every trainable parameter against its gradient."""
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            for p in self.params:
                if p.requires_grad:
                    p.data = gradient_step(p.data, lr, p.grad)
            return
        velocity = self._velocity
        for k, p in enumerate(self.params):
            if p.requires_grad:
                velocity[k] = mu * velocity[k] + p.grad
                p.data = gradient_step(p.data, lr, velocity[k])

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward (leaves accumulate).

        >>> w = Value(1.0, "w"); w.grad = 2.0
        >>> SGD([w], lr=0.1).zero_grad(); w.grad
        0.0
        """
        for p in self.params:
            p.grad = 0.0
