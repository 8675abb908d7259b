"""Exercises: the learner computes the numbers of a pass by hand, and stepgrad checks them.

:func:`exercise` turns a labelled graph into questions (forward values, local derivatives,
gradients, updated parameters) in the order they are computed; :meth:`Exercise.check` reads a
learner's answers the way a person means them and returns a :class:`Report`: a verdict for
each answer, the first wrong quantity, known mistakes by name, and a hint.

How a learner's numbers are judged:

- **Precision as written.** An answer is right when the true value rounds to it at the
  precision given: for 0.082167041, "0.0822" and "0.08217" are right, "0.083" and "0.0821" are
  not. A string keeps its digits ("0.0800" is given to four significant digits); a Python number
  is read as it prints (``repr``: 0.0822 is "0.0822"), at most 12 significant digits, because a
  float carries no precision of its own and its last digits are rounding noise, not the
  learner's claim. More than 15 significant digits are not checked (a float holds about 16).
- **Carried errors.** Every quantity is recomputed from the learner's own earlier answers (the
  nearest answered ones; true values for the rest). An answer that is wrong only because an
  earlier one was is *carried*, and the report names the earlier ones; an answer that is right
  from the learner's rounded inputs is right.
- **Known mistakes** are recognised by computing, on the graph itself, the value each mistake
  gives (one path left out, the sign of −(target − out), net for out or out for net, f(x) for
  f′(x), the learning rate or its sign, backpropagating through already-updated weights), so
  they are recognised on any network, not just on the published numbers.

The model below works on the graph as a person reads it: the *labelled* nodes, and between a
labelled node and the labelled nodes it is computed from, the local derivative folded over the
unlabelled nodes in between, as :func:`autograd.explain` folds them. Questions, prompts, the
answer key and the hints reuse :func:`autograd.explain` and :func:`autograd.explain_forward`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Any

from .derive import explain, explain_forward
from .expr import Deriv, Derivation, Sym
from .graph import gradient_step, topological_order
from .ops import OPS, fill

if TYPE_CHECKING:
    from .player_page import Player
    from .value import Value

__all__ = [
    "exercise", "Exercise", "Question", "Report", "Verdict", "Mistake", "MISTAKES", "Number",
    "read_number", "PHASES",
]

PHASES = ("forward", "backward", "update", "all")
"""The phase shorthands ``ask`` accepts."""

FLOAT_DIGITS = 12  # significant digits a Python float answer is taken to claim, at most
MAX_DIGITS = 15  # significant digits checked at most (a double holds about 16)
# The arithmetic of the precision rule: 28 significant digits, as Decimal's default, but any exponent,
# so that a learner's 1e1000001 is a wrong answer rather than an overflow.
_WIDE = Context(prec=28, Emax=MAX_EMAX, Emin=MIN_EMIN)


# --- precision: a number as a person means it --------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A learner's number and the precision it claims.

    ``exponent`` is the power of ten of its last digit (``"0.0822"``: −4); ``digits`` its
    significant digits (3). ``text`` is the number as written.
    """

    text: str
    value: Decimal
    exponent: int
    digits: int

    def __float__(self) -> float:
        return float(self.value)

    def matches(self, x: float) -> bool:
        """Whether ``x`` rounds to this number at its precision.

        A true value within float noise of a tie (0.35 at one decimal) matches either neighbour:
        which way it rounds would depend on the last bit, not on the learner.

        >>> read_number("0.0822").matches(0.082167041), read_number("0.0821").matches(0.082167041)
        (True, False)
        """
        if not math.isfinite(x):
            return False
        with localcontext(_WIDE):
            half = Decimal(5).scaleb(self.exponent - 1)
            return abs(Decimal(x) - self.value) <= half * (1 + Decimal("1e-9"))

    def agreeing_digits(self, x: float) -> int:
        """How many significant digits of this number ``x`` bears out (all of them when it matches).

        >>> read_number("0.0821").agreeing_digits(0.082167041)
        2
        """
        if self.matches(x):
            return self.digits
        if self.value == 0 or not math.isfinite(x) or x == 0:
            return 0
        lead = self.value.adjusted()
        # Rounded to a digit at or below its first, this number keeps its order of magnitude (or
        # goes one up: 9.96 → 10.0), so x can agree only within one order of it. Farther off,
        # x rounded to that digit would need more than 28 digits.
        if abs(Decimal(x).adjusted() - lead) > 2:
            return 0
        with localcontext(_WIDE):
            for k in range(self.digits - 1, 0, -1):
                quantum = Decimal(1).scaleb(lead - k + 1)
                if Decimal(x).quantize(quantum, ROUND_HALF_EVEN) == self.value.quantize(quantum, ROUND_HALF_EVEN):
                    return k
        return 0


_MINUS = str.maketrans({"−": "-", "–": "-", "＋": "+", "，": ",", "。": "."})


