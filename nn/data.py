"""Data files and min–max scaling: the seed's MATLAB ``textread`` + ``premnmx`` recipe.

A data file holds one sample a line: its input numbers, then its target number(s). Numbers are
separated by whitespace or by commas. ``#`` starts a comment; blank lines are skipped; the first
line may be a header of column names. ``read_data("Test.txt")`` does what the seed's MATLAB does
with ``Data = textread('Test.txt'); Input = Data(:, 1:end-1); Output = Data(:, end)``.

Lines end where an editor ends them (``\n``, ``\r\n`` or a lone ``\r``; not at a form feed or
U+2028, which ``str.splitlines`` would also take), so the line in an error is the line the
user sees. A UTF-8 byte-order mark at the start is skipped; a line may be at most
:data:`MAX_LINE_BYTES` long, so reading something endless such as ``/dev/zero`` stops.

:class:`MinMaxScaler` maps every column linearly onto [−1, 1] using the minimum and maximum seen
in the training data (MATLAB's ``premnmx``) and maps predictions back (``postmnmx``). It turns
into a plain dict, so a saved model carries the scaling it was trained with.
"""

from __future__ import annotations

import codecs
import math
import re
import reprlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .module import is_finite_number

__all__ = ["DataError", "Dataset", "MinMaxScaler", "parse_data", "read_data", "is_column_name", "MAX_LINE_BYTES"]

Row = tuple[float, ...]

MAX_LINE_BYTES = 1_000_000
"""The longest line a data file may have (about 50,000 numbers)."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class DataError(ValueError):
    """A data file (or a scaler's dict) that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Dataset:
    """Samples read from a data file: ``inputs[i]`` and ``targets[i]`` came from line ``lines[i]``.

    >>> d = parse_data("0.5 1 2\\n0.25 3 4\\n")
    >>> d.inputs, d.targets, d.lines
    (((0.5, 1.0), (0.25, 3.0)), ((2.0,), (4.0,)), (1, 2))
    """

    inputs: tuple[Row, ...]
    targets: tuple[Row, ...]
    lines: tuple[int, ...]
    source: str = "<string>"
    header: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.inputs)

    @property
    def n_inputs(self) -> int:
        """Number of input columns.

        >>> parse_data("1 2 3").n_inputs
        2
        """
        return len(self.inputs[0])

    @property
    def n_targets(self) -> int:
        """Number of target columns.

        >>> parse_data("1 2 3", targets=2).n_targets
        2
        """
        return len(self.targets[0])


def _fields(line: str) -> list[str]:
    # Commas separate fields when present (spaces around them are ignored); otherwise whitespace.
    if "," in line:
        return [field.strip() for field in line.split(",")]
    return line.split()


def _number(field: str) -> float | None:
    try:
        return float(field)
    except ValueError:
        return None


def is_column_name(name: object) -> bool:
    """Whether ``name`` can stand in a data file's header line and read back as the same name:
    printable text, not a number, without ``#`` or ``,`` or spaces around it.

    >>> is_column_name("sepal_length"), is_column_name("3.5"), is_column_name("a\\nb"), is_column_name("x#")
    (True, False, False, False)
    """
    return (isinstance(name, str) and name != "" and name.isprintable() and name == name.strip()
            and not any(c in name for c in "#,") and _number(name) is None)


def _split_lines(text: str) -> list[str]:
    """``text`` cut at its line breaks; a break at the very end ends the last line rather than
    starting an empty one."""
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def parse_data(text: str, targets: int = 1, source: str = "<string>") -> Dataset:
    """Parse the text of a data file; ``targets`` is how many trailing columns are targets.

    ``targets=0`` reads inputs only (data to predict on). Errors name ``source:line``.

    >>> d = parse_data("# x, y\\nx, y\\n1, 2  # first\\n\\n3, 4\\n")
    >>> d.header, d.inputs, d.targets, d.lines
    (('x', 'y'), ((1.0,), (3.0,)), ((2.0,), (4.0,)), (3, 5))
    >>> parse_data("1 2\\n3\\n", source="Test.txt")
    Traceback (most recent call last):
    ...
    nn.data.DataError: Test.txt:2: expected 2 numbers per line (as on line 1), found 1
    """
    return _parse(enumerate(_split_lines(text.removeprefix("\ufeff")), start=1), targets, source)


