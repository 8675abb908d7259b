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

Training at compiled speed: a network's graph is the same for every sample, so ``train`` traces
one sample's graph once, compiles it (``autograd.compile_graph``: parameters and one sample in,
loss and gradients out) and replays that code on plain floats, sample after sample, applying the
optimiser's own arithmetic (``SGD.update``) to the numbers. The code is the eager engine's
arithmetic in the eager engine's order: a batch's gradients are accumulated sample by sample
and edge by edge as backward accumulates them into ``.grad``, and the error is the same
``math.fsum`` of the same per-sample losses (from a forward-only version of the code), so the
weights, the history and the stopping epoch are those of eager training, bit for bit.
"""

from __future__ import annotations

import copy
import json
import math
import numbers
import random
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import Value, compile_graph
from autograd.compiled import Compiled

from .layers import Network
from .losses import LOSSES, Loss, get_loss
from .optim import SGD

__all__ = ["History", "train", "evaluate", "MODES", "COMPILE_LIMIT"]

MODES = ("online", "batch", "minibatch")

COMPILE_LIMIT = 20_000
"""Networks with more parameters than this train eagerly: compiling one sample's step takes about
0.1 ms per parameter (2 s here), and Python's compiler needs memory in proportion."""

Sample = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass(repr=False)
class History:
    """What happened: the error after each epoch (index 0 = before training) on the training
    set and, if one was given, the check set; how many epochs ran and why training stopped
    (``"goal"``, ``"epochs"``, ``"diverged"``, or ``"interrupted"`` by Ctrl-C); whether the
    training replayed a compiled step.

    >>> History([0.5, 0.25, 0.125], epochs=2, stop="epochs")
    History(2 epochs, stop='epochs', train error 0.5 → 0.125)
    """

    train_error: list[float] = field(default_factory=list)
    check_error: list[float] = field(default_factory=list)
    epochs: int = 0
    stop: str = ""
    compiled: bool = False

    def __repr__(self) -> str:
        parts = [f"{self.epochs} epoch{'' if self.epochs == 1 else 's'}", f"stop={self.stop!r}"]
        for name, errors in (("train", self.train_error), ("check", self.check_error)):
            if errors:
                parts.append(f"{name} error {errors[0]:.6g} → {errors[-1]:.6g}")
        return f"History({', '.join(parts)})"

    def plot(self, ax: Any = None, *, log: bool = True) -> Any:
        """Draw the error per epoch, train and (if recorded) check, with matplotlib; return the Axes.

        ``ax``: the matplotlib Axes to draw on (default: a new figure). ``log``: a logarithmic
        error axis, the usual view of a loss curve, when every error is positive. Needs
        matplotlib (``pip install 'stepgrad[plot]'``).

        >>> from matplotlib.figure import Figure
        >>> ax = History([0.5, 0.25, 0.125], [0.5, 0.375, 0.25], epochs=2).plot(Figure().subplots())
        >>> [(line.get_label(), line.get_ydata().tolist()) for line in ax.get_lines()]
        [('train', [0.5, 0.25, 0.125]), ('check', [0.5, 0.375, 0.25])]
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("History.plot needs matplotlib: pip install 'stepgrad[plot]'") from None
        if ax is None:
            _, ax = plt.subplots()
        errors = self.train_error + self.check_error
        for name, values in (("train", self.train_error), ("check", self.check_error)):
            if values:
                ax.plot(range(len(values)), values, label=name)
        if log and errors and all(e > 0 for e in errors):
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("error")
        ax.legend()
        return ax


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


class _Eager:
    """Training on Values: each sample's graph is built and walked backwards, then the optimiser steps."""

    compiled = False

    def __init__(self, net: Network, loss: Loss, opt: Any) -> None:
        self.net, self.loss, self.opt = net, loss, opt

    def error(self, samples: list[Sample]) -> float:
        return _mean_error(self.net, samples, self.loss)

    def run_batch(self, batch: list[Sample]) -> None:
        opt, net, loss = self.opt, self.net, self.loss
        opt.zero_grad()
        for x, t in batch:
            loss(net(x), t).backward()  # leaves accumulate: the batch's gradient is the sum
        params = opt.params
        before = [p.data for p in params]
        try:
            opt.step()
        except BaseException:  # Ctrl-C, or an optimiser's error, part-way: no half-made update
            for p, x in zip(params, before):
                p.data = x
            raise

    def finish(self, completed: bool) -> None:
        if not completed:
            _zero_grads(self.net, self.opt)


