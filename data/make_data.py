"""Write the data sets in this folder (run from the repository root: ``python data/make_data.py IRIS_CSV``).

- ``sine-train.txt`` / ``sine-check.txt``: samples of t = 1 + sin(πp/4) on p ∈ [−2, 2], the
  function-approximation exercise of MATLAB's newff tutorials. Training points p = −2, −1.8, ..., 2
  (21 points); check points halfway between them, p = −1.9, −1.7, ..., 1.9 (20 points), so the
  check set measures interpolation, not memorisation. Numbers are written with ``repr`` so they
  read back as exactly the floats computed here.
- ``iris-train.txt`` / ``iris-check.txt``: Fisher's Iris measurements (see README.md for the
  source and licence). IRIS_CSV is the ``iris.csv`` shipped inside the scikit-learn wheel
  (``sklearn/datasets/data/iris.csv``: a count line, then 150 rows of four measurements in cm and
  a class number 0, 1, 2). Within each class of 50 flowers every fifth one (the 5th, 10th, ...)
  goes to the check set: 120 training and 30 check flowers, 10 of each class. The class is
  written one-hot as three target columns (read with ``targets=3``).
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLASSES = ("setosa", "versicolor", "virginica")
MEASUREMENTS = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def write_sine() -> None:
    grids = {"train": range(-20, 21, 2), "check": range(-19, 20, 2)}  # tenths
    for name, tenths in grids.items():
        points = [k / 10 for k in tenths]
        lines = [f"# 1 + sin(pi p / 4), {name} points; written by data/make_data.py", "p t"]
        lines += [f"{p!r} {1 + math.sin(math.pi * p / 4)!r}" for p in points]
        (HERE / f"sine-{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_iris(csv_path: Path) -> None:
    with csv_path.open(newline="") as f:
        rows = list(csv.reader(f))[1:]  # the first line is "150,4,setosa,versicolor,virginica"
    assert len(rows) == 150, len(rows)
    seen = [0, 0, 0]
    split: dict[str, list[str]] = {"train": [], "check": []}
    for *measurements, label in rows:
        k = int(label)
        seen[k] += 1
        one_hot = ["1" if j == k else "0" for j in range(3)]
        part = "check" if seen[k] % 5 == 0 else "train"
        split[part].append("  ".join(measurements + one_hot))
    for part, lines in split.items():
        head = [
            f"# Fisher's Iris data (1936), {part} set; written by data/make_data.py. Measurements in cm,",
            "# then the species one-hot: read with targets=3 (stepgrad train --targets 3).",
            "  ".join(MEASUREMENTS + CLASSES),
        ]
        (HERE / f"iris-{part}.txt").write_text("\n".join(head + lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_sine()
    if len(sys.argv) == 2:
        write_iris(Path(sys.argv[1]))
    else:
        print("sine data written; give the path of scikit-learn's iris.csv to write the Iris files too")
