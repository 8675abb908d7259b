"""Drawing the computation graph: golden DOT text, edge labels against independent oracles,
highlighted paths against the published example, size limits, a missing ``dot``, real renders.

The golden files are the DOT text of the classic network (see render_support.py to regenerate).
Tests that render run Graphviz's ``dot``: without it they fail (CI installs it), never skip.
"""

from __future__ import annotations

import math
import re
import struct

import pytest
from render_support import golden, parse_svg

import autograd
import nn
from autograd import Value, add_n, apply, half_squared_error, topological_order
from autograd.render import GraphvizNotFound, dot_source, draw, export, path_products, to_svg
from nn import neuron_of
from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, CLASSIC_WEIGHTS, classic_network, classic_values

EDGE = re.compile(r"^\t(v\d+|op\d+) -> (v\d+|op\d+)(?: \[(.*)\])?$")
LABEL = re.compile(r'label="([^"]*)"')


def classic() -> dict[str, Value]:
    v = classic_values()
    v["E_total"].backward()
    return v


def edges(text: str) -> list[tuple[str, str, str]]:
    """(tail, head, attributes) of every edge line of a dot_source text."""
    return [m.groups(default="") for line in text.splitlines() if (m := EDGE.match(line))]


def errors_with(w1: float) -> dict[str, float]:
    """E_o1, E_o2 and E_total of the classic network with w1 set to ``w1`` (a fresh forward pass)."""
    v = classic_values()
    v["w1"].data = w1
    for node in topological_order(v["E_total"]):  # replay every op's forward, parents first
        if node.op is not None:
            node.data = node.op.forward(*[p.data for p in node.parents])
    return {name: v[name].data for name in ("E_o1", "E_o2", "E_total")}


def d_dw1(name: str, h: float = 1e-6) -> float:
    """∂name/∂w1 by central differences."""
    return (errors_with(0.15 + h)[name] - errors_with(0.15 - h)[name]) / (2 * h)


# --- golden text and determinism -----------------------------------------------------------


def test_golden_classic_graph_with_w1_highlighted():
    v = classic()
    text = dot_source(v["E_total"], highlight=v["w1"], group=neuron_of)
    assert text == golden("classic_w1.dot", text)
    assert draw(v["E_total"], highlight=v["w1"], group=neuron_of).source == text  # draw wraps exactly this text


def test_same_graph_gives_same_text():
    a, b = classic(), classic()
    assert dot_source(a["E_total"], highlight=a["w1"], formulas=True) == dot_source(
        b["E_total"], highlight=b["w1"], formulas=True
    )


# --- structure and edge labels ----------------------------------------------------------------


def test_every_slot_is_its_own_edge():
    a = Value(3.0, label="a")
    s = a + a
    b = Value(3.0, label="b")
    m = b * b
    assert [(t, h, attrs) for t, h, attrs in edges(dot_source(s))] == [
        ("v0", "op1", 'id="e1.0", label="1"'), ("v0", "op1", 'id="e1.1", label="1"'), ("op1", "v1", 'id="e1"')
    ]
    # each slot of b·b is labelled with the *other* operand's value: d(b·b)/d(slot) = b
    into = [attrs for t, h, attrs in edges(dot_source(m)) if t == "v0"]
    assert into == ['id="e1.0", label="3"', 'id="e1.1", label="3"']


