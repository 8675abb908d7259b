"""The bridge to PyTorch: a Network as a torch model and back, and the two engines' gradients side by side.

``to_torch(net)`` gives a ``torch.nn.Sequential`` in float64; ``from_torch(model)`` gives a
:class:`~nn.layers.Network` with stepgrad's names, so ``explain(E, net["w5"])`` explains a torch
model's gradient; ``name_map(net)`` says which element of which torch tensor each name is;
``compare_with_torch(net, inputs, targets)`` runs both and tables the gradients per parameter.

Layout. Layer k of a Network becomes one linear module followed by its activation module:

- ``bias="neuron"``: ``torch.nn.Linear``; ``bias=None``: ``Linear(bias=False)``; ``bias="layer"``:
  :class:`nn.torch_modules.SharedBiasLinear` (one bias of shape ``()`` for the whole layer);
- neuron j's weight from input i is ``weight[j, i]`` (torch keeps weights as (outputs, inputs)),
  its bias ``bias[j]``; so in the classic network w5 (h1→o1) is ``2.weight[0, 0]`` and b1 is
  ``0.bias``;
- ``sigmoid``/``logsig`` → ``Sigmoid``, ``tanh``/``tansig`` → ``Tanh``, ``relu`` → ``ReLU``, and
  ``linear``/``purelin`` → no module at all (so a bare stack of ``Linear`` modules comes back with
  the same state-dict keys); ``threshold``/``hardlim`` is refused: torch has no module for it and
  nothing can flow back through it;
- a frozen parameter (``requires_grad=False``) freezes its torch tensor. torch freezes whole
  tensors, so a tensor whose parameters are partly frozen is refused, naming them.

Float types. ``to_torch`` always builds float64, stepgrad's own precision. ``from_torch`` takes any
floating-point model: float32, float16 and bfloat16 weights convert to float64 exactly, with a
``UserWarning`` that the gradients stepgrad then computes are float64's, not the model's own (call
``model.double()`` first to compare like with like). Round trips are exact:
``from_torch(to_torch(net))`` has the same parameters bit for bit and the same frozen ones, and
``to_torch(from_torch(model))`` has the same state dict as a float64 ``model`` whose children are
numbered and that holds no ``Identity`` modules (those carry nothing and are not written back; a
single ``Linear`` comes back as the one module of a ``Sequential``).

torch is an optional extra, ``pip install 'stepgrad[torch]'``, imported inside the functions that
use it: importing ``nn`` (this module included) never imports it.
"""

from __future__ import annotations

import copy
import math
import numbers
import struct
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autograd import Value, escape

from .layers import Network
from .losses import get_loss
from .optim import SGD
from .train import _samples

if TYPE_CHECKING:
    import torch

__all__ = [
    "to_torch", "from_torch", "name_map", "compare_with_torch", "Comparison", "ComparisonRow", "ulp_distance",
    "MAX_PARAMETERS", "INSTALL",
]

MAX_PARAMETERS = 10_000
"""``from_torch`` refuses larger models: stepgrad explains a network one scalar node at a time."""

INSTALL = "pip install 'stepgrad[torch]'"

_TORCH_ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}  # linear units get no module
_FROM_TORCH = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "Identity": "linear"}
MODES = ("online", "batch")


def _import_torch(who: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(f"{who} needs PyTorch, which is not installed: {INSTALL}") from None
    return torch


# --- where each parameter lives ------------------------------------------------------------------


def _places(net: Network) -> Iterator[tuple[Value, int, str, tuple[int, ...]]]:
    """Every parameter with its torch home: (Value, layer index, "weight" or "bias", index into
    that tensor), in the order of ``named_parameters``. The one place the layout is written."""
    for k, layer in enumerate(net.layers):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.weights):
                yield w, k, "weight", (j, i)
            if neuron.owns_bias:
                yield neuron.bias, k, "bias", (j,)
        if layer.shared_bias is not None:
            yield layer.shared_bias, k, "bias", ()


def _positions(net: Network) -> list[int]:
    """The index in ``to_torch(net)`` of each layer's linear module (an activation follows it
    unless the layer is linear)."""
    positions, at = [], 0
    for layer in net.layers:
        positions.append(at)
        at += 1 if layer.activation == "linear" else 2
    return positions


