"""The PyTorch bridge: the same network in both engines, the name map, exact round trips, the
gradient comparison and what it says about rounding, and clear refusals.

torch is a test dependency (the ``test`` extra pins the CPU build): these tests are never skipped.
Where the bridge claims how torch rounds, an oracle written here with Python floats (or exact
Fractions) reproduces torch's bits, so a claim that stops being true fails.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest
import torch

import nn
from autograd import Value, explain, to_sympy
from autograd.ops import OPS
from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, CLASSIC_WEIGHTS, classic_network
from nn.pytorch import INSTALL, MAX_PARAMETERS, WHY, compare_with_torch, from_torch, name_map, to_torch, ulp_distance
from nn.torch_modules import SharedBiasLinear

ROOT = Path(__file__).resolve().parent.parent
F64 = torch.float64
X, T = CLASSIC_INPUTS, CLASSIC_TARGETS


def fma(a: float, b: float, c: float) -> float:
    """a·b + c rounded once (math.fma arrived only in Python 3.13)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def printed(x: float, text: str) -> bool:
    return f"{x:.{len(text.split('.')[1])}f}" == text


def random_net(sizes, activation, bias, seed=0) -> nn.Network:
    return nn.Network(sizes, activation, bias=bias, init="uniform", seed=seed)


# --- torch is optional ---------------------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_import_autograd_and_nn_never_import_torch():
    result = run_python(
        "import sys, autograd, nn, nn.pytorch\n"
        "from nn.examples import classic_network\n"
        "net = classic_network(); nn.half_sse(net([0.05, 0.1]), [0.01, 0.99]).backward()\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("call", [
    "nn.to_torch(classic_network())",
    "nn.from_torch(object())",
    "nn.compare_with_torch(classic_network(), [0.05, 0.1], [0.01, 0.99])",
])
def test_missing_torch_names_the_install_command(call):
    result = run_python(
        "import sys; sys.modules['torch'] = None  # import torch now raises ImportError\n"
        "import nn\nfrom nn.examples import classic_network\n"
        f"try:\n    {call}\nexcept ImportError as exc:\n    print(exc)\n")
    assert result.returncode == 0, result.stderr
    name = call.split("(")[0]
    assert result.stdout.strip() == f"{name} needs PyTorch, which is not installed: {INSTALL}"
    assert INSTALL == "pip install 'stepgrad[torch]'"


# --- to_torch and the name map --------------------------------------------------------------------------


def test_classic_network_in_torch_gives_the_published_forward_pass():
    model = to_torch(classic_network())
    assert [type(m).__name__ for m in model] == ["SharedBiasLinear", "Sigmoid", "SharedBiasLinear", "Sigmoid"]
    assert all(p.dtype == F64 for p in model.parameters())
    out = model(torch.tensor([X], dtype=F64))[0].tolist()
    assert printed(out[0], "0.75136507") and printed(out[1], "0.772928465")
    assert model[0].bias.shape == () and model[0].bias.item() == 0.35 and model[2].bias.item() == 0.6
    assert not model[0].bias.requires_grad and not model[2].bias.requires_grad
    assert model[0].weight.requires_grad and model[2].weight.requires_grad


def test_name_map_of_the_classic_network_follows_the_example():
    # w1 i1→h1, w2 i2→h1, w3 i1→h2, w4 i2→h2, w5 h1→o1, w6 h2→o1, w7 h1→o2, w8 h2→o2;
    # torch keeps weight[to, from].
    expected = {
        "w1": ("0.weight", (0, 0)), "w2": ("0.weight", (0, 1)), "w3": ("0.weight", (1, 0)),
        "w4": ("0.weight", (1, 1)), "b1": ("0.bias", ()),
        "w5": ("2.weight", (0, 0)), "w6": ("2.weight", (0, 1)), "w7": ("2.weight", (1, 0)),
        "w8": ("2.weight", (1, 1)), "b2": ("2.bias", ()),
    }
    net = classic_network()
    assert name_map(net) == expected
    assert name_map(net, reverse=True) == {place: name for name, place in expected.items()}
    state = to_torch(net).state_dict()
    for name, (key, index) in expected.items():
        assert state[key][index].item() == net[name].data, name