def test_edge_labels_are_local_derivatives_by_finite_differences():
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    # every row of the op table, each slot: the numbers must be central differences of forward
    terms = [
        x + y, x - y, x * y, x / y, x ** 2.5, (-y) ** x, -x, x.exp(), x.log(), y.tanh(), y.sigmoid(),
        x.relu(), add_n([x, y, x]), half_squared_error(x, y),
    ]
    z = add_n(terms)
    order = topological_order(z)
    text = dot_source(z, significant=17)
    checked = 0
    labelled = {(t, h) for t, h, a in edges(text) if "label=" in a}
    for tail, head in dict.fromkeys((t, h) for t, h, _ in edges(text)):
        if not tail.startswith("v") or not head.startswith("op"):
            continue
        node = order[int(head[2:])]
        slots = [k for k, p in enumerate(node.parents) if p is order[int(tail[1:])]]
        if (tail, head) not in labelled:  # an edge into a constant (2.5 in x ** 2.5) carries no derivative
            assert not order[int(tail[1:])].requires_grad
            continue
        labels = [LABEL.search(a).group(1) for t, h, a in edges(text) if (t, h) == (tail, head)]
        operands = [p.data for p in node.parents]
        for slot, label in zip(slots, labels):
            h = 1e-6
            up, down = list(operands), list(operands)
            up[slot] += h
            down[slot] -= h
            numeric = (node.op.forward(*up) - node.op.forward(*down)) / (2 * h)
            assert float(label) == pytest.approx(numeric, rel=1e-7, abs=1e-8), (node.op.name, slot)
            checked += 1
    assert checked == sum(p.requires_grad for n in order if n.op is not None for p in n.parents)


def test_edges_into_values_that_need_no_gradient_carry_no_derivative():
    # y^2·ln y is NaN for y = −1.2, and y^b's exponent 2 is a constant: no gradient flows to it,
    # so its edge is dashed and unlabelled (it used to read "y^2·ln y = nan").
    y = Value(-1.2, label="y")
    text = dot_source((y**2).labelled("z"), formulas=True)
    into_constant = [a for t, h, a in edges(text) if t == "v1" and h == "op2"]
    assert into_constant == ['id="e2.1", style=dashed']
    assert "nan" not in text and 'label="2·y^(2 − 1) = -2.4"' in text


def test_a_graph_backward_refuses_is_drawn_without_derivatives():
    from nn.activations import THRESHOLD

    x = Value(0.5, label="x")
    y = apply(THRESHOLD, x * 2.0, label="y")
    with pytest.raises(RuntimeError, match="threshold"):
        y.backward()  # backward explains; the drawing still shows the graph
    text = dot_source(y, formulas=True)
    assert "op2 -> v2" in text and not any("label=" in a for t, h, a in edges(text))
    with pytest.raises(RuntimeError, match="threshold"):
        path_products(y, x)  # a path's product would need the derivative that does not exist


def test_formulas_come_from_the_op_table():
    v = classic()
    text = dot_source(v["E_total"], formulas=True)
    labels = set(LABEL.findall(text))
    # ∂out_h1/∂net_h1 = out_h1(1 − out_h1) with the published out_h1 = 0.593269992
    assert f"out_h1(1 − out_h1) = {0.593269992 * (1 - 0.593269992):.4g}" in labels
    assert "out_h1(1 − out_h1) = 0.2413" in labels
    assert "i1 = 0.05" in labels  # ∂(w1·i1)/∂w1
    assert "−(target_o1 − out_o1) = 0.7414" in labels  # published ∂E_total/∂out_o1 = 0.74136507
    assert "1" in labels  # add_n's slots: no formula beyond the value


def test_neurons_are_clusters():
    v = classic()
    text = dot_source(v["E_total"], group=neuron_of)
    order = topological_order(v["E_total"])
    ids = {id(n): i for i, n in enumerate(order)}
    block = text.split('subgraph "cluster_h1" {')[1].split("\t}")[0]
    members = {int(m) for m in re.findall(r"^\t\tv(\d+) ", block, re.M)}
    expected = {ids[id(v["net_h1"])], ids[id(v["out_h1"])]}
    expected |= {ids[id(p)] for p in v["net_h1"].parents if p.label is None}  # w1·i1 and w2·i2
    assert members == expected
    assert len(re.findall(r"^\t\top\d+ ", block, re.M)) == 4  # two mul, add_n, sigmoid
    assert text.count("subgraph") == 4
    assert "subgraph" not in dot_source(v["E_total"])  # boxes only when asked for


