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
from nn.data import read_data
from nn.layers import Network
from nn.model import Model

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
    assert printed[0] == "p t"  # the training data's column names: the inputs echoed, then the predictions
    check = rows(SINE_CHECK)
    echoed = [[float(x) for x in line.split()] for line in printed[1:-1]]
    assert [p for p, _ in echoed] == [p for p, _ in check]  # every input, exactly
    predicted = [y for _, y in echoed]
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
    assert lines[0] == "p t" and len(lines) == 4  # no targets in DATA, so no error line
    for p, line in zip((-2.0, 0.5, 3.0), lines[1:]):
        echoed, y = map(float, line.split())
        assert echoed == p and y == pytest.approx(by_hand(model, [p])[0], rel=1e-8, abs=1e-12)


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
    species = ["setosa", "versicolor", "virginica"]
    assert lines[0] == "sepal_length sepal_width petal_length petal_width " + " ".join(species)
    samples = rows(IRIS_CHECK)
    outputs = []
    for line, sample in zip(lines[1:-2], samples):
        numbers, named = line.split("  # ")
        values = [float(x) for x in numbers.split()]
        assert values[:4] == sample[:4]  # the measurements, echoed
        outputs.append(values[4:])
        assert named == species[values[4:].index(max(values[4:]))]  # the class the largest output names
    targets = [row[4:] for row in samples]
    assert len(outputs) == 30 and right == sum(o.index(max(o)) == t.index(1.0) for o, t in zip(outputs, targets))
    assert lines[-1] == (f"# classified correctly (largest output = the target's 1): {right}/30 "
                         f"({100 * right / 30:.1f}%)")


def test_no_normalisation(tmp_path, capsys):
    model_path = tmp_path / "m.json"
    code, out, _ = run(capsys, "train", SINE_TRAIN, "--normalize", "none", "--epochs", "2", "--save", model_path)
    assert code == 0 and "error (mse): train" in out
    model = json.loads(model_path.read_text())
    assert model["scaling"] is None and model["normalize"] == "none"
    net = Network(model["architecture"]["sizes"], model["architecture"]["activations"], init=None)
    net.load_state_dict(model["parameters"])
    _, out, _ = run(capsys, "predict", model_path, SINE_CHECK)
    assert out.splitlines()[1].startswith("-1.9 ")
    assert float(out.splitlines()[1].split()[1]) == pytest.approx(net([-1.9])[0].data, rel=1e-8)


# --- user mistakes: one line on stderr, exit status 1, nothing written -----------------------------


def bad_model(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


def good_model(tmp_path: Path, write: bool = True, **change) -> Path | str:
    document = {
        "format": "stepgrad.model", "version": 1,
        "architecture": {"module": "Network", "sizes": [1, 2, 1], "activations": ["tanh", "linear"], "bias": "neuron"},
        "parameters": {"w1": 0.5, "b_h1": 0.0, "w2": -0.5, "b_h2": 0.1, "w3": 1.0, "w4": 1.0, "b_o1": 0.0},
        "normalize": "minmax",
        "scaling": {"inputs": {"minimum": [0.0], "maximum": [1.0]}, "targets": {"minimum": [0.0], "maximum": [1.0]}},
        "columns": None,
    }
    document.update(change)
    if not write:
        return json.dumps(document)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    return path


def test_hand_written_model_file_predicts(tmp_path, capsys):
    code, out, err = run(capsys, "predict", good_model(tmp_path), SINE_TRAIN.parent / "sine-check.txt")
    assert (code, err) == (0, "")
    model = json.loads((tmp_path / "model.json").read_text())
    assert out.splitlines()[0] == "i1 o1"  # no column names in the file: the network's own
    assert float(out.splitlines()[1].split()[1]) == pytest.approx(by_hand(model, [-1.9])[0], rel=1e-8)


ERRORS = [
    (["train", "missing.txt"], r"stepgrad train: error: missing\.txt: cannot read the file: No such file or directory"),
    (["train", "{bad}"], r"stepgrad train: error: .*bad\.txt:3: column 2: expected a number, found 'oops'"),
    (["train", SINE_TRAIN, "--check", IRIS_CHECK],
     r"stepgrad train: error: .*iris-check\.txt: 6 input and 1 target columns, but .*sine-train\.txt has 1 and 1"),
    (["train", SINE_TRAIN, "--targets", "2"],
     r"stepgrad train: error: .*sine-train\.txt:3: expected at least 3 numbers per line \(inputs, then 2 target "
     r"columns\), found 2"),
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
     r"stepgrad predict: error: .*iris-check\.txt:4: 7 numbers, but the model in .*model\.json takes 1 input \(i1\): "
     r"give 1 number per line \(the inputs\) or 2 \(the inputs, then the targets\)"),
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
        (["train", SINE_TRAIN, "--activation", "bogus"], "argument --activation: unknown activation 'bogus'; known: "),
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


# --- refused when the options are read, before any work ------------------------------------------


@pytest.mark.parametrize(("option", "name"), [("--activation", "hardlim"), ("--output-activation", "threshold"),
                                              ("--activation", "THRESHOLD")])
def test_a_threshold_unit_is_refused_when_the_options_are_read(capsys, option, name):
    with pytest.raises(SystemExit) as info:
        main(["train", str(SINE_TRAIN), option, name])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"stepgrad train: error: argument {option}: {name!r} (threshold) cannot be trained: its derivative is 0 "
        "wherever it exists, so no gradient reaches the weights; choose sigmoid (logsig), tanh (tansig), relu, "
        "linear (purelin)")


