"""Compiled mode: the generated code gives the eager engine's numbers bit for bit, and reads like the derivation."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from test_graph_properties import SETTINGS, programs, run

import autograd.compiled as compile_module
from autograd import Value, add_n, compile, compile_graph, detect_anomaly
from autograd.ops import OPS, SIGMOID
from nn import Network
from nn.examples import classic_values
from nn.losses import half_sse


def eager(output: Value, inputs: list[Value]) -> tuple[float, tuple[float | None, ...]]:
    """The eager engine's answer, in the compiled function's shape (fresh gradients)."""
    for v in inputs:
        v.grad = 0.0
    output.backward()
    return output.data, tuple(v.grad if v.requires_grad else None for v in inputs)


def same(got: object, want: object) -> bool:
    """Bit for bit: == would take −0.0 for 0.0 (and never NaN for NaN); reprs of floats are exact."""
    return repr(got) == repr(want)


def test_golden_source_reads_like_the_hand_derivation() -> None:
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x", requires_grad=False), Value(0.25, label="b")
    y = (w * x + b).labelled("net").sigmoid().labelled("out")
    c = compile_graph(y, [w, x, b], name="neuron")
    assert c.source == (
        "def neuron(w, x, b):\n"
        "    mul1 = w * x  # mul1 = w·x\n"
        "    net = mul1 + b  # net = mul1 + b\n"
        "    out = _sigmoid(net)  # out = 1 / (1 + e^(−net))\n"
        "    g_out = 1.0\n"
        "    g_net = g_out * _sigmoid_d0(out, net)  # ∂out/∂net = out(1 − out)\n"
        "    g_mul1 = g_net * 1.0  # ∂net/∂mul1 = 1\n"
        "    g_b = g_net * 1.0  # ∂net/∂b = 1\n"
        "    g_w = g_mul1 * x  # ∂mul1/∂w = x\n"
        "    return out, (g_w, None, g_b)\n"
    )
    assert str(c) == c.source
    # The called function is the op row's own forward, bound by name; nothing is a copy.
    assert c._function.__globals__["_sigmoid"] is SIGMOID.forward
    assert same(c(0.5, 2.0, 0.25), eager(y, [w, x, b]))


def test_classic_network_gradients_identical_to_eager() -> None:
    v = classic_values()
    weights = [v[f"w{k}"] for k in range(1, 9)]
    inputs = [v["i1"], v["i2"], v["target_o1"], v["target_o2"], *weights]
    c = compile_graph(v["E_total"], inputs)
    value, grads = c(*(x.data for x in inputs))
    assert same((value, grads), eager(v["E_total"], inputs))
    assert grads[:4] == (None, None, None, None)  # inputs and targets need no gradient
    assert round(value, 9) == 0.298371109  # the published E_total
    assert round(grads[8], 8) == 0.08216704  # the published ∂E_total/∂w5
    assert "out_h1 = _sigmoid(net_h1)" in c.source and "b1 = 0.35" in c.source


def _mlp_loss(act: str, points: list[tuple[float, float]], targets: list[float], seed: int = 3):
    net = Network([2, 4, 4, 1], activation=[act, act, "tanh"], seed=seed)
    xs = [[Value(a, requires_grad=False), Value(b, requires_grad=False)] for a, b in points]
    ts = [Value(t, requires_grad=False) for t in targets]
    loss = add_n([half_sse(net(x), [t]) for x, t in zip(xs, ts)])
    return net, loss, [c for x in xs for c in x] + ts + net.parameters()


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_mlp_gradients_identical_to_eager_and_replay_on_new_data(act: str) -> None:
    rng = random.Random(act)
    points = [(rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(6)]
    targets = [rng.choice((-1.0, 1.0)) for _ in points]
    net, loss, inputs = _mlp_loss(act, points, targets)
    c = compile_graph(loss, inputs)
    assert same(c(*(v.data for v in inputs)), eager(loss, inputs))
    # New data and new weights, same shape: the eager engine on those numbers is the oracle.
    new_points = [(rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in points]
    new_targets = [-t for t in targets]
    net2, loss2, inputs2 = _mlp_loss(act, new_points, new_targets, seed=4)
    assert net2.state_dict() != net.state_dict()
    assert same(c(*(v.data for v in inputs2)), eager(loss2, inputs2))


@SETTINGS
@given(programs())
def test_random_graphs_compiled_equals_eager(program) -> None:
    values, steps = program
    leaves = [Value(v, label=f"x{i + 1}", requires_grad=i != 1) for i, v in enumerate(values)]
    out = run(steps, leaves)
    c = compile_graph(out, leaves)
    got = c(*values)
    if out.requires_grad:
        assert same(got, eager(out, leaves))
    else:  # eager backward refuses; compiled returns zero gradients for the grad leaves
        assert got == (out.data, tuple(0.0 if v.requires_grad else None for v in leaves))


def test_a_zero_gradient_has_the_sign_eager_gives_it() -> None:
    # relu is off (a·w < 0), so the gradient reaching mul is 0.0, and 0.0 × a with a < 0 is −0.0;
    # eager's leaf gradients start at 0.0 and 0.0 + (−0.0) is 0.0, so replay must say 0.0 too.
    a, w = Value(-2.0, label="a"), Value(3.0, label="w")
    y = (a * w).relu()
    c = compile_graph(y, [a, w])
    assert same(c(-2.0, 3.0), eager(y, [a, w])) and same(c(-2.0, 3.0), (0.0, (0.0, 0.0)))


def test_fan_out_is_summed() -> None:
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    c = compile(lambda a, b: a + a + a * b, [a, b])
    assert c(3.0, -2.0) == (0.0, (0.0, 3.0))  # d/da = 1 + 1 + b, d/db = a
    assert c(1.5, 4.0) == (9.0, (6.0, 1.5))
    assert "g_a += " in c.source


def test_replay_changes_no_value_and_returns_fresh_gradients() -> None:
    x = Value(2.0, label="x")
    c = compile(lambda x: x * x, [x])
    assert c(3.0) == (9.0, (6.0,))
    assert c(3.0) == (9.0, (6.0,))  # no accumulation between calls
    assert (x.data, x.grad) == (2.0, 0.0)


def test_inputs_outside_the_graph_and_constants() -> None:
    x, unused = Value(2.0, label="x"), Value(5.0, label="unused")
    k = Value(3.0, label="k", requires_grad=True)  # not an input: a constant with the value it has now
    c = compile_graph(x * k + 1.0, [x, unused])
    assert c(4.0, 9.0) == (13.0, (3.0, 0.0))
    assert "k = 3.0" in c.source
    assert c(True, 1) == (4.0, (3.0, 0.0))  # numbers of any real type, as Value() takes them


def test_compile_traces_a_function_of_numbers() -> None:
    c = compile(lambda x, y: (x / y).log(), [6.0, 2.0])
    assert c.input_names == ("x1", "x2")
    value, (gx, gy) = c(8.0, 2.0)
    assert value == math.log(4.0) and gx == 1.0 / 8.0 and gy == pytest.approx(-0.5, rel=1e-15)


def test_wrong_number_of_inputs() -> None:
    c = compile(lambda x, y: x * y, [Value(1.0, label="x"), Value(2.0, label="y")])
    with pytest.raises(TypeError, match=r"takes 2 input values \(x, y\), got 1"):
        c(1.0)
    with pytest.raises(TypeError, match="input y: expected a real number"):
        c(1.0, "2")


def test_bad_graphs_are_refused() -> None:
    a = Value(1.0, label="a")
    b = (a * 2).labelled("b")
    with pytest.raises(ValueError, match="input 2 .*'b'.* is the result of mul, not a leaf"):
        compile_graph(b, [a, b])
    with pytest.raises(ValueError, match="input 2 .* is listed twice"):
        compile_graph(b, [a, a])
    with pytest.raises(TypeError, match="must return a Value"):
        compile(lambda x: 3.0, [1.0])


@pytest.mark.parametrize("chunk", [None, 3])
def test_domain_error_at_replay_names_op_and_label(chunk, monkeypatch) -> None:
    if chunk is not None:  # the same message from a graph split into parts
        monkeypatch.setattr(compile_module, "CHUNK_LINES", chunk)
    x, y = Value(2.0, label="x"), Value(1.0, label="y")
    c = compile_graph(((x - y).labelled("gap").log() * x).labelled("E"), [x, y])
    assert c(3.0, 1.0)[0] == math.log(2.0) * 3.0
    with pytest.raises(ValueError, match=r"^log: ln is defined only for positive numbers, but the operand "
                       r"'gap' = -1.0 is not \(computing log1, line \d+ of the compiled source\)$"):
        c(1.0, 2.0)
    z = Value(1.0, label="z")
    c = compile_graph((1.0 / z).labelled("inv"), [z])
    with pytest.raises(ZeroDivisionError, match=r"div: division by zero: the divisor 'z' = 0.0 is zero \(computing"):
        c(0.0)


def _eager_error(make) -> str:
    with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
        make().backward()
    return str(caught.value)


def _replay_error(c, *values: float) -> tuple[str, str]:
    """Anomaly mode's message at replay, split from its "(computing …)" suffix; and that line."""
    with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
        c(*values)
    message, _, where = str(caught.value).rpartition(" (computing ")
    line = int(where.split(", line ")[1].split()[0])
    return message, c.source.splitlines()[line - 1].strip()