def _parse(numbered_lines: Iterable[tuple[int, str]], targets: int, source: str) -> Dataset:
    if isinstance(targets, bool) or not isinstance(targets, int) or targets < 0:
        raise DataError(f"{source}: the number of target columns must be an integer >= 0, got {targets!r}")
    header: tuple[str, ...] | None = None
    header_line = 0
    rows: list[Row] = []
    lines: list[int] = []
    width = 0
    for number, raw in numbered_lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = _fields(line)
        where = f"{source}:{number}"
        if "" in fields:
            raise DataError(f"{where}: empty field (two separators in a row, or one at the end of the line)")
        values = [_number(field) for field in fields]
        if not rows and header is None and all(v is None for v in values):
            for column, name in enumerate(fields, start=1):
                if not name.isprintable():
                    raise DataError(f"{where}: column {column}: the name {reprlib.repr(name)} holds a character that "
                                    "is not printable; a column name must be printable")
            header, header_line = tuple(fields), number
            continue
        for column, (field, value) in enumerate(zip(fields, values), start=1):
            if value is None:
                raise DataError(f"{where}: column {column}: expected a number, found {reprlib.repr(field)}")
            if not math.isfinite(value):
                raise DataError(f"{where}: column {column}: expected a finite number, found {reprlib.repr(field)}")
        if not rows:
            width = len(values)
            if header is not None and len(header) != width:
                raise DataError(
                    f"{where}: expected {len(header)} numbers per line (one per name in the header on line "
                    f"{header_line}), found {width}"
                )
            if width <= targets:
                raise DataError(
                    f"{where}: expected at least {targets + 1} numbers per line (inputs, then {targets} target "
                    f"column{'s' if targets != 1 else ''}), found {width}"
                )
        elif len(values) != width:
            raise DataError(f"{where}: expected {width} numbers per line (as on line {lines[0]}), found {len(values)}")
        rows.append(tuple(values))  # type: ignore[arg-type]  # every value was checked above
        lines.append(number)
    if not rows:
        raise DataError(f"{source}: no data (every line is blank, a comment or the header)")
    split = width - targets
    return Dataset(
        inputs=tuple(row[:split] for row in rows),
        targets=tuple(row[split:] for row in rows),
        lines=tuple(lines),
        source=source,
        header=header,
    )


