"""``Module``: anything that owns named parameters (Values), and saving them as JSON.

A parameter is a leaf ``Value`` whose ``label`` is its name (``w5``, ``b1``, ``b_h1``), so the
name a derivation prints and the name ``net["w5"]`` looks up are the same string. A frozen
parameter has ``requires_grad=False``: backward gives it no gradient and optimisers skip it.

Saved files are JSON, ``{"format": "stepgrad.parameters", "version": 1, "architecture": {...},
"parameters": {name: number}}``. Python's ``json`` writes a float as its shortest repr, which
reads back as the same float, so a save/load round trip is exact. Nothing is pickled. A save
is all or nothing (:func:`write_atomically`); a file is read with bounds (:func:`read_document`),
so a hostile or broken file gets one ``ValueError``, never a traceback from deep inside ``json``.
"""

from __future__ import annotations

import errno
import json
import math
import numbers
import os
import reprlib
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from autograd import Value

__all__ = ["Module", "FORMAT", "MAX_FILE_BYTES", "check_writable", "is_finite_number", "read_document",
           "write_atomically"]

FORMAT = "stepgrad.parameters"

MAX_FILE_BYTES = 64 * 2**20
"""The largest JSON file stepgrad reads: a million parameters, the most a model file may hold
(:data:`nn.model.MAX_PARAMETERS`), take about 30 MB."""