@pytest.mark.parametrize("chunk", [None, 3])
def test_anomaly_mode_at_replay_stops_where_eager_stops(chunk, monkeypatch) -> None:
    if chunk is not None:
        monkeypatch.setattr(compile_module, "CHUNK_LINES", chunk)
    # forward: inf − inf
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    c = compile_graph(((x - x).labelled("d") * w).labelled("y"), [x, w])
    inf = math.inf
    assert math.isnan(c(inf, 2.0)[0])  # outside anomaly mode NaN spreads, as in eager mode
    message, line = _replay_error(c, inf, 2.0)
    x.data = inf
    assert message == _eager_error(lambda: ((x - x).labelled("d") * w).labelled("y"))
    assert message == "sub gave nan from 'x' = inf, 'x' = inf"
    assert line.startswith("d = x - x")
    # backward: d√z/dz at z = 0 is inf
    z, k = Value(4.0, label="z"), Value(3.0, label="k")
    c = compile_graph(((z ** 0.5).labelled("r") * k).labelled("E"), [z, k])
    assert c(0.0, 3.0) == (0.0, (math.inf, 0.0))
    message, line = _replay_error(c, 0.0, 3.0)
    z.data = 0.0
    assert message == _eager_error(lambda: ((z ** 0.5).labelled("r") * k).labelled("E"))
    assert message == "backward: the local derivative of pow ('r' = 0.0) with respect to operand 1 ('z' = 0.0) is inf"
    assert line.startswith("g_z = g_r * _pow_d0(r, z, 0.5)")
    assert c(4.0, 3.0) == (6.0, (0.75, 2.0))  # after the anomaly, replay goes on as before
    with detect_anomaly():
        assert c(4.0, 3.0) == (6.0, (0.75, 2.0))


