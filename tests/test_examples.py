"""Worked proofs: the classic 2-2-2 network reproduces the published numbers.

Published figures are compared at the precision they are printed with (``assert_published``),
so every printed digit must match.
"""

from __future__ import annotations

import math

import pytest

import nn
from autograd import topological_order
from autograd.exercise import read_number
from autograd.testing import assert_published
from nn.examples import (
    CLASSIC_BIASES,
    CLASSIC_INPUTS,
    CLASSIC_TARGETS,
    CLASSIC_WEIGHTS,
    classic_network,
    classic_values,
)

X, T = CLASSIC_INPUTS, CLASSIC_TARGETS

# The example's update after one step at η = 0.5, as printed.
PUBLISHED_STEP = {
    "w5": "0.35891648", "w6": "0.408666186", "w7": "0.511301270", "w8": "0.561370121",
    "w1": "0.149780716", "w2": "0.19956143", "w3": "0.24975114", "w4": "0.29950229",
}


def one_step(net: nn.Network, lr: float = 0.5) -> None:
    opt = nn.SGD(net.parameters(), lr)
    opt.zero_grad()
    nn.half_sse(net(X), T).backward()
    opt.step()


def test_classic_network_matches_hand_built_values() -> None:
    net = classic_network()
    outs = net(X)
    E = nn.half_sse(outs, T)
    E.backward()
    ref = classic_values()
    ref["E_total"].backward()
    labels = {v.label: v for v in topological_order(E) if v.label}
    for name in ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2",
                 "E_o1", "E_o2", "E_total", "i1", "i2", "target_o1", "target_o2"):
        assert labels[name].data == ref[name].data, name
    for name in CLASSIC_WEIGHTS:
        assert net[name].grad == pytest.approx(ref[name].grad, rel=1e-15, abs=0), name
    assert_published(E.data, "0.298371109", what="E_total before training")


def test_one_step_gives_every_published_weight_and_leaves_biases() -> None:
    net = classic_network()
    one_step(net)
    for name, text in PUBLISHED_STEP.items():
        assert_published(net[name].data, text, what=f"{name}⁺")
    for name, b in CLASSIC_BIASES.items():
        assert net[name].data == b
        assert net[name].grad == 0.0


def test_error_after_one_step_is_exact() -> None:
    net = classic_network()
    one_step(net)
    assert_published(nn.evaluate(net, [X], [T]), "0.291027774", what="E_total after one step")


def test_ten_thousand_steps() -> None:
    net = classic_network()
    history = nn.train(net, [X], [T], lr=0.5, epochs=10_000, mode="batch")
    assert history.epochs == 10_000 and history.stop == "epochs"
    assert_published(history.train_error[-1], "3.5101878e-05", what="E_total after 10,000 steps")
    o1, o2 = (o.data for o in net(X))
    assert_published(o1, "0.015913620", what="out_o1")
    assert_published(o2, "0.984064274", what="out_o2")
    # the history is the error of the weights after each epoch
    assert_published(history.train_error[1], "0.291027774", what="E_total after the first epoch")


def layer_by_layer_step(net: nn.Network, lr: float) -> None:
    """The deviation behind the published summary: update the output weights first, then
    backpropagate to the hidden layer *through the already-updated* w5..w8.

    The engine makes this a two-line change: backward reads each weight's current ``data``
    when it evaluates a local derivative (d net_o1 / d out_h1 = w5), while the forward values
    (out_h1, out_o1, ...) stay those of the forward pass. So a second backward over the same
    graph, after changing w5..w8, gives the hidden gradients with the new output weights.
    """
    out_w = [net[f"w{k}"] for k in (5, 6, 7, 8)]
    hidden_w = [net[f"w{k}"] for k in (1, 2, 3, 4)]
    E = nn.half_sse(net(X), T)
    net.zero_grad()
    E.backward()
    for w in out_w:
        w.data -= lr * w.grad
    net.zero_grad()
    E.backward()
    for w in hidden_w:
        w.data -= lr * w.grad


def test_published_summary_comes_from_updating_hidden_weights_with_new_output_weights() -> None:
    net = classic_network()
    layer_by_layer_step(net, 0.5)
    # output weights are as published; hidden weights move differently from the published w1..w4
    for name in ("w5", "w6", "w7", "w8"):
        assert_published(net[name].data, PUBLISHED_STEP[name], what=f"{name}⁺")
    assert not read_number(PUBLISHED_STEP["w1"]).matches(net["w1"].data)
    assert_published(nn.evaluate(net, [X], [T]), "0.291027924", what="the published summary's error")
    for _ in range(9_999):
        layer_by_layer_step(net, 0.5)
    o1, o2 = (o.data for o in net(X))
    assert_published(o1, "0.015912196", what="out_o1")
    assert_published(o2, "0.984065734", what="out_o2")
    assert_published(nn.evaluate(net, [X], [T]), "3.5084786e-05", what="E_total after 10,000 layer-by-layer steps")


@pytest.mark.parametrize(
    "deviation",
    ["biases updated too", "weights rounded to 9 decimals", "lr 0.49", "lr 0.51"],
)
def test_other_candidate_deviations_do_not_give_the_published_summary(deviation: str) -> None:
    net = classic_network()
    lr = {"lr 0.49": 0.49, "lr 0.51": 0.51}.get(deviation, 0.5)
    if deviation == "biases updated too":
        net.unfreeze()
    one_step(net, lr)
    if deviation == "weights rounded to 9 decimals":
        for p in net.parameters():
            p.data = round(p.data, 9)
    error = nn.evaluate(net, [X], [T])
    assert not read_number("0.291027924").matches(error)
    assert math.isfinite(error)