def test_name_map_positions_skip_linear_layers_and_name_per_neuron_biases():
    net = random_net([2, 3, 2, 1], ["relu", "linear", "sigmoid"], "neuron")
    names = name_map(net)
    assert [type(m).__name__ for m in to_torch(net)] == ["Linear", "ReLU", "Linear", "Linear", "Sigmoid"]
    assert names["b_h1_2"] == ("0.bias", (1,))
    assert names["w7"] == ("2.weight", (0, 0)) and names["b_h2_2"] == ("2.bias", (1,))
    assert names["w13"] == ("3.weight", (0, 0)) and names["b_o1"] == ("3.bias", (0,))
    assert len(names) == len(net.parameters()) == sum(p.numel() for p in to_torch(net).parameters())


ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]
BIASES = ["neuron", "layer", None]


@pytest.mark.parametrize("bias", BIASES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_torch_model_computes_what_the_network_computes(activation, bias):
    """Every activation and bias layout: the same outputs and, by the name map, the same gradients
    (a swapped index or a lost shared bias would be off by far more than the rounding allowed)."""
    net = random_net([3, 4, 2], [activation, "sigmoid"], bias, seed=7)
    x, t = [0.3, -0.7, 0.9], [0.2, 0.8]
    E = nn.half_sse(net(x), t)
    E.backward()
    model = to_torch(net)
    out = model(torch.tensor([x], dtype=F64))
    Et = 0.5 * ((torch.tensor([t], dtype=F64) - out) ** 2).sum()
    Et.backward()
    assert Et.item() == pytest.approx(E.data, rel=1e-14)
    params = dict(model.named_parameters())
    for name, (key, index) in name_map(net).items():
        assert params[key].grad[index].item() == pytest.approx(net[name].grad, rel=1e-12, abs=1e-300), name


def test_to_torch_leaves_torchs_random_generator_alone():
    before = torch.random.get_rng_state()
    to_torch(random_net([4, 5, 3], "tanh", "layer"))
    assert torch.equal(torch.random.get_rng_state(), before)


def test_shared_bias_stays_one_number_and_gets_the_sum_of_the_neurons_gradients():
    net = classic_network()
    net.unfreeze("b1", "b2")
    nn.half_sse(net(X), T).backward()
    model = to_torch(net)
    out = model(torch.tensor([X], dtype=F64))
    (0.5 * ((torch.tensor([T], dtype=F64) - out) ** 2).sum()).backward()
    # the bias's gradient is Σ over its layer's neurons of ∂E/∂net, as stepgrad's b2 gets it
    assert model[2].bias.grad.item() == pytest.approx(net["b2"].grad, rel=1e-15)
    assert model[0].bias.grad.item() == pytest.approx(net["b1"].grad, rel=1e-14)
    torch.optim.SGD(model.parameters(), lr=0.5).step()
    assert model[0].bias.shape == () and list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


# --- from_torch and the round trips -----------------------------------------------------------------


@pytest.mark.parametrize("bias", BIASES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_from_torch_of_to_torch_is_the_same_network_bit_for_bit(activation, bias):
    net = random_net([2, 3, 3, 1], [activation, "tanh", activation], bias, seed=3)
    net.freeze(*[name for name, _ in net.named_parameters() if name in {w.label for w in net.layers[1].weights}])
    back = from_torch(to_torch(net))
    assert back.architecture() == net.architecture()
    assert back.state_dict() == net.state_dict()  # exact: the claim is bit for bit
    assert [p.requires_grad for p in back.parameters()] == [p.requires_grad for p in net.parameters()]


def same_state(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return list(sa) == list(sb) and all(torch.equal(sa[k], sb[k]) and sa[k].dtype == sb[k].dtype for k in sa)


@pytest.mark.parametrize("build", [
    lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 2), torch.nn.Sigmoid()),
    lambda: torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)),
    lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)),
    lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False), torch.nn.ReLU(), torch.nn.Linear(3, 1, bias=False)),
    lambda: torch.nn.Sequential(SharedBiasLinear(2, 2), torch.nn.Sigmoid(), SharedBiasLinear(2, 2)),
    lambda: torch.nn.Linear(4, 2),
], ids=["sigmoid", "tanh-linear", "bare-linear-stack", "no-bias-relu", "shared-bias", "one-linear"])
def test_to_torch_of_from_torch_has_the_same_state_dict(build):
    torch.manual_seed(0)
    model = build().double()
    again = to_torch(from_torch(model))
    assert same_state(again if isinstance(model, torch.nn.Sequential) else again[0], model)
    x = torch.rand(5, model.state_dict()[next(iter(model.state_dict()))].shape[-1], dtype=F64)
    assert torch.allclose(again(x), model(x), rtol=1e-15, atol=0)