def test_chunked_code_gives_the_same_numbers(monkeypatch) -> None:
    monkeypatch.setattr(compile_module, "CHUNK_LINES", 4)
    v = classic_values()
    weights = [v[f"w{k}"] for k in range(1, 9)]
    c = compile_graph(v["E_total"], weights)
    assert "def _compiled_part1(" in c.source
    assert same(c(*(w.data for w in weights)), eager(v["E_total"], weights))


def test_100000_node_chain_compiles_and_runs() -> None:
    x, a, b = Value(0.25, label="x"), Value(0.5, label="a"), Value(1.0, label="b")
    v = x
    for _ in range(50_000):  # v ← v·a + b: 100,000 nodes, far deeper than the recursion limit
        v = v * a + b
    c = compile_graph(v, [x, a, b])
    got = c(0.25, 0.5, 1.0)
    assert same(got, eager(v, [x, a, b]))
    assert got[0] == pytest.approx(2.0) and got[1][0] == 0.0  # a^50000 underflows
    assert got[1][2] == pytest.approx(2.0)  # Σ a^k
    assert c(0.0, 0.0, 3.0) == (3.0, (0.0, 3.0, 1.0))  # new numbers: v = b, ∂v/∂a = last v_k = b


def test_every_row_is_inlined_or_called_as_itself() -> None:
    # The generator writes a row function inline only from that function's own source: check
    # that the split is as documented for the built-in rows.
    form = compile_module._inline_form
    inline = {name for name, op in OPS.items() if form(op.forward) is not None}
    assert inline == {"add", "sub", "mul", "neg", "relu", "half_squared_error", "threshold"}
    assert form(OPS["relu"].partials[0].fn) == ("1.0 if \x001\x00 > 0.0 else 0.0", False)
    assert form(OPS["pow"].partials[0].fn) is None  # branches: called by name


# --- names Python reads as one (NFKC), accumulating gradients, forward only ------------------


def test_labels_python_folds_together_get_their_own_names() -> None:
    # Python reads identifiers in NFKC form: "ｘ" (fullwidth) is the name x. The example.
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    o = (x * y).labelled("ｘ") + x
    c = compile_graph(o, [x, y])
    assert same(c(2.0, 3.0), (8.0, (4.0, 2.0)))
    assert same(c(2.0, 3.0), eager(o, [x, y]))
    # Two inputs so labelled were a SyntaxError (a duplicate argument).
    a, b = Value(2.0, label="x"), Value(3.0, label="ｘ")
    c = compile_graph(a * b + b, [a, b])
    assert len(set(c.input_names)) == 2
    assert same(c(2.0, 3.0), (9.0, (3.0, 3.0)))
    assert same(c(2.0, 3.0), eager(a * b + b, [a, b]))