def read_number(answer: object) -> Number:
    """Read an answer as a person means it: a string keeps its digits, a Python number is read
    as it prints (``repr``), at most 12 significant digits. Unicode minus signs and a decimal
    comma (one comma, no point) are accepted. Anything else raises ``ValueError`` saying why.

    >>> n = read_number("0.0800")
    >>> n.digits, n.exponent
    (3, -4)
    >>> read_number(0.0822).text, read_number("−1,5").value
    ('0.0822', Decimal('-1.5'))
    >>> read_number("abc")
    Traceback (most recent call last):
    ...
    ValueError: 'abc' is not a number
    """
    if isinstance(answer, bool) or not isinstance(answer, (str, numbers.Real)):
        raise ValueError(f"{answer!r} is not a number (a {type(answer).__name__})")
    if isinstance(answer, str):
        text = answer.strip().translate(_MINUS).replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        cap = MAX_DIGITS
    else:
        text = repr(float(answer)) if not isinstance(answer, Decimal) else str(answer)
        cap = FLOAT_DIGITS
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{answer!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{answer!r} is not a finite number")
    exponent = value.as_tuple().exponent
    digits = len(value.as_tuple().digits) if value != 0 else 0
    if digits > cap:  # more digits than are meaningful: check only the first ``cap``
        exponent += digits - cap
        digits = cap
    shown = answer.strip() if isinstance(answer, str) else text
    return Number(shown, value, int(exponent), digits)


# --- known mistakes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A known mistake: its name, its title and what it is, in English and Chinese."""

    name: str
    titles: tuple[str, str]  # (English, Chinese)
    en: str
    zh: str

    def title(self, lang: str = "en") -> str:
        """The mistake in a few words.

        >>> MISTAKES["forgot_lr"].title("zh")
        '忘了学习率'
        """
        return self.titles[lang == "zh"]

    def explain(self, lang: str = "en", **where: str) -> str:
        """The explanation in ``lang``, with the place it was made filled in.

        >>> MISTAKES["lr_sign"].explain(w="w5").split(";")[1]
        ' your number is w5 + η·∂E/∂w5.'
        """
        return getattr(self, lang).format(**where)


MISTAKES: dict[str, Mistake] = {
    m.name: m
    for m in (
        Mistake(
            "forgot_lr", ("forgot the learning rate", "忘了学习率"),
            "Forgot the learning rate: the update is {w}⁺ = {w} − η·∂E/∂{w} with η = {lr}; "
            "your number is {w} − ∂E/∂{w}.",
            "忘了学习率：更新公式是 {w}⁺ = {w} − η·∂E/∂{w}（η = {lr}）；你算的是 {w} − ∂E/∂{w}。",
        ),
        Mistake(
            "lr_sign", ("the sign of the update", "更新的符号"),
            "The sign of the update: gradient descent steps against the gradient, {w}⁺ = {w} − η·∂E/∂{w}; "
            "your number is {w} + η·∂E/∂{w}.",
            "更新的符号错了：梯度下降沿梯度的反方向走，{w}⁺ = {w} − η·∂E/∂{w}；你算的是 {w} + η·∂E/∂{w}。",
        ),
        Mistake(
            "one_path", ("forgot one of the paths", "漏掉了一条路径"),
            "Forgot a path: {node} reaches {top} by more than one path, and every gradient through {node} "
            "is the sum over all of them; your number leaves out the path from {node} through {via}.",
            "漏掉了一条路径：{node} 通过不止一条路径影响 {top}，经过 {node} 的梯度是所有路径之和；"
            "你的结果少了从 {node} 经过 {via} 的那一条。",
        ),
        Mistake(
            "target_sign", ("the sign of −(target − out)", "−(target − out) 的符号"),
            "The sign of −(target − out): for E = ½(target − out)² the derivative ∂E/∂out is "
            "−(target − out) = out − target; your number has the opposite sign (at {at}).",
            "−(target − out) 的符号：E = ½(target − out)² 对 out 的导数是 −(target − out) = out − target；"
            "你的结果符号相反（在 {at} 处）。",
        ),
        Mistake(
            "net_for_out", ("net where out belongs", "把 net 当成 out"),
            "Used net where out belongs: {net} is the sum before the activation, {out} = {f}({net}) "
            "the value after it, and {at} needs {out}.",
            "把 net 当成了 out：{net} 是激活之前的加权和，{out} = {f}({net}) 是激活之后的输出，{at} 要用的是 {out}。",
        ),
        Mistake(
            "out_for_net", ("out where net belongs", "把 out 当成 net"),
            "Used out where net belongs: ∂{out}/∂{net} is the derivative of {f} taken at {net} "
            "(for the sigmoid, {out}(1 − {out})); your number takes it at {out}.",
            "把 out 当成了 net：∂{out}/∂{net} 是 {f} 在 {net} 处的导数（sigmoid 的是 {out}(1 − {out})）；"
            "你是在 {out} 处求的导数。",
        ),
        Mistake(
            "function_for_derivative", ("f(x) where f′(x) belongs", "把 f(x) 当成 f′(x)"),
            "Used {f}(x) where {f}′(x) belongs: ∂{out}/∂{net} is the derivative of the activation "
            "(for the sigmoid, {out}(1 − {out})), not its value {out}.",
            "把 {f}(x) 当成了 {f}′(x)：∂{out}/∂{net} 是激活函数的导数（sigmoid 的是 {out}(1 − {out})），"
            "不是它的值 {out}。",
        ),
        Mistake(
            "updated_weights", ("backpropagating through already-updated weights", "用更新后的权值反向传播"),
            "Backpropagated through already-updated weights: every gradient comes from the same forward "
            "and backward pass, so the gradients further back use the weights of the forward pass ({read}), "
            "not their updated values; update the weights only after every gradient is computed. (The "
            "published example's summary makes this slip: its error after the update, 0.291027924, is "
            "0.291027774 exactly.)",
            "用已经更新过的权值做了反向传播：所有梯度都来自同一次前向和反向传播，更靠前的梯度要用前向传播时的权值"
            "（{read}），而不是更新后的值；等所有梯度都算完再更新权值。（原文总结就犯了这个错：更新后的总误差写成 "
            "0.291027924，精确值是 0.291027774。）",
        ),
    )
}
"""Every known mistake, by name."""


# --- the graph as a person reads it ------------------------------------------------------------


@dataclass(frozen=True)
class _Variant:
    """One way of making a known mistake: its kind and the places (sites) it is made at."""

    kind: str
    sites: frozenset
    where: tuple[tuple[str, str], ...]  # fills the explanation's {placeholders}


class _Skeleton:
    """The labelled nodes of a graph and the folded edges between them.

    ``below[c]`` lists the labelled nodes that labelled node ``c`` is computed from directly
    (through unlabelled nodes only), ``routes[c, a]`` every route of primitive edges from ``c``
    down to ``a``, as ``(node, slot)`` pairs. ``terms`` are the output's labelled terms when the
    output is their plain sum (E_total = E_o1 + E_o2): as in :func:`autograd.explain`, a gradient
    below one term is that term's share, and gradients are added where the terms' paths meet.
    """

    MAX_ROUTES = 20_000

    def __init__(self, output: Value) -> None:
        if output.label is None:
            raise ValueError("exercise: the output needs a label (e.g. .labelled('E_total')): questions name it")
        self.output = output
        self.order = topological_order(output)
        self.index = {id(v): i for i, v in enumerate(self.order)}
        self.node: dict[str, Value] = {}
        for v in self.order:
            if v.label is None:
                continue
            if v.label in self.node:
                raise ValueError(
                    f"exercise: two different nodes are labelled {v.label!r}; each quantity a learner computes "
                    "needs a name of its own"
                )
            self.node[v.label] = v
        self.labels = [v.label for v in self.order if v.label is not None]  # in computation order
        self.below: dict[str, list[str]] = {}
        self.routes: dict[tuple[str, str], list[tuple[tuple[Value, int], ...]]] = {}
        self.owner: dict[int, str] = {}  # every interior node: the labelled node it is folded into
        count = 0
        for c in self.labels:
            top = self.node[c]
            if top.op is None:
                continue
            self.below[c] = []
            stack: list[tuple[Value, tuple[tuple[Value, int], ...]]] = [(top, ())]
            while stack:
                v, path = stack.pop()
                self.owner.setdefault(id(v), c)
                for slot in reversed(range(len(v.parents))):
                    p = v.parents[slot]
                    route = path + ((v, slot),)
                    if p.label is not None:
                        if p.label not in self.below[c]:
                            self.below[c].append(p.label)
                        self.routes.setdefault((c, p.label), []).append(route)
                        count += 1
                        if count > self.MAX_ROUTES:
                            raise ValueError(
                                "exercise: too many routes between labelled nodes; label the shared intermediate "
                                "nodes so that each step of the exercise is a small one"
                            )
                    elif p.op is not None:
                        stack.append((p, route))
            self.below[c].sort(key=lambda a: self.index[id(self.node[a])])
        self.above: dict[str, list[str]] = {a: [] for a in self.labels}
        for c in self.labels:
            for a in self.below.get(c, []):
                self.above[a].append(c)
        # Which labelled nodes each labelled node depends on (its ancestors), in one forward sweep.
        self.depends: dict[str, frozenset[str]] = {}
        for a in self.labels:
            deps: set[str] = set()
            for b in self.below.get(a, []):
                deps.add(b)
                deps |= self.depends[b]
            self.depends[a] = frozenset(deps)
        out = output.op
        plain_sum = out is not None and all(out.partial(s).text == "1" for s in range(len(output.parents)))
        self.terms: list[str] = []
        if plain_sum and all(p.label is not None for p in output.parents):
            self.terms = list(dict.fromkeys(p.label for p in output.parents))
        self.params = [a for a in self.labels if self.node[a].op is None and self.node[a].requires_grad]
        self.pairs = {  # activation pairs: out = f(net), both labelled, f a one-operand row
            y: self.node[y].parents[0].label
            for y in self.labels
            if self.node[y].op is not None and len(self.node[y].op.operands) == 1 and not self.node[y].op.variadic
            and self.node[y].parents[0].label is not None
        }

    def terms_reaching(self, x: str) -> list[str]:
        return [t for t in self.terms if t == x or x in self.depends[t]]

    def numerator(self, x: str) -> str:
        """Whose share ∂·/∂x is, as explain writes it: the one term reaching x, else the output."""
        reaching = self.terms_reaching(x)
        return reaching[0] if len(reaching) == 1 and x != self.output.label else self.output.label

    def variants(self) -> list[_Variant]:
        """Every way of making each known mistake on this graph, the update's own first, then
        the narrowest places first (a mistake at one site is named more precisely than the same
        mistake everywhere)."""
        out: list[_Variant] = []

        def add(kind: str, sites: Iterable, where: dict[str, str]) -> None:
            out.append(_Variant(kind, frozenset(sites), tuple(where.items())))

        for kind in ("forgot_lr", "lr_sign"):
            for p in self.params:
                add(kind, [p], {"w": p})
            if len(self.params) > 1:
                add(kind, self.params, {"w": "w"})
        top = self.output.label
        for m in self.labels:
            consumers = self.above[m]
            if len(consumers) >= 2:
                for c in consumers:
                    add("one_path", [(c, m)], {"node": m, "via": c, "top": top})
        losses = [a for a in self.labels if self.node[a].op is OPS["half_squared_error"]]
        for a in losses:
            add("target_sign", [a], {"at": a})
        if len(losses) > 1:
            add("target_sign", losses, {"at": ", ".join(losses)})
        # net for out: where a node reads out_X, in the forward pass (computing the node) or in
        # the backward pass (its local derivative). (Not inside out_X's own derivative: a row may
        # compute out(1 − out) from its operand as well, so "net in place of out" has no value
        # the row can give there.)
        everywhere: list[tuple[str, str, str]] = []
        for y, z in self.pairs.items():
            f = self.node[y].op.name
            sites = [(y, r, phase) for r in self.above[y] for phase in ("forward", "backward")]
            for site in sites:
                at = f"∂{site[1]}/∂·" if site[2] == "backward" else site[1]
                add("net_for_out", [site], {"net": z, "out": y, "f": f, "at": at})
            add("net_for_out", sites, {"net": z, "out": y, "f": f, "at": ", ".join(self.above[y])})
            everywhere += sites
        if len(self.pairs) > 1:
            add("net_for_out", everywhere, {"net": "net", "out": "out", "f": "f", "at": "every neuron"})
        for kind in ("out_for_net", "function_for_derivative"):
            for y, z in self.pairs.items():
                add(kind, [y], {"net": z, "out": y, "f": self.node[y].op.name})
            if len(self.pairs) > 1:
                add(kind, self.pairs, {"net": "net", "out": "out", "f": "f"})
        read = sorted(  # parameters a local derivative reads on its way to a computed node (w5 in ∂net_o1/∂out_h1)
            {
                q.label for (_, a), routes in self.routes.items() if self.node[a].op is not None
                for route in routes for v, slot in route for s, q in enumerate(v.parents)
                if s != slot and q.label in self.params
            },
            key=lambda label: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", label)],
        )
        if read:
            add("updated_weights", ["*"], {"read": ", ".join(read)})
        return out


def _name(num: str, den: str) -> str:
    return f"d{num}/d{den}"


def _forward(op: Any, operands: Sequence[float]) -> float:
    try:
        return float(op.forward(*operands))
    except (ArithmeticError, ValueError):
        return math.nan


class _Seen(dict):
    """Records the placeholders ``fill`` looks up."""

    def get(self, key: str, default: Any = None) -> str:
        self[key] = key
        return key


@functools.cache
def _placeholders_in_order(template: str) -> tuple[str, ...]:
    """The names a formula template writes, in the order it first writes them:
    ``{b}·{a}^({b} − 1)`` → ("b", "a")."""
    seen = _Seen()
    fill(template, seen)
    return tuple(seen)


def _placeholders(template: str) -> frozenset[str]:
    """The names a formula template uses: ``{out}(1 − {out})`` → {"out"}."""
    return frozenset(_placeholders_in_order(template))


def _inverse(op: Any, y: float, guess: float) -> float:
    """An operand ``a`` with ``op.forward(a) == y`` for a monotone one-operand row (NaN when
    ``y`` is outside its range), by bisection from a bracket grown around ``guess``."""
    if not math.isfinite(y) or not math.isfinite(guess):
        return math.nan
    lo, hi = guess - 1.0, guess + 1.0
    f_lo, f_hi = _forward(op, [lo]), _forward(op, [hi])
    for _ in range(64):
        if not (math.isfinite(f_lo) and math.isfinite(f_hi)) or f_lo == f_hi:
            return math.nan
        up = f_lo < f_hi
        if (f_lo <= y <= f_hi) if up else (f_hi <= y <= f_lo):
            break
        width = hi - lo
        if (y < f_lo) == up:
            lo, f_lo = lo - width, _forward(op, [lo - width])
        else:
            hi, f_hi = hi + width, _forward(op, [hi + width])
    else:
        return math.nan
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        f_mid = _forward(op, [mid])
        if (f_mid < y) == up:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


class _World:
    """Every quantity of the exercise, computed from the graph, with some numbers fixed (the
    learner's answers) and optionally one known mistake made. Values are computed on demand
    and kept; nothing in the graph is changed."""

    def __init__(
        self, sk: _Skeleton, lr: float | None, fixed: Mapping[str, float], mistake: _Variant | None = None,
        clean: _World | None = None,
    ) -> None:
        self.sk, self.lr, self.fixed, self.mistake = sk, lr, fixed, mistake
        self.clean = clean if clean is not None else (self if mistake is None else _World(sk, lr, fixed))
        self._forward: dict[int, float] | None = None
        self._after: dict[int, float] | None = None
        self._grads: dict[str, dict[str, float]] = {}
        self._locals: dict[tuple[str, str], float] = {}

    def _has(self, kind: str, site: object) -> bool:
        m = self.mistake
        return m is not None and m.kind == kind and site in m.sites

    # forward values ------------------------------------------------------------------------

    def _sweep(self, after: bool) -> dict[int, float]:
        values: dict[int, float] = {}
        for v in self.sk.order:
            if v.op is None:
                x = v.data
                if after and v.label in self.sk.params:
                    x = self.value(v.label + "+")
            else:
                operands = [self._read(v, s, values) for s in range(len(v.parents))]
                try:
                    x = float(v.op.forward(*operands))
                except (ArithmeticError, ValueError):
                    x = math.nan
            if v.label is not None:
                x = self.fixed.get(v.label + "+" if after else v.label, x)
            values[id(v)] = x
        return values

    def _read(self, reader: Value, slot: int, values: Mapping[int, float], phase: str = "forward") -> float:
        """An operand's value as ``reader`` reads it (net in place of out, with that mistake)."""
        p = reader.parents[slot]
        if p.label in self.sk.pairs and self._has("net_for_out", (p.label, self.sk.owner.get(id(reader)), phase)):
            return values[id(self.sk.node[self.sk.pairs[p.label]])]
        return values[id(p)]

    def forward(self) -> dict[int, float]:
        if self._forward is None:
            self._forward = self._sweep(after=False)
        return self._forward

    def after(self) -> dict[int, float]:
        if self._after is None:
            self._after = self._sweep(after=True)
        return self._after

    # local derivatives -----------------------------------------------------------------------

    def _partial(self, v: Value, slot: int) -> float:
        """The local derivative of ``v`` for operand ``slot`` as its formula reads with this
        world's numbers: out(1 − out) with the learner's out, whatever operand the row's own
        function also reads (a row may compute the same number from its operand, for accuracy)."""
        values = self.forward()
        operands = [self._read(v, s, values, "backward") for s in range(len(v.parents))]
        if self._has("updated_weights", "*"):
            for s, p in enumerate(v.parents):
                if p.label in self.sk.params:
                    operands[s] = self.clean.value(p.label + "+")
        out = values[id(v)]
        y = v.label
        if y in self.sk.pairs:
            if self._has("function_for_derivative", y):
                return out
            if self._has("out_for_net", y):  # the derivative taken at out
                operands = [out]
                out = _forward(v.op, operands)
        row = v.op.partial(slot)
        shown = _placeholders(row.text)
        if "out" not in shown:  # the formula is in the operands: the result follows from them
            out = _forward(v.op, operands)
        elif not shown & set(v.op.operands) and len(operands) == 1 and _forward(v.op, operands) != out:
            operands = [_inverse(v.op, out, operands[0])]  # in out alone: an operand that gives this out
        try:
            local = float(row.fn(out, *operands))
        except (ArithmeticError, ValueError):
            return math.nan
        if slot == 0 and self._has("target_sign", v.label):
            local = -local
        return local

    def local(self, c: str, a: str) -> float:
        """∂c/∂a between labelled nodes c and a, folded over the unlabelled nodes between them."""
        key = (c, a)
        if key not in self._locals:
            name = _name(c, a)
            if name in self.fixed:
                self._locals[key] = self.fixed[name]
            elif self._has("one_path", key):
                self._locals[key] = 0.0
            else:
                total = 0.0
                for route in self.sk.routes[key]:
                    product = 1.0
                    for v, slot in route:
                        product *= self._partial(v, slot)
                    total += product
                self._locals[key] = total
        return self._locals[key]

    # gradients -------------------------------------------------------------------------------

    def gradients(self, top: str) -> dict[str, float]:
        """∂top/∂x for every labelled x below ``top``, keyed by name ``d<top>/d<x>`` and, for the
        output, also by the name of each term's share (``dE_o1/dout_h1``), all in one sweep from
        the top down, each gradient from the gradients of the nodes it feeds, as explain writes
        them. A number the learner gave for any of these names is used in place of the sum."""
        if top in self._grads:
            return self._grads[top]
        sk, fixed = self.sk, self.fixed
        by_terms = top == sk.output.label and len(sk.terms) > 0
        grads: dict[str, float] = {}
        numer: dict[str, str] = {}  # whose share each node's gradient is
        reach = {top} | set(sk.depends[top])
        for x in reversed(sk.labels):
            if x not in reach:
                continue
            if x == top or (by_terms and x in sk.terms):  # a root of the sweep: the output, or one of its terms
                grads[_name(x, x)] = 1.0
                if x != top:
                    grads[_name(top, x)] = fixed.get(_name(top, x), self.local(top, x))
                numer[x] = x
                continue
            consumers = [c for c in sk.above[x] if c in numer]
            own = sk.numerator(x) if by_terms else top
            numer[x] = own
            shares: dict[str, float] = {}
            for c in consumers:
                n = numer[c]
                shares[n] = shares.get(n, 0.0) + grads[_name(n, c)] * self.local(c, x)
            if own != top:  # reached through one term only: its share is the gradient
                ((n, g),) = shares.items()
                g = fixed.get(_name(n, x), fixed.get(_name(top, x), g))
                grads[_name(n, x)] = g
                grads.setdefault(_name(top, x), g)
                continue
            total = 0.0
            for n, g in shares.items():
                if n != top:
                    g = fixed.get(_name(n, x), g)
                    grads[_name(n, x)] = g
                total += g
            grads[_name(top, x)] = fixed.get(_name(top, x), total)
        self._grads[top] = grads
        return grads

    # any quantity by name ----------------------------------------------------------------------

    def value(self, name: str) -> float:
        """The quantity ``name`` in this world; a number fixed for it wins."""
        if name in self.fixed:
            return self.fixed[name]
        kind, a, b = _parse(name, self.sk)
        if kind == "forward":
            return self.forward()[id(self.sk.node[a])]
        if kind == "after":
            return self.after()[id(self.sk.node[a])]
        if kind == "update":
            grad = self.value(_name(self.sk.output.label, a))
            w = self.sk.node[a].data
            if self._has("forgot_lr", a):
                return w - grad
            if self._has("lr_sign", a):
                return w + self.lr * grad
            return gradient_step(w, self.lr, grad)
        if kind == "local":
            return self.local(a, b)
        shares = self.gradients(self.sk.output.label)  # the output's sweep also holds each term's share
        return shares[name] if name in shares else self.gradients(a)[name]


def _parse(name: str, sk: _Skeleton) -> tuple[str, str, str | None]:
    """What a name means: ("forward", label, None), ("after", label, None) for ``label+`` of a
    computed node, ("update", param, None) for ``w5+``, ("local", c, a) for ``dc/da`` when c is
    computed directly from a, ("gradient", top, x) for any other ``dtop/dx``. ``KeyError`` with
    the reason when it names nothing the graph has."""
    if name in sk.node and sk.node[name].op is not None:
        return "forward", name, None
    if name.endswith("+") and name[:-1] in sk.node:
        base = name[:-1]
        if base in sk.params:
            return "update", base, None
        if sk.node[base].op is not None:
            return "after", base, None
        raise KeyError(f"{base!r} is given, not updated: {name!r} is not a quantity of the exercise")
    if name in sk.node:
        raise KeyError(f"{name!r} is given (a leaf of the graph), not computed")
    for m in re.finditer("/", name):
        num, den = name[: m.start()], name[m.end():]
        if num.startswith("d") and den.startswith("d") and num[1:] in sk.node and den[1:] in sk.node:
            top, x = num[1:], den[1:]
            if x not in sk.depends[top]:
                raise KeyError(f"{top!r} does not depend on {x!r}, so {name!r} is 0 and is not asked")
            direct = x in sk.below[top] and not any(x in sk.depends[b] for b in sk.below[top] if b != x)
            if direct and not (top in (sk.output.label, *sk.terms) and x in sk.params):
                return "local", top, x  # one step between labelled nodes (a parameter's gradient is a gradient)
            return "gradient", top, x
    raise KeyError(f"{name!r} names no quantity of this graph")


def normalise(name: str) -> str:
    """A question name as the engine spells it: ∂ → d, ⁺ → +, no spaces.

    >>> normalise("∂E_total / ∂w5"), normalise("w5⁺")
    ('dE_total/dw5', 'w5+')
    """
    return name.replace("∂", "d").replace("⁺", "+").replace(" ", "").strip()


# --- questions ---------------------------------------------------------------------------------

KINDS = {  # kind: (phase, English word, Chinese word)
    "forward": ("forward", "value", "数值"),
    "local": ("backward", "local derivative", "局部导数"),
    "gradient": ("backward", "gradient", "梯度"),
    "update": ("update", "updated parameter", "更新后的参数"),
    "after": ("update", "after the update", "更新之后"),
}


@dataclass(frozen=True)
class Question:
    """One quantity the learner computes.

    ``name`` is how answers refer to it (``"net_h1"``, ``"dout_o1/dnet_o1"``, ``"dE_total/dw5"``,
    ``"w5+"``, ``"E_total+"``); ``kind`` is ``"forward"``, ``"local"``, ``"gradient"``,
    ``"update"`` or ``"after"`` (a value in the forward pass with the updated parameters);
    ``value`` the true number. ``symbol`` and ``step`` are the left-hand side and the line of the
    derivation that computes it (the expression model of :mod:`autograd.expr`).

    For a page that shows the graph (the player's quiz mode): ``labels`` are the labelled nodes
    the question is about, the focus first, and ``node_ids`` the same nodes as the trace and the
    DOT drawing name them (``"v"`` + the node's index in ``topological_order(output)``);
    ``reveals`` is what the page must hide until the learner has answered, as the trace's steps
    name it: the ``"data"``, ``"grad"`` (∂output/∂node, or a term's share of it where no other
    term reaches the node: ∂E_o1/∂net_o1 is ∂E_total/∂net_o1), ``"updated"`` or ``"after"`` (its
    value in the forward pass after the update) of the focus node, ``"local"`` for the (folded)
    local derivative between the two nodes, or ``None`` when the quantity is no number of the
    trace's nodes (a term's share such as ∂E_o1/∂out_h1, which is out_h1's contribution through
    o1). ``edge_ids`` are the trace's ids of the primitive edges a local derivative is folded over
    (``"e<consumer index>.<slot>"``), so a page can hide their numbers too.
    """

    name: str
    kind: str
    value: float
    symbol: Any = field(repr=False)
    step: Any = field(repr=False)
    labels: tuple[str, ...] = ()
    node_ids: tuple[str, ...] = ()
    reveals: str | None = None
    edge_ids: tuple[str, ...] = ()

    @property
    def phase(self) -> str:
        """``"forward"``, ``"backward"`` or ``"update"``."""
        return KINDS[self.kind][0]

    @property
    def text(self) -> str:
        """The quantity as the derivation writes it: ``∂E_total/∂w5``, ``w5⁺``."""
        return _render(self.symbol, "text")

    def prompt(self, lang: str = "en") -> str:
        """What the learner is asked, in ``lang``.

        >>> from autograd import Value
        >>> w = Value(2.0, label="w")
        >>> q = exercise((w * w).labelled("y"), "backward").questions[0]
        >>> q.prompt(), q.prompt("zh")
        ('∂y/∂w = ?  (gradient)', '∂y/∂w = ?（梯度）')
        """
        _, en, zh = KINDS[self.kind]
        return f"{self.text} = ?  ({en})" if lang == "en" else f"{self.text} = ?（{zh}）"


def _render(expr: Any, fmt: str, lang: str = "en", numeric: bool = False, in_html: bool = False) -> str:
    """An expression in ``fmt`` ("text", "latex" or "html"); ``in_html``: LaTeX maths that sits in
    Markdown or HTML."""
    from .printing import Notation, render_expr

    return render_expr(expr, Notation(fmt, 9, False, lang, in_html=in_html), numeric)[0]


def _number(x: float, digits: int = 9) -> str:
    from .printing import Notation

    return Notation("text", digits).number(x)  # as the derivations print it, with their minus sign


def _map_symbols(e: Any, change: Any) -> Any:
    """The expression (or step, or section args) rebuilt with every symbol and derivative ``x``
    replaced by ``change(x)``. Formulas are at most a few dozen nodes deep (explain folds bigger
    ones), so this recursion is shallow."""
    if isinstance(e, (Deriv, Sym)):
        return change(e)
    if dataclasses.is_dataclass(e):
        fields = {f.name: _map_symbols(getattr(e, f.name), change) for f in dataclasses.fields(e)}
        return dataclasses.replace(e, **fields)
    if isinstance(e, tuple):
        return tuple(_map_symbols(x, change) for x in e)
    if isinstance(e, Mapping):
        return {k: _map_symbols(x, change) for k, x in e.items()}
    return e


def _substitute(e: Any, value_of: Any) -> Any:
    """The expression with each symbol's and derivative's number replaced by ``value_of(name)``
    (``None``: keep it)."""

    def change(x: Any) -> Any:
        value = value_of(_name(x.num.name, x.den.name) if isinstance(x, Deriv) else normalise(x.name))
        return x if value is None else dataclasses.replace(x, value=value)

    return _map_symbols(e, change)


def _after_names(e: Any, computed: set[str]) -> Any:
    """A forward formula with every computed node and parameter renamed X⁺ (after the update)."""

    def rename(x: Any) -> Any:
        return dataclasses.replace(x, name=x.name + "⁺") if isinstance(x, Sym) and x.name in computed else x

    return _map_symbols(e, rename)



def _symbols(formula: Any) -> list[dict[str, Any]]:
    """The named quantities a formula reads, in order, once each: the name a checker values them
    by (``None`` for a given number or η), their text and LaTeX, and their true values."""
    from .expr import Join, Tmpl

    found: dict[str, dict[str, Any]] = {}
    stack = [formula]
    while stack:
        x = stack.pop(0)
        if isinstance(x, (Deriv, Sym)):
            key = _name(x.num.name, x.den.name) if isinstance(x, Deriv) else normalise(x.name)
            found.setdefault(key, {"name": key, "text": _render(x, "text"), "latex": _render(x, "latex"),
                                   "value": x.value})
        elif isinstance(x, Join):
            stack[:0] = x.items
        elif isinstance(x, Tmpl):  # the operands the template writes (a row binds every placeholder)
            stack[:0] = x.args if x.separator else [x.args[k] for k in _placeholders_in_order(x.text) if k in x.args]
    return list(found.values())


@functools.cache
def _digit_zeros() -> list[int]:
    """The code point of the digit zero of every script Unicode has decimal digits for: Decimal
    reads ``"０.５"`` and ``"١٢"``, so a checker in another language must read them too."""
    import unicodedata

    return [c for c in range(0x110000) if unicodedata.decimal(chr(c), 1) == 0]

# --- verdicts and the report -------------------------------------------------------------------

WORDS = {
    "en": {
        "right": "right ({0} significant digit{1})",
        "right_rounded": "right from your rounded numbers",
        "carried": "carried: right from your {0}, which {1} wrong",
        "was": "was", "were": "were",
        "mistake": "wrong: a known mistake, {0}",
        "wrong": "wrong (agrees to {0} significant digit{1})",
        "wrong_none": "wrong (no significant digit agrees)",
        "missing": "no answer",
        "first": "First wrong: {0}",
        "hint": "Hint: how {0} is computed",
        "yours": "from your numbers",
        "true": "from the true numbers",
        "inputs_right": "Your numbers going into it are right, so the slip is in this step.",
        "inputs_right_all_along": "Your numbers going into it are right; your number is what the mistake above "
        "gives when it is made all along, from the given numbers.",
        "you_wrote": "you wrote {0}",
        "score": "Score: {0} of {1} right",
        "score_carried": ", {0} more carried from an earlier mistake",
        "unknown": "{0!r}: no question is named so{1}",
        "did_you_mean": "; did you mean {0!r}?",
        "twice": "{0!r}: answered twice (also as {1!r}); the first answer counts",
        "not_asked": "{0!r}: not asked in this exercise (ignored)",
        "all_right": "Everything answered is right.",
    },
    "zh": {
        "right": "正确（{0} 位有效数字）",
        "right_rounded": "正确（由你四舍五入后的数算出）",
        "carried": "连带错误：由你算错的 {0} 推出，这一步本身是对的",
        "was": "", "were": "",
        "mistake": "错误：常见错误「{0}」",
        "wrong": "错误（前 {0} 位有效数字一致）",
        "wrong_none": "错误（没有一位有效数字一致）",
        "missing": "未作答",
        "first": "第一个错误：{0}",
        "hint": "提示：{0} 的算法",
        "yours": "用你的数",
        "true": "用正确的数",
        "inputs_right": "你用到的数都是对的，所以错在这一步本身。",
        "inputs_right_all_along": "你用到的数都是对的；你的结果是从已知数出发、一路都犯上面那个错误时得到的数。",
        "you_wrote": "你写的是 {0}",
        "score": "得分：{1} 题中对了 {0} 题",
        "score_carried": "，另有 {0} 题是前面错误的连带",
        "unknown": "{0!r}：没有这个名字的题目{1}",
        "did_you_mean": "；是不是 {0!r}？",
        "twice": "{0!r}：重复作答（又写作 {1!r}），以第一次为准",
        "not_asked": "{0!r}：本练习没有问这个量（忽略）",
        "all_right": "所有作答都正确。",
    },
}

TERMINAL_WORDS = {
    "en": {
        "how": "Answer each question with a number as you worked it out (Enter skips it, q stops); "
        "after an answer that is not right, h shows a hint.\n",
        "skipped": "– skipped",
        "hint?": "h for a hint, Enter to go on: ",
    },
    "zh": {
        "how": "逐题输入你算出的数（直接回车跳过，输入 q 结束）；答得不对时，输入 h 查看提示。\n",
        "skipped": "– 跳过",
        "hint?": "输入 h 查看提示，回车继续：",
    },
}

STATUS_MARK = {"right": "✓", "carried": "~", "mistake": "✗", "wrong": "✗", "missing": "–", "invalid": "?"}


@dataclass(frozen=True)
class Verdict:
    """The verdict on one answer.

    ``status`` is ``"right"``, ``"carried"`` (wrong only because earlier answers were: they are
    ``culprits``), ``"mistake"`` (a known mistake: ``mistake``), ``"wrong"``, ``"missing"`` or
    ``"invalid"`` (``problem`` says why). ``digits`` is how many significant digits the answer
    is right to (for a wrong answer, how many agree with the true value); ``carried`` is the
    value the learner's own earlier answers give.
    """

    question: Question
    status: str
    answer: Number | None = None
    digits: int = 0
    carried: float | None = None
    culprits: tuple[str, ...] = ()
    mistake: Mistake | None = None
    where: tuple[tuple[str, str], ...] = ()
    problem: str | None = None
    rounded: bool = False
    all_along: bool = False  # the mistake was recognised from the given numbers, not the learner's own

    @property
    def right(self) -> bool:
        return self.status == "right"

    def explanation(self, lang: str = "en") -> str | None:
        """The known mistake's explanation, filled in for this question (``None`` if none)."""
        if self.mistake is None:
            return None
        return self.mistake.explain(lang, **{"w": self.question.labels[0], "lr": "η", **dict(self.where)})

    def line(self, lang: str = "en") -> str:
        """One line: the mark, the quantity, the answer, the verdict."""
        w = WORDS[lang]
        q = self.question
        head = f"{STATUS_MARK[self.status]} {q.text}"
        if self.status == "missing":
            return f"{head}: {w['missing']}" if lang == "en" else f"{head}：{w['missing']}"
        if self.status == "invalid":
            return f"{head}: {self.problem}" if lang == "en" else f"{head}：{self.problem}"
        head += f" = {self.answer.text}"
        if self.status == "right":
            verdict = w["right_rounded"] if self.rounded else w["right"].format(self.digits, "s" * (self.digits != 1))
        elif self.status == "carried":
            names = ", ".join(self.culprits)
            verdict = w["carried"].format(names, w["was" if len(self.culprits) == 1 else "were"])
        elif self.status == "mistake":
            verdict = w["mistake"].format(self.mistake.title(lang))
        elif self.digits:
            verdict = w["wrong"].format(self.digits, "s" * (self.digits != 1))
        else:
            verdict = w["wrong_none"]
        return f"{head}: {verdict}" if lang == "en" else f"{head}：{verdict}"


@dataclass
class Report:
    """What :meth:`Exercise.check` found: a verdict per question in computation order, the
    first wrong quantity with a hint, problems with the answers given, and the score.

    ``str(report)`` is the whole report as text in the report's language.
    """

    verdicts: list[Verdict]
    problems: list[str]
    first_wrong: Verdict | None
    hint: str | None
    lang: str = "en"

    @property
    def right(self) -> int:
        return sum(v.status == "right" for v in self.verdicts)

    @property
    def carried(self) -> int:
        return sum(v.status == "carried" for v in self.verdicts)

    @property
    def score(self) -> tuple[int, int]:
        """(right answers, questions)."""
        return self.right, len(self.verdicts)

    def __getitem__(self, name: str) -> Verdict:
        key = normalise(name)
        for v in self.verdicts:
            if v.question.name == key:
                return v
        raise KeyError(f"no question named {name!r}")

    def score_line(self) -> str:
        """The score in a line.

        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> exercise((x * x).labelled("y"), "all").check({"y": "4"}, lang="zh").score_line()
        '得分：2 题中对了 1 题'
        """
        w = WORDS[self.lang]
        line = w["score"].format(*self.score)
        return line + (w["score_carried"].format(self.carried) if self.carried else "")

    def __str__(self) -> str:
        w = WORDS[self.lang]
        lines = [v.line(self.lang) for v in self.verdicts]
        lines += [f"! {p}" for p in self.problems]
        if self.first_wrong is not None:
            lines.append(w["first"].format(self.first_wrong.question.text))
            explanation = self.first_wrong.explanation(self.lang)
            if explanation:
                lines.append("  " + explanation)
            if self.hint:
                lines.append(self.hint)
        elif all(v.status == "right" for v in self.verdicts if v.answer is not None):
            lines.append(w["all_right"])
        lines.append(self.score_line())
        return "\n".join(lines)


# --- the exercise --------------------------------------------------------------------------------


class Exercise:
    """Questions on one graph, in the order they are computed, and the checker of the answers.

    Made by :func:`exercise`; see there. ``questions`` lists what is asked; ``check(answers)``
    returns a :class:`Report`; ``worksheet()`` and ``answer_key()`` write the sheet to hand out
    and its solution.
    """

    def __init__(
        self, output: Value, ask: str | Sequence[str], *, lr: float | None = None, diagram: str | None = None,
        title: str | Mapping[str, str] | None = None,
    ) -> None:
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr)):
            raise TypeError(f"exercise: lr must be a finite number (the learning rate), got {lr!r}")
        self.output = output
        self.lr = None if lr is None else float(lr)
        self.diagram = diagram
        self.title = title
        self._sk = _Skeleton(output)
        self._truth = _World(self._sk, self.lr, {})
        self._catalogue, self._aliases = self._build_catalogue()
        self.questions: list[Question] = self._choose(ask)
        self._by_name = {q.name: q for q in self.questions}
        self._variants: list[_Variant] | None = None

    # building the questions ------------------------------------------------------------------

    def _question(self, name: str, step: Any, symbol: Any = None) -> Question:
        sk = self._sk
        kind, a, b = _parse(name, sk)
        focus = {"forward": (a,), "after": (a,), "update": (a,), "local": (a, b), "gradient": (b, a)}[kind]
        reveals = {"forward": "data", "update": "updated", "local": "local", "after": "after"}.get(kind)
        if kind == "gradient":  # ∂output/∂x, or a term's share of it when no other term reaches x
            reveals = "grad" if a == sk.output.label or (a in sk.terms and sk.numerator(b) == a) else None
        ids = tuple(f"v{sk.index[id(sk.node[x])]}" for x in focus)
        edges = ()
        if kind == "local":
            edges = tuple(dict.fromkeys(
                f"e{sk.index[id(v)]}.{slot}" for route in sk.routes[(a, b)] for v, slot in route
            ))
        symbol = symbol if symbol is not None else step.lhs
        return Question(name, kind, self._truth.value(name), symbol, step, focus, ids, reveals, edges)

    def _build_catalogue(self) -> tuple[dict[str, Question], dict[str, str]]:
        """Every quantity the phases ask, in computation order, from explain's own lines; and
        every other name for the same quantity (∂E_o1/∂out_o1 is ∂E_total/∂out_o1)."""
        sk = self._sk
        out = sk.output
        catalogue: dict[str, Question] = {}
        aliases: dict[str, str] = {}
        forward = explain_forward(out)
        for step in forward.steps:
            if step.kind == "forward" and step.lhs.name in sk.node:
                catalogue[step.lhs.name] = self._question(step.lhs.name, step)
        # Backward: each parameter's derivation, the output layer first (as the chain rule goes).
        distance = {id(out): 0}
        for v in reversed(sk.order):
            for p in v.parents:
                distance[id(p)] = max(distance.get(id(p), 0), distance[id(v)] + 1)
        params = sorted(sk.params, key=lambda p: (distance[id(sk.node[p])], sk.index[id(sk.node[p])]))
        self._params_in_order = params
        updates: list[tuple[str, Any]] = []
        for p in params:
            d = explain(out, sk.node[p], lr=self.lr)
            for step in d.steps:
                if step.kind in ("local", "chain", "sum", "result") and isinstance(step.lhs, Deriv):
                    num, den = step.lhs.num.name, step.lhs.den.name
                    if num not in sk.node or den not in sk.node:
                        continue  # a made-up name (v1) for an unlabelled shared node: not askable
                    name = _name(num, den)
                    key = self._alias_key(num, den)
                    if key in aliases:
                        aliases.setdefault(name, aliases[key])
                        continue
                    aliases[key] = aliases[name] = name
                    catalogue[name] = self._question(name, step)
                elif step.kind == "update":
                    updates.append((p + "+", step))
        if self.lr is not None:
            for name, step in updates:
                catalogue[name] = self._question(name, step)
            name = out.label + "+"
            catalogue[name] = self._after_question(out.label, forward)
        return catalogue, aliases

    def _alias_key(self, num: str, den: str) -> str:
        """One key for every name of the same gradient: below a single term of the output,
        ∂E_total/∂x and ∂E_o1/∂x are one quantity."""
        sk = self._sk
        if num in (sk.output.label, *sk.terms) and sk.numerator(den) != sk.output.label:
            return f"share:{den}"
        return _name(num, den)

    def _after_question(self, label: str, forward: Derivation) -> Question:
        """X⁺: X in the forward pass with the updated parameters, written with X's formula."""
        computed = {a for a in self._sk.labels if self._sk.node[a].op is not None} | set(self._sk.params)
        step = next(s for s in forward.steps if s.kind == "forward" and s.lhs.name == label)
        after = self._truth.after()

        def value_of(name: str) -> float | None:
            base = name.removesuffix("+")
            return after[id(self._sk.node[base])] if base in self._sk.node else None

        renamed = _after_names(step, computed)
        step = _substitute(dataclasses.replace(renamed, value=after[id(self._sk.node[label])]), value_of)
        return self._question(label + "+", step)

    def _choose(self, ask: str | Sequence[str]) -> list[Question]:
        items = [ask] if isinstance(ask, str) else ask
        if not isinstance(items, Sequence) or not items or not all(isinstance(x, str) for x in items):
            raise TypeError(
                f"exercise: ask must be a phase ({', '.join(map(repr, PHASES))}), a quantity's name such as "
                f"'dE_total/dw5', or a list of them; got {ask!r}"
            )
        chosen: set[str] = set()
        extra: dict[str, Question] = {}
        for item in items:
            if item in PHASES:
                if item == "update" and self.lr is None:
                    raise ValueError("exercise: ask='update' needs the learning rate: lr=...")
                wanted = ("forward", "backward", "update") if item == "all" else (item,)  # "all": no update without lr
                chosen |= {n for n, q in self._catalogue.items() if q.phase in wanted}
                continue
            name = normalise(item)
            name = self._aliases.get(name, name)
            if name in self._catalogue:
                chosen.add(name)
                continue
            try:
                kind, a, _ = _parse(name, self._sk)
            except KeyError as exc:
                raise ValueError(f"exercise: ask={item!r}: {exc.args[0]}{self._suggest(name)}") from None
            if kind in ("update", "after") and self.lr is None:
                raise ValueError(f"exercise: ask={item!r} is a value after the update, which needs lr=...")
            if kind == "after":
                extra[name] = self._after_question(a, explain_forward(self._sk.output))
            else:
                _, x, y = _parse(name, self._sk)
                extra[name] = self._question(name, explain(self._sk.node[x], self._sk.node[y]).steps[-1])
        order = list(self._catalogue)
        for name, q in extra.items():  # after the last question it is computed from
            inputs = self._inputs(name)
            at = max([order.index(i) for i in inputs if i in order], default=len(order) - 1)
            order.insert(at + 1, name)
            self._catalogue[name] = q
        chosen |= set(extra)
        return [self._catalogue[n] for n in order if n in chosen]

    def _inputs(self, name: str) -> list[str]:
        """The names a quantity is computed from directly (for placing an extra question)."""
        sk = self._sk
        kind, a, b = _parse(name, sk)
        if kind == "gradient":
            return [n for c in sk.above[b] if c == a or c in sk.depends[a] for n in (_name(a, c), _name(c, b))]
        if kind == "after":
            return [p + "+" for p in sk.params]
        return [a]

    def _closest(self, name: str, among: Iterable[str] | None = None) -> str | None:
        import difflib

        names = list(among) if among is not None else [n for n in [*self._catalogue, *self._aliases] if ":" not in n]
        close = difflib.get_close_matches(name, names, n=1)
        return close[0] if close else None

    def _suggest(self, name: str) -> str:
        close = self._closest(name)
        return f" (did you mean {close!r}?)" if close else ""

    # checking ----------------------------------------------------------------------------------

    def _group(self, name: str) -> list[str]:
        """A question's name and every other name of the same quantity."""
        return [n for n, c in self._aliases.items() if c == name and not n.startswith("share:")] or [name]

    def check(self, answers: Mapping[str, object], *, lang: str = "en") -> Report:
        """Check the learner's answers (question name → number or string as written).

        Every question gets a verdict; names that are no question, numbers that are not
        numbers, and missing answers are reported, never raised. See the module docstring for
        how precision, carried errors and known mistakes are judged.

        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> y = (x * x).labelled("y")
        >>> ex = exercise(y, ["y", "dy/dx"])
        >>> print(ex.check({"y": "4", "dy/dx": 4.1}))
        ✓ y = 4: right (1 significant digit)
        ✗ ∂y/∂x = 4.1: wrong (agrees to 1 significant digit)
        First wrong: ∂y/∂x
        Hint: how ∂y/∂x is computed
          ∂y/∂x = x + x
          from the true numbers: 2 + 2 = 4
          Your numbers going into it are right, so the slip is in this step.
        Score: 1 of 2 right
        """
        from .printing import check_lang

        check_lang(lang)
        verdicts, problems = self._verdicts(answers, lang)
        first = next((v for v in verdicts if v.status in ("wrong", "mistake", "carried")), None)
        hint = None
        if first is not None:
            hint = self.hint(first.question.name, answers, lang=lang, _all_along=first.all_along)
        return Report(verdicts, problems, first, hint, lang)

    def _verdicts(
        self, answers: Mapping[str, object], lang: str, only: Question | None = None
    ) -> tuple[list[Verdict], list[str]]:
        """A verdict for every question (or ``only`` one), and the problems with the answers."""
        if not isinstance(answers, Mapping):
            raise TypeError(
                "check: answers must be a mapping from question names to numbers, such as {'net_h1': '0.3775'}; "
                f"got {type(answers).__name__}"
            )
        w = WORDS[lang]
        problems: list[str] = []
        given: dict[str, Number] = {}
        invalid: dict[str, str] = {}
        spelled: dict[str, str] = {}
        for key, raw in answers.items():
            name = normalise(key) if isinstance(key, str) else None
            canonical = self._aliases.get(name, name) if name is not None else None
            if canonical not in self._by_name:
                if canonical in self._catalogue:
                    problems.append(w["not_asked"].format(key))
                else:
                    close = self._closest(name or "", self._by_name)
                    problems.append(w["unknown"].format(key, w["did_you_mean"].format(close) if close else ""))
                continue
            if canonical in spelled:
                problems.append(w["twice"].format(spelled[canonical], key))
                continue
            spelled[canonical] = key
            try:
                given[canonical] = read_number(raw)
            except ValueError as exc:
                invalid[canonical] = str(exc)
        fixed = {alias: float(n) for name, n in given.items() for alias in self._group(name)}
        wrong = {name for name, n in given.items() if not n.matches(self._by_name[name].value)}
        questions = self.questions if only is None else [only]
        return [self._verdict(q, given, invalid, fixed, wrong) for q in questions], problems

    def _without(self, fixed: Mapping[str, float], name: str) -> dict[str, float]:
        group = set(self._group(name))
        return {k: x for k, x in fixed.items() if k not in group}

    def _verdict(
        self, q: Question, given: Mapping[str, Number], invalid: Mapping[str, str], fixed: Mapping[str, float],
        wrong: set[str],
    ) -> Verdict:
        if q.name in invalid:
            return Verdict(q, "invalid", problem=invalid[q.name])
        if q.name not in given:
            return Verdict(q, "missing")
        n = given[q.name]
        if n.matches(q.value):
            return Verdict(q, "right", n, n.digits)
        others = self._without(fixed, q.name)
        carried = _World(self._sk, self.lr, others).value(q.name)
        if n.matches(carried):
            culprits = []
            for other in sorted(wrong - {q.name}, key=self._position):
                truth = self._by_name[other].value
                changed = dict(others, **{alias: truth for alias in self._group(other) if alias in others})
                if not math.isclose(_World(self._sk, self.lr, changed).value(q.name), carried, rel_tol=1e-12):
                    culprits.append(self._by_name[other].text)
            if culprits:
                return Verdict(q, "carried", n, n.agreeing_digits(q.value), carried, tuple(culprits))
            return Verdict(q, "right", n, n.digits, carried, rounded=True)
        found = self._known_mistake(q, n, others) if n.digits >= 2 else None
        if found is not None:
            variant, all_along = found
            where = variant.where + ((("lr", _number(self.lr)),) if self.lr is not None else ())
            return Verdict(
                q, "mistake", n, n.agreeing_digits(q.value), carried, (), MISTAKES[variant.kind], where,
                all_along=all_along,
            )
        return Verdict(q, "wrong", n, n.agreeing_digits(q.value), carried)

    def _position(self, name: str) -> int:
        return [q.name for q in self.questions].index(name)

    def _known_mistake(self, q: Question, n: Number, others: Mapping[str, float]) -> tuple[_Variant, bool] | None:
        """The first known mistake that gives the learner's number: made in this step from the
        learner's own other numbers, or made all along from the given numbers."""
        if self._variants is None:
            self._variants = self._sk.variants()
        passes = [(others, False)] + ([({}, True)] if others else [])
        for fixed, all_along in passes:
            clean = _World(self._sk, self.lr, fixed)
            found: list[tuple[float, int, _Variant]] = []
            for k, variant in enumerate(self._variants):
                x = _World(self._sk, self.lr, fixed, variant, clean).value(q.name)
                if n.matches(x) and not n.matches(q.value):
                    found.append((abs(x - float(n)), k, variant))
            if found:  # several can match a short answer: the one closest to it explains it best
                return min(found)[2], all_along
        return None

    def worksheet(self, format: str = "markdown", lang: str = "en") -> str:
        """The sheet to hand out: the network (its formulas; a drawing when a diagram was given),
        the given numbers, and a numbered blank for each question, as a complete Markdown,
        LaTeX or HTML document in English or Chinese.

        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> print(exercise((x * x).labelled("y"), "forward").worksheet().splitlines()[-1])
        1. $y$ = \\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_
        """
        return _worksheet(self, format, lang, key=False)

    def answer_key(self, format: str = "markdown", lang: str = "en") -> str:
        """The worksheet with every answer filled in, followed by every derivation in full: the
        forward pass, each parameter's gradient by the chain rule, the updates, and the forward
        pass after the update.

        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> key = exercise((x * x).labelled("y"), "all", lr=0.1).answer_key("text")
        >>> [line for line in key.splitlines() if line.startswith(("1.", "2.", "  x⁺ = x"))]
        ['1. y = 4', '2. ∂y/∂x = 4', '  x⁺ = x − η·∂y/∂x = 2 − 0.1 × 4 = 1.6']
        """
        return _worksheet(self, format, lang, key=True)

    def run(self, *, lang: str = "en", stdin: Any = None, stdout: Any = None) -> Report:
        """Ask the questions one by one in a terminal: print the network and the given numbers,
        then for each question its prompt, read the answer from ``stdin`` (a line; Enter skips,
        ``q`` stops), and print one verdict line, with the known mistake's explanation when
        there is one; after an answer that is not right, ``h`` shows the hint. Ends with the
        score, and returns the report of everything answered.

        >>> import io
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> ex = exercise((x * x).labelled("y"), ["y", "dy/dx"], title="Square")
        >>> out = io.StringIO()
        >>> _ = ex.run(stdin=io.StringIO("9\\n5\\nh\\n"), stdout=out)
        >>> print(out.getvalue().split("shows a hint.")[1].strip())
        [1/2] y = ?  (value) 9
        ✓ y = 9: right (1 significant digit)
        [2/2] ∂y/∂x = ?  (gradient) 5
        ✗ ∂y/∂x = 5: wrong (no significant digit agrees)
          h for a hint, Enter to go on: h
        Hint: how ∂y/∂x is computed
          ∂y/∂x = x + x
          from the true numbers: 3 + 3 = 6
          Your numbers going into it are right, so the slip is in this step.
        Score: 1 of 2 right
        """
        import sys

        stdin = sys.stdin if stdin is None else stdin
        stdout = sys.stdout if stdout is None else stdout
        w = TERMINAL_WORDS[lang]
        print(_worksheet(self, "text", lang, key=False, questions=False), file=stdout)
        print(w["how"], file=stdout)
        echo = not (hasattr(stdin, "isatty") and stdin.isatty())  # piped answers: show them, as a terminal would

        def read() -> str:
            line = stdin.readline()
            print(line.strip() if echo else "", end="\n" if echo else "", file=stdout)
            return line

        answers: dict[str, str] = {}
        n = len(self.questions)
        for i, q in enumerate(self.questions, 1):
            print(f"[{i}/{n}] {q.prompt(lang)} ", end="", file=stdout, flush=True)
            line = read()
            if not line or line.strip().lower() == "q":
                break
            if not line.strip():
                print(w["skipped"], file=stdout)
                continue
            answers[q.name] = line.strip()
            (verdict,), _ = self._verdicts(answers, lang, only=q)
            print(verdict.line(lang), file=stdout)
            explanation = verdict.explanation(lang)
            if explanation:
                print("  " + explanation, file=stdout)
            if verdict.status in ("wrong", "mistake", "carried", "invalid"):
                print("  " + w["hint?"], end="", file=stdout, flush=True)
                if read().strip().lower() == "h":
                    print(self.hint(q.name, answers, lang=lang, _all_along=verdict.all_along), file=stdout)
        report = self.check(answers, lang=lang)
        print(report.score_line(), file=stdout)
        return report

    def hint(
        self, name: str, answers: Mapping[str, object] | None = None, *, lang: str = "en", _all_along: bool = False
    ) -> str:
        """How quantity ``name`` is computed: its formula, then its numbers from the learner's
        own answers (the nearest ones answered; true values for the rest) beside the true ones.

        >>> from autograd import Value
        >>> x, w = Value(0.5, label="x", requires_grad=False), Value(2.0, label="w")
        >>> y = (w * x).labelled("y")
        >>> print(exercise(y, "all", lr=0.1).hint("w+", {"dy/dw": "0.6"}))
        Hint: how w⁺ is computed
          w⁺ = w − η·∂y/∂w
          from your numbers: 2 − 0.1 × 0.6 = 1.94
          from the true numbers: 2 − 0.1 × 0.5 = 1.95
        """
        key = normalise(name)
        key = self._aliases.get(key, key)
        if key not in self._catalogue:
            raise KeyError(f"hint: no question is named {name!r}{self._suggest(key)}")
        q = self._catalogue[key]
        fixed: dict[str, float] = {}
        for k, raw in (answers or {}).items():
            try:
                number = float(read_number(raw))
            except ValueError:
                continue
            canonical = self._aliases.get(normalise(str(k)), normalise(str(k)))
            if canonical in self._catalogue:
                fixed.update({alias: number for alias in self._group(canonical)})
        world = _World(self._sk, self.lr, self._without(fixed, key))
        w = WORDS[lang]
        formula = q.step.formula
        lines = [w["hint"].format(q.text), f"  {q.text} = {_render(formula, 'text', lang)}"]

        def yours(name: str) -> float | None:
            try:
                return world.value(name)
            except KeyError:
                return None

        mine = _render(_substitute(formula, yours), "text", lang, numeric=True)
        truth = _render(formula, "text", lang, numeric=True)
        mine_value, true_value = world.value(key), q.value
        colon = "：" if lang == "zh" else ": "
        if mine != truth or _number(mine_value) != _number(true_value):
            lines.append(f"  {w['yours']}{colon}{mine} = {_number(mine_value)}")
            lines.append(f"  {w['true']}{colon}{truth} = {_number(true_value)}")
        else:
            lines.append(f"  {w['true']}{colon}{truth} = {_number(true_value)}")
            lines.append("  " + w["inputs_right_all_along" if _all_along else "inputs_right"])
        return "\n".join(lines)

    def player(self, *, lang: str | Sequence[str] = "en") -> Player:
        """The step-through page of this exercise's graph as a quiz: the numbers of its
        questions stay hidden, on the card and the picture, until the learner answers each at
        its step; the page gives the verdicts of :meth:`check` (precision, carried errors, known
        mistakes by name), the hint, the answer on request, and the score. ``lang`` is ``"en"``,
        ``"zh"`` or both; ``save(path)`` writes the page (see :func:`autograd.player`).

        >>> from autograd import Value
        >>> w = Value(0.5, label="w")
        >>> y = (w * w).labelled("y")
        >>> page = exercise(y, "all", lr=0.1).player()
        >>> [(q["name"], q["at"]) for q in page.questions]
        [('y', 1), ('dy/dw', 5), ('w+', 6), ('y+', 7)]
        """
        from .player_page import player

        return player(self.output, lr=self.lr, lang=lang, quiz=self)

    def checker_data(self) -> dict[str, Any]:
        """Everything a checker written in another language needs to give the verdicts of
        :meth:`check` and the numbers of :meth:`hint`, as a JSON-ready object: the graph as the
        checker's model reads it (its nodes, the routes of primitive edges between labelled
        nodes, which placeholders each op row's local derivatives read), every way of making each
        known mistake, what each name means, the questions with their true values and the
        symbols of their formulas, the mistakes' explanations and the verdicts' words. The
        player's quiz page (``autograd/player/checker.js``) reads it.

        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> data = exercise((x * x).labelled("y"), "all").checker_data()
        >>> [q["name"] for q in data["questions"]], data["names"]["dy/dx"]
        (['y', 'dy/dx'], ['gradient', 'y', 'x'])
        >>> data["ops"]["mul"]
        {'operands': ['a', 'b'], 'partials': [{'out': False, 'operand': True}, {'out': False, 'operand': True}]}
        """
        sk = self._sk
        if self._variants is None:
            self._variants = sk.variants()

        def site(s: object) -> str:  # a site as one string: its parts joined by the unit separator
            return "\x1f".join(s) if isinstance(s, tuple) else str(s)

        ops: dict[str, Any] = {}
        for v in sk.order:
            if v.op is not None and v.op.name not in ops:
                ops[v.op.name] = {"operands": list(v.op.operands), "partials": [
                    {"out": "out" in _placeholders(p.text), "operand": bool(_placeholders(p.text) & set(v.op.operands))}
                    for p in v.op.partials
                ]}
        names = [alias for q in self.questions for alias in self._group(q.name)]
        names += [_name(sk.output.label, p) for p in sk.params] + [p + "+" for p in sk.params]
        questions = []
        for q in self.questions:
            inputs = _symbols(q.step.formula)
            names += [x["name"] for x in inputs if x["name"] is not None]
            formula = q.step.formula
            questions.append({
                "name": q.name, "kind": q.kind, "value": q.value, "label": q.labels[0], "group": self._group(q.name),
                "text": q.text, "latex": _render(q.symbol, "latex"),
                "kinds": {"en": KINDS[q.kind][1], "zh": KINDS[q.kind][2]},
                "formula": {fmt: f"{_render(q.symbol, fmt)} = {_render(formula, fmt)}" for fmt in ("text", "latex")},
                "truth": {"text": f"{_render(formula, 'text', numeric=True)} = {_number(q.value)}",
                          "latex": f"{_render(formula, 'latex', numeric=True)} = {_number(q.value).replace('−', '-')}"},
                "inputs": inputs,
            })
        parsed = {}
        for name in names:
            try:
                parsed[name] = list(_parse(name, sk))
            except KeyError:
                continue
        return {
            "output": sk.output.label,
            "lr": self.lr,
            "lr_text": None if self.lr is None else _number(self.lr),
            "nodes": [
                {"label": v.label, "op": None if v.op is None else v.op.name,
                 "parents": [sk.index[id(p)] for p in v.parents], "data": v.data}
                for v in sk.order
            ],
            "ops": ops,
            "labels": sk.labels,
            "above": sk.above,
            "depends": {a: sorted(d, key=sk.labels.index) for a, d in sk.depends.items()},
            "terms": sk.terms,
            "params": sk.params,
            "pairs": sk.pairs,
            "owner": [sk.owner.get(id(v)) for v in sk.order],
            "routes": {
                site(key): [[[sk.index[id(v)], slot] for v, slot in route] for route in routes]
                for key, routes in sk.routes.items()
            },
            "variants": [{"kind": v.kind, "sites": sorted(map(site, v.sites)), "where": dict(v.where)}
                         for v in self._variants],
            "names": parsed,
            "questions": questions,
            "mistakes": {m.name: {"title": {"en": m.titles[0], "zh": m.titles[1]}, "en": m.en, "zh": m.zh}
                         for m in MISTAKES.values()},
            "words": WORDS,
            "max_digits": MAX_DIGITS,
            "digit_zeros": _digit_zeros(),
        }