def _place_text(key: str, index: tuple[int, ...]) -> str:
    return key + (f"[{', '.join(map(str, index))}]" if index else "")


def name_map(net: Network, *, reverse: bool = False) -> dict[Any, Any]:
    """stepgrad name → (state-dict key of ``to_torch(net)``, index into that tensor); with
    ``reverse=True`` the other way round, (key, index) → name.

    >>> from nn.examples import classic_network
    >>> names = name_map(classic_network())
    >>> names["w5"], names["w2"], names["b1"]
    (('2.weight', (0, 0)), ('0.weight', (0, 1)), ('0.bias', ()))
    >>> name_map(classic_network(), reverse=True)[("2.weight", (1, 0))]
    'w7'
    """
    positions = _positions(net)
    pairs = [(v.label, (f"{positions[k]}.{attr}", index)) for v, k, attr, index in _places(net)]
    return {place: name for name, place in pairs} if reverse else dict(pairs)


# --- stepgrad → torch -----------------------------------------------------------------------------


def _check_exportable(net: Network, who: str) -> None:
    if not isinstance(net, Network):
        raise TypeError(f"{who}: expected an nn.Network, got {type(net).__name__}")
    for k, layer in enumerate(net.layers, start=1):
        if layer.activation == "threshold":
            neurons = ", ".join(n.name for n in layer.neurons)
            raise ValueError(
                f"{who}: layer {k} ({neurons}) uses threshold (hardlim), which has no torch module, and whose "
                "derivative is zero almost everywhere: no gradient flows through it. Use sigmoid (logsig), its "
                "smooth version, to compare or train.")
    bad = [f"{v.label} = {v.data!r}" for v in net.parameters() if not math.isfinite(v.data)]
    if bad:
        raise ValueError(f"{who}: parameters must be finite numbers, but {', '.join(bad)} (did training diverge?)")
    tensors: dict[tuple[int, str], list[Value]] = {}
    for v, k, attr, _ in _places(net):
        tensors.setdefault((k, attr), []).append(v)
    for (k, attr), values in tensors.items():
        frozen = [v.label for v in values if not v.requires_grad]
        if frozen and len(frozen) < len(values):
            trainable = [v.label for v in values if v.requires_grad]
            raise ValueError(
                f"{who}: layer {k + 1}'s {attr} tensor is partly frozen ({', '.join(frozen)} frozen; "
                f"{', '.join(trainable)} trained); torch freezes whole tensors (requires_grad), so freeze all "
                f"or none of a layer's {'weights' if attr == 'weight' else 'biases'}")


def to_torch(net: Network) -> torch.nn.Sequential:
    """The same network as a float64 ``torch.nn.Sequential``: the same weights bit for bit, the
    same frozen parameters; see the module docstring for the layout.

    >>> from nn.examples import classic_network
    >>> model = to_torch(classic_network())
    >>> model
    Sequential(
      (0): SharedBiasLinear(in_features=2, out_features=2, bias=shared)
      (1): Sigmoid()
      (2): SharedBiasLinear(in_features=2, out_features=2, bias=shared)
      (3): Sigmoid()
    )
    >>> model[2].weight.tolist(), model[0].bias.item(), model[0].bias.requires_grad
    ([[0.4, 0.45], [0.5, 0.55]], 0.35, False)
    """
    torch = _import_torch("nn.to_torch")
    from .torch_modules import SharedBiasLinear

    _check_exportable(net, "to_torch")
    modules = []
    for layer in net.layers:
        # skip_init: the values are all set below, and torch's random generator is left untouched.
        if layer.bias_mode == "layer":
            linear = torch.nn.utils.skip_init(SharedBiasLinear, layer.n_inputs, layer.n_outputs, dtype=torch.float64)
        else:
            linear = torch.nn.utils.skip_init(torch.nn.Linear, layer.n_inputs, layer.n_outputs,
                                              bias=layer.bias_mode == "neuron", dtype=torch.float64)
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, _TORCH_ACTIVATIONS[layer.activation])())
    model = torch.nn.Sequential(*modules)
    linears = [model[at] for at in _positions(net)]
    with torch.no_grad():
        for v, k, attr, index in _places(net):
            getattr(linears[k], attr)[index] = v.data
    for v, k, attr, _ in _places(net):
        if not v.requires_grad:
            getattr(linears[k], attr).requires_grad_(False)
    return model


