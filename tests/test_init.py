"""Initialisers and the initialisation diagnostic."""

from __future__ import annotations

import math
import random
import statistics

import pytest

import nn
from nn import init
from nn.examples import CLASSIC_INPUTS, classic_network


def weights(net: nn.Network) -> list[float]:
    return [w.data for layer in net.layers for w in layer.weights]


def biases(net: nn.Network) -> list[float]:
    return [b.data for layer in net.layers for b in layer.biases]


def test_uniform_01_is_the_seeds_advice_and_is_seeded() -> None:
    net = nn.Network([2, 3, 2], init="uniform", seed=7)
    values = [p.data for p in net.parameters()]
    assert all(0.0 <= x < 1.0 for x in values)
    rng = random.Random(7)
    assert values == [rng.uniform(0.0, 1.0) for _ in values]  # parameters in documented order
    assert nn.Network([2, 3, 2], init="uniform", seed=7).state_dict() == net.state_dict()
    assert nn.Network([2, 3, 2], init="uniform", seed=8).state_dict() != net.state_dict()


def test_uniform_symmetric_bounds_and_spread() -> None:
    net = nn.Network([50, 40, 10], init=None)
    init.uniform(net, -0.3, 0.3, seed=1)
    values = [p.data for p in net.parameters()]
    assert min(values) >= -0.3 and max(values) <= 0.3
    assert min(values) < -0.29 and max(values) > 0.29
    assert abs(statistics.fmean(values)) < 0.01
    with pytest.raises(ValueError, match="low must be below high"):
        init.uniform(net, 0.3, -0.3)


def test_xavier_bounds_variance_and_zero_biases() -> None:
    net = nn.Network([60, 40, 20], init="xavier", seed=2)
    for layer in net.layers:
        a = math.sqrt(6 / (layer.n_inputs + layer.n_outputs))
        ws = [w.data for w in layer.weights]
        assert max(abs(w) for w in ws) <= a and max(abs(w) for w in ws) > 0.95 * a
        # uniform(−a, a) has variance a²/3 = 2/(fan_in + fan_out)
        assert statistics.pvariance(ws) == pytest.approx(2 / (layer.n_inputs + layer.n_outputs), rel=0.05)
    assert set(biases(net)) == {0.0}
    assert nn.Network([60, 40, 20], init="glorot", seed=2).state_dict() == net.state_dict()


def test_he_variance() -> None:
    net = nn.Network([100, 80], activation="relu", init="he", seed=3)
    ws = weights(net)
    assert statistics.fmean(ws) == pytest.approx(0.0, abs=0.01)
    assert statistics.pvariance(ws) == pytest.approx(2 / 100, rel=0.05)
    assert set(biases(net)) == {0.0}


def test_initialisers_leave_frozen_parameters_alone() -> None:
    net = classic_network()
    net.freeze("w5")
    init.uniform(net, seed=0)
    assert net["w5"].data == 0.40 and net["b1"].data == 0.35 and net["w1"].data != 0.15
    init.xavier(net, seed=0)
    assert net["w5"].data == 0.40 and net["b2"].data == 0.60


def test_initialisers_on_a_layer_and_a_neuron() -> None:
    layer = nn.Layer(3, 2)
    init.xavier(layer, seed=0)
    assert all(w.data != 0.0 for w in layer.weights)
    neuron = nn.Neuron(4, name="h1")
    init.he(neuron, seed=0)
    assert all(w.data != 0.0 for w in neuron.weights) and neuron.bias.data == 0.0
    with pytest.raises(TypeError, match="Neuron, Layer or Network"):
        init.xavier(nn.Module())


def test_custom_init_callable_gets_the_seed() -> None:
    net = nn.Network([2, 2, 1], init=lambda n, seed: init.uniform(n, -1, 1, seed=seed), seed=5)
    other = nn.Network([2, 2, 1], init=None)
    init.uniform(other, -1, 1, seed=5)
    assert net.state_dict() == other.state_dict()


# --- the diagnostic -----------------------------------------------------------------------------


def test_diagnostic_counts_saturated_units_by_hand() -> None:
    net = nn.Network([1, 2, 2], activation=["sigmoid", "tanh"], init=None)
    # h1 = sigmoid(10 x), h2 = sigmoid(0.1 x); o1 = tanh(5 h1 + 5 h2), o2 = tanh(0.1 h1)
    net.load_state_dict({"w1": 10.0, "b_h1": 0.0, "w2": 0.1, "b_h2": 0.0,
                         "w3": 5.0, "w4": 5.0, "b_o1": 0.0, "w5": 0.1, "w6": 0.0, "b_o2": 0.0})
    inputs = [[1.0], [0.0]]
    report = nn.diagnose_init(net, inputs)
    # x = 1: h1 = sigmoid(10) ≈ 0.99995 (slope 4.5e-5 < 0.0125: saturated), h2 = sigmoid(0.1): not
    # x = 0: h1 = h2 = 0.5: not saturated
    assert report.layers[0].saturated == 1 / 4
    # o1 = tanh(5·(h1 + h2)) ≈ tanh(7.5) and tanh(5): both saturated (1 − out² < 0.05); o2 small: not
    outs = [[o.data for o in net(x)] for x in inputs]
    assert all(1 - o1 * o1 < 0.05 for o1, _ in outs) and all(1 - o2 * o2 > 0.05 for _, o2 in outs)
    assert report.layers[1].saturated == 2 / 4
    assert report.saturated == 3 / 8
    # tanh(0.1·h1) and tanh(0 + ...) are never exactly 0 here, sigmoid never is
    assert report.zero == 0.0 and not report.ok
    text = str(report)
    assert "sigmoid" in text and "25.0%" in text and "50.0%" in text


def test_diagnostic_counts_zero_activations() -> None:
    net = nn.Network([2, 2, 1], activation=["relu", "sigmoid"], init=None)
    net.load_state_dict({"w1": 1.0, "w2": 1.0, "b_h1": 0.0, "w3": -1.0, "w4": -1.0, "b_h2": 0.0,
                         "w5": 1.0, "w6": 1.0, "b_o1": 0.0})
    report = nn.diagnose_init(net, [[1.0, 2.0], [-1.0, -1.0], [0.0, 0.0]])
    # relu layer: (3, 0), (0, 2), (0, 0) → 4 zeros of 6
    assert report.layers[0].zero == 4 / 6 and report.layers[0].saturated is None
    assert report.layers[1].zero == 0.0
    assert report.zero == 4 / 9
    assert report.saturated == 0.0  # the sigmoid output: sigmoid(3), sigmoid(2), sigmoid(0) are not saturated


def test_diagnostic_classic_network_is_fine_and_large_uniform01_saturates() -> None:
    assert nn.diagnose_init(classic_network(), [CLASSIC_INPUTS]).ok
    # the seed's uniform(0, 1) advice with many inputs of 1: the weighted sums grow with the fan-in
    wide = nn.Network([200, 5, 1], init="uniform", seed=0)
    assert nn.diagnose_init(wide, [[1.0] * 200]).layers[0].saturated == 1.0
    xavier = nn.Network([200, 5, 1], init="xavier", seed=0)
    assert nn.diagnose_init(xavier, [[1.0] * 200]).layers[0].saturated < 1.0


def test_diagnostic_bad_input() -> None:
    with pytest.raises(ValueError, match=r"diagnosis inputs, sample 1: expected 2 values"):
        nn.diagnose_init(classic_network(), [[1.0]])
    with pytest.raises(ValueError, match="slope must be between 0 and 1"):
        nn.diagnose_init(classic_network(), [CLASSIC_INPUTS], slope=2)
