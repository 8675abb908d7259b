"""Worked proofs of derivation tracing on the classic network of the step-by-step example.

The golden texts below were checked line by line against the published derivation: every number
the issue lists appears at its printed digits (``test_every_published_number_is_shown`` checks
that independently of the golden text, and checks each number against our own arithmetic).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from autograd import Value, explain, explain_forward, half_squared_error
from nn.examples import classic_values

W5_EN = """\
Forward pass
  i1 = 0.05
  i2 = 0.1
  b1 = 0.35
  b2 = 0.6
  w1 = 0.15
  w2 = 0.2
  w3 = 0.25
  w4 = 0.3
  w5 = 0.4
  w6 = 0.45
  w7 = 0.5
  w8 = 0.55
  target_o1 = 0.01
  target_o2 = 0.99
  net_h1 = w1·i1 + w2·i2 + b1 = 0.15 × 0.05 + 0.2 × 0.1 + 0.35 = 0.3775
  out_h1 = 1 / (1 + e^(−net_h1)) = 1 / (1 + e^(−0.3775)) = 0.593269992
  net_h2 = w3·i1 + w4·i2 + b1 = 0.25 × 0.05 + 0.3 × 0.1 + 0.35 = 0.3925
  out_h2 = 1 / (1 + e^(−net_h2)) = 1 / (1 + e^(−0.3925)) = 0.596884378
  net_o1 = w5·out_h1 + w6·out_h2 + b2 = 0.4 × 0.593269992 + 0.45 × 0.596884378 + 0.6 = 1.105905967
  out_o1 = 1 / (1 + e^(−net_o1)) = 1 / (1 + e^(−1.105905967)) = 0.75136507
  E_o1 = ½(target_o1 − out_o1)² = ½(0.01 − 0.75136507)² = 0.274811083
  net_o2 = w7·out_h1 + w8·out_h2 + b2 = 0.5 × 0.593269992 + 0.55 × 0.596884378 + 0.6 = 1.224921404
  out_o2 = 1 / (1 + e^(−net_o2)) = 1 / (1 + e^(−1.224921404)) = 0.772928465
  E_o2 = ½(target_o2 − out_o2)² = ½(0.99 − 0.772928465)² = 0.023560026
Total error: E_total
  E_total = E_o1 + E_o2 = 0.274811083 + 0.023560026 = 0.298371109
Backward pass: ∂E_total/∂w5 by the chain rule
  ∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5
  ∂E_total/∂out_o1 = −(target_o1 − out_o1) = −(0.01 − 0.75136507) = 0.74136507
  ∂out_o1/∂net_o1 = out_o1(1 − out_o1) = 0.75136507(1 − 0.75136507) = 0.186815602
  ∂net_o1/∂w5 = out_h1 = 0.593269992
  ∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
Update the weight (learning rate η = 0.5)
  w5⁺ = w5 − η·∂E_total/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648
"""

W5_ZH = """\
前向传播
  i1 = 0.05
  i2 = 0.1
  b1 = 0.35
  b2 = 0.6
  w1 = 0.15
  w2 = 0.2
  w3 = 0.25
  w4 = 0.3
  w5 = 0.4
  w6 = 0.45
  w7 = 0.5
  w8 = 0.55
  target_o1 = 0.01
  target_o2 = 0.99
  net_h1 = w1·i1 + w2·i2 + b1 = 0.15 × 0.05 + 0.2 × 0.1 + 0.35 = 0.3775
  out_h1 = 1 / (1 + e^(−net_h1)) = 1 / (1 + e^(−0.3775)) = 0.593269992
  net_h2 = w3·i1 + w4·i2 + b1 = 0.25 × 0.05 + 0.3 × 0.1 + 0.35 = 0.3925
  out_h2 = 1 / (1 + e^(−net_h2)) = 1 / (1 + e^(−0.3925)) = 0.596884378
  net_o1 = w5·out_h1 + w6·out_h2 + b2 = 0.4 × 0.593269992 + 0.45 × 0.596884378 + 0.6 = 1.105905967
  out_o1 = 1 / (1 + e^(−net_o1)) = 1 / (1 + e^(−1.105905967)) = 0.75136507
  E_o1 = ½(target_o1 − out_o1)² = ½(0.01 − 0.75136507)² = 0.274811083
  net_o2 = w7·out_h1 + w8·out_h2 + b2 = 0.5 × 0.593269992 + 0.55 × 0.596884378 + 0.6 = 1.224921404
  out_o2 = 1 / (1 + e^(−net_o2)) = 1 / (1 + e^(−1.224921404)) = 0.772928465
  E_o2 = ½(target_o2 − out_o2)² = ½(0.99 − 0.772928465)² = 0.023560026