# --- torch → stepgrad -----------------------------------------------------------------------------


def _describe(module: Any) -> str:
    """A module on one line, as ``Linear(in_features=2, out_features=2, bias=True)``."""
    return f"{type(module).__name__}({module.extra_repr()})"


def _element(nested: Any, index: tuple[int, ...]) -> Any:
    for i in index:
        nested = nested[i]
    return nested


def from_torch(module: torch.nn.Module, *, max_parameters: int = MAX_PARAMETERS) -> Network:
    """A stepgrad Network with the same weights as a torch model, named as stepgrad names them.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear`` (or :class:`SharedBiasLinear`) modules,
    each followed by at most one of ``Sigmoid``, ``Tanh``, ``ReLU``, ``Identity`` (none: a linear
    unit), or a single ``Linear``. Every layer must have the same bias layout (per neuron, shared,
    or none). Anything else — another module type, a non-sequential model, shapes that do not
    chain, NaN or infinite weights, more than ``max_parameters`` parameters — is a ``ValueError``
    (``TypeError`` for a non-module) naming the module and its position. Tensors with
    ``requires_grad=False`` come back frozen.

    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
    >>> net = from_torch(model)
    >>> net
    Network([2, 3, 1], activation=['tanh', 'linear'], bias='neuron')
    >>> net["w8"].data == model[2].weight[0, 1].item()
    True
    >>> from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(), torch.nn.Linear(3, 1)))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: from_torch: module 1 is Dropout(p=0.5, inplace=False), which a stepgrad network cannot hold; ...
    """
    torch = _import_torch("nn.from_torch")
    from .torch_modules import SharedBiasLinear

    linear_types = (torch.nn.Linear, SharedBiasLinear)
    if isinstance(module, linear_types):
        children = [("0", module)]
    elif isinstance(module, torch.nn.Sequential):
        children = list(module.named_children())
    elif isinstance(module, torch.nn.Module):
        raise ValueError(
            f"from_torch: {type(module).__name__} is not a torch.nn.Sequential; stepgrad reads a Sequential of "
            "Linear layers and activations (Sigmoid, Tanh, ReLU, Identity), whose order is the computation")
    else:
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")

    layers: list[list[Any]] = []  # [linear module, where, activation or None]
    for at, (name, child) in enumerate(children):
        where = f"module {at}" if name == str(at) else f"module {at} ({name!r})"
        kind = type(child).__name__
        if isinstance(child, linear_types):
            if layers and child.in_features != layers[-1][0].out_features:
                raise ValueError(
                    f"from_torch: the shapes do not chain: {where}, {_describe(child)}, takes {child.in_features} "
                    f"inputs, but {layers[-1][1]} gives {layers[-1][0].out_features}")
            layers.append([child, where, None])
        elif kind in _FROM_TORCH and type(child) is getattr(torch.nn, kind):
            if not layers or layers[-1][2] is not None:
                follows = "comes first" if not layers else f"follows another activation ({layers[-1][1]}'s)"
                raise ValueError(f"from_torch: {where} ({kind}) {follows}; stepgrad takes one activation after "
                                 "each Linear layer")
            layers[-1][2] = _FROM_TORCH[kind]
        else:
            raise ValueError(
                f"from_torch: {where} is {_describe(child)}, which a stepgrad network cannot hold; it takes Linear "
                "layers, each followed by at most one of Sigmoid, Tanh, ReLU, Identity")
    if not layers:
        raise ValueError("from_torch: the model has no Linear layer")

    def bias_mode(linear: Any) -> str | None:
        if isinstance(linear, SharedBiasLinear):
            return "layer"
        return "neuron" if linear.bias is not None else None

    modes = [bias_mode(linear) for linear, _, _ in layers]
    words = {"neuron": "a bias per neuron", "layer": "one shared bias", None: "no bias"}
    for (linear, where, _), mode in zip(layers, modes):
        if mode != modes[0]:
            raise ValueError(f"from_torch: {where}, {_describe(linear)}, has {words[mode]}, but {layers[0][1]} has "
                             f"{words[modes[0]]}; a stepgrad Network uses one bias layout for every layer")

    tensors = [(k, attr, getattr(linear, attr)) for k, (linear, _, _) in enumerate(layers)
               for attr in ("weight", "bias") if getattr(linear, attr) is not None]
    count = sum(t.numel() for _, _, t in tensors)
    if count > max_parameters:
        raise ValueError(
            f"from_torch: the model has {count:,} parameters, more than max_parameters={max_parameters:,}; stepgrad "
            "builds one graph node per multiplication and explains small networks (raise max_parameters to "
            "convert it anyway)")
    kinds = {t.dtype for _, _, t in tensors}
    if not all(d.is_floating_point for d in kinds):
        raise ValueError(f"from_torch: the parameters are {', '.join(sorted(map(str, kinds)))}; stepgrad needs "
                         "real floating-point weights")
    if kinds != {torch.float64}:
        warnings.warn(
            f"from_torch: the model's parameters are {', '.join(sorted(map(str, kinds)))}; their values convert "
            "to float64 exactly, but stepgrad computes in float64, so its gradients are close to, not the same "
            "as, the model's own (call model.double() first to compare like with like)", UserWarning, stacklevel=2)

    net = Network([layers[0][0].in_features] + [linear.out_features for linear, _, _ in layers],
                  [act or "linear" for _, _, act in layers], bias=modes[0], init=None)
    numbers_of = {(k, attr): t.detach().to(device="cpu", dtype=torch.float64).tolist() for k, attr, t in tensors}
    frozen = {(k, attr) for k, attr, t in tensors if not t.requires_grad}
    state, bad, freeze = {}, [], []
    for v, k, attr, index in _places(net):
        x = _element(numbers_of[k, attr], index)
        if not math.isfinite(x):
            bad.append(f"{layers[k][1]}'s {_place_text(attr, index)} (stepgrad's {v.label}) is {x!r}")
        state[v.label] = x
        if (k, attr) in frozen:
            freeze.append(v.label)
    if bad:
        raise ValueError("from_torch: weights must be finite numbers, but " + "; ".join(bad))
    net.load_state_dict(state)
    if freeze:
        net.freeze(*freeze)
    return net