def test_from_torch_keeps_frozen_tensors_frozen():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1)).double()
    model[0].bias.requires_grad_(False)
    net = from_torch(model)
    assert [n for n, p in net.named_parameters() if not p.requires_grad] == ["b_h1", "b_h2"]
    assert not to_torch(net)[0].bias.requires_grad and to_torch(net)[0].weight.requires_grad


def test_a_torch_model_explained_by_stepgrad():
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 2),
                                torch.nn.Sigmoid()).double()
    x, t = [0.05, 0.10], [0.01, 0.99]
    out = model(torch.tensor([x], dtype=F64))
    (0.5 * ((torch.tensor([t], dtype=F64) - out) ** 2).sum()).backward()
    net = from_torch(model)
    E = nn.half_sse(net(x), t)
    E.backward()
    d = explain(E, net["w5"])
    assert d.value == net["w5"].grad
    assert d.value == pytest.approx(model[2].weight.grad[0, 0].item(), rel=1e-14)
    assert "∂E_total/∂w5" in str(d)


def test_float32_models_convert_exactly_with_a_warning():
    torch.manual_seed(2)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    with pytest.warns(UserWarning, match=r"torch\.float32.*convert to float64 exactly.*model\.double\(\)"):
        net = from_torch(model)
    assert net["w1"].data == float(model[0].weight[0, 0].item())
    assert same_state(to_torch(net), model.double())


# --- refusals -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model, message", [
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(), torch.nn.Linear(3, 1)),
     "from_torch: module 1 is Dropout(p=0.5, inplace=False), which a stepgrad network cannot hold; it takes Linear "
     "layers, each followed by at most one of Sigmoid, Tanh, ReLU, Identity"),
    (torch.nn.Sequential(OrderedDict(fc=torch.nn.Linear(2, 3), norm=torch.nn.BatchNorm1d(3))),
     "from_torch: module 1 ('norm') is BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True"),
    (torch.nn.Sequential(torch.nn.Conv1d(1, 1, 2)), "from_torch: module 0 is Conv1d(1, 1, kernel_size=(2,), "
     "stride=(1,)), which a stepgrad network cannot hold"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)),
     "from_torch: the shapes do not chain: module 1, Linear(in_features=4, out_features=1, bias=True), takes 4 "
     "inputs, but module 0 gives 3"),
    (torch.nn.Sequential(torch.nn.Sigmoid(), torch.nn.Linear(2, 1)),
     "from_torch: module 0 (Sigmoid) comes first; stepgrad takes one activation after each Linear layer"),
    (torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.ReLU(), torch.nn.Sigmoid()),
     "from_torch: module 2 (Sigmoid) follows another activation (module 0's)"),
    (torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1, bias=False)),
     "from_torch: module 1, Linear(in_features=2, out_features=1, bias=False), has no bias, but module 0 has a "
     "bias per neuron; a stepgrad Network uses one bias layout for every layer"),
    (torch.nn.Sequential(), "from_torch: the model has no Linear layer"),
    (torch.nn.Sequential(torch.nn.Linear(2, 2, dtype=torch.complex128)),
     "from_torch: the parameters are torch.complex128; stepgrad needs real floating-point weights"),
    (torch.nn.Bilinear(2, 2, 1), "from_torch: Bilinear is not a torch.nn.Sequential"),
])
def test_from_torch_refuses_what_a_network_cannot_hold_naming_the_module(model, message):
    with pytest.raises(ValueError) as info:
        from_torch(model)
    assert str(info.value).startswith(message)