# --- worksheets and answer keys ------------------------------------------------------------------

SHEET_WORDS = {
    "en": {
        "title": "Exercise: backpropagation by hand",
        "key": "Answer key",
        "network": "The network",
        "network_text": "Each quantity is computed from the ones before it:",
        "diagram": "The network drawn by Graphviz:",
        "diagram_dot": "The picture in Graphviz's DOT language (draw it with dot -Tsvg):",
        "given": "Given",
        "inputs": "Inputs and constants (not updated)",
        "targets": "Targets",
        "params": "Parameters",
        "lr": "Learning rate",
        "questions": "Questions",
        "instructions": (
            "Compute each quantity by hand, in this order. Write each answer with as many digits as you trust: "
            "it is right when the true value rounds to it (for 0.082167041, both 0.0822 and 0.08217 are right)."
        ),
        "forward": "Forward pass",
        "backward": "Backward pass",
        "update": "Update",
        "answers": "Answers",
        "derivations": "Derivations",
        "after": "After the update: the forward pass again, with the updated parameters",
    },
    "zh": {
        "title": "练习：手算反向传播",
        "key": "答案",
        "network": "网络",
        "network_text": "每个量都由前面的量算出：",
        "diagram": "网络图（由 Graphviz 绘制）：",
        "diagram_dot": "网络图的 Graphviz DOT 源码（可用 dot -Tsvg 画出）：",
        "given": "已知",
        "inputs": "输入与常数（不更新）",
        "targets": "目标输出",
        "params": "参数",
        "lr": "学习率",
        "questions": "题目",
        "instructions": "按顺序手算下面每个量。答案写到你有把握的位数：真实值四舍五入到你给出的位数后与答案相同即为正确"
        "（例如真实值 0.082167041，写 0.0822 或 0.08217 都对）。",
        "forward": "前向传播",
        "backward": "反向传播",
        "update": "更新权重",
        "answers": "答案",
        "derivations": "推导过程",
        "after": "更新之后：用更新后的参数再做一次前向传播",
    },
}