class _Replay:
    """Training on numbers: one sample's compiled step replayed, the optimiser's arithmetic on floats.

    The parameters' numbers and the optimiser's velocities live here while training runs, as one
    tuple ``state`` that each completed update replaces in one assignment; ``finish`` writes them
    back into the network (and the last batch's gradients into ``.grad``, as eager training leaves
    them), whether training ended, failed or was interrupted.
    """

    compiled = True

    def __init__(self, net: Network, loss: Loss, opt: SGD, step: Compiled, forward: Compiled) -> None:
        self.net, self.loss, self.opt = net, loss, opt
        self.params = net.parameters()
        self.step, self.forward = step, forward
        self.state = ([p.data for p in self.params], list(opt.velocity))
        # The starting gradients of a batch: 0.0 for every parameter trained, as zero_grad leaves them.
        extra = len(step.input_names) // 2 - len(self.params)  # the sample's inputs and targets
        self.zeros = tuple(0.0 if p.requires_grad else None for p in self.params) + (None,) * extra
        self.grads: tuple[float | None, ...] | None = None  # the last batch's

    def error(self, samples: list[Sample]) -> float:
        forward, data = self.forward.function, self.state[0]
        losses = []
        for x, t in samples:
            try:
                losses.append(forward(*data, *x, *t)[0])
            except Exception:
                self._raise_as_eager(x, t, backward=False)
                raise
        return math.fsum(losses) / len(samples)

    def run_batch(self, batch: list[Sample]) -> None:
        step, (data, velocity) = self.step.function, self.state
        grads = self.zeros
        for x, t in batch:
            try:
                _, grads = step(*data, *x, *t, *grads)
            except Exception:
                self._raise_as_eager(x, t, backward=True)
                raise
        # One assignment commits the update: an interrupt before it leaves the last completed one.
        self.state = self.opt.update(data, grads, velocity)
        self.grads = grads

    def _raise_as_eager(self, x: tuple[float, ...], t: tuple[float, ...], *, backward: bool) -> None:
        """Redo a sample whose replay raised on the Values, so the error is eager mode's, word for word."""
        self._write_back()
        error = self.loss(self.net(x), t)
        if backward:
            error.backward()

    def _write_back(self) -> None:
        data, velocity = self.state
        for p, x in zip(self.params, data):
            p.data = x
        self.opt.velocity = velocity

    def finish(self, completed: bool) -> None:
        self._write_back()
        if not completed:
            _zero_grads(self.net, self.opt)
        elif self.grads is not None:  # zero_grad had zeroed every parameter, frozen ones too
            for p, g in zip(self.params, self.grads):
                p.grad = 0.0 if g is None else g


def _zero_grads(net: Network, opt: Any) -> None:
    for p in [*net.parameters(), *opt.params]:
        p.grad = 0.0


_COMPILED: dict[tuple[Any, ...], tuple[Compiled, Compiled]] = {}  # recent steps, by what fixes their code
_COMPILED_KEEP = 8


def _compiled_steps(net: Network, loss: Loss, sample: Sample) -> tuple[Compiled, Compiled]:
    """One sample's training step (accumulating gradients) and its forward pass, compiled.

    The code depends only on the architecture, the loss and which parameters are trained (the
    parameters' numbers and the sample are inputs), so it is kept for the next ``train`` call
    on such a network. The trace runs on a copy of the network: the kept code refers to none of
    the caller's Values.
    """
    params = net.parameters()
    key = (type(net), json.dumps(net.architecture(), sort_keys=True), loss, tuple(p.requires_grad for p in params))
    steps = _COMPILED.get(key)
    if steps is None:
        twin = copy.deepcopy(net)
        x = [Value(v, name, requires_grad=False) for v, name in zip(sample[0], twin.input_names)]
        t = [Value(v, f"target_{name}", requires_grad=False) for v, name in zip(sample[1], twin.output_names)]
        error = loss(twin(x), t)
        inputs = [*twin.parameters(), *x, *t]
        steps = (compile_graph(error, inputs, name="train_step", accumulate=True),
                 compile_graph(error, inputs, name="sample_error", gradients=False))
        if len(_COMPILED) >= _COMPILED_KEEP:
            _COMPILED.pop(next(iter(_COMPILED), None), None)  # the oldest
        _COMPILED[key] = steps
    return steps