def test_help_lists_the_activation_names(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the help text
    assert "hidden layers' activation: sigmoid (logsig), tanh (tansig), relu, linear (purelin) (default tansig)" in text


def test_save_into_an_unwritable_place_is_refused_before_training(capsys):
    # /sys takes no new files, whoever asks (root included).
    code, out, err = run(capsys, "train", SINE_TRAIN, "--epochs", "1", "--save", "/sys/sine.json")
    assert (code, out) == (1, "")  # no training report: training never started
    assert err == "stepgrad train: error: --save '/sys/sine.json': cannot write there: Permission denied\n"


def test_hidden_size_past_the_bound_is_refused_when_the_options_are_read(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", str(SINE_TRAIN), "--hidden", "99999999999999999999"])
    assert info.value.code == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == ("stepgrad train: error: argument --hidden: a 1-99999999999999999999-1 network would have "
                   "299,999,999,999,999,999,998 weights and biases; stepgrad builds at most 1,000,000 (a pure-Python "
                   "engine needs gigabytes and minutes per sample past that)")
    with pytest.raises(SystemExit):
        main(["train", str(SINE_TRAIN), "--hidden", "9" * 100_000])  # longer than Python converts
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("stepgrad train: error: argument --hidden: expected positive integers") and len(err) < 200


def test_the_bound_counts_the_data_width_too(tmp_path, capsys):
    wide = tmp_path / "wide.txt"
    wide.write_text(" ".join(["1"] * 400_001) + "\n" + " ".join(["2"] * 400_001) + "\n")
    code, out, err = run(capsys, "train", wide, "--hidden", "3")
    assert (code, out) == (1, "")
    assert err.startswith("stepgrad train: error: a 400000-3-1 network would have 1,200,007 weights and biases; "
                          "stepgrad builds at most 1,000,000")


@pytest.mark.parametrize(("argv", "advice"), [
    (["--output-activation", "logsig"],
     "the output activation 'logsig' reaches only [0, 1], but the training targets, scaled to [-1, 1], span "
     "[-1, 1]: choose tanh (tansig) or linear (purelin) for the output layer, or train on unscaled targets "
     "(normalize none): they span [0, 1]"),
    (["--output-activation", "relu"],
     "the output activation 'relu' reaches only [0, inf], but the training targets, scaled to [-1, 1], span "
     "[-1, 1]: choose tanh (tansig) or linear (purelin) for the output layer, or train on unscaled targets "
     "(normalize none): they span [0, 1]"),
])
def test_an_output_unit_that_cannot_reach_the_scaled_targets_is_refused(capsys, argv, advice):
    code, out, err = run(capsys, "train", IRIS_TRAIN, "--targets", "3", *argv)
    assert (code, out) == (1, "")
    assert err == f"stepgrad train: error: {advice}\n"


def test_a_logistic_output_on_unscaled_one_hot_targets_trains(tmp_path, capsys):
    code, out, err = run(capsys, "train", IRIS_TRAIN, "--targets", "3", "--output-activation", "logsig",
                         "--normalize", "none", "--epochs", "2", "--save", tmp_path / "m.json")
    assert (code, err) == (0, "") and "network 4-5-3 (tansig, logsig)" in out
    # Tanh reaches [-1, 1] (its asymptotes included): the default scaling suits it.
    code, out, err = run(capsys, "train", SINE_TRAIN, "--output-activation", "tansig", "--epochs", "1")
    assert (code, err) == (0, "")


# --- predict: its output is a data file, with the classes named ----------------------------------


def test_predict_output_reads_back_as_a_data_file(tmp_path, capsys):
    model_path = tmp_path / "iris.json"
    assert run(capsys, "train", IRIS_TRAIN, "--targets", "3", "--hidden", "4", "--epochs", "3", "--mode", "batch",
               "--lr", "0.02", "--save", model_path)[0] == 0
    inputs_only = tmp_path / "flowers.txt"
    inputs_only.write_text("".join(" ".join(map(str, row[:4])) + "\n" for row in rows(IRIS_CHECK)))
    code, out, err = run(capsys, "predict", model_path, inputs_only)
    assert (code, err) == (0, "")
    written = tmp_path / "predicted.txt"
    written.write_text(out)
    again = read_data(written, targets=3)
    assert again.header == ("sepal_length", "sepal_width", "petal_length", "petal_width",
                            "setosa", "versicolor", "virginica")
    assert [list(x) for x in again.inputs] == [row[:4] for row in rows(IRIS_CHECK)]
    model = json.loads(model_path.read_text())
    for x, y in zip(again.inputs, again.targets):
        assert list(y) == pytest.approx(by_hand(model, list(x)), rel=1e-8, abs=1e-12)
    # Given back to predict, the file's predictions are its targets: an rms error of 0.
    code, out, err = run(capsys, "predict", model_path, written)
    rms = re.fullmatch(rf"# rms error against the targets in {re.escape(str(written))}: (\S+)", out.splitlines()[-2])
    assert rms and float(rms.group(1)) < 1e-8  # printed with 9 digits


def test_column_names_with_spaces_are_written_comma_separated(tmp_path, capsys):
    data = tmp_path / "sine.csv"
    data.write_text("angle p, 1 + sin\n" + "".join(f"{p}, {t}\n" for p, t in rows(SINE_TRAIN)))
    model_path = tmp_path / "m.json"
    assert run(capsys, "train", data, "--epochs", "2", "--save", model_path)[0] == 0
    code, out, _ = run(capsys, "predict", model_path, data)
    assert out.splitlines()[0] == "angle p, 1 + sin"
    written = tmp_path / "out.csv"
    written.write_text(out)
    assert read_data(written).header == ("angle p", "1 + sin")


@pytest.mark.parametrize("columns", [["p", "t\n1 2 3"], ["p", "t\u2028x"], ["p", "# t"], ["p", "2.5"], ["p"],
                                     ["p", 7], "p t"])
def test_column_names_that_would_forge_lines_are_refused(tmp_path, capsys, columns):
    code, out, err = run(capsys, "predict", good_model(tmp_path, columns=columns), SINE_CHECK)
    assert (code, out) == (1, "")
    assert re.fullmatch(r"stepgrad predict: error: .*model\.json: broken model file: columns: expected .*\n", err)
    assert err.count("\n") == 1


def test_train_given_a_model_file_says_so(tmp_path, capsys):
    model_path = good_model(tmp_path)
    code, out, err = run(capsys, "train", model_path)
    assert (code, out) == (1, "")
    assert err == (f"stepgrad train: error: {model_path} is a model saved by stepgrad train, not a data file; "
                   f"to predict with it: stepgrad predict {model_path} DATA\n")
    code, out, err = run(capsys, "train", SINE_TRAIN, "--check", model_path)
    assert code == 1 and f"{model_path} is a model saved by stepgrad train" in err


def test_predict_with_its_arguments_swapped_says_so(tmp_path, capsys):
    model_path = good_model(tmp_path)
    code, out, err = run(capsys, "predict", SINE_CHECK, model_path)
    assert (code, out) == (1, "")
    assert err.endswith("not a stepgrad model file (invalid JSON: Expecting value); the model comes first: "
                        "stepgrad predict MODEL DATA\n")


# --- malformed model files: one line, whatever is wrong where ------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE = [DEEP, 10 ** 400, -1, 0, 2.5, "x" * 10_000, "tanh", [], {}, None, True, [1] * 1000, {"a": 1},
           float("nan"), 1e308]


def _places(document: dict, prefix: tuple = ()) -> list[tuple]:
    """Every key path in a model document (each value, and each list item, can be replaced)."""
    places = []
    for key, value in document.items():
        places.append(prefix + (key,))
        if isinstance(value, dict):
            places += _places(value, prefix + (key,))
        elif isinstance(value, list):
            places += [prefix + (key, k) for k in range(len(value))]
    return places


def _hostile_models() -> list[tuple[str, str]]:
    base = json.loads(good_model_text())
    cases = []
    for place in _places(base):
        for k, bad in enumerate(HOSTILE):
            document = json.loads(good_model_text())
            holder = document
            for key in place[:-1]:
                holder = holder[key]
            holder[place[-1]] = "@DEEP@" if bad is DEEP else bad
            cases.append((f"{'.'.join(map(str, place))}={k}", json.dumps(document).replace('"@DEEP@"', DEEP)))
    return cases


def good_model_text(**change) -> str:
    return good_model(Path("/nonexistent"), write=False, **change)


@pytest.mark.parametrize(("where", "text"), _hostile_models(), ids=[w for w, _ in _hostile_models()])
def test_every_malformed_model_file_is_one_line(tmp_path, capsys, where, text):
    path = tmp_path / "model.json"
    path.write_text(text)
    try:
        Model.load(path)
    except ValueError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc) and len(str(exc)) < 500, str(exc)
    code, out, err = run(capsys, "predict", path, SINE_CHECK)
    assert code in (0, 1) and "Traceback" not in err and len(err) < 600, err
    assert (out == "") == (code == 1) and err.count("\n") == code


def test_a_model_file_asking_for_millions_of_units_is_refused_at_once(tmp_path, capsys):
    document = json.loads(good_model_text())
    document["architecture"]["sizes"] = [1, 3_000_000, 1]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    code, out, err = run(capsys, "predict", path, SINE_CHECK)
    assert (code, out) == (1, "")
    assert err == (f"stepgrad predict: error: {path}: broken model file: a 1-3000000-1 network would have 9,000,001 "
                   "weights and biases; stepgrad builds at most 1,000,000 (a pure-Python engine needs gigabytes and "
                   "minutes per sample past that)\n")