计算总误差：E_total
  E_total = E_o1 + E_o2 = 0.274811083 + 0.023560026 = 0.298371109
反向传播：用链式法则展开 ∂E_total/∂w5
  ∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5
  ∂E_total/∂out_o1 = −(target_o1 − out_o1) = −(0.01 − 0.75136507) = 0.74136507
  ∂out_o1/∂net_o1 = out_o1(1 − out_o1) = 0.75136507(1 − 0.75136507) = 0.186815602
  ∂net_o1/∂w5 = out_h1 = 0.593269992
  ∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
更新权值（学习率 η = 0.5）
  w5⁺ = w5 − η·∂E_total/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648
"""

W1_EN = """\
Backward pass: ∂E_total/∂w1 by the chain rule
  ∂E_total/∂w1 = ∂E_total/∂out_h1 · ∂out_h1/∂net_h1 · ∂net_h1/∂w1
  ∂E_o1/∂out_o1 = −(target_o1 − out_o1) = −(0.01 − 0.75136507) = 0.74136507
  ∂out_o1/∂net_o1 = out_o1(1 − out_o1) = 0.75136507(1 − 0.75136507) = 0.186815602
  ∂E_o1/∂net_o1 = ∂E_o1/∂out_o1 · ∂out_o1/∂net_o1 = 0.74136507 × 0.186815602 = 0.138498562
  ∂E_o2/∂out_o2 = −(target_o2 − out_o2) = −(0.99 − 0.772928465) = −0.217071535
  ∂out_o2/∂net_o2 = out_o2(1 − out_o2) = 0.772928465(1 − 0.772928465) = 0.175510053
  ∂E_o2/∂net_o2 = ∂E_o2/∂out_o2 · ∂out_o2/∂net_o2 = −0.217071535 × 0.175510053 = −0.038098237
  ∂net_o1/∂out_h1 = w5 = 0.4
  ∂E_o1/∂out_h1 = ∂E_o1/∂net_o1 · ∂net_o1/∂out_h1 = 0.138498562 × 0.4 = 0.055399425
  ∂net_o2/∂out_h1 = w7 = 0.5
  ∂E_o2/∂out_h1 = ∂E_o2/∂net_o2 · ∂net_o2/∂out_h1 = −0.038098237 × 0.5 = −0.019049118
  ∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1 = 0.055399425 + (−0.019049118) = 0.036350306
  ∂out_h1/∂net_h1 = out_h1(1 − out_h1) = 0.593269992(1 − 0.593269992) = 0.241300709
  ∂net_h1/∂w1 = i1 = 0.05
  ∂E_total/∂w1 = 0.036350306 × 0.241300709 × 0.05 = 0.000438568
  2 paths lead from E_total to w1; the parts they share are computed once above
Update the weight (learning rate η = 0.5)
  w1⁺ = w1 − η·∂E_total/∂w1 = 0.15 − 0.5 × 0.000438568 = 0.149780716
