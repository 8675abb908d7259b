"""Training: SGD, online / batch / mini-batch against independent arithmetic, XOR, history,
check set, progress bar, reproducibility, bad input."""

from __future__ import annotations

import io
import math
import sys

import pytest

import nn
from autograd import Value
from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network

# --- SGD ---------------------------------------------------------------------------------------


def test_sgd_plain_and_momentum_by_hand() -> None:
    w = Value(1.0, "w")
    opt = nn.SGD([w], lr=0.1, momentum=0.9)
    grads = [2.0, -1.0, 0.5]
    v = 0.0
    x = 1.0
    for g in grads:
        w.grad = g
        opt.step()
        v = 0.9 * v + g
        x = x - 0.1 * v
        assert w.data == pytest.approx(x, rel=1e-15)
    opt.zero_grad()
    assert w.grad == 0.0


@pytest.mark.parametrize("lr", [0, -0.5, math.nan, math.inf, "0.5", True])
def test_sgd_refuses_bad_learning_rate(lr: object) -> None:
    with pytest.raises(ValueError, match="learning rate lr must be a finite number > 0"):
        nn.SGD([Value(1.0)], lr=lr)


def test_sgd_refuses_bad_momentum_and_params() -> None:
    with pytest.raises(ValueError, match="momentum must be a number in"):
        nn.SGD([Value(1.0)], lr=0.1, momentum=1.0)
    with pytest.raises(TypeError, match="parameter 1 is float"):
        nn.SGD([Value(1.0), 2.0], lr=0.1)


def test_train_refuses_bad_lr_through_default_optimizer() -> None:
    with pytest.raises(ValueError, match="learning rate"):
        nn.train(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS], lr=0.0)


# --- online vs batch, against a hand-written network ----------------------------------------

SAMPLES = [((0.3, 0.8), 0.9), ((0.9, 0.1), 0.2)]


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def reference_train(p: dict[str, float], samples, lr: float, batch_size: int, epochs: int) -> list[dict[str, float]]:
    """A 2-2-1 sigmoid network with per-neuron biases, ½(t − o)² loss, trained with the deltas
    derived by hand (δ_o = (o − t)·o(1 − o), δ_h = δ_o·w_o·h(1 − h)) in plain floats."""
    p = dict(p)
    trajectory = []
    for _ in range(epochs):
        for start in range(0, len(samples), batch_size):
            g = dict.fromkeys(p, 0.0)
            for (i1, i2), t in samples[start:start + batch_size]:
                h1 = sig(p["w1"] * i1 + p["w2"] * i2 + p["b_h1"])
                h2 = sig(p["w3"] * i1 + p["w4"] * i2 + p["b_h2"])
                o = sig(p["w5"] * h1 + p["w6"] * h2 + p["b_o1"])
                d_o = (o - t) * o * (1 - o)
                d_h1 = d_o * p["w5"] * h1 * (1 - h1)
                d_h2 = d_o * p["w6"] * h2 * (1 - h2)
                for name, grad in (("w1", d_h1 * i1), ("w2", d_h1 * i2), ("b_h1", d_h1),
                                   ("w3", d_h2 * i1), ("w4", d_h2 * i2), ("b_h2", d_h2),
                                   ("w5", d_o * h1), ("w6", d_o * h2), ("b_o1", d_o)):
                    g[name] += grad
            for name in p:
                p[name] -= lr * g[name]
        trajectory.append(dict(p))
    return trajectory


def engine_trajectory(mode: str, epochs: int, batch_size: int | None = None) -> list[dict[str, float]]:
    net = nn.Network([2, 2, 1], seed=11)
    trajectory = []
    for _ in range(epochs):
        nn.train(net, [x for x, _ in SAMPLES], [[t] for _, t in SAMPLES], lr=0.7, epochs=1, mode=mode,
                 batch_size=batch_size)
        trajectory.append(net.state_dict())
    return trajectory


@pytest.mark.parametrize(("mode", "batch_size", "ref_batch"), [("online", None, 1), ("batch", None, 2),
                                                                ("minibatch", 1, 1), ("minibatch", 2, 2)])
