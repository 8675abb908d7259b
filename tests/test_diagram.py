"""The neuron-level network diagram: golden DOT of the classic network after one backward pass,
the published updated weights on its edges, biases, limits, and a real SVG render."""

from __future__ import annotations

import re
import struct
import tempfile
from pathlib import Path

import pytest
from render_support import golden, parse_svg

import nn
from autograd.render import export, to_svg
from nn.diagram import LABEL_LIMIT, network_dot
from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, CLASSIC_WEIGHTS, classic_network

# The example's updated weights after one step at η = 0.5, as printed.
PUBLISHED_STEP = {
    "w5": "0.35891648", "w6": "0.408666186", "w7": "0.511301270", "w8": "0.561370121",
    "w1": "0.149780716", "w2": "0.19956143", "w3": "0.24975114", "w4": "0.29950229",
}
EDGE = re.compile(r'^\t"(\w+)" -> "(\w+)" \[label="([^"]*)"', re.M)


def after_backward() -> nn.Network:
    net = classic_network()
    nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS).backward()
    return net


def edge_labels(text: str) -> dict[tuple[str, str], list[str]]:
    return {(a, b): label.split("\\n") for a, b, label in EDGE.findall(text)}


def test_golden_classic_network_diagram():
    text = network_dot(after_backward(), lr=0.5, inputs=CLASSIC_INPUTS)
    assert text == golden("classic_network.dot", text)
    assert nn.draw_network(after_backward(), lr=0.5, inputs=CLASSIC_INPUTS).source == text


def test_edges_are_the_example_wiring_with_weights_gradients_and_updates():
    net = after_backward()
    labels = edge_labels(network_dot(net, lr=0.5, significant=9))
    wiring = {"w1": ("i1", "h1"), "w2": ("i2", "h1"), "w3": ("i1", "h2"), "w4": ("i2", "h2"),
              "w5": ("h1", "o1"), "w6": ("h2", "o1"), "w7": ("h1", "o2"), "w8": ("h2", "o2")}
    assert len(labels) == 8 + 4  # eight weights, b1 → h1, h2 and b2 → o1, o2
    for name, edge in wiring.items():
        weight, grad, updated = labels[edge]
        assert weight == f"{name} = {CLASSIC_WEIGHTS[name]}"
        assert grad == f"∂E/∂{name} = {net[name].grad:.9g}"
        printed = PUBLISHED_STEP[name]
        new = float(updated.removeprefix(f"{name}⁺ = "))
        assert f"{new:.{len(printed.split('.')[1])}f}" == printed  # every printed digit
    assert labels[("b1", "h1")] == labels[("b1", "h2")] == ["b1 = 0.35", "(frozen)"]
    assert labels[("b2", "o1")] == labels[("b2", "o2")] == ["b2 = 0.6", "(frozen)"]
    assert "∂E/∂w5 = 0.082167041" in network_dot(net, significant=8)  # published ∂E_total/∂w5


def test_before_backward_only_weights_are_shown():
    text = network_dot(classic_network())
    assert "∂E" not in text and "⁺" not in text
    assert edge_labels(text)[("h1", "o1")] == ["w5 = 0.4"]
    assert "∂E/∂w5 = 0" in network_dot(classic_network(), grads=True)


def test_inputs_show_each_neurons_output():
    text = network_dot(classic_network(), inputs=CLASSIC_INPUTS, significant=9)
    # Published forward pass: out_h1 = 0.593269992, out_h2 = 0.596884378, out_o1 = 0.75136507,
    # out_o2 = 0.772928465.
    for name, printed in (("h1", "0.593269992"), ("h2", "0.596884378"), ("o1", "0.75136507"), ("o2", "0.772928465")):
        value = float(re.search(rf'^\t\t"{name}" \[label="{name}\\nout = ([0-9.]+)"', text, re.M).group(1))
        assert f"{value:.{len(printed.split('.')[1])}f}" == printed
    assert '"i1" [label="i1\\n0.05"' in text