class _Page:
    """The pieces of a worksheet written in one format (lists with maths in them, blanks, the
    drawing), collected in a :class:`~autograd.printing.document.Document` that writes the whole."""

    def __init__(self, fmt: str, lang: str, title: str) -> None:
        from .printing.document import FORMATS, Document

        if fmt not in FORMATS:
            raise ValueError(f"format={fmt!r} is not supported; choose one of {', '.join(map(repr, FORMATS))}")
        self.fmt, self.lang = fmt, lang
        self.doc = Document(title, lang)

    def text(self, s: str) -> str:
        """Plain words, escaped for the format."""
        from . import escape

        writer = {"text": escape.visible, "latex": escape.latex_text, "html": escape.html, "markdown": escape.markdown}
        return writer[self.fmt](s)

    def formula(self, expr: Any) -> str:
        """An expression as this page writes maths (LaTeX in Markdown and LaTeX, HTML in HTML)."""
        if self.fmt in ("text", "html"):
            return _render(expr, self.fmt, self.lang)
        return _render(expr, "latex", self.lang, in_html=self.fmt == "markdown")

    def math(self, expr: Any, rhs: str | None = None) -> str:
        """An expression (and ``= rhs``) as inline maths."""
        inner = self.formula(expr) + ("" if rhs is None else f" = {rhs}")
        return inner if self.fmt in ("text", "html") else f"${inner}$"

    def number(self, x: float) -> str:
        return _number(x) if self.fmt in ("text", "html") else _number(x).replace("−", "-")

    def items(self, entries: list[str], numbered: bool = False, start: int = 1) -> None:
        if not entries:
            return
        if self.fmt in ("text", "markdown"):
            block = "\n".join(f"{start + i}. {e}" if numbered else f"- {e}" for i, e in enumerate(entries))
        elif self.fmt == "latex":
            env = "enumerate" if numbered else "itemize"
            first = f"\\setcounter{{enumi}}{{{start - 1}}}\n" if numbered and start > 1 else ""
            body = "\n".join(f"\\item {e}" for e in entries)
            block = f"\\begin{{{env}}}\n{first}{body}\n\\end{{{env}}}"
        else:
            tag = "ol" if numbered else "ul"
            attr = f' start="{start}"' if numbered and start > 1 else ""
            body = "\n".join(f"<li>{e}</li>" for e in entries)
            block = f"<{tag}{attr}>\n{body}\n</{tag}>"
        self.doc.block({self.fmt: block})

    def blank(self) -> str:
        line = "_" * 12
        return {"text": line, "markdown": "\\_" * 12, "latex": r"\rule{4cm}{0.4pt}",
                "html": f'<span class="blank">{line}</span>'}[self.fmt]

    def diagram(self, dot: str) -> None:
        """The picture: SVG drawn by Graphviz in HTML (its DOT text where Graphviz is missing),
        the DOT text in Markdown; text and LaTeX rely on the formulas (a standalone document
        cannot run Graphviz)."""
        w = SHEET_WORDS[self.lang]
        if self.fmt in ("text", "latex"):
            return
        if self.fmt == "html":
            try:
                from .render import as_digraph, to_svg

                svg = to_svg(as_digraph(dot))
            except Exception:  # no graphviz package or no dot program: the DOT text stands in
                svg = None
            if svg is not None:
                self.doc.paragraph(w["diagram"])
                self.doc.block({"html": '<div class="diagram">' + svg[svg.index("<svg"):] + "</div>"})
                return
            self.doc.paragraph(w["diagram_dot"])
            self.doc.block({"html": f"<pre>{self.text(dot)}</pre>"})
            return
        self.doc.paragraph(w["diagram_dot"])
        self.doc.block({"markdown": f"```dot\n{dot.rstrip()}\n```"})

    def render(self) -> str:
        return self.doc.to(self.fmt)