"""

W1_ZH = """\
反向传播：用链式法则展开 ∂E_total/∂w1
  ∂E_total/∂w1 = ∂E_total/∂out_h1 · ∂out_h1/∂net_h1 · ∂net_h1/∂w1
  ∂E_o1/∂out_o1 = −(target_o1 − out_o1) = −(0.01 − 0.75136507) = 0.74136507
  ∂out_o1/∂net_o1 = out_o1(1 − out_o1) = 0.75136507(1 − 0.75136507) = 0.186815602
  ∂E_o1/∂net_o1 = ∂E_o1/∂out_o1 · ∂out_o1/∂net_o1 = 0.74136507 × 0.186815602 = 0.138498562
  ∂E_o2/∂out_o2 = −(target_o2 − out_o2) = −(0.99 − 0.772928465) = −0.217071535
  ∂out_o2/∂net_o2 = out_o2(1 − out_o2) = 0.772928465(1 − 0.772928465) = 0.175510053
  ∂E_o2/∂net_o2 = ∂E_o2/∂out_o2 · ∂out_o2/∂net_o2 = −0.217071535 × 0.175510053 = −0.038098237
  ∂net_o1/∂out_h1 = w5 = 0.4
  ∂E_o1/∂out_h1 = ∂E_o1/∂net_o1 · ∂net_o1/∂out_h1 = 0.138498562 × 0.4 = 0.055399425
  ∂net_o2/∂out_h1 = w7 = 0.5
  ∂E_o2/∂out_h1 = ∂E_o2/∂net_o2 · ∂net_o2/∂out_h1 = −0.038098237 × 0.5 = −0.019049118
  ∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1 = 0.055399425 + (−0.019049118) = 0.036350306
  ∂out_h1/∂net_h1 = out_h1(1 − out_h1) = 0.593269992(1 − 0.593269992) = 0.241300709
  ∂net_h1/∂w1 = i1 = 0.05
  ∂E_total/∂w1 = 0.036350306 × 0.241300709 × 0.05 = 0.000438568
  从 E_total 到 w1 共有 2 条路径，公共部分在上面只计算一次
更新权值（学习率 η = 0.5）
  w1⁺ = w1 − η·∂E_total/∂w1 = 0.15 − 0.5 × 0.000438568 = 0.149780716