def test_from_torch_refuses_non_modules_and_names_nan_weights():
    with pytest.raises(TypeError, match="from_torch: expected a torch.nn.Module, got list"):
        from_torch([torch.nn.Linear(2, 1)])
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1)).double()
    with torch.no_grad():
        model[0].weight[1, 0] = float("nan")
        model[2].bias[0] = float("inf")
    with pytest.raises(ValueError) as info:
        from_torch(model)
    assert str(info.value) == ("from_torch: weights must be finite numbers, but module 0's weight[1, 0] (stepgrad's "
                               "w3) is nan; module 2's bias[0] (stepgrad's b_o1) is inf")


def test_from_torch_refuses_large_models_unless_told_otherwise():
    model = torch.nn.Sequential(torch.nn.Linear(100, 100), torch.nn.Tanh(), torch.nn.Linear(100, 1)).double()
    count = 100 * 100 + 100 + 100 + 1
    assert count > MAX_PARAMETERS == 10_000
    with pytest.raises(ValueError, match=r"the model has 10,201 parameters, more than max_parameters=10,000"):
        from_torch(model)
    assert len(from_torch(model, max_parameters=count).parameters()) == count


def test_to_torch_refuses_hardlim_non_finite_and_partly_frozen_tensors():
    with pytest.raises(ValueError, match=r"layer 2 \(o1\) uses threshold \(hardlim\), which has no torch module"):
        to_torch(nn.Network([2, 2, 1], ["sigmoid", "hardlim"]))
    with pytest.raises(ValueError, match="threshold"):
        compare_with_torch(nn.Network([2, 1], "hardlim"), [0.0, 1.0], [1.0])
    net = classic_network()
    net["w6"].data = math.nan
    with pytest.raises(ValueError, match=r"to_torch: parameters must be finite numbers, but w6 = nan"):
        to_torch(net)
    net = classic_network()
    net.freeze("w3")
    with pytest.raises(ValueError) as info:
        to_torch(net)
    assert str(info.value) == (
        "to_torch: layer 1's weight tensor is partly frozen (w3 frozen; w1, w2, w4 trained); "
        "torch freezes whole tensors (requires_grad), so freeze all or none of a layer's weights")
    with pytest.raises(TypeError, match="to_torch: expected an nn.Network, got Neuron"):
        to_torch(nn.Neuron(2))


# --- ulps ------------------------------------------------------------------------------------------------


def test_ulp_distance_counts_floats_between():
    rng = random.Random(4)
    for _ in range(200):
        a = rng.uniform(-1, 1) * 10 ** rng.randint(-300, 300)
        b, steps = a, rng.randint(0, 5)
        for _ in range(steps):
            b = math.nextafter(b, math.inf)
        assert ulp_distance(a, b) == ulp_distance(b, a) == steps
    assert ulp_distance(0.0, -0.0) == 0
    assert ulp_distance(-math.ulp(0.0), math.ulp(0.0)) == 2  # across zero: −tiny, ±0, +tiny
    assert ulp_distance(1.0, 2.0) == 2 ** 52
    assert ulp_distance(math.nan, 1.0) is None


# --- compare_with_torch on the classic network --------------------------------------------------------


def torch_oracle() -> dict[str, float]:
    """torch's classic-network gradients, predicted in Python floats from the formulas the bridge
    names: (w·x + w·x) + b summed left to right, 1/(1 + e^−x), ∂E/∂o = o − t, and the sigmoid
    backward (g·(1 − y))·y."""
    w = CLASSIC_WEIGHTS
    sig = lambda x: 1.0 / (1.0 + math.exp(-x))
    i1, i2 = X
    h1 = sig((w["w1"] * i1 + w["w2"] * i2) + 0.35)
    h2 = sig((w["w3"] * i1 + w["w4"] * i2) + 0.35)
    o1 = sig((w["w5"] * h1 + w["w6"] * h2) + 0.60)
    o2 = sig((w["w7"] * h1 + w["w8"] * h2) + 0.60)
    d1 = ((o1 - T[0]) * (1 - o1)) * o1
    d2 = ((o2 - T[1]) * (1 - o2)) * o2
    g1 = d1 * w["w5"] + d2 * w["w7"]
    g2 = d1 * w["w6"] + d2 * w["w8"]
    e1 = (g1 * (1 - h1)) * h1
    e2 = (g2 * (1 - h2)) * h2
    return {"w1": e1 * i1, "w2": e1 * i2, "w3": e2 * i1, "w4": e2 * i2,
            "w5": d1 * h1, "w6": d1 * h2, "w7": d2 * h1, "w8": d2 * h2}


