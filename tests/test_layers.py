"""Neuron, Layer, Network: names, parameter order, biases, freezing, state, JSON files."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import nn
from autograd import Value, topological_order
from nn.examples import CLASSIC_INPUTS, CLASSIC_WEIGHTS, classic_network

ROOT = Path(__file__).resolve().parent.parent


def names(module: nn.Module) -> list[str]:
    return [n for n, _ in module.named_parameters()]


def test_classic_names_and_order() -> None:
    net = classic_network()
    assert names(net) == ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2"]
    assert [p.label for p in net.parameters()] == names(net)
    # w1 i1→h1, w2 i2→h1, w3 i1→h2, w4 i2→h2, w5 h1→o1, w6 h2→o1, w7 h1→o2, w8 h2→o2
    out_o1, out_o2 = net(CLASSIC_INPUTS)
    net_o1 = out_o1.parents[0]
    assert net_o1.label == "net_o1"
    products = [p for p in net_o1.parents if p.op is not None]
    assert [(p.parents[0].label, p.parents[1].label) for p in products] == [("w5", "out_h1"), ("w6", "out_h2")]
    net_h2 = next(v for v in topological_order(out_o2) if v.label == "net_h2")
    assert [(p.parents[0].label, p.parents[1].label) for p in net_h2.parents[:2]] == [("w3", "i1"), ("w4", "i2")]
    assert net_h2.parents[2].label == "b1"
    for name, w in CLASSIC_WEIGHTS.items():
        assert net[name].data == w


def test_neuron_forward_is_one_add_n_over_products() -> None:
    net = nn.Network([3, 1], activation="sigmoid", seed=1)
    out = net([1.0, 2.0, 3.0])[0]
    s = out.parents[0]
    assert s.op.name == "add_n" and len(s.parents) == 4
    assert [p.op.name for p in s.parents[:3]] == ["mul"] * 3
    expected = math.fsum(net[f"w{k}"].data * x for k, x in zip((1, 2, 3), (1.0, 2.0, 3.0))) + net["b_o1"].data
    assert s.data == expected
    assert out.data == pytest.approx(1 / (1 + math.exp(-expected)), rel=1e-15)


def test_deeper_network_names_are_unambiguous() -> None:
    net = nn.Network([2, 3, 2, 1], seed=0)
    neurons = [n.name for layer in net.layers for n in layer.neurons]
    assert neurons == ["h1_1", "h1_2", "h1_3", "h2_1", "h2_2", "o1"]
    assert names(net) == [
        "w1", "w2", "b_h1_1", "w3", "w4", "b_h1_2", "w5", "w6", "b_h1_3",
        "w7", "w8", "w9", "b_h2_1", "w10", "w11", "w12", "b_h2_2",
        "w13", "w14", "b_o1",
    ]
    assert len(set(names(net))) == len(names(net))
    labels = {v.label for v in topological_order(net([0.1, 0.2])[0]) if v.label}
    assert {"net_h1_3", "out_h2_2", "net_o1", "out_o1", "i1", "i2"} <= labels


def test_one_hidden_layer_and_no_hidden_layer_names() -> None:
    assert [n.name for layer in nn.Network([2, 4, 3]).layers for n in layer.neurons] == \
        ["h1", "h2", "h3", "h4", "o1", "o2", "o3"]
    assert names(nn.Network([2, 1])) == ["w1", "w2", "b_o1"]


def test_bias_modes() -> None:
    shared = nn.Network([2, 2, 1], bias="layer", seed=0)
    assert names(shared) == ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "b2"]
    h1, h2 = shared.layers[0].neurons
    assert h1.bias is h2.bias is shared["b1"]
    none = nn.Network([2, 2, 1], bias=None, seed=0)
    assert names(none) == ["w1", "w2", "w3", "w4", "w5", "w6"]
    assert len(none([1.0, 1.0])[0].parents[0].parents) == 2  # no bias term in the sum
    with pytest.raises(ValueError, match="bias must be 'neuron', 'layer' or None"):
        nn.Network([2, 1], bias="shared")


def test_shared_bias_gets_the_sum_of_its_neurons_gradients() -> None:
    net = classic_network()
    net.unfreeze("b1")
    E = nn.half_sse(net(CLASSIC_INPUTS), (0.01, 0.99))
    E.backward()
    # dE/db1 = δ_h1 + δ_h2, and dE/dw1 = δ_h1·i1, dE/dw3 = δ_h2·i1
    i1 = CLASSIC_INPUTS[0]
    assert net["b1"].grad == pytest.approx(net["w1"].grad / i1 + net["w3"].grad / i1, rel=1e-12)


def test_call_on_values_keeps_them_and_records_the_graph() -> None:
    net = classic_network()
    x1, x2 = Value(0.05, "x1", requires_grad=True), Value(0.10, "x2", requires_grad=True)
    out = net([x1, x2])
    nn.half_sse(out, (0.01, 0.99)).backward()
    assert x1.grad != 0.0 and x2.grad != 0.0
    assert [o.data for o in out] == [o.data for o in net(CLASSIC_INPUTS)]


def test_getitem_zero_grad_freeze() -> None:
    net = classic_network()
    with pytest.raises(KeyError, match="no parameter named 'w9'.*w1, w2"):
        net["w9"]
    nn.half_sse(net(CLASSIC_INPUTS), (0.01, 0.99)).backward()
    assert net["w5"].grad != 0.0 and net["b1"].grad == 0.0
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())
    net.freeze("w5")
    nn.SGD(net.parameters(), 0.5).step()
    net.freeze()
    assert not any(p.requires_grad for p in net.parameters())
    with pytest.raises(RuntimeError, match="does not depend on any Value that needs a gradient"):
        nn.half_sse(net(CLASSIC_INPUTS), (0.01, 0.99)).backward()


def test_frozen_parameter_is_not_updated() -> None:
    net = classic_network()
    net.freeze("w5")
    opt = nn.SGD(net.parameters(), 0.5)
    nn.half_sse(net(CLASSIC_INPUTS), (0.01, 0.99)).backward()
    opt.step()
    assert net["w5"].data == 0.40 and net["w6"].data != 0.45


def test_state_dict_round_trip() -> None:
    a = nn.Network([2, 3, 2], seed=1)
    b = nn.Network([2, 3, 2], seed=2)
    assert a.state_dict() != b.state_dict()
    b.load_state_dict(a.state_dict())
    assert a.state_dict() == b.state_dict()
    assert list(a.state_dict()) == names(a)


def test_save_load_exact_floats(tmp_path) -> None:
    net = nn.Network([2, 2, 1], seed=3)
    awkward = [0.1 + 0.2, 1e-310, -2.5e300, 1 / 3, math.nextafter(1.0, 2.0), -0.0, 5e-324, 123456789.123456789, 0.0]
    net.load_state_dict(dict(zip(net.state_dict(), awkward)))
    path = tmp_path / "net.json"
    net.save(path)
    other = nn.Network([2, 2, 1], seed=4)
    other.load(path)
    for (name, x), y in zip(other.state_dict().items(), awkward):
        assert x == y and math.copysign(1, x) == math.copysign(1, y), name
    document = json.loads(path.read_text())
    assert document["format"] == "stepgrad.parameters"
    assert list(document["parameters"]) == names(net)


def test_load_refuses_another_architecture_and_changes_nothing(tmp_path) -> None:
    path = tmp_path / "wide.json"
    nn.Network([2, 3, 1], seed=0).save(path)
    net = nn.Network([2, 2, 1], seed=5)
    before = net.state_dict()
    with pytest.raises(ValueError, match=r"wide\.json: saved for architecture .*\[2, 3, 1\].*\[2, 2, 1\]"):
        net.load(path)
    assert net.state_dict() == before
    tanh = nn.Network([2, 2, 1], activation="tanh", seed=0)
    with pytest.raises(ValueError, match="tanh"):
        tanh.load(path)


def test_aliases_give_the_same_architecture(tmp_path) -> None:
    path = tmp_path / "logsig.json"
    nn.Network([2, 2, 1], activation="logsig", seed=0).save(path)
    net = nn.Network([2, 2, 1], activation="sigmoid", seed=1)
    net.load(path)
    assert net.state_dict() == nn.Network([2, 2, 1], activation="logsig", seed=0).state_dict()


def test_load_refuses_wrong_names_or_values_and_changes_nothing(tmp_path) -> None:
    net = nn.Network([2, 2, 1], seed=6)
    before = net.state_dict()
    path = tmp_path / "edited.json"
    net.save(path)
    document = json.loads(path.read_text())
    document["parameters"]["w99"] = document["parameters"].pop("w6")
    document["parameters"]["w1"] = "0.5"
    path.write_text(json.dumps(document))
    net["w1"].data = 7.0
    with pytest.raises(ValueError) as info:
        net.load(path)
    message = str(info.value)
    assert "edited.json" in message and "missing w6" in message and "unexpected w99" in message
    assert "w1 is '0.5', not a finite number" in message
    assert net["w1"].data == 7.0 and net["w2"].data == before["w2"]


def test_load_refuses_other_files(tmp_path) -> None:
    net = nn.Network([2, 1], seed=0)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "stepgrad.parameters",\n "version": 1,\n oops}')
    with pytest.raises(ValueError, match=r"bad\.json:3: not a stepgrad parameters file \(invalid JSON"):
        net.load(bad)
    bad.write_text('{"w1": 1.0}')
    with pytest.raises(ValueError, match="not a stepgrad parameters file"):
        net.load(bad)


def test_save_refuses_non_finite(tmp_path) -> None:
    net = nn.Network([2, 1], seed=0)
    net["w2"].data = math.nan
    with pytest.raises(ValueError, match="parameters w2 are not finite"):
        net.save(tmp_path / "nan.json")
    assert not (tmp_path / "nan.json").exists()


def test_wrong_number_of_inputs_and_bad_inputs() -> None:
    net = classic_network()
    with pytest.raises(ValueError, match=r"Network expects 2 inputs \(i1, i2\), got 3"):
        net([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="Network: input i2 is NaN"):
        net([0.1, math.nan])
    with pytest.raises(TypeError, match="input i1 is str"):
        net(["0.1", 0.2])
    with pytest.raises(ValueError, match="neuron h1 expects 2 inputs, got 1"):
        net.layers[0].neurons[0]([1.0])


def test_bad_construction() -> None:
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        nn.Network([2, 1], activation="softmax")
    with pytest.raises(ValueError, match="2 layers of weights but 1 activations"):
        nn.Network([2, 2, 1], activation=["sigmoid"])
    with pytest.raises(ValueError, match="sizes must be two or more positive integers"):
        nn.Network([2])
    with pytest.raises(ValueError, match="unknown init 'zeros'"):
        nn.Network([2, 1], init="zeros")


# --- saving is all or nothing; loading refuses every malformed file with one ValueError --------


class _InterruptedDict(dict):
    """A dict whose JSON encoding is interrupted after its first entry, as by Ctrl-C mid-save."""

    def items(self):
        yield from list(super().items())[:1]
        raise KeyboardInterrupt


class _SaveInterrupted(nn.Network):
    def architecture(self):
        return _InterruptedDict(super().architecture())


def test_interrupted_save_leaves_the_old_file_whole(tmp_path) -> None:
    path = tmp_path / "net.json"
    nn.Network([2, 2, 1], seed=0).save(path)
    before = path.read_text()
    with pytest.raises(KeyboardInterrupt):
        _SaveInterrupted([2, 2, 1], seed=1).save(path)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]  # no temporary file left behind


def test_failed_write_leaves_the_old_file_whole(tmp_path) -> None:
    from nn.module import write_atomically

    path = tmp_path / "notes.txt"
    path.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate cannot be written as UTF-8
        write_atomically(path, "x" * 100_000 + "\ud800")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_save_keeps_the_file_permissions_and_a_new_file_follows_the_umask(tmp_path) -> None:
    path = tmp_path / "net.json"
    path.write_text("{}")
    path.chmod(0o640)
    nn.Network([2, 1], seed=0).save(path)
    assert path.stat().st_mode & 0o777 == 0o640
    old = os.umask(0o027)
    try:
        nn.Network([2, 1], seed=0).save(tmp_path / "new.json")
    finally:
        os.umask(old)
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o640  # 0o666 less the umask, as open() makes it


def test_save_writes_through_a_symbolic_link(tmp_path) -> None:
    (tmp_path / "models").mkdir()
    real = tmp_path / "models" / "net.json"
    real.write_text("{}")
    link = tmp_path / "current.json"
    link.symlink_to(real)
    nn.Network([2, 1], seed=3).save(link)
    assert link.is_symlink() and link.resolve() == real
    net = nn.Network([2, 1], seed=0)
    net.load(real)
    assert net.state_dict() == nn.Network([2, 1], seed=3).state_dict()
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["net.json"]


def test_save_refuses_a_read_only_file() -> None:
    # Replacing the file by a rename would not need its write permission: save still asks for it,
    # as writing in place did. Root may write anything, so as root the child process saves as nobody.
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o777)
        path = folder / "net.json"
        path.write_text("{}")
        path.chmod(0o444)
        code = ("import os, sys, nn\nif os.geteuid() == 0:\n    os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
                "try:\n    nn.Network([2, 1]).save(sys.argv[1])\nexcept PermissionError as e:\n    print(e)\n")
        done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert "Permission denied" in done.stdout and "net.json" in done.stdout, (done.stdout, done.stderr)
        assert path.read_text() == "{}"
        assert sorted(p.name for p in folder.iterdir()) == ["net.json"]
    finally:
        shutil.rmtree(folder)


def _classic_file(tmp_path, text: str):
    path = tmp_path / "net.json"
    path.write_text(text, encoding="utf-8")
    return path


def _saved(**change) -> str:
    document = {"format": "stepgrad.parameters", "version": 1,
                "architecture": {"module": "Network", "sizes": [2, 1], "activations": ["sigmoid"], "bias": "neuron"},
                "parameters": {"w1": 0.5, "w2": -0.5, "b_o1": 0.0}}
    document.update(change)
    return json.dumps(document)


HOSTILE_PARAMETER_FILES = {
    "deeply nested": "[" * 100_000 + "]" * 100_000,
    "nested in a field": _saved(parameters={"w1": 0.5, "w2": -0.5, "b_o1": "X"}).replace('"X"', "[" * 50_000 + "]"
                                                                                                  * 50_000),
    "400-digit integer": _saved(parameters={"w1": 10 ** 400, "w2": -0.5, "b_o1": 0.0}),
    "5000-digit integer": _saved().replace('"w1": 0.5', '"w1": ' + "9" * 5000),
    "huge version": _saved(version=10 ** 400),
    "parameters a list": _saved(parameters=[0.5, -0.5, 0.0]),
    "architecture a number": _saved(architecture=5),
    "a parameter a list": _saved(parameters={"w1": [0.5], "w2": -0.5, "b_o1": 0.0}),
    "a name 100,000 long": _saved(parameters={"w1": 0.5, "w2": -0.5, "b_o1": 0.0, "x" * 100_000: 1}),
    "100,000 names": _saved(parameters={f"w{k}": 0.0 for k in range(1, 100_001)}),
    "NaN": _saved().replace('"w1": 0.5', '"w1": NaN'),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_PARAMETER_FILES))
def test_load_refuses_malformed_files_with_one_short_value_error(tmp_path, name) -> None:
    path = _classic_file(tmp_path, HOSTILE_PARAMETER_FILES[name])
    net = nn.Network([2, 1], activation="sigmoid", seed=0)
    before = net.state_dict()
    with pytest.raises(ValueError) as info:
        net.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}") and "\n" not in message and len(message) < 400, message
    assert net.state_dict() == before


def test_load_reads_a_file_with_a_byte_order_mark(tmp_path) -> None:
    path = _classic_file(tmp_path, "\ufeff" + _saved())
    net = nn.Network([2, 1], activation="sigmoid", seed=0)
    net.load(path)
    assert net.state_dict() == {"w1": 0.5, "w2": -0.5, "b_o1": 0.0}


def test_load_refuses_a_file_that_is_not_utf8_naming_it(tmp_path) -> None:
    path = tmp_path / "net.json"
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(ValueError, match=r"net\.json: not a stepgrad parameters file \(not UTF-8 text: byte 12\)"):
        nn.Network([2, 1]).load(path)


def test_load_of_an_endless_file_stops() -> None:
    # In a child limited to 2 GiB of memory: without a bound, reading never ends (until memory does).
    code = ("import resource\nresource.setrlimit(resource.RLIMIT_AS, (2 ** 31, 2 ** 31))\nimport nn\n"
            "try:\n    nn.Network([2, 1]).load('/dev/zero')\nexcept ValueError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.startswith("/dev/zero: larger than"), done.stdout + done.stderr
