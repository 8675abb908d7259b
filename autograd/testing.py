"""Worked proofs as tests: compare with published numbers at their printed precision, and show
the derivation when a gradient assertion fails.

:func:`assert_published` is the assertion; the rest of this module is a pytest plugin that pytest
loads by itself once stepgrad is installed (the ``pytest11`` entry point ``stepgrad``; turn it
off with ``pytest -p no:stepgrad``). When a test fails on an assertion that reads a Value's
``.grad`` (or a computed Value's ``.data``), the plugin appends that Value's derivation to the
failure report: ``explain(output, value)`` for a gradient, where the output is the Value in the
test's variables that the gradient was taken of, and ``explain_forward(value)`` for a value.
"""

from __future__ import annotations

import ast
import math
import textwrap
from typing import TYPE_CHECKING, Any

from .derive import explain, explain_forward
from .exercise import read_number
from .expr import Derivation
from .graph import topological_order
from .value import Value

if TYPE_CHECKING:
    import pytest

__all__ = ["assert_published", "derivations_for"]


def assert_published(value: float | Value | Derivation, published: str, *, what: str | None = None) -> None:
    """Assert that ``value`` rounds to the ``published`` number at the precision it is printed
    with: every printed digit must match, and no more is asked (``"0.082167041"``: nine
    decimals; ``"3.5101878e-05"``: eight significant digits).

    ``value`` is a number, a :class:`Value` (its ``data``) or a :class:`Derivation` (its
    ``value``). On failure the message names ``what``, shows both numbers, and shows the
    derivation: the Derivation given, or how the Value was computed.

    >>> from autograd import Value
    >>> assert_published(0.08216704056423078, "0.082167041", what="∂E_total/∂w5")
    >>> x = Value(0.5, label="x")
    >>> y = x.sigmoid().labelled("y")
    >>> assert_published(y, "0.6224")
    Traceback (most recent call last):
    ...
    AssertionError: y = 0.6224593312018546 does not round to the published 0.6224 (4 decimal places)
      computed:  0.6224593312018546
      published: 0.6224
    Forward pass
      x = 0.5
    Result: y
      y = 1 / (1 + e^(−x)) = 1 / (1 + e^(−0.5)) = 0.622459331
    """
    if not isinstance(published, str):
        raise TypeError(
            f"assert_published: pass the published number as it is printed, a string such as '0.082167041' "
            f"(a float has no printed precision), got {type(published).__name__} {published!r}"
        )
    try:
        printed = read_number(published)
    except ValueError as exc:
        raise ValueError(f"assert_published: the published number {exc}") from None
    derivation: Derivation | None = None
    if isinstance(value, Derivation):
        derivation, number = value, value.value
    elif isinstance(value, Value):
        number = value.data
        if value.op is not None:
            derivation = explain_forward(value)
        what = what or value.label
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        raise TypeError(f"assert_published: expected a number, a Value or a Derivation, got {type(value).__name__}")
    if printed.matches(number):
        return
    places = -printed.exponent
    precision = f"{places} decimal place{'s' * (places != 1)}" if places > 0 else f"{printed.digits} significant digits"
    if "e" in printed.text.lower():
        precision = f"{printed.digits} significant digits"
    name = f"{what} = " if what else ""
    lines = [
        f"{name}{number!r} does not round to the published {printed.text} ({precision})",
        f"  computed:  {number!r}",
        f"  published: {printed.text}",
    ]
    if derivation is not None:
        lines.append(str(derivation))
    raise AssertionError("\n".join(lines))


# --- the pytest plugin ---------------------------------------------------------------------------

MAX_OUTPUTS = 64  # candidate outputs looked at in a failing test's variables
MAX_NODES = 5_000  # a graph larger than this is not explained in a test report


def _evaluate(node: ast.expr, scope: dict[str, Any]) -> Any:
    """A name, an attribute or a constant subscript (``v["w5"]``, ``net.layers[0]``) looked up
    in ``scope``; anything else (a call, arithmetic) is not evaluated again. ``KeyError`` when
    it cannot be looked up."""
    if isinstance(node, ast.Name):
        if node.id in scope:
            return scope[node.id]
        raise KeyError(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_evaluate(node.value, scope), node.attr)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return _evaluate(node.value, scope)[node.slice.value]
    raise KeyError(ast.dump(node))


def _asserted_values(statement: str, scope: dict[str, Any]) -> list[tuple[str, str, Value]]:
    """(expression text, "grad" or "data", Value) for each ``X.grad`` / ``X.data`` in the
    statement where X is a Value."""
    source = textwrap.dedent(statement)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[tuple[str, str, Value]] = []
    seen: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("grad", "data"):
            try:
                v = _evaluate(node.value, scope)
            except Exception:  # noqa: BLE001 - a lookup in the test's own objects may fail any way
                continue
            if isinstance(v, Value) and (id(v), node.attr) not in seen:
                seen.add((id(v), node.attr))
                found.append((ast.get_source_segment(source, node) or ast.unparse(node), node.attr, v))
    return found