def test_classic_comparison_shows_torchs_bits_and_says_why_they_differ():
    net = classic_network()
    c = compare_with_torch(net, X, T)
    E = nn.half_sse(net(X), T)
    E.backward()
    oracle = torch_oracle()
    for name in CLASSIC_WEIGHTS:
        row = c[name]
        assert row.grad == net[name].grad  # stepgrad's own gradient, bit for bit
        assert row.torch_grad == oracle[name], name  # torch's, as the named roundings predict
        assert row.grad_ulps == ulp_distance(row.grad, row.torch_grad)
    assert printed(c["w5"].grad, "0.082167041") and printed(c["w5"].torch_grad, "0.082167041")
    assert c.error == c.torch_error == E.data
    assert not c.agree and c.max_ulps == max(c[name].grad_ulps for name in CLASSIC_WEIGHTS)
    assert c["b1"].frozen and c["b1"].torch_grad is None and c["b1"].torch_name == "0.bias"
    steps = [line.split(":")[0] for line in c.roundings]
    # The hidden units' slopes (net 0.38, 0.39) are out(1 − out), which torch's rounds alike; the
    # output units' (net 1.11, 1.22) come from σ(−net), and their sums are rounded once (fsum).
    assert steps == ["layer 2 (o1, o2), linear forward", "layer 2 (o1, o2), sigmoid backward"]
    assert WHY["sigmoid backward"] in c.roundings[1]


def test_both_engines_are_within_a_few_ulps_of_the_true_gradient():
    """The oracle: SymPy differentiates the classic network's E_total exactly and evaluates it at
    40 digits from the same float inputs. Neither engine is exact; both are close."""
    net = classic_network()
    E = nn.half_sse(net(X), T)
    expr, env = to_sympy(E)
    symbols = {str(s): s for s in env}
    c = compare_with_torch(net, X, T)
    for name in CLASSIC_WEIGHTS:
        truth = float(expr.diff(symbols[name]).evalf(40, subs=env))
        assert ulp_distance(c[name].grad, truth) <= 8, name
        assert ulp_distance(c[name].torch_grad, truth) <= 8, name


def test_classic_comparison_with_updates_reaches_the_published_weights():
    c = compare_with_torch(classic_network(), X, T, lr=0.5)
    published = {"w5": "0.35891648", "w6": "0.408666186", "w1": "0.149780716", "w4": "0.29950229"}
    for name, text in published.items():
        assert printed(c[name].after, text) and printed(c[name].torch_after, text), name
    # lr = 0.5 is a power of two: w − η·g then rounds once, and the gradients' last bits vanish
    # into w's larger ulp; every updated weight is the same float.
    for row in c.rows:
        assert row.after_ulps == 0, row
        if not row.frozen:
            assert row.after == CLASSIC_WEIGHTS[row.name] - 0.5 * row.grad
            assert row.torch_after == CLASSIC_WEIGHTS[row.name] - 0.5 * row.torch_grad
    assert c["b2"].after == c["b2"].torch_after == 0.6


def test_compare_does_not_change_the_network():
    net = classic_network()
    net["w5"].grad = 123.0
    before = net.state_dict()
    compare_with_torch(net, X, T, lr=0.5, steps=3)
    assert net.state_dict() == before and net["w5"].grad == 123.0 and not net["b1"].requires_grad


# --- online and batch ---------------------------------------------------------------------------------

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_T = [[0.0], [1.0], [1.0], [0.0]]