def test_rankdir_and_digits():
    x = Value(1 / 3, label="x")
    assert "rankdir=TB" in dot_source(x, rankdir="TB")
    assert "data 0.33333" in dot_source(x, significant=5)
    with pytest.raises(ValueError, match="rankdir must be 'LR'.*'TB'.*got 'XY'"):
        dot_source(x, rankdir="XY")
    with pytest.raises(ValueError, match="significant must be an int from 1 to 17"):
        dot_source(x, significant=0)


def test_color_by_grad_shades_larger_gradients_darker():
    v = classic()
    text = dot_source(v["E_total"], color_by_grad=True)
    order = topological_order(v["E_total"])
    shade = {int(i): sum(int(c[k:k + 2], 16) for k in (0, 2, 4))
             for i, c in re.findall(r'^\t+v(\d+) \[id="v\d+", label=<<table[^>]* bgcolor="#(\w{6})"', text, re.M)}
    assert set(shade) == {i for i, n in enumerate(order) if n.requires_grad}
    ranked = sorted(shade, key=lambda i: abs(order[i].grad))
    assert [shade[i] for i in ranked] == sorted(shade.values(), reverse=True)  # lighter = smaller |grad|
    assert shade[order.index(v["E_total"])] == min(shade.values())


# --- highlighted paths ------------------------------------------------------------------------


def test_w1_has_two_paths_whose_products_are_the_published_factors():
    v = classic()
    paths = path_products(v["E_total"], v["w1"])
    assert len(paths) == 2
    via = [[node.label for node, _ in p.steps if node.label] for p in paths]
    assert via == [["E_total", "E_o1", "out_o1", "net_o1", "out_h1", "net_h1"],
                   ["E_total", "E_o2", "out_o2", "net_o2", "out_h1", "net_h1"]]
    # Path k is the only way from E_ok to w1, so its product is ∂E_ok/∂w1: check each against
    # central differences of E_o1 and E_o2 alone, and their sum against the published gradient.
    assert paths[0].product == pytest.approx(d_dw1("E_o1"), rel=1e-6)
    assert paths[1].product == pytest.approx(d_dw1("E_o2"), rel=1e-6)
    assert paths[0].factors[-1] == 0.05 and paths[1].factors[-1] == 0.05  # ∂(w1·i1)/∂w1 = i1
    total = math.fsum(p.product for p in paths)
    assert f"{total:.9f}" == "0.000438568"  # the published ∂E_total/∂w1
    assert total == pytest.approx(v["w1"].grad, rel=1e-12)  # backward sums the same two paths
    assert total == pytest.approx(d_dw1("E_total"), rel=1e-6)


def test_highlighted_edges_are_exactly_the_two_paths():
    v = classic()
    text = dot_source(v["E_total"], highlight=v["w1"], group=neuron_of)
    bold = [attrs for _, _, attrs in edges(text) if "penwidth=2.5" in attrs]
    # By hand: w1 → net_h1 → out_h1 is 3 operand edges + 3 op edges, shared; each branch via
    # o1 or o2 is 5 operand edges + 4 op edges; E_total's op edge is shared: 6 + 2·9 + 1 = 25.
    assert len(bold) == 25
    colours = [re.search(r'(?:^|, )color="([^"]+)"', a).group(1) for _, _, a in edges(text)]
    assert colours.count("#d62728:#1f77b4") == 7  # shared by both paths: both colours side by side
    assert colours.count("#d62728") == 9  # path 1 only (via o1)
    assert colours.count("#1f77b4") == 9  # path 2 only (via o2)
    assert colours.count("#9a9a9a") == len(colours) - 25
    caption = text.split("label=<<table", 1)[1].split("</table>>", 1)[0]
    assert "path 1" in caption and "path 2" in caption and "path 3" not in caption
    assert "1 × 0.7414 × 0.1868 × 1 × 0.4 × 0.2413 × 1 × 0.05 = <b>0.0006684</b>" in caption
    assert "1 × (−0.2171) × 0.1755 × 1 × 0.5 × 0.2413 × 1 × 0.05 = <b>−0.0002298</b>" in caption
    # the sum written out, with the derivations' minus sign: 0.0006684 + (−0.0002298) = 0.0004386
    assert "0.0006684 + (−0.0002298) = <b>0.0004386</b>" in caption
    assert "<b>0.0004386</b>" in caption