def _worksheet(ex: Exercise, fmt: str, lang: str, key: bool, questions: bool = True) -> str:
    from .printing import check_lang

    check_lang(lang)
    w = SHEET_WORDS[lang]
    sk = ex._sk
    title = ex.title if isinstance(ex.title, str) else (ex.title or {}).get(lang, w["title"])
    page = _Page(fmt, lang, f"{w['key']}: {title}" if key else title)
    forward = explain_forward(sk.output, lang=lang)

    page.doc.heading(w["network"])
    page.doc.paragraph(w["network_text"])
    formulas = [s for s in forward.steps if s.kind == "forward"]
    page.items([page.math(s.lhs, page.formula(s.formula)) for s in formulas])
    if ex.diagram:
        page.diagram(ex.diagram)

    page.doc.heading(w["given"])
    symbol = {s.lhs.name: s.lhs for s in forward.steps if s.kind == "given"}  # in the order first used
    leaves = [sk.node[a] for a in symbol]
    groups = (
        ("inputs", [v for v in leaves if not v.requires_grad and not v.label.startswith("target")]),
        ("targets", [v for v in leaves if not v.requires_grad and v.label.startswith("target")]),
        ("params", [v for v in leaves if v.requires_grad]),
    )
    entries = []
    colon = "：" if lang == "zh" else ": "
    for group, values in groups:
        if values:
            shown = ", ".join(page.math(symbol[v.label], page.number(v.data)) for v in values)
            entries.append(f"{page.text(w[group])}{colon}{shown}")
    if ex.lr is not None:
        eta = next(s for s in explain(sk.output, sk.node[sk.params[0]], lr=ex.lr).steps if s.kind == "update")
        entries.append(f"{page.text(w['lr'])}{colon}{page.math(eta.formula.args['eta'], page.number(ex.lr))}")
    page.items(entries)

    if not questions:  # the terminal mode asks them one by one
        return page.render()
    page.doc.heading(w["answers"] if key else w["questions"])
    if not key:
        page.doc.paragraph(w["instructions"])
    number = 1
    for phase in ("forward", "backward", "update"):
        asked = [q for q in ex.questions if q.phase == phase]
        if not asked:
            continue
        page.doc.heading(w[phase], 3)
        if key:
            page.items([page.math(q.symbol, page.number(q.value)) for q in asked], numbered=True, start=number)
        else:
            page.items([f"{page.math(q.symbol)} = {page.blank()}" for q in asked], numbered=True, start=number)
        number += len(asked)

    if key:
        page.doc.heading(w["derivations"])
        for block in _derivations(ex, lang, forward):
            if block is None:
                page.doc.heading(w["after"], 3)
            else:
                page.doc.derivation(*block)
    return page.render()