def test_batch_mode_takes_one_step_with_the_summed_gradient():
    net = random_net([2, 3, 1], "tanh", "neuron", seed=5)
    c = compare_with_torch(net, XOR_X, XOR_T, lr=0.3, mode="batch")
    for row in c.rows:
        start = net[row.name].data
        assert row.after == start - 0.3 * row.grad
        assert row.torch_after == start - 0.3 * row.torch_grad
    # the gradient column is the sum of the per-sample gradients, accumulated in sample order
    total = {name: 0.0 for name, _ in net.named_parameters()}
    for x, t in zip(XOR_X, XOR_T):
        copy = from_torch(to_torch(net))
        nn.half_sse(copy(x), t).backward()
        for name, p in copy.named_parameters():
            total[name] += p.grad
    assert {r.name: r.grad for r in c.rows} == total


def test_online_mode_is_stepgrads_online_training_and_torch_does_the_same_updates():
    net = random_net([2, 3, 1], "sigmoid", "layer", seed=6)
    c = compare_with_torch(net, XOR_X, XOR_T, lr=0.7, steps=3, mode="online")
    trained = from_torch(to_torch(net))
    nn.train(trained, XOR_X, XOR_T, lr=0.7, mode="online", epochs=3, progress=False)
    assert {r.name: r.after for r in c.rows} == trained.state_dict()
    model = to_torch(net)
    for _ in range(3):
        for x, t in zip(XOR_X, XOR_T):
            model.zero_grad()
            out = model(torch.tensor([x], dtype=F64))
            (0.5 * ((torch.tensor([t], dtype=F64) - out) ** 2).sum()).backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= 0.7 * p.grad
    state = model.state_dict()
    for row in c.rows:
        key, index = name_map(net)[row.name]
        assert row.torch_after == state[key][index].item(), row.name
    batch = compare_with_torch(net, XOR_X, XOR_T, lr=0.7, steps=3, mode="batch")
    assert batch["w1"].after != c["w1"].after


def test_exact_arithmetic_agrees_everywhere():
    """Small dyadic numbers make every product and sum exact in both engines: nothing may differ."""
    net = nn.Network([2, 2, 1], ["relu", "linear"], bias="neuron", init=None)
    net.load_state_dict({"w1": 0.5, "w2": -0.25, "b_h1": 0.125, "w3": 0.75, "w4": 0.5, "b_h2": -0.5,
                         "w5": 1.5, "w6": -0.75, "b_o1": 0.25})
    c = compare_with_torch(net, [[1.0, 0.5], [0.25, 2.0]], [[0.5], [-1.0]], loss="sse", lr=0.125, steps=2,
                           mode="batch")
    assert c.agree and c.roundings == ()
    assert "All 9 gradients agree bit for bit; every updated value agrees." in str(c)
    assert "Every step gives the same bits in both engines" in str(c)


@pytest.mark.parametrize("loss", ["half_sse", "sse", "mse", "bce"])
def test_every_loss_compares_within_a_few_ulps(loss):
    # sigmoid outputs keep bce's logarithms finite
    net = nn.Network([3, 4, 2], ["tanh", "sigmoid"], init="uniform", seed=9)
    c = compare_with_torch(net, [[0.2, -0.4, 0.9], [0.5, 0.1, -0.3]], [[0.0, 1.0], [1.0, 0.0]], loss=loss)
    assert c.max_ulps <= 64, str(c)
    assert ulp_distance(c.error, c.torch_error) <= 4
    if not c.agree:
        assert c.roundings, "a difference in the table with no step named as its source"


def test_every_difference_in_the_table_has_a_step_named_as_its_source():
    """On random networks, losses and data: whenever a gradient differs, the step-by-step re-run
    found at least one step that rounds differently; and every step it names has a reason."""
    rng = random.Random(11)
    differed = 0
    for trial in range(40):
        sizes = [rng.randint(1, 4) for _ in range(rng.randint(2, 4))]
        acts = [rng.choice(ACTIVATIONS) for _ in sizes[1:]]
        loss = rng.choice(["half_sse", "sse", "mse", "bce"])
        if loss == "bce":
            acts[-1] = "sigmoid"
        net = nn.Network(sizes, acts, bias=rng.choice(BIASES), seed=trial)
        xs = [[rng.uniform(-1, 1) for _ in range(sizes[0])] for _ in range(rng.randint(1, 3))]
        ts = [[rng.uniform(0.05, 0.95) for _ in range(sizes[-1])] for _ in xs]
        c = compare_with_torch(net, xs, ts, loss=loss)
        if c.max_ulps:
            differed += 1
            assert c.roundings, str(c)
        for line in c.roundings:
            assert " — " in line, line  # a reason follows every named step
    assert differed > 10  # the test saw differences to explain


