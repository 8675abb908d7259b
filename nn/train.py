"""Training: the two ways the seed describes, and mini-batches between them.

- ``mode="online"``: update after every sample ("对每个样本作权值修正");
- ``mode="batch"``: add up every sample's gradient over the epoch, then make one update
  ("对各个样本计算δj后求和,按总误差修正权值");
- ``mode="minibatch"``: the same, every ``batch_size`` samples.

Both rest on the engine's rule that leaves accumulate gradients across backward calls: a batch
is one forward and one backward per sample, then one optimiser step.

The error recorded for an epoch is the mean over the samples of the per-sample loss (for the
classic example's single sample, E_total itself), evaluated with the weights as they are after
the epoch. ``History.train_error[0]`` is the error before training.
"""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .layers import Network
from .losses import Loss, get_loss
from .optim import SGD

__all__ = ["History", "train", "evaluate", "MODES"]

MODES = ("online", "batch", "minibatch")

Sample = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass
class History:
    """What happened: the error after each epoch (index 0 = before training) on the training
    set and, if one was given, the check set; how many epochs ran and why training stopped
    (``"goal"``, ``"epochs"`` or ``"diverged"``)."""

    train_error: list[float] = field(default_factory=list)
    check_error: list[float] = field(default_factory=list)
    epochs: int = 0
    stop: str = ""


def _float_vector(x: Any, n: int, what: str, names: Sequence[str]) -> tuple[float, ...]:
    if isinstance(x, numbers.Real) and not isinstance(x, bool) and n == 1:
        x = (x,)  # one input or target may be given as a bare number
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):  # lists, tuples, NumPy rows
        raise TypeError(f"{what}: expected a list of {n} numbers, got {type(x).__name__} {x!r}")
    if len(x) != n:
        raise ValueError(f"{what}: expected {n} values ({', '.join(names)}), got {len(x)}")
    for name, v in zip(names, x):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{what}: {name} is {type(v).__name__} {v!r}, not a number")
        if math.isnan(v):
            raise ValueError(f"{what}: {name} is NaN")
    return tuple(float(v) for v in x)


def _samples(net: Network, inputs: Sequence[Any], targets: Sequence[Any], which: str) -> list[Sample]:
    """Validate a data set against the network; name the set, the sample and the value."""
    if len(inputs) != len(targets):
        raise ValueError(f"{which} set: {len(inputs)} input vectors but {len(targets)} target vectors")
    if len(inputs) == 0:
        raise ValueError(f"{which} set is empty")
    target_names = [f"target_{name}" for name in net.output_names]
    return [
        (
            _float_vector(x, net.n_inputs, f"{which} inputs, sample {k}", net.input_names),
            _float_vector(t, net.n_outputs, f"{which} targets, sample {k}", target_names),
        )
        for k, (x, t) in enumerate(zip(inputs, targets), start=1)
    ]


def _mean_error(net: Network, samples: list[Sample], loss: Loss) -> float:
    return math.fsum(loss(net(x), t).data for x, t in samples) / len(samples)


def evaluate(net: Network, inputs: Sequence[Any], targets: Sequence[Any], loss: str | Loss = "half_sse") -> float:
    """The mean over samples of the per-sample loss (forward passes only).

    >>> from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
    >>> round(evaluate(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS]), 9)
    0.298371109
    """
    return _mean_error(net, _samples(net, inputs, targets, "evaluation"), get_loss(loss))


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")  # only a running notebook has imported it and has a kernel shell
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _interactive() -> bool:
    if _in_notebook():  # tqdm.auto draws a widget there
        return True
    stream = sys.stderr
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


def _progress_bar(epochs: int, progress: bool | None) -> Any:
    """A tqdm bar, or None: shown if asked for, or by default on long runs in a terminal or notebook."""
    if progress is False or (progress is None and (epochs < 100 or not _interactive())):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:
            raise ImportError("a progress bar needs tqdm: pip install 'stepgrad[progress]'") from None
        return None
    return tqdm(total=epochs, unit="epoch", desc="training")


def train(
    net: Network,
    inputs: Sequence[Any],
    targets: Sequence[Any],
    *,
    loss: str | Loss = "half_sse",
    lr: float = 0.5,
    momentum: float = 0.0,
    optimizer: SGD | None = None,
    mode: str = "online",
    batch_size: int | None = None,
    epochs: int = 1000,
    goal: float = 0.0,
    check: tuple[Sequence[Any], Sequence[Any]] | None = None,
    shuffle: bool = False,
    seed: int | None = None,
    progress: bool | None = None,
) -> History:
    """Train ``net`` on (inputs, targets) until the error reaches ``goal`` or ``epochs`` run out.

    ``optimizer`` defaults to ``SGD(net.parameters(), lr, momentum)``. ``check`` is a
    (inputs, targets) pair evaluated every epoch. Samples are taken in order, or reshuffled
    every epoch with ``shuffle=True`` (reproducibly with ``seed``). ``progress``: True, False,
    or None (a bar on runs of 100 epochs or more when output is a terminal or notebook).

    >>> from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
    >>> net = classic_network()
    >>> h = train(net, [CLASSIC_INPUTS], [CLASSIC_TARGETS], lr=0.5, epochs=1)
    >>> round(h.train_error[0], 9), round(h.train_error[1], 9), h.stop
    (0.298371109, 0.291027774, 'epochs')
    """
    samples = _samples(net, inputs, targets, "training")
    checks = _samples(net, check[0], check[1], "check") if check is not None else None
    loss_fn = get_loss(loss)
    opt = optimizer if optimizer is not None else SGD(net.parameters(), lr, momentum)
    if mode not in MODES:
        raise ValueError(f"train: unknown mode {mode!r}; known: {', '.join(MODES)}")
    if mode == "online":
        size = 1
    elif mode == "batch":
        size = len(samples)
    else:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"train: mode 'minibatch' needs batch_size, a positive integer, got {batch_size!r}")
        size = batch_size
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"train: epochs must be a non-negative integer, got {epochs!r}")
    if isinstance(goal, bool) or not isinstance(goal, numbers.Real) or not goal >= 0:
        raise ValueError(f"train: goal must be a number >= 0, got {goal!r}")
    rng = random.Random(seed)

    history = History()

    def record() -> float:
        error = _mean_error(net, samples, loss_fn)
        history.train_error.append(error)
        if checks is not None:
            history.check_error.append(_mean_error(net, checks, loss_fn))
        return error

    error = record()
    bar = _progress_bar(epochs, progress)
    try:
        while True:
            if error <= goal:
                history.stop = "goal"
                break
            if not math.isfinite(error):
                history.stop = "diverged"
                break
            if history.epochs == epochs:
                history.stop = "epochs"
                break
            order = samples[:]
            if shuffle:
                rng.shuffle(order)
            for start in range(0, len(order), size):
                opt.zero_grad()
                for x, t in order[start:start + size]:
                    loss_fn(net(x), t).backward()  # leaves accumulate: the batch's gradient is the sum
                opt.step()
            history.epochs += 1
            error = record()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(error=f"{error:.3g}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return history
