"""Optimisers: what to do with the gradients once backward has filled them."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

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
        self.velocity = [0.0] * len(self.params)
        """One velocity per parameter (all 0.0 without momentum); kept from one step to the next."""

    def step(self) -> None:
        """Move every trainable parameter against its gradient."""
        params = self.params
        data, velocity = self.update([p.data for p in params], [p.grad if p.requires_grad else None for p in params],
                                     self.velocity)
        for p, x in zip(params, data):
            p.data = x
        # Last: a step stopped part-way (Ctrl-C) leaves the velocity as it was, and nn.train puts
        # the parameters back, so the two stay at the same completed step.
        self.velocity = velocity

    def update(
        self, data: Sequence[float], grads: Sequence[float | None], velocity: Sequence[float]
    ) -> tuple[list[float], list[float]]:
        """One step on plain numbers: the parameters' new values and velocities, in parameter order.

        A parameter whose gradient is ``None`` does not move. Nothing is changed in place, so a
        caller that keeps the numbers (compiled training) commits a step with one assignment.
        ``step`` is this same arithmetic applied to the Values.

        >>> opt = SGD([Value(1.0, "w"), Value(2.0, "b", requires_grad=False)], lr=0.5, momentum=0.5)
        >>> opt.update([1.0, 2.0], [0.5, None], [0.25, 0.0])  # v = 0.5·0.25 + 0.5, w = 1 − 0.5·v
        ([0.6875, 2.0], [0.625, 0.0])
        """
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            return [x if g is None else gradient_step(x, lr, g) for x, g in zip(data, grads)], list(velocity)
        velocity = [v if g is None else mu * v + g for v, g in zip(velocity, grads)]
        return [x if g is None else gradient_step(x, lr, v) for x, g, v in zip(data, grads, velocity)], velocity

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward (leaves accumulate).

        >>> w = Value(1.0, "w"); w.grad = 2.0
        >>> SGD([w], lr=0.1).zero_grad(); w.grad
        0.0
        """
        for p in self.params:
            p.grad = 0.0