def test_biases_per_neuron_are_written_inside_the_neuron():
    net = nn.Network([2, 3, 1], bias="neuron", seed=0)
    nn.half_sse(net([0.5, -1.0]), [1.0]).backward()
    text = network_dot(net, lr=0.1, significant=6)
    assert not [a for a, _ in edge_labels(text) if a.startswith("b")]  # no bias nodes, no bias edges
    columns = re.findall(r"\{ rank=same;\n(.*?)\n\t\}", text, re.S)
    assert [re.findall(r'^\t\t"(\w+)" \[', c, re.M) for c in columns] == [["i1", "i2"], ["h1", "h2", "h3"], ["o1"]]
    b = net["b_o1"]
    label = f"o1\\nb_o1 = {b.data:.6g}\\n∂E/∂b_o1 = {b.grad:.6g}\\nb_o1⁺ = {b.data - 0.1 * b.grad:.6g}"
    assert f'"o1" [label="{label}", shape=box' in text
    assert b.grad != 0.0
    assert "b_" not in network_dot(nn.Network([2, 2], bias=None, seed=0))


def test_shared_biases_are_nodes_in_the_column_of_the_layers_inputs():
    text = network_dot(classic_network())
    columns = re.findall(r"\{ rank=same;\n(.*?)\n\t\}", text, re.S)
    assert [re.findall(r'^\t\t"(\w+)" \[', c, re.M) for c in columns] == [
        ["i1", "i2", "b1"], ["h1", "h2", "b2"], ["o1", "o2"]
    ]


def test_bad_input_and_size_limit():
    net = classic_network()
    with pytest.raises(ValueError, match=r"lr \(the learning rate\) must be a finite number > 0, got -0.5"):
        network_dot(net, lr=-0.5)
    with pytest.raises(ValueError, match="rankdir must be 'LR' or 'TB'"):
        network_dot(net, rankdir="BT")
    big = nn.Network([30, 30, 2], seed=0)  # 30·30 + 30·2 weights + 32 biases
    with pytest.raises(ValueError, match="has 992 weights and biases, more than max_edges=500"):
        nn.draw_network(big)
    assert len(EDGE.findall(network_dot(big, max_edges=992, labels=True))) == 960  # biases are inside the neurons


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_a_wide_network_is_drawn_compact_and_readable():
    # 4-10-10-3 with labels was a 1424×9457 px tangle: past LABEL_LIMIT weights and biases the
    # edges carry no labels; colour gives the sign, width |w|, the tooltip every number.
    net = nn.Network([4, 10, 10, 3], activation="tanh", seed=0)
    text = network_dot(net, lr=0.1)
    edges = re.findall(r'^\t"(\w+)" -> "(\w+)" \[(.*)\]$', text, re.M)
    weights = {w.label: w for w in net.parameters() if w.label.startswith("w")}
    assert len(edges) == len(weights) == 4 * 10 + 10 * 10 + 10 * 3 and LABEL_LIMIT < 193
    for _, _, attrs in edges:
        assert "label=" not in attrs
        w = weights[re.search(r'id="w-(\w+)"', attrs).group(1)]
        assert ('color="#2c7bb6"' if w.data < 0 else 'color="#c0392b"') in attrs
        assert f'tooltip="{w.label} = {w.data:.4g}' in attrs
    assert "193 weights and biases: too many to label (more than 60)" in text
    width, height = png_size(export(nn.draw_network(net), Path(tempfile.mkdtemp()) / "wide.png"))
    assert width < 2000 and height < 2000, (width, height)
    assert 'label="w1 = ' in network_dot(net, labels=True)  # asked for, every edge is labelled
    assert "tooltip" not in network_dot(classic_network())  # a small network keeps its labels


def test_renders_to_svg_and_png(tmp_path):
    g = nn.draw_network(after_backward(), lr=0.5, inputs=CLASSIC_INPUTS)
    classes, texts = parse_svg(to_svg(g))
    assert classes["node"] == 8  # i1 i2 b1 h1 h2 b2 o1 o2
    assert classes["edge"] == 12  # the invisible ordering edges are not drawn
    for expected in ("h1", "out = 0.5933", "w5 = 0.4", "∂E/∂w5 = 0.08217", "w5⁺ = 0.3589", "w1⁺ = 0.1498",
                     "(frozen)", "w⁺ = w − η·∂E/∂w with η = 0.5"):
        assert expected in texts, expected
    assert export(g, tmp_path / "net.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