def test_training_modes_follow_the_hand_derived_trajectory(mode: str, batch_size: int | None, ref_batch: int) -> None:
    start = nn.Network([2, 2, 1], seed=11).state_dict()
    expected = reference_train(start, SAMPLES, 0.7, ref_batch, epochs=3)
    got = engine_trajectory(mode, 3, batch_size)
    for epoch, (e, g) in enumerate(zip(expected, got), start=1):
        for name in e:
            assert g[name] == pytest.approx(e[name], rel=1e-13, abs=1e-15), (mode, epoch, name)


def test_online_and_batch_trajectories_differ() -> None:
    online = engine_trajectory("online", 3)
    batch = engine_trajectory("batch", 3)
    for o, b in zip(online, batch):
        assert max(abs(o[n] - b[n]) for n in o) > 1e-4


def test_batch_gradient_is_the_sum_of_per_sample_gradients() -> None:
    net = nn.Network([2, 2, 1], seed=11)
    per_sample = []
    for x, t in SAMPLES:
        net.zero_grad()
        nn.half_sse(net(x), [t]).backward()
        per_sample.append({n: p.grad for n, p in net.named_parameters()})
    net.zero_grad()
    for x, t in SAMPLES:
        nn.half_sse(net(x), [t]).backward()
    batch = {n: p.grad for n, p in net.named_parameters()}
    eps = 1e-6
    for name, p in net.named_parameters():
        assert batch[name] == pytest.approx(per_sample[0][name] + per_sample[1][name], rel=1e-15, abs=1e-18)
        # and against central differences of the summed error
        x0 = p.data
        p.data = x0 + eps
        up = sum(nn.half_sse(net(x), [t]).data for x, t in SAMPLES)
        p.data = x0 - eps
        down = sum(nn.half_sse(net(x), [t]).data for x, t in SAMPLES)
        p.data = x0
        assert batch[name] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-10)


# --- XOR, history, goal, check set, reproducibility ------------------------------------------

XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_T = [[0], [1], [1], [0]]


def test_xor_reaches_error_goal() -> None:
    net = nn.Network([2, 2, 1], activation="sigmoid", seed=0)
    history = nn.train(net, XOR_X, XOR_T, lr=2.0, epochs=2000, goal=0.01)
    assert history.stop == "goal"
    assert history.train_error[-1] <= 0.01 < history.train_error[-2]
    assert len(history.train_error) == history.epochs + 1
    assert history.train_error[-1] == nn.evaluate(net, XOR_X, XOR_T)
    # mean ½(t − o)² ≤ 0.01 means every |t − o| ≤ √0.08 < 0.5: the net classifies XOR
    assert [round(net(x)[0].data) for x in XOR_X] == [0, 1, 1, 0]


def test_history_records_check_set_every_epoch() -> None:
    net = nn.Network([2, 2, 1], seed=0)
    check = ([[0.1, 0.9], [0.9, 0.1]], [[1], [1]])
    history = nn.train(net, XOR_X, XOR_T, lr=2.0, epochs=5, check=check)
    assert history.epochs == 5 and history.stop == "epochs"
    assert len(history.train_error) == len(history.check_error) == 6
    assert history.check_error[-1] == nn.evaluate(net, *check)
    assert history.check_error[0] != history.check_error[-1]