@pytest.mark.parametrize("labels", [
    ["ｉｆ", "ℌ", "H"],           # a keyword once normalised; two letters that normalise to H
    ["ﬁ", "fi", "ｆｉ"],          # a ligature, and the letters it stands for
    ["½", "1⁄2", "_"],            # characters that are not identifier characters at all
    ["", " ", "\n"],              # nothing usable
    ["x²", "x2", "x_2"],          # a superscript digit reads as a plain one
    ["Å", "Å", "A\u030a"],        # three spellings of one letter (sign, letter, combining ring)
])
def test_any_labels_give_legal_unique_names(labels: list[str]) -> None:
    leaves = [Value(1.5 + k, label=label) for k, label in enumerate(labels)]
    out = (leaves[0] * leaves[1]).labelled(labels[2]) - leaves[2] * leaves[0]
    c = compile_graph(out, leaves)
    assert len(set(c.input_names)) == len(labels)
    assert same(c(*(v.data for v in leaves)), eager(out, leaves))


def test_accumulate_sums_as_backward_sums_into_leaves() -> None:
    # w has three edges; over three calls backward adds each edge's contribution to w.grad in
    # turn. Summing per-call gradients (g1 + g2 + g3, each itself a sum) rounds differently.
    w, x = Value(0.0, label="w"), Value(0.0, label="x", requires_grad=False)

    def graph() -> Value:
        return ((w * x).tanh() + w * w * 0.1 + w).labelled("y")

    fresh = compile_graph(graph(), [w, x])
    step = compile_graph(graph(), [w, x], accumulate=True)
    assert step.input_names == ("w", "x", "g_w", "g_x")
    rng = random.Random(7)
    naive_differs = False
    for _ in range(200):
        w.grad, acc, naive = 0.0, (0.0, None), 0.0
        for _ in range(3):
            w.data, x.data = rng.uniform(-3, 3), rng.uniform(-3, 3)
            graph().backward()
            _, acc = step(w.data, x.data, *acc)
            naive += fresh(w.data, x.data)[1][0]
            assert same(acc[0], w.grad) and acc[1] is None
        naive_differs |= naive != w.grad
    assert naive_differs  # so the test above could fail


@SETTINGS
@given(programs())
def test_random_graphs_accumulate_like_backward(program) -> None:
    values, steps = program
    leaves = [Value(v, label=f"x{i + 1}", requires_grad=i != 1) for i, v in enumerate(values)]
    out = run(steps, leaves)
    if not out.requires_grad:
        return
    step = compile_graph(out, leaves, accumulate=True)
    grads = tuple(0.0 if v.requires_grad else None for v in leaves)
    for shift in (0.0, 0.25):  # two samples: the second adds to the first's gradients
        numbers = [v + shift for v in values]
        for v, number in zip(leaves, numbers):
            v.data = number
        try:
            run(steps, leaves).backward()
        except (ArithmeticError, ValueError):
            return  # the shifted numbers are outside an op's domain
        _, grads = step(*numbers, *grads)
        assert same(grads, tuple(v.grad if v.requires_grad else None for v in leaves))


def test_forward_only_code() -> None:
    v = classic_values()
    weights = [v[f"w{k}"] for k in range(1, 9)]
    full = compile_graph(v["E_total"], weights)
    forward = compile_graph(v["E_total"], weights, gradients=False)
    assert "g_" not in forward.source and forward.source.count("\n") < full.source.count("\n") / 2
    numbers = [w.data + 0.125 for w in weights]
    assert same(forward(*numbers), (full(*numbers)[0], (None,) * 8))
    assert same(forward.function(*numbers), forward(*numbers))


def test_function_is_the_checked_code_in_anomaly_mode() -> None:
    x = Value(1.0, label="x")
    c = compile_graph((x - x).labelled("d"), [x])
    assert math.isnan(c.function(math.inf)[0])
    with detect_anomaly(), pytest.raises(compile_module._NotFinite):
        c.function(math.inf)


def test_a_freed_functions_source_leaves_linecache_at_the_next_compile_not_during_a_collection() -> None:
    # A finalizer that popped the entry could run while linecache.checkcache looped over the
    # cache (any collection can run it), which then raised KeyError from a traceback or doctest.
    import gc
    import linecache

    x = Value(2.0, label="x")
    c = compile_graph((x * x).labelled("y"), [x])
    name = c._function.__code__.co_filename
    assert linecache.getlines(name)[0].startswith("def compiled(x):")
    del c
    gc.collect()
    assert name in linecache.cache  # the collector changed nothing there
    compile_graph((x + x).labelled("z"), [x])
    assert name not in linecache.cache  # dropped by the next compile
