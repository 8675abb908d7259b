"""``stepgrad train`` and ``stepgrad predict``: the seed's MATLAB recipe, and every user mistake.

The commands run in-process through ``main([...])``; predictions are checked against an
independent computation: the saved weights, run through a network built here, with the min-max
formulas written out by hand.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from nn.cli import main
from nn.layers import Network

DATA = Path(__file__).resolve().parent.parent / "data"
SINE_TRAIN, SINE_CHECK = DATA / "sine-train.txt", DATA / "sine-check.txt"
IRIS_TRAIN, IRIS_CHECK = DATA / "iris-train.txt", DATA / "iris-check.txt"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows(path: Path) -> list[list[float]]:
    """The numbers of a data file, read here without nn.data (comments and the header skipped)."""
    result = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line[0].isalpha():
            result.append([float(x) for x in line.replace(",", " ").split()])
    return result


def by_hand(model: dict, x: list[float]) -> list[float]:
    """What the saved model predicts for x in original units, computed without nn.data or nn.cli."""
    arch = model["architecture"]
    net = Network(arch["sizes"], arch["activations"], bias=arch["bias"], init=None)
    net.load_state_dict(model["parameters"])
    lo, hi = model["scaling"]["inputs"]["minimum"], model["scaling"]["inputs"]["maximum"]
    scaled = [2 * (xi - a) / (b - a) - 1 for xi, a, b in zip(x, lo, hi)]
    lo, hi = model["scaling"]["targets"]["minimum"], model["scaling"]["targets"]["maximum"]
    return [(y.data + 1) * (b - a) / 2 + a for y, a, b in zip(net(scaled), lo, hi)]


def test_train_then_predict_in_original_units(tmp_path, capsys):
    model_path = tmp_path / "sine.json"
    code, report, err = run(capsys, "train", SINE_TRAIN, "--check", SINE_CHECK, "--hidden", "5", "--epochs", "40",
                            "--lr", "0.05", "--seed", "3", "--save", model_path)
    assert (code, err) == (0, "")
    lines = report.splitlines()
    assert lines[0] == ("network 1-5-1 (tansig, purelin), online training, lr 0.05, 21 training samples, "
                        "20 check samples")
    assert lines[1] == "stopped after 40 epochs: ran out of epochs"
    assert lines[-1] == f"saved {model_path}"
    model = json.loads(model_path.read_text())
    assert model["format"] == "stepgrad.model" and model["columns"] == ["p", "t"]
    # The scaling was fitted on the training data only: p in [-2, 2], t in [0, 2].
    assert model["scaling"]["inputs"] == {"minimum": [-2.0], "maximum": [2.0]}
    assert model["scaling"]["targets"] == {"minimum": [0.0], "maximum": [2.0]}

    code, out, err = run(capsys, "predict", model_path, SINE_CHECK)
    assert (code, err) == (0, "")
    printed = out.splitlines()
    assert printed[0] == "t"
    check = rows(SINE_CHECK)
    predicted = [float(line) for line in printed[1:-1]]
    assert len(predicted) == 20
    for (p, _), y in zip(check, predicted):
        assert y == pytest.approx(by_hand(model, [p])[0], rel=1e-8, abs=1e-12)  # printed with 9 digits
    # The closing comment: rms error against the targets that DATA also holds.
    rms = math.sqrt(sum((y - t) ** 2 for (_, t), y in zip(check, predicted)) / 20)
    match = re.fullmatch(r"# rms error against the targets in .*sine-check\.txt: (\S+)", printed[-1])
    assert match and float(match.group(1)) == pytest.approx(rms, rel=1e-5)
    # ... and the training report's check figure is the same rms (same model, same data).
    figures = re.search(r"rms error in the targets' units: train (\S+), check (\S+)", report)
    assert figures and float(figures.group(2)) == pytest.approx(rms, rel=1e-5)


def test_training_learns_the_sine(tmp_path, capsys):
    code, out, _ = run(capsys, "train", SINE_TRAIN, "--check", SINE_CHECK, "--epochs", "150", "--lr", "0.05",
                       "--save", tmp_path / "m.json")
    assert code == 0
    train_error, check_error = map(float, re.search(r"error \(mse on scaled targets\): train (\S+), check (\S+)",
                                                    out).groups())
    assert train_error < 2e-3 and check_error < 2e-3  # 1 + sin(πp/4) is smooth: 5 tanh units fit it


def test_predict_inputs_only_file(tmp_path, capsys):
    model_path = tmp_path / "m.json"
    assert run(capsys, "train", SINE_TRAIN, "--epochs", "5", "--save", model_path)[0] == 0
    data = tmp_path / "points.txt"
    data.write_text("# p only\n-2\n0.5\n3\n")
    code, out, err = run(capsys, "predict", model_path, data)
    assert (code, err) == (0, "")
    model = json.loads(model_path.read_text())
    lines = out.splitlines()
    assert lines[0] == "t" and len(lines) == 4  # no targets in DATA, so no error line
    for p, line in zip((-2.0, 0.5, 3.0), lines[1:]):
        assert float(line) == pytest.approx(by_hand(model, [p])[0], rel=1e-8, abs=1e-12)


def test_goal_stops_training_and_same_seed_same_model(tmp_path, capsys):
    code, out, _ = run(capsys, "train", SINE_TRAIN, "--goal", "10", "--save", tmp_path / "a.json")
    assert code == 0 and "stopped after 0 epochs: reached the error goal 10" in out
    for name in ("b.json", "c.json"):
        assert run(capsys, "train", SINE_TRAIN, "--epochs", "3", "--mode", "minibatch", "--batch-size", "4",
                   "--shuffle", "--seed", "7", "--save", tmp_path / name)[0] == 0
    assert (tmp_path / "b.json").read_text() == (tmp_path / "c.json").read_text()
    assert run(capsys, "train", SINE_TRAIN, "--epochs", "3", "--mode", "minibatch", "--batch-size", "4",
               "--shuffle", "--seed", "8", "--save", tmp_path / "d.json")[0] == 0
    assert (tmp_path / "b.json").read_text() != (tmp_path / "d.json").read_text()


def test_iris_classification_report(tmp_path, capsys):
    model_path = tmp_path / "iris.json"
    code, out, _ = run(capsys, "train", IRIS_TRAIN, "--check", IRIS_CHECK, "--targets", "3", "--hidden", "4",
                       "--epochs", "15", "--lr", "0.02", "--mode", "batch", "--save", model_path)
    assert code == 0
    assert out.startswith("network 4-4-3 (tansig, purelin), batch training")
    right = int(re.search(r"classified correctly .*: train \d+/120 \(\S+\), check (\d+)/30", out).group(1))
    # Recount from the predictions: the largest output names the species.
    code, predicted, _ = run(capsys, "predict", model_path, IRIS_CHECK)
    lines = predicted.splitlines()
    assert lines[0] == "setosa versicolor virginica"
    outputs = [[float(x) for x in line.split()] for line in lines[1:-1]]
    targets = [row[4:] for row in rows(IRIS_CHECK)]
    assert right == sum(o.index(max(o)) == t.index(1.0) for o, t in zip(outputs, targets))


def test_no_normalisation(tmp_path, capsys):
    model_path = tmp_path / "m.json"
    code, out, _ = run(capsys, "train", SINE_TRAIN, "--normalize", "none", "--epochs", "2", "--save", model_path)
    assert code == 0 and "error (mse): train" in out
    model = json.loads(model_path.read_text())
    assert model["scaling"] is None and model["normalize"] == "none"
    net = Network(model["architecture"]["sizes"], model["architecture"]["activations"], init=None)
    net.load_state_dict(model["parameters"])
    _, out, _ = run(capsys, "predict", model_path, SINE_CHECK)
    assert float(out.splitlines()[1]) == pytest.approx(net([-1.9])[0].data, rel=1e-8)


# --- user mistakes: one line on stderr, exit status 1, nothing written -----------------------------


def bad_model(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


def good_model(tmp_path: Path, **change) -> Path:
    document = {
        "format": "stepgrad.model", "version": 1,
        "architecture": {"module": "Network", "sizes": [1, 2, 1], "activations": ["tanh", "linear"], "bias": "neuron"},
        "parameters": {"w1": 0.5, "b_h1": 0.0, "w2": -0.5, "b_h2": 0.1, "w3": 1.0, "w4": 1.0, "b_o1": 0.0},
        "normalize": "minmax",
        "scaling": {"inputs": {"minimum": [0.0], "maximum": [1.0]}, "targets": {"minimum": [0.0], "maximum": [1.0]}},
        "columns": None,
    }
    document.update(change)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    return path


def test_hand_written_model_file_predicts(tmp_path, capsys):
    code, out, err = run(capsys, "predict", good_model(tmp_path), SINE_TRAIN.parent / "sine-check.txt")
    assert (code, err) == (0, "")
    model = json.loads((tmp_path / "model.json").read_text())
    assert float(out.splitlines()[1]) == pytest.approx(by_hand(model, [-1.9])[0], rel=1e-8)


ERRORS = [
    (["train", "missing.txt"], r"stepgrad train: error: missing\.txt: cannot read the file: No such file or directory"),
    (["train", "{bad}"], r"stepgrad train: error: .*bad\.txt:3: column 2: expected a number, found 'oops'"),
    (["train", SINE_TRAIN, "--check", IRIS_CHECK],
     r"stepgrad train: error: .*iris-check\.txt: 6 input and 1 target columns, but .*sine-train\.txt has 1 and 1"),
    (["train", SINE_TRAIN, "--targets", "2"],
     r"stepgrad train: error: .*sine-train\.txt:3: expected at least 3 numbers per line \(inputs, then 2 target "
     r"columns\), found 2"),
    (["train", SINE_TRAIN, "--activation", "bogus"], r"stepgrad train: error: .*unknown activation 'bogus'; known: .*"),
    (["train", SINE_TRAIN, "--lr", "0"], r"stepgrad train: error: .*learning rate lr must be a finite number > 0.*"),
    (["train", SINE_TRAIN, "--epochs", "-1"], r"stepgrad train: error: .*epochs must be a non-negative integer.*"),
    (["train", SINE_TRAIN, "--goal", "-1"], r"stepgrad train: error: .*goal must be a number >= 0.*"),
    (["train", SINE_TRAIN, "--momentum", "1"], r"stepgrad train: error: .*momentum must be a number in \[0, 1\).*"),
    (["train", SINE_TRAIN, "--mode", "minibatch"], r"stepgrad train: error: --mode minibatch needs --batch-size N"),
    (["train", SINE_TRAIN, "--batch-size", "3"],
     r"stepgrad train: error: --batch-size is for --mode minibatch \(the mode is online\)"),
    (["train", SINE_TRAIN, "--save", "{tmp}/no/such/folder/m.json"],
     r"stepgrad train: error: --save '.*/no/such/folder/m\.json': the folder '.*/no/such/folder' does not exist"),
    (["train", SINE_TRAIN, "--save", "{tmp}"], r"stepgrad train: error: --save '.*' is a folder; give a file name .*"),
    (["train", SINE_TRAIN, "--lr", "100", "--epochs", "50", "--save", "{tmp}/m.json"],
     r"stepgrad train: error: training diverged \(.*\); try a smaller --lr \(nothing was saved\)"),
    (["predict", "missing.json", SINE_CHECK],
     r"stepgrad predict: error: missing\.json: cannot read the model: No such file or directory"),
    (["predict", SINE_CHECK, SINE_CHECK],
     r"stepgrad predict: error: .*sine-check\.txt:1: not a stepgrad model file \(invalid JSON: Expecting value\)"),
    (["predict", "{json:[1, 2]}", SINE_CHECK],
     r"stepgrad predict: error: .*bad\.json: not a stepgrad model file \(no \"format\": "
     r"\"stepgrad\.model\"\)"),
    (["predict", "{model:version=2}", SINE_CHECK],
     r"stepgrad predict: error: .*model\.json: unsupported stepgrad model file version 2 \(this stepgrad reads 1\)"),
    (["predict", "{model:parameters={}}", SINE_CHECK],
     r"stepgrad predict: error: .*model\.json: broken model file: parameters does not match this Network: missing "
     r"w1, b_h1, w2, b_h2, w3, w4, b_o1"),
    (["predict", "{model:architecture=[]}", SINE_CHECK],
     r"stepgrad predict: error: .*model\.json: broken model file: expected a Network architecture, found \[\]"),
    (["predict", "{model:scaling={'inputs': 1}}", SINE_CHECK],
     r"stepgrad predict: error: .*model\.json: broken model file: min-max scaling: expected a dict .*"),
    (["predict", "{model}", IRIS_CHECK],
     r"stepgrad predict: error: .*iris-check\.txt:4: expected 1 numbers per line \(the model's inputs\) or 2 "
     r"\(inputs, then targets\), found 7"),
    (["predict", "{model}", "missing.txt"],
     r"stepgrad predict: error: missing\.txt: cannot read the file: No such file or directory"),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS)
def test_user_mistakes_get_one_line_and_nothing_written(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    bad_data = tmp_path / "bad.txt"
    bad_data.write_text("p t\n1 2\n3 oops\n")
    resolved = []
    for arg in argv:
        arg = str(arg)
        if arg == "{bad}":
            arg = str(bad_data)
        elif arg.startswith("{json:"):
            arg = str(bad_model(tmp_path, arg[6:-1]))
        elif arg.startswith("{model"):
            change = {}
            if ":" in arg:
                key, value = arg[7:-1].split("=", 1)
                change[key] = eval(value)  # a literal written in this file
            arg = str(good_model(tmp_path, **change))
        resolved.append(arg.replace("{tmp}", str(tmp_path)))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, out, err = run(capsys, *resolved)
    assert code == 1
    assert re.fullmatch(message, err.rstrip("\n")), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, not even a temporary file


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", SINE_TRAIN, "--hidden", "0"], "argument --hidden: expected positive integers separated by commas"),
        (["train", SINE_TRAIN, "--mode", "sometimes"], "argument --mode: invalid choice: 'sometimes'"),
        (["predict", "m.json"], "the following arguments are required: DATA"),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    ],
)
def test_command_line_syntax_errors_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()[-1] and "Traceback" not in err


def test_deep_hidden_layers(tmp_path, capsys):
    code, out, _ = run(capsys, "train", SINE_TRAIN, "--hidden", "3,2", "--epochs", "1", "--save", tmp_path / "m.json")
    assert code == 0 and out.startswith("network 1-3-2-1 (tansig, tansig, purelin)")