class Module:
    """Base class: parameters by name, gradients, freezing, state dicts, JSON files.

    Subclasses implement :meth:`_parameters` (parameters in the documented order) and may
    override :meth:`architecture` (what a saved file must match).
    """

    def _parameters(self) -> Iterator[Value]:
        raise NotImplementedError

    # --- parameters ---------------------------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` pairs: layer by layer, neuron by neuron, each neuron's weights in
        input order, then its bias; a bias shared by a layer comes after that layer's neurons.

        >>> from nn.examples import classic_network
        >>> [name for name, _ in classic_network().named_parameters()]
        ['w1', 'w2', 'w3', 'w4', 'b1', 'w5', 'w6', 'w7', 'w8', 'b2']
        """
        return [(p.label, p) for p in self._parameters()]

    def parameters(self) -> list[Value]:
        """Every parameter, frozen ones included, in the order of :meth:`named_parameters`.

        >>> from nn.examples import classic_network
        >>> len(classic_network().parameters())
        10
        """
        return list(self._parameters())

    def __getitem__(self, name: str) -> Value:
        """A parameter by name: ``net["w5"]``.

        >>> from nn.examples import classic_network
        >>> classic_network()["w5"].data
        0.4
        """
        for p in self._parameters():
            if p.label == name:
                return p
        names = ", ".join(n for n, _ in self.named_parameters())
        raise KeyError(f"no parameter named {name!r}; this {type(self).__name__} has: {names}")

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (gradients accumulate across backward calls).

        >>> from nn.layers import Neuron
        >>> n = Neuron(1, name="o1"); n.weights[0].grad = 3.0
        >>> n.zero_grad(); n.weights[0].grad
        0.0
        """
        for p in self._parameters():
            p.grad = 0.0

    def freeze(self, *names: str) -> None:
        """Stop training the named parameters (all of them if no name is given).

        >>> from nn.layers import Neuron
        >>> n = Neuron(2, name="h1")
        >>> n.freeze("b_h1")
        >>> [p.label for p in n.parameters() if p.requires_grad]
        ['w1', 'w2']
        """
        self._set_requires_grad(names, False)

    def unfreeze(self, *names: str) -> None:
        """Train the named parameters again (all of them if no name is given).

        >>> from nn.examples import classic_network
        >>> net = classic_network(); net.unfreeze("b2")
        >>> net["b2"].requires_grad, net["b1"].requires_grad
        (True, False)
        """
        self._set_requires_grad(names, True)

    def _set_requires_grad(self, names: tuple[str, ...], flag: bool) -> None:
        targets = [self[name] for name in names] if names else self.parameters()
        for p in targets:
            p.requires_grad = flag

    # --- state ----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name, in the documented order.

        >>> from nn.layers import Neuron
        >>> Neuron(2, name="h1").state_dict()
        {'w1': 0.0, 'w2': 0.0, 'b_h1': 0.0}
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any], *, source: str = "state dict") -> None:
        """Set every parameter from ``state`` (name → number), all or nothing.

        The names must be exactly this module's names and every value a finite real number;
        otherwise a ``ValueError`` says which names are missing, unexpected or bad, and no
        parameter has been changed.

        >>> from nn.examples import classic_network
        >>> net = classic_network()
        >>> net.load_state_dict({"w1": 1.0})
        Traceback (most recent call last):
        ...
        ValueError: state dict does not match this Network: missing w2, w3, w4, b1, w5, w6, w7, w8, b2
        """
        params = self.named_parameters()
        names = [n for n, _ in params]
        if not isinstance(state, Mapping):
            raise ValueError(f"{source}: expected a mapping of parameter name to number, got {type(state).__name__}")
        problems = []
        missing = [n for n in names if n not in state]
        known = set(names)
        unexpected = [n for n in state if n not in known]
        if missing:
            problems.append("missing " + _listing(missing))
        if unexpected:
            problems.append("unexpected " + _listing(unexpected))
        bad = [f"{n} is {reprlib.repr(state[n])}" for n in names if n in state and not is_finite_number(state[n])]
        if bad:
            problems.append(_listing(bad, quote=False) + (", not finite numbers" if len(bad) > 1 else
                                                          ", not a finite number"))
        if problems:
            raise ValueError(f"{source} does not match this {type(self).__name__}: " + "; ".join(problems))
        for name, p in params:  # validated above: nothing can fail from here on
            p.data = float(state[name])

    # --- files ----------------------------------------------------------------------------------

    def architecture(self) -> dict[str, Any]:
        """What a saved file must match besides the parameter names (overridden by Network)."""
        return {"module": type(self).__name__}

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a JSON file keyed by name (exact float round trip, no pickle).

        >>> import os, tempfile
        >>> from nn.examples import classic_network
        >>> path = os.path.join(tempfile.mkdtemp(), "classic.json")
        >>> classic_network().save(path)
        >>> net = classic_network(); net["w5"].data = 0.0
        >>> net.load(path); net["w5"].data
        0.4
        """
        state = self.state_dict()
        bad = [n for n, x in state.items() if not math.isfinite(x)]
        if bad:
            raise ValueError(f"save {os.fspath(path)!r}: parameters {', '.join(bad)} are not finite; "
                             "JSON cannot hold them (did training diverge?)")
        document = {"format": FORMAT, "version": 1, "architecture": self.architecture(), "parameters": state}
        write_atomically(path, json.dumps(document, indent=1, allow_nan=False) + "\n")

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters saved by :meth:`save`. Any other file (another architecture, not
        JSON, broken, too large) is refused with a ``ValueError`` naming the file and what is
        wrong, and nothing is half-loaded; ``OSError`` if it cannot be read at all."""
        where = os.fspath(path)
        document = read_document(path, FORMAT, "stepgrad parameters file")
        theirs, ours = document.get("architecture"), self.architecture()
        if theirs != ours:
            if isinstance(theirs, dict):  # name only what differs: the rest can be long
                theirs, ours = ({k: a.get(k) for k in sorted(set(ours) | set(theirs)) if theirs.get(k) != ours.get(k)}
                                for a in (theirs, ours))
            raise ValueError(f"{where}: saved for architecture {reprlib.repr(theirs)}, "
                             f"but this {type(self).__name__} is {reprlib.repr(ours)}")
        self.load_state_dict(document.get("parameters"), source=where)


def is_finite_number(x: object) -> bool:
    """Whether ``x`` is a real number with a finite float value (an int too large for a float,
    a bool, a string are not), as a file's numbers must be.

    >>> is_finite_number(0.5), is_finite_number(10 ** 400), is_finite_number(True), is_finite_number(float("nan"))
    (True, False, False, False)
    """
    try:
        return not isinstance(x, bool) and isinstance(x, numbers.Real) and math.isfinite(x)
    except OverflowError:  # an integer too large for a float
        return False


