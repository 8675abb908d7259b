"""Compiled training: the same weights, history and stopping epoch as eager training, bit for bit;
when it is used and when not; Ctrl-C and errors part-way; History's repr and plot."""

from __future__ import annotations

import gc
import importlib
import math
import random
import sys
import weakref

import pytest

import nn
from autograd import detect_anomaly
from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network

train_module = importlib.import_module("nn.train")  # nn.train is also the function


def data(n: int, n_in: int, n_out: int, seed: int, low: float = -1.0) -> tuple[list, list]:
    rng = random.Random(seed)
    xs = [[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n)]
    ts = [[rng.uniform(low, 1) for _ in range(n_out)] for _ in range(n)]
    return xs, ts


def outcome(net: nn.Network, history: nn.History, opt: nn.SGD | None = None) -> str:
    """Everything training leaves behind, as exact text (repr tells −0.0 from 0.0, and every bit)."""
    left = (history.train_error, history.check_error, history.epochs, history.stop, net.state_dict(),
            [p.grad for p in net.parameters()], opt.velocity if opt is not None else None)
    return repr(left)


def both(make_net, xs, ts, **options) -> tuple[str, str]:
    """Train two copies of a network, compiled and eager; return what each left behind."""
    results = []
    for compiled in (True, False):
        net = make_net()
        opt = None
        if "momentum" in options:  # pass the optimiser in, to compare its velocities too
            opt = nn.SGD(net.parameters(), lr=options.get("lr", 0.5), momentum=options["momentum"])
        kwargs = {k: v for k, v in options.items() if k not in ("momentum", "lr")} if opt else options
        history = nn.train(net, xs, ts, optimizer=opt, compiled=compiled, progress=False, **kwargs)
        assert history.compiled is compiled
        results.append(outcome(net, history, opt))
    return results[0], results[1]


CASES = {
    "online": dict(sizes=[3, 4, 2], mode="online"),
    "batch, shared bias": dict(sizes=[3, 4, 2], mode="batch", bias="layer"),
    "minibatch 3 of 10, shared bias": dict(sizes=[3, 4, 2], mode="minibatch", batch_size=3, bias="layer"),
    "shuffled online, no bias": dict(sizes=[3, 4, 2], shuffle=True, seed=5, bias=None),
    "shuffled minibatch with momentum": dict(sizes=[3, 4, 2], mode="minibatch", batch_size=4, shuffle=True,
                                             seed=2, momentum=0.8, bias="layer"),
    "batch with momentum": dict(sizes=[3, 4, 2], mode="batch", momentum=0.5),
    "check set": dict(sizes=[3, 4, 2], check=True),
    "two hidden layers, relu and tanh": dict(sizes=[3, 5, 4, 2], activation=["relu", "tanh", "linear"]),
    "sse": dict(sizes=[3, 4, 2], loss="sse"),
    "mse, tanh": dict(sizes=[3, 4, 2], loss="mse", activation=["tanh", "linear"]),
    "bce": dict(sizes=[3, 4, 2], loss="bce", low=0.0),
}


@pytest.mark.parametrize("case", CASES)
def test_compiled_training_is_eager_training_bit_for_bit(case: str) -> None:
    options = dict(CASES[case])
    sizes, bias = options.pop("sizes"), options.pop("bias", "neuron")
    activation = options.pop("activation", "sigmoid")
    xs, ts = data(10, sizes[0], sizes[-1], seed=len(case), low=options.pop("low", -1.0))
    if options.pop("check", False):
        options["check"] = data(6, sizes[0], sizes[-1], seed=99)
    compiled, eager = both(lambda: nn.Network(sizes, activation, bias=bias, seed=3), xs, ts,
                           lr=0.5, epochs=15, **options)
    assert compiled == eager


def test_goal_stops_at_the_same_epoch() -> None:
    xs, ts = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]
    compiled, eager = both(lambda: nn.Network([2, 2, 1], seed=0), xs, ts, lr=2.0, epochs=3000, goal=0.01)
    assert compiled == eager
    assert "'goal'" in compiled