# --- the reasons the notes give, checked against this torch ---------------------------------------------


def rows(n: int, seed: int, low: float, high: float) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(low, high) for _ in range(n)]


def stepgrad_delta(activation: str, g: float, x: float) -> float:
    """∂E/∂x as stepgrad's engine gives it, for upstream gradient g through one activation."""
    v = Value(x)
    getattr(v, activation)().backward(g)
    return v.grad


def test_why_sigmoid_backward():
    g, x = rows(2000, 1, -2, 2), rows(2000, 2, -8, 8)
    y = [1 / (1 + math.exp(-xi)) for xi in x]
    got = torch.ops.aten.sigmoid_backward(torch.tensor([g], dtype=F64), torch.tensor([y], dtype=F64))[0].tolist()
    assert got == [(gi * (1 - yi)) * yi for gi, yi in zip(g, y)]
    # stepgrad: the local derivative y(1 − y) first, 1 − y taken as σ(−x) for x > 1, then times g
    local = OPS["sigmoid"].partials[0].fn
    sigmoid = OPS["sigmoid"].forward
    for gi, xi in zip(g, x):
        yi = sigmoid(xi)
        assert local(yi, xi) == (yi * sigmoid(-xi) if xi > 1 else yi * (1 - yi))
        assert stepgrad_delta("sigmoid", gi, xi) == gi * local(yi, xi)
    assert "(g·(1 − y))·y" in WHY["sigmoid backward"] and "σ(−x) when x > 1" in WHY["sigmoid backward"]


def test_why_tanh_backward():
    g, x = rows(2000, 3, -2, 2), rows(2000, 4, -3, 3)
    y = [math.tanh(xi) for xi in x]
    got = torch.ops.aten.tanh_backward(torch.tensor([g], dtype=F64), torch.tensor([y], dtype=F64))[0].tolist()
    assert got == [gi * fma(-yi, yi, 1.0) for gi, yi in zip(g, y)]
    local = OPS["tanh"].partials[0].fn
    for gi, xi, yi in zip(g, x, y):
        if abs(xi) < 0.55:
            assert local(yi, xi) == 1.0 - yi * yi  # y² rounded first
        assert stepgrad_delta("tanh", gi, xi) == gi * local(yi, xi)


def test_why_bce_backward():
    o, t = rows(2000, 5, 0.01, 0.99), rows(2000, 6, 0, 1)
    ot = torch.tensor([o], dtype=F64, requires_grad=True)
    E = torch.nn.functional.binary_cross_entropy(ot, torch.tensor([t], dtype=F64), reduction="sum")
    (got,) = torch.autograd.grad(E, ot)
    assert got[0].tolist() == [(oi - ti) / ((1 - oi) * oi) for oi, ti in zip(o, t)]


def test_why_linear_forward_with_two_inputs():
    rng = random.Random(7)
    differ = 0
    for _ in range(500):
        w, x, b = [rng.uniform(-1, 1) for _ in range(2)], [rng.uniform(0, 1) for _ in range(2)], rng.uniform(-1, 1)
        layer = torch.nn.Linear(2, 1, dtype=F64)
        with torch.no_grad():
            layer.weight[0] = torch.tensor(w, dtype=F64)
            layer.bias[0] = b
        got = layer(torch.tensor([x], dtype=F64)).item()
        assert got == (w[0] * x[0] + w[1] * x[1]) + b  # rounded at each addition
        differ += got != math.fsum([w[0] * x[0], w[1] * x[1], b])  # stepgrad: the exact sum, rounded once
    assert differ > 0