def _listing(items: Iterable[object], most: int = 10, quote: bool = True) -> str:
    """Names for a one-line message: at most ``most`` of them, each quoted if it is not a plain
    name (so a newline in a file's key cannot break the line), then how many there are."""
    items = list(items)
    plain = [quote is False or isinstance(x, str) and x.isidentifier() and len(x) <= 40 for x in items[:most]]
    shown = [x if ok else reprlib.repr(x) for x, ok in zip(items, plain)]
    return ", ".join(shown) + (f", … ({len(items)} in all)" if len(items) > most else "")


def read_document(path: str | os.PathLike[str], fmt: str, what: str) -> dict[str, Any]:
    """Read a stepgrad JSON file (parameters, or a model of ``stepgrad train``) and check its
    ``format`` and ``version``. Anything else is a ``ValueError`` naming the file (and line)
    and what was expected: invalid JSON or UTF-8, nesting too deep for the parser, an integer
    too long to convert, more than :data:`MAX_FILE_BYTES`. ``OSError`` passes through for the
    caller to word. A UTF-8 byte-order mark at the start is allowed.

    >>> read_document(os.devnull, FORMAT, "stepgrad parameters file")
    Traceback (most recent call last):
    ValueError: /dev/null:1: not a stepgrad parameters file (invalid JSON: Expecting value)
    """
    where = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)  # a bound, so that /dev/zero or a huge file ends
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"{where}: larger than {MAX_FILE_BYTES // 2**20} MiB, more than a {what} holds")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not a {what} (not UTF-8 text: byte {exc.start})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}:{exc.lineno}: not a {what} (invalid JSON: {exc.msg})") from None
    except RecursionError:
        raise ValueError(f"{where}: not a {what} (JSON nested too deeply)") from None
    except ValueError:  # Python refuses to convert an integer of more than 4300 digits
        raise ValueError(f"{where}: not a {what} (a number too long to read)") from None
    if not isinstance(document, dict) or document.get("format") != fmt:
        raise ValueError(f'{where}: not a {what} (no "format": "{fmt}")')
    if document.get("version") != 1:
        raise ValueError(f"{where}: unsupported {what} version {reprlib.repr(document.get('version'))} "
                         "(this stepgrad reads 1)")
    return document


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` completely or not at all: into a new file in the same
    folder, then renamed over ``path``, so an interrupt or a full disk leaves the old file as
    it was. A file that exists keeps its permissions; a new one gets the ones ``open`` would
    give it (0o666 less the umask). A symbolic link stays a link: its target is replaced. A
    file without write permission is refused (``PermissionError``), as writing in place would.

    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> write_atomically(path, "one\\n")
    >>> open(path).read()
    'one\\n'
    """
    target, mode = _target(path)
    fd, tmp = _new_file_beside(target)
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the rename makes it the file
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise the ``OSError`` that :func:`write_atomically` would meet at ``path`` (no such
    folder, a folder, no permission, a read-only file system), and write nothing: for a
    program that checks where its result goes before hours of work.

    >>> check_writable("/no/such/folder/model.json")
    Traceback (most recent call last):
    ...
    FileNotFoundError: [Errno 2] No such file or directory: '/no/such/folder'
    """
    target, _ = _target(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if not target.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), os.fspath(target.parent))
    fd, tmp = _new_file_beside(target)  # the one sure test: make a file there (and remove it)
    os.close(fd)
    tmp.unlink()


def _target(path: str | os.PathLike[str]) -> tuple[Path, int | None]:
    """The file a write to ``path`` replaces (through symbolic links) and its permissions (None
    if it does not exist); a file without write permission is refused, as writing in place
    would refuse it."""
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return target, None
    if not target.is_dir() and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
    return target, mode


def _new_file_beside(target: Path) -> tuple[int, Path]:
    # Created as open() would create the file itself (0o666 less the umask), under a random name;
    # O_EXCL makes sure it is a new file and not someone else's.
    tmp = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