def _engine(net: Network, loss: Loss, opt: Any, compiled: bool, sample: Sample) -> _Eager | _Replay:
    """Replay compiled code where that gives eager training's numbers, else train eagerly.

    Compiled code is one graph for every sample, which holds for a ``Network`` (whose layers have
    no branches on the numbers) and the built-in losses, not for any callable; and the optimiser's
    arithmetic must be on hand as ``SGD.update``, over the network's own parameters.
    """
    params = net.parameters()
    if not (
        compiled
        and isinstance(net, Network) and type(net).__call__ is Network.__call__
        and loss in LOSSES.values()
        and isinstance(opt, SGD) and type(opt).step is SGD.step and type(opt).update is SGD.update
        and len(opt.params) == len(params) and all(a is b for a, b in zip(opt.params, params))
    ):
        return _Eager(net, loss, opt)
    if len(params) > COMPILE_LIMIT:
        warnings.warn(
            f"train: {len(params)} parameters are more than compiled training takes (COMPILE_LIMIT = "
            f"{COMPILE_LIMIT}: compiling would take seconds and much memory); training eagerly, with the same "
            f"numbers, more slowly (compiled=False says this is meant)",
            RuntimeWarning, stacklevel=3,
        )
        return _Eager(net, loss, opt)
    try:
        step, forward = _compiled_steps(net, loss, sample)
    except Exception:  # the sample fails in eager mode too: let eager training raise it as it does
        return _Eager(net, loss, opt)
    return _Replay(net, loss, opt, step, forward)


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
    compiled: bool = True,
) -> History:
    """Train ``net`` on (inputs, targets) until the error reaches ``goal`` or ``epochs`` run out.

    ``optimizer`` defaults to ``SGD(net.parameters(), lr, momentum)``. ``check`` is a
    (inputs, targets) pair evaluated every epoch. Samples are taken in order, or reshuffled
    every epoch with ``shuffle=True`` (reproducibly with ``seed``). ``progress``: True, False,
    or None (a bar on runs of 100 epochs or more when output is a terminal or notebook).

    ``compiled`` (default True): replay one sample's compiled step rather than build a graph per
    sample, where that is the same computation: a ``Network``, a built-in loss, and an ``SGD``
    over the network's parameters (the default optimiser). The weights, history and stopping
    epoch are bit for bit those of eager training (``compiled=False``), several times sooner;
    ``History.compiled`` says which ran. Networks of more than ``COMPILE_LIMIT`` parameters
    train eagerly, with a warning. While compiled training runs, the network's Values are
    written when it stops.

    Ctrl-C (``KeyboardInterrupt``) or an error stops training at the last completed update:
    the network holds those weights, every gradient is zeroed, and a ``KeyboardInterrupt``
    carries the history so far as its ``history`` attribute (``stop == "interrupted"``).

    >>> from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
    >>> net = classic_network()
    >>> h = train(net, [CLASSIC_INPUTS], [CLASSIC_TARGETS], lr=0.5, epochs=1)
    >>> round(h.train_error[0], 9), round(h.train_error[1], 9), h.stop, h.compiled
    (0.298371109, 0.291027774, 'epochs', True)
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
    engine = _engine(net, loss_fn, opt, compiled, samples[0])
    history = History(compiled=engine.compiled)

    def record() -> float:
        error = engine.error(samples)
        check_error = engine.error(checks) if checks is not None else None
        history.train_error.append(error)
        if check_error is not None:
            history.check_error.append(check_error)
        return error

    bar = _progress_bar(epochs, progress)
    completed = False
    try:
        error = record()
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
                engine.run_batch(order[start:start + size])
            error = record()
            history.epochs += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(error=f"{error:.3g}", refresh=False)
        completed = True
    except KeyboardInterrupt as exc:
        history.stop = "interrupted"
        del history.train_error[history.epochs + 1:], history.check_error[history.epochs + 1:]
        exc.history = history
        raise
    finally:
        engine.finish(completed)
        if bar is not None:
            bar.close()
    return history
