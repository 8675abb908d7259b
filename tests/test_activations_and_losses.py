"""Activations and losses: values against math, gradients against finite differences."""

from __future__ import annotations

import math

import pytest

import nn
from autograd import Value, gradcheck
from nn.activations import ALIASES, THRESHOLD, get_activation

REFERENCE = {
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "tanh": math.tanh,
    "relu": lambda x: max(0.0, x),
    "linear": lambda x: x,
    "threshold": lambda x: 1.0 if x >= 0 else 0.0,
}


@pytest.mark.parametrize("name", [*REFERENCE, *ALIASES])
@pytest.mark.parametrize("x", [-2.5, -0.3, 0.0, 0.7, 3.0])
def test_activation_values(name: str, x: float) -> None:
    ref = REFERENCE[ALIASES.get(name, name)]
    assert get_activation(name)(Value(x)).data == pytest.approx(ref(x), rel=1e-15, abs=1e-15)


@pytest.mark.parametrize("name", ["sigmoid", "logsig", "tanh", "tansig", "relu", "linear", "purelin"])
def test_activation_gradients(name: str) -> None:
    f = get_activation(name)
    for x in (-1.3, 0.4, 2.2):  # away from relu's kink
        report = gradcheck(lambda v: f(v * 1.0), [Value(x, "x")])
        assert report.ok, report


def test_matlab_names_are_the_same_functions() -> None:
    for alias, name in ALIASES.items():
        assert get_activation(alias) is get_activation(name)
    assert get_activation("LogSig") is get_activation("sigmoid")


@pytest.mark.parametrize("name", ["threshold", "hardlim"])
def test_threshold_is_forward_only(name: str) -> None:
    net = nn.Network([2, 1], activation=name, seed=0)
    out = net([1.0, -1.0])[0]
    assert out.op is THRESHOLD and out.data in (0.0, 1.0)
    E = nn.half_sse([out], [1.0])
    with pytest.raises(RuntimeError, match="threshold .*derivative is 0 everywhere except at 0.*sigmoid"):
        E.backward()


def test_threshold_layer_forward_perceptron() -> None:
    # a hand-set threshold unit computing AND
    net = nn.Network([2, 1], activation="hardlim", init=None)
    net.load_state_dict({"w1": 1.0, "w2": 1.0, "b_o1": -1.5})
    assert [net(x)[0].data for x in ([0, 0], [0, 1], [1, 0], [1, 1])] == [0.0, 0.0, 0.0, 1.0]


def test_linear_output_is_the_weighted_sum() -> None:
    net = nn.Network([2, 1], activation="purelin", init=None)
    net.load_state_dict({"w1": 2.0, "w2": -1.0, "b_o1": 0.5})
    out = net([3.0, 4.0])[0]
    assert out.label == "out_o1" and out.op.name == "add_n" and out.data == 2.5


OUT = (0.7, 0.2, 0.9)
TGT = (1.0, 0.0, 0.5)


def outputs() -> list[Value]:
    return [Value(o, f"out_o{k}") for k, o in enumerate(OUT, start=1)]


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("half_sse", 0.5 * (0.3**2 + 0.2**2 + 0.4**2)),
        ("sse", 0.3**2 + 0.2**2 + 0.4**2),
        ("mse", (0.3**2 + 0.2**2 + 0.4**2) / 3),
        ("bce", -(math.log(0.7) + math.log(0.8) + 0.5 * math.log(0.9) + 0.5 * math.log(0.1)) / 3),
    ],
)
def test_loss_values_labels_and_gradients(loss: str, expected: float) -> None:
    fn = nn.LOSSES[loss]
    outs = outputs()
    E = fn(outs, TGT)
    assert E.label == "E_total"
    assert E.data == pytest.approx(expected, rel=1e-14)
    E.backward()
    report = gradcheck(lambda *o: fn(list(o), TGT), outputs())
    assert report.ok, report
    # the analytic dE/do, by hand
    n = len(OUT)
    hand = {
        "half_sse": [o - t for o, t in zip(OUT, TGT)],
        "sse": [2 * (o - t) for o, t in zip(OUT, TGT)],
        "mse": [2 * (o - t) / n for o, t in zip(OUT, TGT)],
        "bce": [(o - t) / (o * (1 - o)) / n for o, t in zip(OUT, TGT)],
    }[loss]
    assert [o.grad for o in outs] == pytest.approx(hand, rel=1e-12)


def test_half_sse_labels_terms_and_targets() -> None:
    E = nn.half_sse(outputs(), TGT)
    assert [p.label for p in E.parents] == ["E_o1", "E_o2", "E_o3"]
    assert [p.op.name for p in E.parents] == ["half_squared_error"] * 3
    assert [p.parents[1].label for p in E.parents] == ["target_o1", "target_o2", "target_o3"]
    assert E.op.name == "add_n"


def test_loss_bad_input() -> None:
    with pytest.raises(ValueError, match="half_sse: the network has 3 outputs but 2 targets were given"):
        nn.half_sse(outputs(), [1.0, 0.0])
    with pytest.raises(ValueError, match="mse: target for o2 is NaN"):
        nn.mse(outputs(), [1.0, math.nan, 0.0])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        nn.train(nn.Network([1, 1], seed=0), [[1.0]], [[1.0]], loss="hinge")
    with pytest.raises(ValueError, match="log"):
        nn.bce([Value(1.0, "out_o1")], [1.0])