def test_highlighting_an_interior_value_stops_at_it():
    v = classic()
    text = dot_source(v["E_total"], highlight=v["out_h1"])
    order = topological_order(v["E_total"])
    i = order.index(v["out_h1"])
    into = [a for t, h, a in edges(text) if h == f"v{i}"]
    assert into == [f'id="e{i}", color="#9a9a9a"']  # sigmoid → out_h1 is below the target: not on a path
    out_of = [a for t, h, a in edges(text) if t == f"v{i}"]
    assert len(out_of) == 2 and all("penwidth=2.5" in a for a in out_of)  # into w5·out_h1 and w7·out_h1
    assert sum("penwidth=2.5" in a for _, _, a in edges(text)) == 1 + 2 * 9  # the two branches and E_total's op


def test_nn_network_graph_gives_the_same_two_paths():
    net = classic_network()
    E = nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS)
    paths = path_products(E, net["w1"])
    assert len(paths) == 2
    assert f"{math.fsum(p.product for p in paths):.9f}" == "0.000438568"
    assert 'subgraph "cluster_o2"' in dot_source(E, highlight=net["w1"], group=neuron_of)


def test_a_plus_a_has_one_path_per_slot():
    a = Value(1.5, label="a")
    y = a * a + a
    y.backward()
    paths = path_products(y, a)
    assert [p.factors for p in paths] == [(1.0, 1.5), (1.0, 1.5), (1.0,)]
    assert math.fsum(p.product for p in paths) == a.grad == 4.0


def test_too_many_paths_are_coloured_but_not_listed():
    x = Value(1.0, label="x")
    y = x
    for _ in range(12):
        y = y + y  # 2^12 = 4096 paths from y back to x
    with pytest.raises(ValueError, match="4096 paths lead from .* more than max_paths=64"):
        path_products(y, x)
    text = dot_source(y, highlight=x)
    assert "4096 paths from" in text and "max_paths=64" in text and "path 1" not in text
    assert all("penwidth=2.5" in a for _, _, a in edges(text))  # every edge is on some path
    assert math.fsum(p.product for p in path_products(y, x, max_paths=4096)) == 4096.0


# --- bad input and size limits ----------------------------------------------------------------


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="expected the Value to draw from, got float 1.0"):
        draw(1.0)
    x, stranger = Value(1.0, label="x"), Value(2.0, label="stranger")
    with pytest.raises(ValueError, match="highlight='stranger' = 2.0 is not part of the graph of 'x' = 1.0"):
        dot_source(x, highlight=stranger)
    with pytest.raises(ValueError, match=r"cannot tell the format of 'g\.jpg'.*\.dot, \.gv, \.svg, \.png, \.pdf"):
        export(draw(x), "g.jpg")


def test_a_large_graph_is_refused():
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    with pytest.raises(ValueError, match=r"has 200001 Values, more than max_nodes=500.*nn.draw_network"):
        draw(y)  # (its speed is measured in bench/, not asserted here)
    small = x
    for _ in range(300):
        small = small + 1.0
    assert len(dot_source(small, max_nodes=601).splitlines()) > 600  # 601 Values: allowed when asked
    with pytest.raises(ValueError, match="601 Values, more than max_nodes=600"):
        dot_source(small, max_nodes=600)


# --- Graphviz's dot: missing, and really rendering ---------------------------------------------