def read_data(path: str | Path, targets: int = 1) -> Dataset:
    """Read a data file (see :func:`parse_data`); the last ``targets`` columns are the targets.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("1 2 10\\n3 4 20\\n")
    >>> d = read_data(f.name)
    >>> d.inputs, d.targets
    (((1.0, 2.0), (3.0, 4.0)), ((10.0,), (20.0,)))
    >>> os.remove(f.name)
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            return _parse(_numbered_lines(f, str(path)), targets, str(path))
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file: {exc.strerror or exc}") from None


def _numbered_lines(f: Iterable[bytes], source: str) -> Iterator[tuple[int, str]]:
    """The lines of a binary file with their numbers, each decoded on its own (so an encoding
    error names its line) and read with a bound (so an endless file ends)."""
    number = 0
    while raw := f.readline(MAX_LINE_BYTES + 2):  # + 2: room for \r\n
        if number == 0:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
            raise DataError(f"{source}:{number + 1}: a line longer than {MAX_LINE_BYTES:,} bytes: not a data file?")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(f"{source}:{number + 1}: not UTF-8 text (byte {exc.start + 1} of the line)") from None
        for line in _split_lines(text):
            number += 1
            yield number, line


@dataclass(frozen=True)
class MinMaxScaler:
    """Per-column linear map of [minimum, maximum] onto [−1, 1] (premnmx) and back (postmnmx).

    A column whose minimum equals its maximum carries no information; it maps to 0 (and back to
    its one value) instead of dividing by zero.

    >>> s = MinMaxScaler.fit([(0.0, 10.0), (4.0, 30.0), (2.0, 20.0)])
    >>> s.scale([(0.0, 10.0), (4.0, 30.0), (1.0, 25.0)])
    [(-1.0, -1.0), (1.0, 1.0), (-0.5, 0.5)]
    >>> s.unscale([(-0.5, 0.5)])
    [(1.0, 25.0)]
    """

    minimum: Row
    maximum: Row

    @classmethod
    def fit(cls, rows: Iterable[Sequence[float]]) -> MinMaxScaler:
        """Remember each column's minimum and maximum over ``rows`` (the training data).

        >>> MinMaxScaler.fit([(1.0,), (-3.0,)])
        MinMaxScaler(minimum=(-3.0,), maximum=(1.0,))
        """
        columns = list(zip(*rows))
        if not columns:
            raise DataError("cannot fit min-max scaling to no data")
        return cls(tuple(float(min(c)) for c in columns), tuple(float(max(c)) for c in columns))

    def _check(self, row: Sequence[float]) -> None:
        if len(row) != len(self.minimum):
            raise DataError(f"expected {len(self.minimum)} columns to scale, found {len(row)}")

    def scale(self, rows: Iterable[Sequence[float]]) -> list[Row]:
        """Map each column onto [−1, 1]: 2(x − min)/(max − min) − 1 (values outside the fitted range go beyond).

        >>> MinMaxScaler((0.0,), (8.0,)).scale([(2.0,), (12.0,)])
        [(-0.5,), (2.0,)]
        """
        out = []
        for row in rows:
            self._check(row)
            out.append(
                tuple(
                    2.0 * (x - lo) / (hi - lo) - 1.0 if hi > lo else 0.0
                    for x, lo, hi in zip(row, self.minimum, self.maximum)
                )
            )
        return out

    def unscale(self, rows: Iterable[Sequence[float]]) -> list[Row]:
        """Undo :meth:`scale`: (y + 1)(max − min)/2 + min, back in the data's own units.

        >>> MinMaxScaler((0.0,), (8.0,)).unscale([(-0.5,), (2.0,)])
        [(2.0,), (12.0,)]
        """
        out = []
        for row in rows:
            self._check(row)
            out.append(
                tuple(
                    (y + 1.0) * (hi - lo) / 2.0 + lo if hi > lo else lo
                    for y, lo, hi in zip(row, self.minimum, self.maximum)
                )
            )
        return out

    def to_dict(self) -> dict[str, list[float]]:
        """A JSON-ready dict (floats round-trip exactly through ``json``).

        >>> MinMaxScaler((0.0,), (8.0,)).to_dict()
        {'minimum': [0.0], 'maximum': [8.0]}
        """
        return {"minimum": list(self.minimum), "maximum": list(self.maximum)}

    @classmethod
    def from_dict(cls, data: object) -> MinMaxScaler:
        """Rebuild a scaler from :meth:`to_dict`'s output; anything else raises :class:`DataError`.

        >>> MinMaxScaler.from_dict({"minimum": [0.0], "maximum": [8.0]})
        MinMaxScaler(minimum=(0.0,), maximum=(8.0,))
        """
        if not isinstance(data, dict) or set(data) != {"minimum", "maximum"}:
            raise DataError(f"min-max scaling: expected a dict with 'minimum' and 'maximum', "
                            f"found {reprlib.repr(data)}")
        lo, hi = data["minimum"], data["maximum"]
        ok = isinstance(lo, list) and isinstance(hi, list) and len(lo) == len(hi) > 0
        ok = ok and all(map(is_finite_number, lo + hi))
        if not ok or any(a > b for a, b in zip(lo, hi)):
            raise DataError(f"min-max scaling: expected two equally long lists of finite numbers, minimum <= maximum, "
                            f"found {reprlib.repr(data)}")
        return cls(tuple(float(x) for x in lo), tuple(float(x) for x in hi))