# --- comparing the two ----------------------------------------------------------------------------


def _ordered(x: float) -> int:
    """The float's position on the number line as an integer (neighbouring floats differ by 1)."""
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


def ulp_distance(a: float, b: float) -> int | None:
    """How many steps apart two floats are on the float64 number line: 0 when equal (0.0 and −0.0
    count as equal), 1 for neighbours; None when either is NaN.

    >>> ulp_distance(0.1, math.nextafter(0.1, 1.0)), ulp_distance(-0.0, 0.0), ulp_distance(-5e-324, 5e-324)
    (1, 0, 2)
    """
    if math.isnan(a) or math.isnan(b):
        return None
    return abs(_ordered(a) - _ordered(b))


def _torch_losses(torch: Any) -> dict[str, Callable[[Any, Any], Any]]:
    """Each stepgrad loss as a torch user would write it (for one sample, a row of outputs)."""
    F = torch.nn.functional
    return {
        "half_sse": lambda o, t: 0.5 * ((t - o) ** 2).sum(),
        "sse": lambda o, t: ((t - o) ** 2).sum(),
        "mse": lambda o, t: F.mse_loss(o, t),
        "bce": lambda o, t: F.binary_cross_entropy(o, t),
    }


# What makes a step give different bits on the same numbers, as measured on torch 2.13 (CPU, float64);
# tests/test_pytorch.py checks every formula here against the installed torch.
WHY = {
    "sigmoid backward": "torch's sigmoid backward computes (g·(1 − y))·y; stepgrad computes the local "
                        "derivative y(1 − y) first (taking 1 − y as σ(−x) when x > 1, where 1 − y would cancel), "
                        "then multiplies by g",
    "tanh backward": "torch's tanh backward computes g·(1 − y²) with 1 − y² as one fused multiply-add; stepgrad's "
                     "local derivative rounds y² first (and for |x| ≥ 0.55 computes sech² x from x), then "
                     "multiplies by g",
    "sigmoid forward": "torch evaluates 1/(1 + e^−x) with its own vectorised exp; stepgrad takes e^x/(1 + e^x) "
                       "for x < 0 and the C library's exp: different roundings, each within 2 ulps of the truth",
    "tanh forward": "torch's tanh and Python's math.tanh are different implementations, each within 2 ulps",
    "linear forward": "torch adds the products w·x and the bias in its matrix-multiply order, rounding at each "
                      "addition; stepgrad adds them exactly and rounds once (math.fsum)",
    "linear backward": "torch adds the terms ∂E/∂net·w in its matrix-multiply order; stepgrad adds the rounded "
                       "products one by one",
    "bias gradient": "torch sums a shared bias's gradient in its own reduction order; stepgrad adds the "
                     "neurons' contributions one by one",
    "loss forward": "torch sums or averages the terms in its own order; stepgrad rounds the exact sum once",
    "bce backward": "torch's binary_cross_entropy backward computes (o − t)/((1 − o)·o); stepgrad "
                    "differentiates −[t ln o + (1 − t) ln(1 − o)] term by term",
}