def test_without_dot_the_text_works_and_rendering_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no dot anywhere on PATH
    v = classic()
    g = draw(v["E_total"], highlight=v["w1"], group=neuron_of)
    assert g.source.startswith("digraph stepgrad {")
    assert export(g, tmp_path / "g.dot").read_text(encoding="utf-8") == g.source
    for suffix in (".svg", ".png", ".pdf"):
        with pytest.raises(GraphvizNotFound, match=r"needs Graphviz's `dot`.*apt-get install graphviz"):
            export(g, tmp_path / f"g{suffix}")
        assert not (tmp_path / f"g{suffix}").exists()
    with pytest.raises(GraphvizNotFound, match="brew install graphviz"):
        to_svg(g)
    shown = g._repr_mimebundle_()  # what Jupyter displays: the install hint and the DOT text
    assert list(shown) == ["text/plain"]
    assert "apt-get install graphviz" in shown["text/plain"] and g.source in shown["text/plain"]


def test_jupyter_displays_svg():
    x = Value(2.0, label="x")
    shown = draw((x * x).labelled("y"))._repr_mimebundle_()
    assert list(shown) == ["image/svg+xml"]
    assert parse_svg(shown["image/svg+xml"])[0]["node"] == 3  # x, y and the mul between them


def test_renders_to_svg_with_every_node_and_label():
    v = classic()
    classes, texts = parse_svg(to_svg(draw(v["E_total"], highlight=v["w1"], group=neuron_of)))
    order = topological_order(v["E_total"])
    assert len(order) == 33
    assert classes["node"] == 33 + sum(n.op is not None for n in order) == 52
    assert classes["edge"] == 57  # 38 operand slots + 19 op-to-result edges
    assert classes["cluster"] == 4
    for label in CLASSIC_WEIGHTS:
        assert label in texts
    for expected in ("E_total", "net_h1", "out_o2", "grad 0.0004386", "data 0.5933", "path 1", "path 2",
                     "0.0006684", "−0.0002298", "0.0004386", "half_squared_error", "add_n"):
        assert expected in texts, expected


def test_awkward_labels_are_escaped():
    x = Value(2.0, label='<x & "y">\\')
    y = (x * x).labelled("y = x²")
    dot_source_text = dot_source(y, formulas=True, highlight=x)
    classes, texts = parse_svg(to_svg(draw(y, formulas=True, highlight=x)))  # dot accepts the text
    assert classes["node"] == 3
    assert '<x & "y">\\' in texts and "y = x²" in texts
    assert '<x & \\"y\\">\\\\ = 2' in dot_source_text  # the edge label's formula, quoted for DOT


def test_renders_to_png_and_pdf(tmp_path):
    v = classic()
    g = draw(v["E_total"], highlight=v["w1"], group=neuron_of)
    png = export(g, tmp_path / "classic.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 1000 and height > 400  # 52 nodes side by side, left to right
    assert export(g, tmp_path / "classic.pdf").read_bytes()[:5] == b"%PDF-"


def test_draw_is_exported_from_the_package():
    assert autograd.draw is draw


def test_importing_the_packages_does_not_import_graphviz():
    import subprocess
    import sys

    code = "import sys, autograd, nn; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_labels_graphviz_would_reject_are_drawn_as_text():
    # An empty label, and control characters (a bell, a form feed, U+2028), made DOT that dot refused.
    x = Value(2.0, label="")
    y = (x * Value(3.0, label="a\x07b\x0cc\u2028d")).labelled('<b>"q"</b>')
    text = dot_source(y)
    assert "\x07" not in text and "\x0c" not in text and "\u2028" not in text
    classes, texts = parse_svg(to_svg(draw(y)))  # dot accepts it
    assert "a\\x07b\\x0cc\\u2028d" in texts and '<b>"q"</b>' in texts


def test_a_drawing_says_what_it_is():
    assert type(draw(Value(1.0, label="x"))).__qualname__ == "Drawing"
    assert repr(type(draw(Value(1.0, label="x")))) == "<class 'autograd.render.Drawing'>"