def _derivations(ex: Exercise, lang: str, forward: Derivation) -> list[tuple[Derivation, ...] | None]:
    """The answer key's derivations, each block a tuple of them: the forward pass; each
    parameter's backward derivation in full when it computes something asked; the updates, in
    one block; the forward pass after the update (``None`` marks where that begins)."""
    sk = ex._sk
    asked = {q.name for q in ex.questions}
    out: list[tuple[Derivation, ...] | None] = [(forward,)]
    updates: list[Derivation] = []
    shown: set[str] = set()
    backward = ["plan", "local", "chain", "sum", "result", "note"]
    for p in ex._params_in_order:
        d = explain(sk.output, sk.node[p], lang=lang, lr=ex.lr)
        names = {
            ex._aliases.get(_name(s.lhs.num.name, s.lhs.den.name), "")
            for s in d.steps if isinstance(s.lhs, Deriv) and s.kind != "plan"
        }
        if (names & asked) - shown:
            out.append((d.only(backward),))
            shown |= names
        if p + "+" in asked:
            updates.append(d.only(["update"]))
    if updates:
        out.append(tuple(updates))
    after = [q for q in ex.questions if q.kind == "after"]
    if after:
        computed = {a for a in sk.labels if sk.node[a].op is not None} | set(sk.params)
        values = ex._truth.after()

        def value_of(name: str) -> float | None:
            base = name.removesuffix("+")
            return values[id(sk.node[base])] if base in sk.node else None

        sections = [
            dataclasses.replace(
                s, args=_after_names(s.args, computed), steps=tuple(_substitute(
                    _after_names(dataclasses.replace(st, value=values[id(sk.node[st.lhs.name])]), computed), value_of,
                ) for st in s.steps),
            )
            for s in forward.sections
        ]
        out += [None, (dataclasses.replace(forward, sections=sections),)]
    return out


