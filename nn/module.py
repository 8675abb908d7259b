"""``Module``: anything that owns named parameters (Values), and saving them as JSON.

A parameter is a leaf ``Value`` whose ``label`` is its name (``w5``, ``b1``, ``b_h1``), so the
name a derivation prints and the name ``net["w5"]`` looks up are the same string. A frozen
parameter has ``requires_grad=False``: backward gives it no gradient and optimisers skip it.

Saved files are JSON, ``{"format": "stepgrad.parameters", "version": 1, "architecture": {...},
"parameters": {name: number}}``. Python's ``json`` writes a float as its shortest repr, which
reads back as the same float, so a save/load round trip is exact. Nothing is pickled.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Iterator, Mapping
from typing import Any

from autograd import Value

__all__ = ["Module", "FORMAT"]

FORMAT = "stepgrad.parameters"


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
        unexpected = [str(n) for n in state if n not in known]
        if missing:
            problems.append("missing " + ", ".join(missing))
        if unexpected:
            problems.append("unexpected " + ", ".join(unexpected))
        for name in names:
            if name in state:
                x = state[name]
                if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
                    problems.append(f"{name} is {x!r}, not a finite number")
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
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=1, allow_nan=False)
            f.write("\n")

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters saved by :meth:`save`; a file for another architecture is refused
        (``ValueError`` naming the file and the difference) and nothing is half-loaded."""
        where = os.fspath(path)
        document = read_document(path, FORMAT, "stepgrad parameters file")
        theirs, ours = document.get("architecture"), self.architecture()
        if theirs != ours:
            raise ValueError(f"{where}: saved for architecture {json.dumps(theirs)}, "
                             f"but this {type(self).__name__} is {json.dumps(ours)}")
        self.load_state_dict(document.get("parameters"), source=where)


def read_document(path: str | os.PathLike[str], fmt: str, what: str) -> dict[str, Any]:
    """Read a stepgrad JSON file (parameters, or a model of ``stepgrad train``) and check its
    ``format`` and ``version``; a ``ValueError`` names the file (and line) and what was expected.
    I/O errors (``OSError``, ``UnicodeDecodeError``) pass through for the caller to word.

    >>> read_document(os.devnull, FORMAT, "stepgrad parameters file")
    Traceback (most recent call last):
    ValueError: /dev/null:1: not a stepgrad parameters file (invalid JSON: Expecting value)
    """
    where = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        try:
            document = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}:{exc.lineno}: not a {what} (invalid JSON: {exc.msg})") from None
    if not isinstance(document, dict) or document.get("format") != fmt:
        raise ValueError(f'{where}: not a {what} (no "format": "{fmt}")')
    if document.get("version") != 1:
        raise ValueError(f"{where}: unsupported {what} version {document.get('version')!r} (this stepgrad reads 1)")
    return document