@dataclass(frozen=True)
class ComparisonRow:
    """One parameter: its gradient in both engines and, after updates, its value in both."""

    name: str
    torch_name: str
    frozen: bool
    grad: float
    torch_grad: float | None  # None for a frozen parameter (torch gives it no gradient)
    after: float | None = None  # the parameter after the updates (None without lr)
    torch_after: float | None = None

    @property
    def grad_ulps(self) -> int | None:
        """ULPs between the two gradients (None when frozen or NaN)."""
        return None if self.torch_grad is None else ulp_distance(self.grad, self.torch_grad)

    @property
    def after_ulps(self) -> int | None:
        """ULPs between the two updated values (None without updates)."""
        return None if self.after is None or self.torch_after is None else ulp_distance(self.after, self.torch_after)


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare_with_torch` found: one row per named parameter, the total error in both
    engines, and ``roundings``, one line per step of the passes that rounds differently in torch
    (on the same numbers) and why. Prints as a text table; Jupyter shows an HTML table."""

    rows: tuple[ComparisonRow, ...]
    loss: str
    samples: int
    error: float
    torch_error: float
    lr: float | None
    steps: int
    mode: str
    roundings: tuple[str, ...]
    torch_version: str

    def __getitem__(self, name: str) -> ComparisonRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no parameter named {name!r}; the comparison has: {', '.join(r.name for r in self.rows)}")

    @property
    def max_ulps(self) -> int:
        """The largest difference in the table, in ULPs (gradients and updated values)."""
        ulps = [u for r in self.rows for u in (r.grad_ulps, r.after_ulps) if u is not None]
        return max(ulps, default=0)

    @property
    def agree(self) -> bool:
        """True when every gradient and updated value is the same float in both engines."""
        return self.max_ulps == 0

    def _lines(self) -> tuple[list[str], list[str], list[list[str]], list[str]]:
        """(title lines, table header, table body, closing lines): the text both renderings show."""
        what = f"{self.loss} on {self.samples} sample{'s' * (self.samples != 1)}"
        if self.lr is not None:
            what += f", then {self.steps} {self.mode} SGD pass{'es' * (self.steps != 1)} at lr = {self.lr!r}"
        title = [f"stepgrad vs PyTorch {self.torch_version} (float64): {what}",
                 f"E = {self.error!r} (stepgrad), {self.torch_error!r} (torch): "
                 f"{_ulps_text(ulp_distance(self.error, self.torch_error))} apart"]

        head = ["name", "torch", "stepgrad ∂E/∂w", "torch ∂E/∂w", "ulps"]
        if self.lr is not None:
            head += [f"stepgrad w after {self.steps}", f"torch w after {self.steps}", "ulps"]
        body = []
        for r in self.rows:
            if r.frozen:
                cells = [r.name, r.torch_name, "frozen", "frozen", ""]
            else:
                cells = [r.name, r.torch_name, repr(r.grad), repr(r.torch_grad), _count(r.grad_ulps)]
            if self.lr is not None:
                cells += [repr(r.after), repr(r.torch_after), _count(r.after_ulps)]
            body.append(cells)

        graded = [r for r in self.rows if not r.frozen]
        differ = [r.grad_ulps for r in graded if r.grad_ulps != 0]
        summary = (f"All {len(graded)} gradients agree bit for bit" if not differ else
                   f"{len(differ)} of {len(graded)} gradients differ, by up to {_ulps_text(_most(differ))}")
        if self.lr is not None:
            moved = [r.after_ulps for r in self.rows if r.after_ulps != 0]
            summary += ("; every updated value agrees" if not moved else
                        f"; {len(moved)} updated value{'s differ' if len(moved) != 1 else ' differs'}, "
                        f"by up to {_ulps_text(_most(moved))}")
        closing = [summary + "."]
        checked = "each step re-run in torch on stepgrad's inputs to it, for every sample at the starting weights"
        if self.roundings:
            closing.append(f"Where the engines round differently on the same numbers ({checked}):")
            closing += [f"  - {line}" for line in self.roundings]
            closing.append("Every other step gives the same bits; the differences in the table are these roundings, "
                           "carried on by the chain rule and the updates.")
        else:
            closing.append(f"Every step gives the same bits in both engines on the same numbers ({checked}).")
        return title, head, body, closing

    def __str__(self) -> str:
        title, head, body, closing = self._lines()
        widths = [max(len(row[c]) for row in [head, *body]) for c in range(len(head))]
        table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [head, *body]]
        return "\n".join([*title, "", *table, "", *closing])

    def _repr_html_(self) -> str:
        title, head, body, closing = self._lines()
        e = escape.html
        mono = ' style="font-family: monospace"'  # digits line up for comparing, column after column
        cells = "".join("<tr>" + "".join(f"<td{mono if c > 0 else ''}>{e(text)}</td>" for c, text in enumerate(row))
                        + "</tr>" for row in body)
        items = "".join(f"<li>{e(line)}</li>" for line in self.roundings)
        text = [e(line) for line in closing if not line.startswith("  - ")]
        if items:  # the list of roundings goes between its introduction and the closing sentence
            text[1] += f"<ul>{items}</ul>"
        return (f"<p><b>{e(title[0])}</b><br>{e(title[1])}</p>"
                "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead>"
                f"<tbody>{cells}</tbody></table>" + "".join(f"<div>{t}</div>" for t in text))


def _count(ulps: int | None) -> str:
    return "nan" if ulps is None else str(ulps)


def _ulps_text(ulps: int | None) -> str:
    """``1 ulp``, ``3 ulps``; ``nan`` when a value is NaN."""
    return "nan" if ulps is None else f"{ulps} ulp{'s' * (ulps != 1)}"


def _most(ulps: list[int | None]) -> int | None:
    """The largest difference; None (NaN) when any is NaN."""
    return None if None in ulps else max(ulps)


def _as_samples(net: Network, inputs: Sequence[Any], targets: Sequence[Any]) -> list[Any]:
    """One sample given as two flat lists of numbers, or lists of samples as ``nn.train`` takes them."""
    def flat(xs: Any, n: int) -> bool:
        return (hasattr(xs, "__len__") and len(xs) == n
                and all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in xs))

    if flat(inputs, net.n_inputs) and flat(targets, net.n_outputs):
        inputs, targets = [inputs], [targets]
    return _samples(net, inputs, targets, "comparison")


def _passes(samples: list[Any], mode: str, steps: int) -> Iterator[list[Any]]:
    """The groups of samples between two updates: each sample alone (online) or all of them (batch)."""
    size = 1 if mode == "online" else len(samples)
    for _ in range(steps):
        for start in range(0, len(samples), size):
            yield samples[start:start + size]


def compare_with_torch(
    net: Network,
    inputs: Sequence[Any],
    targets: Sequence[Any],
    *,
    loss: str = "half_sse",
    steps: int = 1,
    lr: float | None = None,
    mode: str = "online",
) -> Comparison:
    """Run the same forward and backward passes (and, with ``lr``, the same SGD updates) in stepgrad
    and in PyTorch, and table every named parameter: both gradients and their distance in ULPs.

    ``inputs``/``targets``: one sample (two lists of numbers) or lists of samples. The gradient
    column is ∂E/∂w at the starting weights, E summed over the samples (one backward per sample,
    gradients accumulating, as stepgrad's batch training computes it). With ``lr``, ``steps``
    passes over the samples follow, ``mode="online"`` updating after each sample and ``"batch"``
    once per pass, and the table adds each parameter's value afterwards in both engines.

    Both engines do the same arithmetic wherever a choice exists: one sample at a time, the batch
    gradient accumulated in sample order, and each update as stepgrad's SGD rounds it, η·g and
    then w − η·g. (``torch.optim.SGD`` computes w + (−η)·g as one fused multiply-add, which rounds
    once, so when η is not a power of two an update can land an ulp away from stepgrad's; it is not
    used here.) Where bits still differ, each step of the chain rule is re-run in torch on
    stepgrad's own numbers, for every sample at the starting weights, and ``roundings`` names
    every step that rounds differently, and why. ``net`` is not changed. ``loss`` is a name of
    ``nn.LOSSES``; the torch side writes it the usual torch way (``F.mse_loss``,
    ``F.binary_cross_entropy``, ``0.5 * ((t - o) ** 2).sum()``).

    >>> from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
    >>> c = compare_with_torch(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS)
    >>> round(c["w5"].grad, 9), round(c["w5"].torch_grad, 9)  # the published 0.082167041, in both
    (0.082167041, 0.082167041)
    >>> c.error == c.torch_error, 0 < c.max_ulps < 10
    (True, True)
    >>> [line.split(":")[0] for line in c.roundings]
    ['layer 2 (o1, o2), linear forward', 'layer 2 (o1, o2), sigmoid backward']
    """
    torch = _import_torch("nn.compare_with_torch")
    if loss not in _torch_losses(torch):
        raise ValueError(f"compare_with_torch: loss must be one of {', '.join(_torch_losses(torch))}, got {loss!r}")
    if mode not in MODES:
        raise ValueError(f"compare_with_torch: mode must be 'online' or 'batch', got {mode!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"compare_with_torch: steps must be a positive integer, got {steps!r}")
    if lr is None and steps != 1:
        raise ValueError(f"compare_with_torch: steps={steps} needs a learning rate lr to take them")
    model = to_torch(net)  # checks the network: activations, finite parameters, freezing
    if not any(p.requires_grad for p in net.parameters()):
        raise ValueError("compare_with_torch: every parameter is frozen, so there is no gradient to compare")
    samples = _as_samples(net, inputs, targets)
    sg = copy.deepcopy(net)
    loss_fn, torch_loss = get_loss(loss), _torch_losses(torch)[loss]
    opt = SGD(sg.parameters(), lr) if lr is not None else None  # checks lr before any work

    def row(xs: Sequence[float], grad: bool = False) -> Any:
        return torch.tensor([list(xs)], dtype=torch.float64, requires_grad=grad)

    roundings = _roundings(torch, sg, model, samples, loss, loss_fn, torch_loss, row)

    places = list(_places(sg))
    linears = [model[at] for at in _positions(sg)]
    params = [p for p in model.parameters() if p.requires_grad]

    def run(group: list[Any], sg_step: Callable[[], None], torch_step: Callable[[], None]) -> tuple[float, float]:
        """Zero the gradients, one forward and backward per sample in both engines, then the steps;
        returns E summed over the group in each engine."""
        sg.zero_grad()
        for p in params:
            p.grad = None
        errors: tuple[list[float], list[float]] = ([], [])
        for x, t in group:
            E = loss_fn(sg(x), t)
            E.backward()
            errors[0].append(E.data)
            E_t = torch_loss(model(row(x)), row(t))
            E_t.backward()
            errors[1].append(E_t.item())
        sg_step()
        torch_step()
        return math.fsum(errors[0]), math.fsum(errors[1])

    error, torch_error = run(samples, lambda: None, lambda: None)  # the gradient at the start
    grads = [(v.grad, None if not v.requires_grad else getattr(linears[k], attr).grad[index].item())
             for v, k, attr, index in places]

    after: list[tuple[float | None, float | None]] = [(None, None)] * len(places)
    if opt is not None:
        def torch_step() -> None:
            with torch.no_grad():
                for p in params:
                    p.sub_(lr * p.grad)  # η·g rounded, then the subtraction: stepgrad's SGD

        for group in _passes(samples, mode, steps):
            run(group, opt.step, torch_step)
        after = [(v.data, getattr(linears[k], attr)[index].item()) for v, k, attr, index in places]

    positions = _positions(sg)
    rows = tuple(
        ComparisonRow(v.label, _place_text(f"{positions[k]}.{attr}", index), not v.requires_grad, g, tg, a, ta)
        for (v, k, attr, index), (g, tg), (a, ta) in zip(places, grads, after)
    )
    return Comparison(rows, loss, len(samples), error, torch_error, lr, steps, mode, tuple(roundings),
                      torch.__version__)


def _roundings(torch: Any, sg: Network, model: Any, samples: list[Any], loss: str, loss_fn: Any,
               torch_loss: Any, row: Callable[..., Any]) -> list[str]:
    """Re-run each step of every sample's forward and backward pass in torch on stepgrad's own
    numbers (its inputs to that step), and name each step whose result differs: the places where
    the engines round differently, which the table's differences are carried from."""
    tally: dict[tuple[int, str], list[int]] = {}  # (layer, step) → [values that differ, values, most ulps]

    def check(layer: int, step: str, ours: list[float], theirs: Any) -> None:
        counts = tally.setdefault((layer, step), [0, 0, 0])
        for a, b in zip(ours, theirs.detach().reshape(-1).tolist()):
            d = ulp_distance(a, b)
            counts[1] += 1
            if d != 0:
                counts[0] += 1
                counts[2] = max(counts[2], d if d is not None else 0)

    positions = _positions(sg)
    for x, t in samples:
        sg.zero_grad()
        outs = sg.layer_outputs(x)
        E = loss_fn(outs[-1], t)
        E.backward()
        o = row([v.data for v in outs[-1]], grad=True)
        E_t = torch_loss(o, row(t))
        last = len(sg.layers)
        check(last + 1, "forward", [E.data], E_t)
        check(last + 1, "backward", [v.grad for v in outs[-1]], torch.autograd.grad(E_t, o)[0])
        xs = list(x)
        for k, (layer, layer_outs) in enumerate(zip(sg.layers, outs)):
            linear = model[positions[k]]
            nets = layer_outs if layer.activation == "linear" else [v.parents[0] for v in layer_outs]
            xt = row(xs, grad=True)
            net_t = linear(xt)
            check(k + 1, "linear forward", [v.data for v in nets], net_t)
            if layer.activation != "linear":
                a = row([v.data for v in nets], grad=True)
                out_t = model[positions[k] + 1](a)
                check(k + 1, f"{layer.activation} forward", [v.data for v in layer_outs], out_t)
                if nets[0].requires_grad:
                    gnet = torch.autograd.grad(out_t, a, row([v.grad for v in layer_outs]))[0]
                    check(k + 1, f"{layer.activation} backward", [v.grad for v in nets], gnet)
            if nets[0].requires_grad:
                wanted: list[tuple[str, Any, list[float]]] = []
                if k > 0 and outs[k - 1][0].requires_grad:
                    wanted.append(("linear backward", xt, [v.grad for v in outs[k - 1]]))
                if linear.weight.requires_grad:
                    wanted.append(("weight gradient", linear.weight, [w.grad for w in layer.weights]))
                if linear.bias is not None and linear.bias.requires_grad:
                    wanted.append(("bias gradient", linear.bias, [b.grad for b in layer.biases]))
                if wanted:
                    got = torch.autograd.grad(net_t, [w[1] for w in wanted], row([v.grad for v in nets]))
                    for (step, _, ours), theirs in zip(wanted, got):
                        check(k + 1, step, ours, theirs)
            xs = [v.data for v in layer_outs]

    names = {k + 1: ", ".join(n.name for n in layer.neurons) for k, layer in enumerate(sg.layers)}
    found = []
    for (layer, step), (differ, total, most) in sorted(tally.items()):
        if differ:
            if layer in names:
                where, why = f"layer {layer} ({names[layer]})", WHY.get(step)
            else:
                where, why = f"the loss ({loss})", WHY.get(f"{loss} {step}", WHY.get(f"loss {step}"))
            why = f" — {why}" if why else ""
            found.append(f"{where}, {step}: {differ} of {total} values differ, by up to {_ulps_text(most)}{why}")
    return found