def test_classic_network_frozen_shared_biases() -> None:
    # Shared per-layer biases that are frozen: inputs to the compiled step, never moved.
    compiled, eager = both(classic_network, [CLASSIC_INPUTS], [CLASSIC_TARGETS], lr=0.5, epochs=50)
    assert compiled == eager
    net = classic_network()
    nn.train(net, [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=50)
    assert (net["b1"].data, net["b2"].data) == (0.35, 0.60)


def test_momentum_carries_over_between_calls_with_one_optimiser() -> None:
    xs, ts = data(8, 2, 1, seed=4)
    left = []
    for compiled in (True, False):
        net = nn.Network([2, 3, 1], seed=1)
        opt = nn.SGD(net.parameters(), lr=0.3, momentum=0.9)
        h1 = nn.train(net, xs, ts, optimizer=opt, epochs=4, compiled=compiled)
        h2 = nn.train(net, xs, ts, optimizer=opt, epochs=4, mode="batch", compiled=compiled)
        left.append(outcome(net, h1, opt) + outcome(net, h2, opt))
    assert left[0] == left[1]


def test_compiled_training_builds_no_graph_per_sample(monkeypatch) -> None:
    monkeypatch.setattr(train_module, "_COMPILED", {})
    calls = 0
    real = nn.Network.__call__

    def counting(self, inputs):
        nonlocal calls
        calls += 1
        return real(self, inputs)

    monkeypatch.setattr(nn.Network, "__call__", counting)
    xs, ts = data(10, 2, 1, seed=0)
    history = nn.train(nn.Network([2, 3, 1], seed=0), xs, ts, epochs=20)
    assert history.compiled and calls == 1  # the trace
    nn.train(nn.Network([2, 3, 1], seed=7), xs, ts, epochs=20, mode="batch")
    assert calls == 1  # same architecture, loss and trained parameters: the code is reused
    nn.train(nn.Network([2, 3, 1], seed=0), xs, ts, epochs=20, loss="sse")
    assert calls == 2  # another loss, other code
    nn.train(nn.Network([2, 3, 1], seed=0), xs, ts, epochs=2, compiled=False)
    assert calls == 2 + 10 + 2 * (10 + 10)  # eager: a graph per sample for each error and each update


def test_kept_code_holds_no_value_of_the_callers_network(monkeypatch) -> None:
    monkeypatch.setattr(train_module, "_COMPILED", {})
    net = nn.Network([2, 3, 1], seed=0)
    counts = [sys.getrefcount(p) for p in net.parameters()]
    nn.train(net, *data(4, 2, 1, seed=0), epochs=3)
    assert len(train_module._COMPILED) == 1
    gc.collect()
    assert [sys.getrefcount(p) for p in net.parameters()] == counts
    ref = weakref.ref(net)
    del net
    gc.collect()
    assert ref() is None


class Recording(nn.SGD):
    """An SGD that keeps the network's state after each completed step (it trains eagerly: its step
    is its own)."""

    def __init__(self, net: nn.Network, lr: float, momentum: float = 0.0) -> None:
        super().__init__(net.parameters(), lr, momentum)
        self.net, self.states = net, []

    def step(self) -> None:
        super().step()
        self.states.append((self.net.state_dict(), list(self.velocity)))


def test_ctrl_c_from_the_loss_leaves_the_last_completed_update() -> None:
    xs, ts = data(6, 2, 1, seed=3)
    net = nn.Network([2, 3, 1], seed=0)
    opt = Recording(net, lr=0.5)
    calls = 0

    def loss(outputs, targets):  # a loss callable: eager training
        nonlocal calls
        calls += 1
        if calls == 6 + 3 * (6 + 6) + 4:  # epoch 4, fourth sample (batch mode: mid-batch)
            raise KeyboardInterrupt
        return nn.half_sse(outputs, targets)

    with pytest.raises(KeyboardInterrupt) as caught:
        nn.train(net, xs, ts, loss=loss, optimizer=opt, mode="batch", epochs=10)
    history = caught.value.history
    assert history.stop == "interrupted" and history.epochs == 3 and not history.compiled
    assert len(history.train_error) == 4
    assert len(opt.states) == 3 and net.state_dict() == opt.states[-1][0]
    assert all(p.grad == 0.0 for p in net.parameters())


class HalfStep(nn.SGD):
    """Its third step moves half the parameters, then Ctrl-C arrives."""

    steps = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps == 3:
            for p in self.params[: len(self.params) // 2]:
                p.data -= self.lr * p.grad
            raise KeyboardInterrupt
        super().step()


def test_ctrl_c_inside_an_optimiser_step_moves_no_parameter() -> None:
    xs, ts = data(4, 2, 1, seed=3)
    net = nn.Network([2, 3, 1], seed=0)
    with pytest.raises(KeyboardInterrupt) as caught:  # minibatches of 2: the third step opens epoch 2
        nn.train(net, xs, ts, optimizer=HalfStep(net.parameters(), lr=0.5), epochs=3, mode="minibatch",
                 batch_size=2)
    two_steps = nn.Network([2, 3, 1], seed=0)
    nn.train(two_steps, xs, ts, epochs=1, mode="minibatch", batch_size=2)
    assert repr(net.state_dict()) == repr(two_steps.state_dict())
    assert all(p.grad == 0.0 for p in net.parameters())
    assert caught.value.history.epochs == 1 and caught.value.history.stop == "interrupted"


@pytest.mark.parametrize("mode", ["online", "minibatch"])
def test_ctrl_c_in_compiled_training_leaves_the_last_completed_update(mode: str) -> None:
    xs, ts = data(5, 2, 2, seed=8)
    batch_size = 2 if mode == "minibatch" else None
    eager_net = nn.Network([2, 3, 2], bias="layer", seed=4)
    recording = Recording(eager_net, lr=0.5, momentum=0.7)
    nn.train(eager_net, xs, ts, optimizer=recording, mode=mode, batch_size=batch_size, epochs=4)

    net = nn.Network([2, 3, 2], bias="layer", seed=4)
    opt = nn.SGD(net.parameters(), lr=0.5, momentum=0.7)
    real, calls = opt.update, 0

    def update(data, grads, velocity):  # the step is computed, then Ctrl-C arrives before it is used
        nonlocal calls
        calls += 1
        moved = real(data, grads, velocity)
        if calls == 8:
            raise KeyboardInterrupt
        return moved

    opt.update = update
    with pytest.raises(KeyboardInterrupt) as caught:
        nn.train(net, xs, ts, optimizer=opt, mode=mode, batch_size=batch_size, epochs=4)
    history = caught.value.history
    assert history.compiled and history.stop == "interrupted"
    state, velocity = recording.states[7 - 1]  # after the seventh update, the last completed one
    assert repr(net.state_dict()) == repr(state) and repr(opt.velocity) == repr(velocity)
    assert all(p.grad == 0.0 for p in net.parameters())
    per_epoch = 5 if mode == "online" else 3
    assert history.epochs == 7 // per_epoch and len(history.train_error) == history.epochs + 1


def test_an_error_part_way_reads_as_in_eager_training() -> None:
    # bce on a linear output: once the output passes 1, ln(1 − o) has no value. Both ways stop with
    # eager mode's words at the same update, gradients zeroed.
    left = []
    for compiled in (True, False):
        net = nn.Network([1, 1], activation="linear", init=None)
        net.load_state_dict({"w1": 0.25, "b_o1": 0.25})
        with pytest.raises(ValueError) as caught:
            nn.train(net, [[1.0], [0.5]], [[1.0], [1.0]], loss="bce", lr=0.5, epochs=100, compiled=compiled)
        left.append((str(caught.value), repr(net.state_dict()), [p.grad for p in net.parameters()]))
    assert left[0] == left[1]
    message, _, grads = left[0]
    assert message.startswith("log: ln is defined only for positive numbers, but the operand ")
    assert "compiled source" not in message and grads == [0.0, 0.0]


def test_anomaly_mode_stops_where_eager_training_stops() -> None:
    left = []
    for compiled in (True, False):
        net = nn.Network([1, 1], activation="linear", seed=0)
        with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
            nn.train(net, [[10.0]], [[1.0]], lr=5.0, epochs=1000, compiled=compiled)
        left.append((str(caught.value), repr(net.state_dict())))
    assert left[0] == left[1]
    assert " gave inf from " in left[0][0] or " gave nan from " in left[0][0]


# --- when training is compiled --------------------------------------------------------------


def test_what_trains_eagerly() -> None:
    xs, ts = data(4, 2, 1, seed=1)

    def compiled(net=None, **options) -> bool:
        net = net or nn.Network([2, 2, 1], seed=0)
        return nn.train(net, xs, ts, epochs=2, **options).compiled

    assert compiled() and compiled(loss="mse") and compiled(loss=nn.mse)
    assert not compiled(compiled=False)
    assert not compiled(loss=lambda o, t: nn.half_sse(o, t))  # a callable may branch on the numbers
    net = nn.Network([2, 2, 1], seed=0)
    assert not compiled(net, optimizer=nn.SGD(net.parameters()[:3], lr=0.5))  # not all the network's

    class Custom(nn.Network):
        def __call__(self, inputs):
            return super().__call__(inputs)

    assert not compiled(Custom([2, 2, 1], seed=0))
    history = nn.train(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=2, mode="batch")
    assert history.compiled


def test_too_large_a_network_trains_eagerly_and_says_so_once(monkeypatch) -> None:
    monkeypatch.setattr(train_module, "COMPILE_LIMIT", 8)
    xs, ts = data(4, 2, 1, seed=1)
    with pytest.warns(RuntimeWarning, match=r"9 parameters are more than compiled training takes .*training eagerly") \
            as warned:
        history = nn.train(nn.Network([2, 2, 1], seed=0), xs, ts, epochs=30)
    assert len(warned) == 1 and not history.compiled
    assert nn.train(nn.Network([2, 1], seed=0), xs, ts, epochs=3).compiled  # 3 parameters


# --- History -----------------------------------------------------------------------------------


def test_history_repr_is_short() -> None:
    xs, ts = data(6, 2, 1, seed=1)
    history = nn.train(nn.Network([2, 2, 1], seed=0), xs, ts, epochs=500, check=data(3, 2, 1, seed=2))
    text = repr(history)
    assert len(text) < 120 and text.count("e") < 30
    first, last = history.train_error[0], history.train_error[-1]
    assert text.startswith(f"History(500 epochs, stop='epochs', train error {first:.6g} → {last:.6g}, check error ")
    assert repr(nn.History()) == "History(0 epochs, stop='')"


def test_history_plot_draws_both_curves(monkeypatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = nn.train(nn.Network([2, 2, 1], seed=0), *data(6, 2, 1, seed=1), epochs=40, check=data(3, 2, 1, seed=2))
    ax = history.plot()
    try:
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert list(lines["train"].get_ydata()) == history.train_error
        assert list(lines["check"].get_ydata()) == history.check_error
        assert list(lines["train"].get_xdata()) == list(range(41))
        assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    finally:
        plt.close(ax.figure)
    fig, ax = plt.subplots()
    assert history.plot(ax, log=False) is ax and ax.get_yscale() == "linear"
    plt.close(fig)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"stepgrad\[plot\]"):
        history.plot()


def test_zero_error_history_plots_on_a_linear_axis() -> None:
    from matplotlib.figure import Figure

    ax = nn.History([0.5, 0.0], epochs=1, stop="goal").plot(Figure().subplots())
    assert ax.get_yscale() == "linear" and not math.isnan(ax.get_ylim()[0])


@pytest.mark.parametrize("compiled", [True, False])
def test_a_real_interrupt_at_any_moment_leaves_a_completed_update(compiled: bool) -> None:
    import _thread
    import threading

    xs, ts = data(4, 2, 1, seed=6)
    net = nn.Network([2, 3, 1], seed=0)
    timer = threading.Timer(0.3, _thread.interrupt_main)  # Ctrl-C as the terminal sends it
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt) as caught:
            nn.train(net, xs, ts, lr=0.1, momentum=0.5, epochs=10**7, compiled=compiled)
    finally:
        timer.cancel()
    history = caught.value.history
    assert history.stop == "interrupted" and history.epochs > 0 and len(history.train_error) == history.epochs + 1
    assert all(p.grad == 0.0 for p in net.parameters())
    # Online training: the state must be that after some number of whole updates into the next epoch.
    candidates = []
    for k in range(len(xs) + 1):
        reference = nn.Network([2, 3, 1], seed=0)
        opt = nn.SGD(reference.parameters(), lr=0.1, momentum=0.5)
        nn.train(reference, xs, ts, optimizer=opt, epochs=history.epochs)
        if k:
            nn.train(reference, xs[:k], ts[:k], optimizer=opt, epochs=1)
        candidates.append(repr(reference.state_dict()))
    assert repr(net.state_dict()) in candidates