"""


@pytest.fixture
def net() -> dict[str, Value]:
    return classic_values()


def test_w5_derivation_reads_as_published_en(net):
    assert str(explain(net["E_total"], net["w5"], lr=0.5, forward=True)) + "\n" == W5_EN


def test_w5_derivation_reads_as_published_zh(net):
    assert str(explain(net["E_total"], net["w5"], lr=0.5, forward=True, lang="zh")) + "\n" == W5_ZH


def test_w1_derivation_reads_as_published_en(net):
    assert str(explain(net["E_total"], net["w1"], lr=0.5)) + "\n" == W1_EN


def test_w1_derivation_reads_as_published_zh(net):
    assert str(explain(net["E_total"], net["w1"], lr=0.5, lang="zh")) + "\n" == W1_ZH


# Every number of the published example, as printed there, with what it is.
PUBLISHED = {
    "net_h1": "0.3775",
    "out_h1": "0.593269992",
    "out_h2": "0.596884378",
    "net_o1": "1.105905967",
    "out_o1": "0.75136507",
    "out_o2": "0.772928465",
    "E_o1": "0.274811083",
    "E_o2": "0.023560026",
    "E_total": "0.298371109",
}
PUBLISHED_GRADIENTS = {
    "∂E_total/∂out_o1": "0.74136507",
    "∂out_o1/∂net_o1": "0.186815602",
    "∂E_total/∂w5": "0.082167041",
    "∂E_o1/∂net_o1": "0.138498562",  # δ_o1
    "∂E_o1/∂out_h1": "0.055399425",
    "∂E_total/∂out_h1": "0.036350306",
    "∂out_h1/∂net_h1": "0.241300709",
    "∂E_total/∂w1": "0.000438568",
}
PUBLISHED_UPDATES = {
    "w5": "0.35891648",
    "w6": "0.408666186",
    "w7": "0.511301270",  # printed with a trailing zero; we drop trailing zeros: 0.51130127
    "w8": "0.561370121",
    "w1": "0.149780716",
    "w2": "0.19956143",  # w2..w4 are printed with 8 decimals
    "w3": "0.24975114",
    "w4": "0.29950229",
}


def _decimals(published: str) -> int:
    return len(published.split(".")[1])


def _rounded(x: float, published: str) -> str:
    """x rounded half-up to the decimals the published number shows (as a person rounds)."""
    q = Decimal(1).scaleb(-_decimals(published))
    return str(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def _shown(published: str) -> str:
    return published.rstrip("0") if "." in published else published


def test_every_published_number_is_shown(net):
    E = net["E_total"]
    texts = [str(explain(E, net["w5"], lr=0.5, forward=True)), str(explain(E, net["w1"], lr=0.5))]
    for name, published in PUBLISHED.items():
        assert _rounded(net[name].data, published) == published, name
        line = next(t for t in texts[0].splitlines() if t.strip().startswith(f"{name} = "))
        assert line.endswith(f" = {_shown(published)}"), line
    for symbol, published in PUBLISHED_GRADIENTS.items():
        lines = [t for t in "\n".join(texts).splitlines() if t.strip().startswith(f"{symbol} = ")]
        assert any(line.endswith(f" = {_shown(published)}") for line in lines), (symbol, lines)
    for w, published in PUBLISHED_UPDATES.items():
        d = explain(E, net[w], lr=0.5, digits=_decimals(published))
        assert _rounded(d.updated, published) == published, w
        assert str(d).splitlines()[-1].endswith(f" = {_shown(published)}"), w


def test_published_dEo2_dout_h1_was_rounded_from_a_rounded_intermediate(net):
    """The example prints ∂E_o2/∂out_h1 = −0.019049119. Exact arithmetic gives −0.019049118: the
    published figure multiplies the already rounded δ_o2 = −0.038098237 by w7 = 0.5, which gives
    −0.0190491185 exactly and rounds (half up) to −0.019049119."""
    text = str(explain(net["E_total"], net["w1"]))
    line = next(t for t in text.splitlines() if t.strip().startswith("∂E_o2/∂out_h1 = "))
    assert line.strip() == "∂E_o2/∂out_h1 = ∂E_o2/∂net_o2 · ∂net_o2/∂out_h1 = −0.038098237 × 0.5 = −0.019049118"
    out_o2 = net["out_o2"].data
    delta_o2 = (out_o2 - 0.99) * out_o2 * (1 - out_o2)  # exact hand arithmetic, independent of the tracer
    assert _rounded(delta_o2 * 0.5, "0.000000000") == "-0.019049118"
    rounded_delta = Decimal(_rounded(delta_o2, "0.000000000"))
    assert rounded_delta == Decimal("-0.038098237")
    assert rounded_delta * Decimal("0.5") == Decimal("-0.0190491185")
    assert (rounded_delta * Decimal("0.5")).quantize(Decimal("1e-9"), ROUND_HALF_UP) == Decimal("-0.019049119")


@pytest.mark.parametrize("name", ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"])
def test_value_equals_grad_after_backward_and_explain_works_before(net, name):
    d = explain(net["E_total"], net[name])  # before backward: grads are still zero
    assert all(net[w].grad == 0.0 for w in ("w1", "w5"))
    net["E_total"].backward()
    assert d.value == net[name].grad
    assert sum(p.value for p in d.paths) == pytest.approx(d.value, rel=1e-12)


def test_paths_of_w1_go_through_both_outputs(net):
    d = explain(net["E_total"], net["w1"])
    assert d.path_count == 2
    assert [p.nodes for p in d.paths] == [
        ("E_total", "E_o1", "out_o1", "net_o1", "out_h1", "net_h1", "w1"),
        ("E_total", "E_o2", "out_o2", "net_o2", "out_h1", "net_h1", "w1"),
    ]
    assert d.paths[0].factors[1] == pytest.approx(0.74136507, abs=5e-9)


def test_wrt_the_output_does_not_depend_on(net):
    d = explain(net["out_h1"], net["w5"])
    assert d.value == 0.0 and d.paths == [] and d.path_count == 0
    assert str(d) == (
        "Backward pass: ∂out_h1/∂w5 by the chain rule\n"
        "  out_h1 does not depend on w5: no path leads from out_h1 to w5, so ∂out_h1/∂w5 = 0\n"
        "  ∂out_h1/∂w5 = 0"
    )
    assert "out_h1 不依赖于 w5" in str(explain(net["out_h1"], net["w5"], lang="zh"))


def test_wrt_is_the_output(net):
    d = explain(net["E_total"], net["E_total"])
    assert d.value == 1.0
    assert str(d).splitlines()[-1] == "  ∂E_total/∂E_total = 1"


def test_expand_shows_every_primitive(net):
    folded = explain(net["E_total"], net["w5"])
    expanded = explain(net["E_total"], net["w5"], expand=True)
    assert expanded.value == folded.value
    lines = str(expanded).splitlines()
    # the product w5·out_h1 inside net_o1 gets a name and its own factor; E_o1 keeps its factor 1
    assert "  ∂E_total/∂w5 = ∂E_total/∂E_o1 · ∂E_o1/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂v1 · ∂v1/∂w5" in lines
    assert "  ∂net_o1/∂v1 = 1" in lines
    assert "  ∂v1/∂w5 = out_h1 = 0.593269992" in lines
    assert lines[-1] == "  ∂E_total/∂w5 = 1 × 0.74136507 × 0.186815602 × 1 × 0.593269992 = 0.082167041"


def test_unlabelled_nodes_fold_into_a_formula_composed_from_the_rows():
    out = Value(0.75, label="out_o1")
    target = Value(0.01, label="target_o1", requires_grad=False)
    E = (0.5 * (target - out) ** 2).labelled("E_o1")  # sub, pow, mul: no labels inside
    d = explain(E, out)
    assert str(d).splitlines()[1] == (
        "  ∂E_o1/∂out_o1 = 0.5 · 2·(target_o1 − out_o1)^(2 − 1) · (−1) = 0.5 × 2 × (0.01 − 0.75)^(2 − 1) × (−1) = 0.74"
    )
    E.backward()
    assert d.value == out.grad == pytest.approx(0.74, abs=1e-15)


def test_forward_explanation_of_a_node(net):
    assert str(explain_forward(net["out_h1"])) == (
        "Forward pass\n"
        "  i1 = 0.05\n"
        "  i2 = 0.1\n"
        "  b1 = 0.35\n"
        "  w1 = 0.15\n"
        "  w2 = 0.2\n"
        "  net_h1 = w1·i1 + w2·i2 + b1 = 0.15 × 0.05 + 0.2 × 0.1 + 0.35 = 0.3775\n"
        "Result: out_h1\n"
        "  out_h1 = 1 / (1 + e^(−net_h1)) = 1 / (1 + e^(−0.3775)) = 0.593269992"
    )
    assert explain_forward(net["E_total"]).value == net["E_total"].data


def test_only_a_sum_of_error_terms_is_titled_total_error():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    y = ((a * b).labelled("p") + (a + b).labelled("q")).labelled("y")
    assert "Result: y" in str(explain_forward(y)) and "Total error" not in str(explain_forward(y))
    assert "结果：y" in str(explain_forward(y, lang="zh"))
    E = (half_squared_error(a, 0.5, label="E_1") + half_squared_error(b, 1.5, label="E_2")).labelled("E")
    assert "Total error: E" in str(explain_forward(E))


def test_repr_counts_steps_and_paths(net):
    one = explain(net["E_total"], net["E_total"])
    assert repr(one) == f"<Derivation value=1.0, {len(one.steps)} step, 1 path>" and len(one.steps) == 1
    w1 = explain(net["E_total"], net["w1"])
    assert repr(w1) == f"<Derivation value={w1.value!r}, {len(w1.steps)} steps, 2 paths>"


def test_digits_and_exact(net):
    d = explain(net["E_total"], net["w5"], digits=4)
    assert str(d).splitlines()[-1] == "  ∂E_total/∂w5 = 0.7414 × 0.1868 × 0.5933 = 0.0822"
    exact = explain(net["E_total"], net["w5"], exact=True)
    assert str(exact).splitlines()[-1].endswith(f" = {exact.steps[-1].value!r}")


def test_unknown_language_is_refused(net):
    with pytest.raises(ValueError, match="lang='fr' is not supported"):
        explain(net["E_total"], net["w5"], lang="fr")


def test_bad_arguments_are_named(net):
    with pytest.raises(TypeError, match="output must be a Value .* got float 3.0"):
        explain(3.0, net["w5"])
    with pytest.raises(TypeError, match="wrt must be a Value .* got str 'w5'"):
        explain(net["E_total"], "w5")
    with pytest.raises(ValueError, match="digits must be a whole number"):
        explain(net["E_total"], net["w5"], digits=-1)
    with pytest.raises(TypeError, match="lr must be a number"):
        explain(net["E_total"], net["w5"], lr="0.5")
    for lr in (float("nan"), float("inf"), 0.0, -0.5):  # an update full of nan helps nobody
        with pytest.raises(ValueError, match=r"lr \(the learning rate\) must be a finite number > 0"):
            explain(net["E_total"], net["w5"], lr=lr)


def test_importing_autograd_does_not_load_the_printers():
    import subprocess
    import sys

    code = "import sys, autograd; print('autograd.printing' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize(
    "build, expected, by_hand",
    [
        # a + a: both slots of one node, summed inside the factor
        (lambda a, b: (a + a).labelled("f"), ["  ∂f/∂a = 1 + 1 = 2"], 2.0),
        # a·b + a, product unlabelled: two routes fold into one factor
        (lambda a, b: (a * b + a).labelled("f"), ["  ∂f/∂a = b + 1 = −3 + 1 = −2"], -3.0 + 1.0),
        # a·b labelled p, plus a: a feeds p and f; f's own local factor goes inline (∂f/∂a would
        # read as the total)
        (
            lambda a, b: ((a * b).labelled("p") + a).labelled("f"),
            [
                "  ∂f/∂p = 1",
                "  ∂p/∂a = b = −3",
                "  ∂f/∂a = ∂f/∂p · ∂p/∂a + 1 = 1 × (−3) + 1 = −2",
                "  2 paths lead from f to a; the parts they share are computed once above",
            ],
            -3.0 + 1.0,
        ),
    ],
)
def test_fan_out_is_summed(build, expected, by_hand):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    f = build(a, b)
    d = explain(f, a)
    assert str(d).splitlines()[1:] == expected
    f.backward()
    assert d.value == a.grad == by_hand


@pytest.mark.parametrize("name", ["w1", "w5"])
def test_the_nn_network_gives_the_same_derivations(net, name):
    import nn
    from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network

    network = classic_network()
    E = nn.half_sse(network(CLASSIC_INPUTS), CLASSIC_TARGETS)
    from_nn = explain(E, network[name], lr=0.5, forward=True, lang="zh")
    from_values = explain(net["E_total"], net[name], lr=0.5, forward=True, lang="zh")
    assert str(from_nn) == str(from_values)
    assert from_nn.value == from_values.value


def test_every_made_up_name_is_defined_where_it_first_appears():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    s = x * y  # unlabelled, and used twice: it gets a name, v1
    text = str(explain(s.tanh() + s * x, x))
    lines = text.splitlines()
    assert lines[1] == "  v1 = x·y = 2 × 3 = 6"
    assert lines[2].startswith("  v2 = tanh(v1) + v1·x = ")  # v2 uses v1: defined after it
    for name in ("v1", "v2"):
        first_use = next(k for k, line in enumerate(lines[1:], 1) if name in line)  # after the title
        assert lines[first_use].startswith(f"  {name} = ")


def test_a_value_that_needs_no_gradient_is_explained_with_a_note():
    c = Value(3.0, label="c", requires_grad=False)
    x = Value(2.0, label="x")
    d = explain((c * x).labelled("f"), c)
    assert d.value == 2.0
    assert "c has requires_grad=False: backward() gives it no gradient (c.grad stays 0)" in str(d)
    assert "c 的 requires_grad=False" in str(explain((c * x).labelled("f"), c, lang="zh"))
