"""Data files (the seed's textread recipe) and min-max scaling (premnmx / postmnmx)."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from nn.data import DataError, MinMaxScaler, parse_data, read_data

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def write(tmp_path: Path, text: str, name: str = "Test.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- reading -------------------------------------------------------------------------------------


def test_whitespace_separated_like_textread(tmp_path):
    path = write(tmp_path, "0.1 0.2 0.3 0.4 0.5 7.25\n1\t2\t3\t4\t5\t-6e-3\n")
    d = read_data(path)
    assert d.inputs == ((0.1, 0.2, 0.3, 0.4, 0.5), (1.0, 2.0, 3.0, 4.0, 5.0))
    assert d.targets == ((7.25,), (-0.006,))
    assert d.lines == (1, 2)
    assert d.source == str(path)
    assert d.header is None
    assert (len(d), d.n_inputs, d.n_targets) == (2, 5, 1)


def test_commas_header_comments_blank_lines_and_several_targets(tmp_path):
    text = "# iris-like\n\nsl, sw, a, b   # names\n5.1, 3.5, 1, 0\n 4.9 ,3.0,0,1  # trailing comment\n\n"
    d = read_data(write(tmp_path, text), targets=2)
    assert d.header == ("sl", "sw", "a", "b")
    assert d.inputs == ((5.1, 3.5), (4.9, 3.0))
    assert d.targets == ((1.0, 0.0), (0.0, 1.0))
    assert d.lines == (4, 5)


def test_targets_zero_reads_inputs_only():
    d = parse_data("1 2\n3 4\n", targets=0)
    assert d.inputs == ((1.0, 2.0), (3.0, 4.0))
    assert d.targets == ((), ())


def test_windows_line_endings():
    assert parse_data("1 2\r\n3 4\r\n").targets == ((2.0,), (4.0,))


@pytest.mark.parametrize(
    ("text", "targets", "message"),
    [
        ("1 2 3\n4 5\n", 1, "Test.txt:2: expected 3 numbers per line (as on line 1), found 2"),
        ("1 2\n\n# c\n3 4 5\n", 1, "Test.txt:4: expected 2 numbers per line (as on line 1), found 3"),
        ("1 2 3\n4 x 6\n", 1, "Test.txt:2: column 2: expected a number, found 'x'"),
        ("1, 2, 3\n4,, 6\n", 1, "Test.txt:2: empty field (two separators in a row, or one at the end of the line)"),
        ("1, 2, 3,\n", 1, "Test.txt:1: empty field (two separators in a row, or one at the end of the line)"),
        ("1 nan 3\n", 1, "Test.txt:1: column 2: expected a finite number, found 'nan'"),
        ("1 2 -inf\n", 1, "Test.txt:1: column 3: expected a finite number, found '-inf'"),
        ("a b c\n1 2\n", 1, "Test.txt:2: expected 3 numbers per line (one per name in the header on line 1), found 2"),
        ("x y\nz 1\n", 1, "Test.txt:2: column 1: expected a number, found 'z'"),
        ("1 2\n", 2, "Test.txt:1: expected at least 3 numbers per line (inputs, then 2 target columns), found 2"),
        ("7\n", 1, "Test.txt:1: expected at least 2 numbers per line (inputs, then 1 target column), found 1"),
        ("# only a comment\n\n", 1, "Test.txt: no data (every line is blank, a comment or the header)"),
        ("p t\n", 1, "Test.txt: no data (every line is blank, a comment or the header)"),
        ("1 2\n", -1, "Test.txt: the number of target columns must be an integer >= 0, got -1"),
    ],
)
def test_malformed_files_name_file_line_and_expectation(tmp_path, text, targets, message):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_data(path, targets=targets)
    assert str(info.value) == f"{tmp_path}/{message}"


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.txt: cannot read the file: No such file or directory$"):
        read_data(tmp_path / "nope.txt")


def test_binary_file(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"1 2\n\xff\xfe\n")
    with pytest.raises(DataError, match=r"model\.bin:2: not UTF-8 text \(byte 1 of the line\)$"):
        read_data(path)


def test_a_byte_order_mark_at_the_start_is_not_part_of_the_first_number(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("x,t\r\n1.5,2\r\n3,4\r\n".encode("utf-8-sig"))
    d = read_data(path)
    assert d.header == ("x", "t") and d.inputs == ((1.5,), (3.0,)) and d.lines == (2, 3)
    path.write_bytes("1.5 2\n".encode("utf-8-sig"))
    assert read_data(path).inputs == ((1.5,),)
    assert parse_data("\ufeff1.5 2\n").inputs == ((1.5,),)


# Characters Python's str.splitlines() takes for line breaks, though editors and `wc -l` do not.
NOT_LINE_BREAKS = ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", NOT_LINE_BREAKS)
def test_only_newlines_end_lines_so_error_lines_are_the_editors(tmp_path, char):
    path = write(tmp_path, f"1 2\n3{char}4\n5 x\n")
    with pytest.raises(DataError) as info:
        read_data(path)
    assert str(info.value) == f"{path}:3: column 2: expected a number, found 'x'"
    with pytest.raises(DataError, match=r"^<string>:3: column 2"):
        parse_data(f"1 2\n3{char}4\n5 x\n")


def test_old_mac_line_endings_still_end_lines(tmp_path):
    path = tmp_path / "mac.txt"
    path.write_bytes(b"1 2\r3 4\r")
    assert read_data(path).lines == (1, 2)
    assert parse_data("1 2\r3 4\r").lines == (1, 2)


def test_an_endless_file_stops_at_the_line_bound():
    # In a child limited to 2 GiB of memory: without a bound, reading /dev/zero never ends.
    code = ("import resource\nresource.setrlimit(resource.RLIMIT_AS, (2 ** 31, 2 ** 31))\n"
            "from nn.data import read_data, DataError\ntry:\n    read_data('/dev/zero')\n"
            "except DataError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout == "/dev/zero:1: a line longer than 1,000,000 bytes: not a data file?\n", done.stderr


def test_long_values_are_cut_in_messages(tmp_path):
    path = write(tmp_path, "1 2\n3 " + "9" * 100_000 + "x\n")
    with pytest.raises(DataError) as info:
        read_data(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: column 2: expected a number, found '999") and len(message) < 300


@pytest.mark.parametrize("name", ["a\x1bb", "a\x07", "x\x00y"])
def test_header_names_are_printable(tmp_path, name):
    path = write(tmp_path, f"{name} t\n1 2\n")
    with pytest.raises(DataError) as info:
        read_data(path)
    assert str(info.value) == (f"{path}:1: column 1: the name {name!r} holds a character that is not printable; "
                               "a column name must be printable")


# --- the shipped data sets -----------------------------------------------------------------------


def test_shipped_iris_split():
    train = read_data(DATA / "iris-train.txt", targets=3)
    check = read_data(DATA / "iris-check.txt", targets=3)
    assert (len(train), len(check)) == (120, 30)
    assert train.header == ("sepal_length", "sepal_width", "petal_length", "petal_width",
                            "setosa", "versicolor", "virginica")
    for d in (train, check):
        assert all(sorted(t) == [0.0, 0.0, 1.0] for t in d.targets)  # one-hot
        assert [sum(t[k] for t in d.targets) for k in range(3)] == [len(d) / 3] * 3  # balanced
    # Fisher's first flower, as printed in every copy of the data.
    assert train.inputs[0] == (5.1, 3.5, 1.4, 0.2) and train.targets[0] == (1.0, 0.0, 0.0)
    # Column sums over all 150 flowers (the well-known means 5.843, 3.057, 3.758, 1.199 times 150).
    sums = [round(sum(x[k] for d in (train, check) for x in d.inputs), 6) for k in range(4)]
    assert sums == [876.5, 458.6, 563.7, 179.9]


def test_shipped_sine_samples_are_one_plus_sin():
    for name, count in (("sine-train.txt", 21), ("sine-check.txt", 20)):
        d = read_data(DATA / name)
        assert len(d) == count
        for (p,), (t,) in zip(d.inputs, d.targets):
            assert -2.0 <= p <= 2.0
            assert t == pytest.approx(1 + math.sin(math.pi * p / 4), abs=5e-16)


# --- min-max scaling -----------------------------------------------------------------------------


def test_fit_scale_against_exact_fractions():
    rows = [(3.0, -2.5), (7.5, 0.1), (4.2, 9.0)]
    s = MinMaxScaler.fit(rows)
    assert s.minimum == (3.0, -2.5) and s.maximum == (7.5, 9.0)
    for row, scaled in zip(rows, s.scale(rows)):
        for x, y, lo, hi in zip(row, scaled, s.minimum, s.maximum):
            exact = 2 * (Fraction(x) - Fraction(lo)) / (Fraction(hi) - Fraction(lo)) - 1
            assert abs(Fraction(y) - exact) <= Fraction(2 ** -52)


def test_fitted_range_maps_exactly_onto_minus_one_one():
    rows = [(random.Random(k).uniform(-50, 50), k * 0.1) for k in range(30)]
    s = MinMaxScaler.fit(rows)
    assert s.scale([s.minimum, s.maximum]) == [(-1.0, -1.0), (1.0, 1.0)]
    assert s.unscale([(-1.0, -1.0), (1.0, 1.0)]) == [s.minimum, s.maximum]


def test_unscale_inverts_scale_up_to_rounding():
    rng = random.Random(0)
    for _ in range(2000):
        rows = [(rng.uniform(-1e3, 1e3), rng.uniform(0, 1e-3), rng.uniform(5, 6)) for _ in range(4)]
        s = MinMaxScaler.fit(rows)
        for row, back in zip(rows, s.unscale(s.scale(rows))):
            for x, b, lo, hi in zip(row, back, s.minimum, s.maximum):
                # Rounding inside scale and unscale is relative to the range (max - min); the final
                # "+ min" rounds once more, relative to the numbers themselves.
                assert abs(x - b) <= math.ulp(hi - lo) + math.ulp(max(abs(lo), abs(hi)))


def test_values_outside_the_training_range_extrapolate_linearly():
    s = MinMaxScaler((0.0,), (10.0,))
    assert s.scale([(20.0,), (-5.0,)]) == [(3.0,), (-2.0,)]
    assert s.unscale([(3.0,), (-2.0,)]) == [(20.0,), (-5.0,)]


def test_constant_column_maps_to_zero_and_back():
    s = MinMaxScaler.fit([(4.0, 1.0), (4.0, 2.0)])
    assert s.scale([(4.0, 1.5)]) == [(0.0, 0.0)]
    assert s.unscale([(0.3, 0.0)]) == [(4.0, 1.5)]


def test_json_round_trip_is_exact():
    s = MinMaxScaler.fit([(0.1, 1 / 3), (0.7, 2 / 3)])
    assert MinMaxScaler.from_dict(json.loads(json.dumps(s.to_dict()))) == s


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {"minimum": [0.0]},
        {"minimum": [0.0], "maximum": [1.0], "extra": 1},
        {"minimum": [0.0, 1.0], "maximum": [1.0]},
        {"minimum": [], "maximum": []},
        {"minimum": ["0"], "maximum": [1.0]},
        {"minimum": [True], "maximum": [1.0]},
        {"minimum": [2.0], "maximum": [1.0]},
        {"minimum": [float("nan")], "maximum": [1.0]},
    ],
)
def test_from_dict_refuses_anything_else(bad):
    with pytest.raises(DataError, match="min-max scaling: expected"):
        MinMaxScaler.from_dict(bad)


@pytest.mark.parametrize("bad", [{"minimum": [10 ** 400], "maximum": [10 ** 401]},
                                 {"minimum": [0.0] * 10_000, "maximum": ["x" * 10_000]}])
def test_from_dict_refuses_huge_numbers_and_says_so_briefly(bad):
    with pytest.raises(DataError) as info:
        MinMaxScaler.from_dict(bad)
    assert str(info.value).startswith("min-max scaling: expected") and len(str(info.value)) < 400


def test_wrong_column_count_and_empty_fit():
    s = MinMaxScaler((0.0, 0.0), (1.0, 1.0))
    with pytest.raises(DataError, match="expected 2 columns to scale, found 3"):
        s.scale([(0.0, 0.0, 0.0)])
    with pytest.raises(DataError, match="expected 2 columns to scale, found 1"):
        s.unscale([(0.0,)])
    with pytest.raises(DataError, match="cannot fit min-max scaling to no data"):
        MinMaxScaler.fit([])