def exercise(
    output: Value, ask: str | Sequence[str] = "all", *, lr: float | None = None, diagram: str | None = None,
    title: str | Mapping[str, str] | None = None,
) -> Exercise:
    """An exercise on the graph of ``output``: the learner computes, stepgrad checks.

    ``ask`` is a phase (``"forward"``, ``"backward"``, ``"update"``, ``"all"``), a quantity's
    name, or a list of them: forward values by label (``"net_h1"``), local derivatives between
    labelled nodes (``"dout_o1/dnet_o1"``, folded over unlabelled nodes as :func:`explain`
    folds), gradients (``"dE_total/dw5"``), updated parameters (``"w5+"``) and values after the
    update (``"E_total+"``); ``∂`` and ``⁺`` may be written for ``d`` and ``+``. The update needs
    the learning rate ``lr`` (without it, ``"all"`` is the forward and backward passes).
    Questions come in computation order: the forward pass, then each parameter's derivation (the
    layer nearest the output first), then the updates.

    ``diagram`` is DOT text of a picture for the worksheet (it must not show the answers);
    ``title`` the worksheet's title (a string, or one per language).

    >>> from autograd import Value
    >>> w = Value(0.5, label="w")
    >>> x = Value(2.0, label="x", requires_grad=False)
    >>> y = (w * x).sigmoid().labelled("y")
    >>> ex = exercise(y, "all", lr=0.1)
    >>> [q.name for q in ex.questions]
    ['y', 'dy/dw', 'w+', 'y+']
    >>> ex.questions[1].prompt()
    '∂y/∂w = ?  (gradient)'
    """
    return Exercise(output, ask, lr=lr, diagram=diagram, title=title)