def _candidate_outputs(scope: dict[str, Any]) -> list[Value]:
    """Values in the test's variables (directly, or in a dict, list or tuple there) that were
    computed by an operation."""
    out: list[Value] = []
    for obj in list(scope.values()):
        items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else (obj,)
        for v in items:
            if isinstance(v, Value) and v.op is not None and all(v is not w for w in out):
                out.append(v)
            if len(out) >= MAX_OUTPUTS:
                return out
    return out


def _output_of(x: Value, candidates: list[Value]) -> Value | None:
    """The Value ``x.grad`` is most likely a gradient of: among the candidates whose graph holds
    ``x``, the one no other candidate's graph holds (E_total rather than E_o1), preferring one
    whose own grad is 1 (backward was called on it)."""
    graphs: list[tuple[Value, set[int]]] = []
    for c in candidates:
        if c is x:
            continue
        order = topological_order(c)
        if len(order) > MAX_NODES:
            continue
        ids = {id(v) for v in order}
        if id(x) in ids:
            graphs.append((c, ids))
    tops = [c for c, _ in graphs if not any(id(c) in ids for d, ids in graphs if d is not c)]
    tops.sort(key=lambda c: c.grad != 1.0)
    return tops[0] if tops else None


def derivations_for(statement: str, scope: dict[str, Any]) -> list[str]:
    """The derivations of the Values a failing assertion ``statement`` reads, given the
    variables of the test (``scope``): one text per ``X.grad`` or computed ``X.data``.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a")
    >>> y = (a * a).labelled("y")
    >>> y.backward()
    >>> print(derivations_for("assert a.grad == 5", {"a": a, "y": y})[0])
    a.grad: ∂y/∂a, as the chain rule computes it
    Backward pass: ∂y/∂a by the chain rule
      ∂y/∂a = a + a = 2 + 2 = 4
    """
    texts: list[str] = []
    candidates: list[Value] | None = None
    for expr, attr, v in _asserted_values(statement, scope):
        if attr == "data":
            if v.op is not None:
                texts.append(f"{expr}: how {v.label or 'the value'} was computed\n{explain_forward(v)}")
            continue
        if candidates is None:
            candidates = _candidate_outputs(scope)
        output = _output_of(v, candidates)
        if output is None:
            texts.append(f"{expr}: no Value in the test's variables has {v.label or 'it'} in its graph to explain")
            continue
        if output.label is None or v.label is None:
            name = "the gradient"
        else:
            name = f"∂{output.label}/∂{v.label}"
        d = explain(output, v)
        text = f"{expr}: {name}, as the chain rule computes it\n{d}"
        if v.requires_grad and not math.isclose(v.grad, d.value, rel_tol=1e-9, abs_tol=1e-15):
            text += (
                f"\n  note: {expr} is {v.grad!r} but {name} is {d.value!r}: gradients accumulate across backward "
                "calls; call zero_grad() (or reset .grad) before each backward"
            )
        texts.append(text)
    return texts


def _failing_entry(excinfo: pytest.ExceptionInfo[BaseException], item: pytest.Item) -> Any:
    """The traceback entry of the test's own failing line (not one inside a helper it called
    from this package or from pytest)."""
    entries = [e for e in excinfo.traceback if str(e.path) == str(item.path)]
    return entries[-1] if entries else excinfo.traceback[-1]


def _explain_failure(item: pytest.Item, call: pytest.CallInfo[None]) -> list[str]:
    """The derivations to append when a test failed on an assertion (none otherwise)."""
    excinfo = call.excinfo
    if excinfo is None or call.when != "call" or not excinfo.errisinstance(AssertionError):
        return []
    try:
        entry = _failing_entry(excinfo, item)
        scope = {**entry.frame.f_globals, **entry.frame.f_locals}
        return derivations_for(str(entry.statement), scope)
    except Exception as exc:  # noqa: BLE001 - the plugin must never turn a failure into an error
        return [f"(stepgrad could not explain this failure: {type(exc).__name__}: {exc})"]


try:  # the plugin's hook exists only where pytest does; assert_published works without it
    import pytest as _pytest
except ImportError:  # pragma: no cover
    _pytest = None

if _pytest is not None:

    @_pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        """Append the derivations of the Values a failing assertion read to the test's report."""
        outcome = yield
        report = outcome.get_result()
        texts = _explain_failure(item, call) if report.failed else []
        if texts:
            content = "\n\n".join(texts)
            if hasattr(report.longrepr, "addsection"):
                report.longrepr.addsection("stepgrad: the derivation", content)
            else:
                report.sections.append(("stepgrad: the derivation", content))
