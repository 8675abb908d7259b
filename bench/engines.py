"""The engines the benchmark compares, behind one small adapter each.

An adapter gives the workloads what differs between engines: how to make a parameter, the
activations, how to sum a neuron's terms and how to read a gradient. The arithmetic itself is
written once, in ``workloads.py``, with the engines' own operators.

- ``stepgrad``: the engine in this work tree (``autograd``).
- ``stepgrad@REV``: the same package as committed at git revision REV, extracted at run time
  into a temporary folder and imported under another name, so that "before" and "after" are
  measured in one run on one machine (nothing is copied into the repository).
- ``micrograd``: micrograd 0.1.0 from PyPI (``bench/requirements.txt``). It has no exp, tanh or
  sigmoid; they are added the way a user would, through its public ``Value(data, _children,
  _op)`` constructor and a ``_backward`` closure, as its own ops are written.
- ``torch``: PyTorch 0-d float64 tensors, one op at a time (only when torch is installed).
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


class Engine:
    """What a workload needs from an engine."""

    name: str
    has_add_n = False

    def param(self, x: float):  # a leaf that needs a gradient
        raise NotImplementedError

    def activation(self, kind: str):  # "relu", "tanh", "sigmoid" -> function of one node
        raise NotImplementedError

    def neuron(self, bias, weights, inputs, add_n: bool = False):
        """bias + w0·x0 + w1·x1 + ..., summed left to right (one node per +)."""
        acc = bias
        for w, x in zip(weights, inputs):
            acc = acc + w * x
        return acc

    def half_squared_error(self, out, target: float):
        diff = out - target
        return diff * diff * 0.5

    def backward(self, root) -> None:
        root.backward()

    def data(self, v) -> float:
        return float(v.data)

    def grad(self, p) -> float:
        return float(p.grad)

    def sgd(self, params, lr: float) -> None:
        for p in params:
            p.data -= lr * p.grad
            p.grad = 0.0


# --- stepgrad ---------------------------------------------------------------------------------


class Stepgrad(Engine):
    has_add_n = True

    def __init__(self, module: ModuleType, name: str) -> None:
        self.ag = module
        self.name = name
        self.Value = module.Value

    def param(self, x):
        return self.Value(x)

    def const(self, x):
        return self.Value(x, requires_grad=False)

    def activation(self, kind):
        return {"relu": self.Value.relu, "tanh": self.Value.tanh, "sigmoid": self.Value.sigmoid}[kind]

    def neuron(self, bias, weights, inputs, add_n=False):
        if add_n:
            return self.ag.add_n([bias, *(w * x for w, x in zip(weights, inputs))])
        return super().neuron(bias, weights, inputs)

    def half_squared_error(self, out, target):
        return self.ag.half_squared_error(out, target)


def load_stepgrad_at(rev: str) -> ModuleType:
    """The ``autograd`` package as committed at ``rev``, imported as ``autograd_<rev>``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "autograd"],
        check=True, capture_output=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="stepgrad-bench-"))
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+/3.11.4+: refuse unsafe members
            tar.extractall(folder, filter="data")
        else:
            tar.extractall(folder)  # noqa: S202 (our own repository's archive)
    name = "autograd_" + "".join(c if c.isalnum() else "_" for c in rev)
    spec = importlib.util.spec_from_file_location(
        name, folder / "autograd" / "__init__.py", submodule_search_locations=[str(folder / "autograd")]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- micrograd 0.1.0 --------------------------------------------------------------------------


class Micrograd(Engine):
    name = "micrograd"

    def __init__(self) -> None:
        from micrograd.engine import Value

        self.Value = Value

    def param(self, x):
        return self.Value(x)

    def const(self, x):
        return x

    def activation(self, kind):
        Value = self.Value

        # What a micrograd user writes for an op it lacks: the public constructor, a closure.
        def tanh(x):
            t = math.tanh(x.data)
            out = Value(t, (x,), "tanh")

            def _backward():
                x.grad += (1 - t * t) * out.grad

            out._backward = _backward
            return out

        def sigmoid(x):
            a = x.data
            s = 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))
            out = Value(s, (x,), "sigmoid")

            def _backward():
                x.grad += s * (1 - s) * out.grad

            out._backward = _backward
            return out

        return {"relu": Value.relu, "tanh": tanh, "sigmoid": sigmoid}[kind]


# --- PyTorch, 0-d float64 tensors ---------------------------------------------------------------


class Torch(Engine):
    name = "torch"

    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch

    def param(self, x):
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=True)

    def const(self, x):
        return x

    def activation(self, kind):
        return {"relu": self.torch.relu, "tanh": self.torch.tanh, "sigmoid": self.torch.sigmoid}[kind]

    def data(self, v):
        return v.item()

    def grad(self, p):
        return p.grad.item()

    def sgd(self, params, lr):
        with self.torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None


def available(baseline: str | None, want_torch: bool) -> tuple[list[Engine], list[str]]:
    """The engines that can run here, and a message for each one that cannot."""
    import autograd

    engines: list[Engine] = [Stepgrad(autograd, "stepgrad")]
    notes: list[str] = []
    if baseline:
        engines.append(Stepgrad(load_stepgrad_at(baseline), f"stepgrad@{baseline}"))
    try:
        engines.append(Micrograd())
    except ImportError:
        notes.append("micrograd: not installed (python -m pip install -r bench/requirements.txt)")
    if want_torch:
        try:
            engines.append(Torch())
        except ImportError:
            notes.append("torch: not installed, skipped (optional)")
    return engines, notes