def test_error_goal_met_before_training_runs_no_epoch() -> None:
    net = classic_network()
    history = nn.train(net, [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=10, goal=0.3)
    assert history.epochs == 0 and history.stop == "goal" and net["w5"].data == 0.40


def test_seeded_runs_are_reproducible() -> None:
    def run(seed: int) -> tuple[list[float], dict[str, float]]:
        net = nn.Network([2, 3, 1], seed=seed)
        h = nn.train(net, XOR_X, XOR_T, lr=1.0, epochs=20, shuffle=True, seed=seed)
        return h.train_error, net.state_dict()

    assert run(4) == run(4)
    assert run(4) != run(5)


def test_shuffle_changes_the_online_trajectory() -> None:
    a, b = nn.Network([2, 2, 1], seed=1), nn.Network([2, 2, 1], seed=1)
    nn.train(a, XOR_X, XOR_T, epochs=3, shuffle=False)
    nn.train(b, XOR_X, XOR_T, epochs=3, shuffle=True, seed=3)
    assert a.state_dict() != b.state_dict()


def test_divergence_stops_training() -> None:
    net = nn.Network([1, 1], activation="linear", seed=0)
    history = nn.train(net, [[10.0]], [[1.0]], lr=5.0, epochs=1000)
    assert history.stop == "diverged" and history.epochs < 1000


# --- progress bar -------------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_quiet_when_not_a_terminal(monkeypatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    nn.train(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=200)
    assert err.getvalue() == ""


def test_progress_bar_shown_on_a_terminal(monkeypatch) -> None:
    err = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", err)
    nn.train(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=200)
    assert "200/200" in err.getvalue()
    short = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", short)
    nn.train(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=5)  # short runs stay quiet
    assert short.getvalue() == ""


def test_progress_true_forces_the_bar_and_false_silences_it(monkeypatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    nn.train(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=3, progress=True)
    assert "3/3" in err.getvalue()
    tty = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", tty)
    nn.train(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=300, progress=False)
    assert tty.getvalue() == ""


def test_progress_true_without_tqdm_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r"stepgrad\[progress\]"):
        nn.train(classic_network(), [CLASSIC_INPUTS], [CLASSIC_TARGETS], epochs=3, progress=True)


# --- bad data --------------------------------------------------------------------------------


def test_bad_training_data_is_named() -> None:
    net = classic_network()
    with pytest.raises(ValueError, match=r"training inputs, sample 2: expected 2 values \(i1, i2\), got 1"):
        nn.train(net, [[0.1, 0.2], [0.3]], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"training targets, sample 1: expected 2 values .*got 3"):
        nn.train(net, [[0.1, 0.2]], [[0, 1, 1]])
    with pytest.raises(ValueError, match="training inputs, sample 2: i1 is NaN"):
        nn.train(net, [[0.1, 0.2], [math.nan, 0.2]], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="check targets, sample 1: target_o2 is NaN"):
        nn.train(net, [[0.1, 0.2]], [[0, 1]], check=([[0.1, 0.2]], [[0, math.nan]]))
    with pytest.raises(ValueError, match="training set: 2 input vectors but 1 target vectors"):
        nn.train(net, [[0.1, 0.2], [0.1, 0.2]], [[0, 1]])
    with pytest.raises(TypeError, match="training inputs, sample 1: i2 is str"):
        nn.train(net, [[0.1, "x"]], [[0, 1]])
    with pytest.raises(ValueError, match="unknown mode 'stochastic'"):
        nn.train(net, [[0.1, 0.2]], [[0, 1]], mode="stochastic")
    with pytest.raises(ValueError, match="mode 'minibatch' needs batch_size"):
        nn.train(net, [[0.1, 0.2]], [[0, 1]], mode="minibatch")
    with pytest.raises(ValueError, match="goal must be a number >= 0"):
        nn.train(net, [[0.1, 0.2]], [[0, 1]], goal=math.nan)
    assert net["w1"].data == 0.15  # nothing was trained


def test_progress_bar_in_a_notebook_kernel(monkeypatch) -> None:
    import types

    class ZMQInteractiveShell:  # what get_ipython() returns inside a Jupyter kernel
        pass

    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: ZMQInteractiveShell()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    from nn.train import _interactive

    assert _interactive()
    fake.get_ipython = lambda: None  # IPython imported but no kernel (e.g. by a library)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not _interactive()


def test_numpy_arrays_train_like_lists() -> None:
    import numpy as np  # installed with matplotlib, part of the test extra

    a, b = nn.Network([2, 2, 1], seed=2), nn.Network([2, 2, 1], seed=2)
    ha = nn.train(a, XOR_X, XOR_T, epochs=3, mode="batch")
    hb = nn.train(b, np.array(XOR_X, dtype=float), np.array(XOR_T, dtype=float), epochs=3, mode="batch")
    assert ha.train_error == hb.train_error and a.state_dict() == b.state_dict()
    assert [o.data for o in a(np.array([0.5, 0.25]))] == [o.data for o in a([0.5, 0.25])]


def test_empty_training_set() -> None:
    with pytest.raises(ValueError, match="training set is empty"):
        nn.train(classic_network(), [], [])