@pytest.mark.parametrize("name, ours, exact", [
    ("sigmoid", lambda x: nn.get_activation("sigmoid")(nn.layers.Value(x)).data,
     lambda x: 1 / (1 + mpmath.exp(-x))),
    ("tanh", math.tanh, mpmath.tanh),
])
def test_why_activation_forward_both_within_two_ulps(name, ours, exact):
    xs = rows(2000, 8, -10, 10)
    theirs = getattr(torch, name)(torch.tensor([xs], dtype=F64))[0].tolist()
    with mpmath.workprec(200):
        truth = [float(exact(mpmath.mpf(x))) for x in xs]
    for x, a, b, e in zip(xs, theirs, [ours(x) for x in xs], truth):
        assert ulp_distance(a, e) <= 2 and ulp_distance(b, e) <= 2, x
    assert "within 2 ulps" in WHY[f"{name} forward"]


def test_why_torch_optim_sgd_is_not_used():
    """compare_with_torch's docstring: torch.optim.SGD rounds w + (−η)·g once (a fused multiply-add)."""
    w, g = rows(5000, 9, -1, 1), rows(5000, 10, -1, 1)
    p = torch.tensor(w, dtype=F64, requires_grad=True)
    p.grad = torch.tensor(g, dtype=F64)
    torch.optim.SGD([p], lr=0.1).step()
    got = p.detach().tolist()
    assert got == [fma(-0.1, gi, wi) for wi, gi in zip(w, g)]
    assert got != [wi - 0.1 * gi for wi, gi in zip(w, g)]


# --- display and bad arguments -----------------------------------------------------------------------


def test_the_table_as_text_and_html():
    c = compare_with_torch(classic_network(), X, T, lr=0.5, steps=2, mode="batch")
    text = str(c)
    assert text.startswith(f"stepgrad vs PyTorch {torch.__version__} (float64): half_sse on 1 sample, then 2 batch "
                           "SGD passes at lr = 0.5\nE = 0.2983711087600027 (stepgrad), 0.2983711087600027 (torch): "
                           "0 ulps apart\n")
    header = [line for line in text.splitlines() if line.startswith("name ")][0]
    assert header.split() == ["name", "torch", "stepgrad", "∂E/∂w", "torch", "∂E/∂w", "ulps", "stepgrad", "w",
                              "after", "2", "torch", "w", "after", "2", "ulps"]
    w5 = [line for line in text.splitlines() if line.startswith("w5 ")][0].split()
    assert w5[:5] == ["w5", "2.weight[0,", "0]", repr(c["w5"].grad), repr(c["w5"].torch_grad)]
    assert w5[5] == str(c["w5"].grad_ulps)
    b1 = [line for line in text.splitlines() if line.startswith("b1 ")][0].split()
    assert b1[2:] == ["frozen", "frozen", "0.35", "0.35", "0"]
    differ = sum(c[name].grad_ulps != 0 for name in CLASSIC_WEIGHTS)
    most = max(c[name].grad_ulps for name in CLASSIC_WEIGHTS)
    assert f"{differ} of 8 gradients differ, by up to {most} ulps; every updated value agrees." in text
    page = c._repr_html_()
    assert page.count("<tr>") == 1 + 10
    assert '<td>w5</td><td style="font-family: monospace">2.weight[0, 0]</td>' in page
    assert page.count("<li>") == len(c.roundings) == 2 and "(g·(1 − y))·y" in page


def test_compare_refuses_bad_arguments_clearly():
    net = classic_network()
    with pytest.raises(ValueError, match="loss must be one of half_sse, sse, mse, bce, got 'huber'"):
        compare_with_torch(net, X, T, loss="huber")
    with pytest.raises(ValueError, match="mode must be 'online' or 'batch', got 'minibatch'"):
        compare_with_torch(net, X, T, lr=0.5, mode="minibatch")
    with pytest.raises(ValueError, match="steps=3 needs a learning rate lr"):
        compare_with_torch(net, X, T, steps=3)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        compare_with_torch(net, X, T, lr=0.5, steps=0)
    with pytest.raises(ValueError, match="SGD: the learning rate lr must be a finite number > 0, got -1"):
        compare_with_torch(net, X, T, lr=-1)
    with pytest.raises(ValueError, match=r"comparison inputs, sample 1: expected 2 values \(i1, i2\), got 3"):
        compare_with_torch(net, [[0.1, 0.2, 0.3]], [T])
    net.freeze()
    with pytest.raises(ValueError, match="every parameter is frozen"):
        compare_with_torch(net, X, T)
