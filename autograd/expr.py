"""The expression model a derivation is made of: formulas as trees, steps, sections, derivations.

A formula is data, independent of how it is printed: a named quantity (:class:`Sym`), a number
(:class:`Num`), a partial derivative symbol (:class:`Deriv`), an op-table template with its
operands bound (:class:`Tmpl`), a product or sum (:class:`Join`), or a formula too long to print
(:class:`Elided`). A :class:`Derivation` is sections of :class:`Step` lines built from them;
:mod:`autograd.derive` builds derivations, :mod:`autograd.printing` prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

__all__ = [
    "Sym", "Num", "Deriv", "Tmpl", "Join", "Elided", "Expr", "Combination", "StepKind",
    "Step", "Section", "Path", "Derivation",
]

Combination = Literal["product", "sum"]
"""How a :class:`Join` combines its items, or what an :class:`Elided` formula would have been."""

StepKind = Literal["given", "forward", "plan", "local", "chain", "sum", "result", "update", "note"]
"""What a :class:`Step` does (see its docstring)."""


@dataclass(frozen=True)
class Sym:
    """A named quantity (a label, a made-up name, η) and its value."""

    name: str
    value: float
    latex: str | None = None  # None: derived from the name by the printer


@dataclass(frozen=True)
class Num:
    """A constant, printed as a number."""

    value: float


@dataclass(frozen=True)
class Deriv:
    """The symbol ∂num/∂den, with its value."""

    num: Sym
    den: Sym
    value: float


@dataclass(frozen=True)
class Tmpl:
    """An op-table template (``Op.text``/``Op.latex`` or ``Partial.text``/``Partial.latex``) with
    its placeholders bound to expressions. ``separator`` marks a variadic row: ``args`` is then a
    tuple of expressions joined by the template."""

    text: str
    latex: str
    args: Mapping[str, Expr] | tuple[Expr, ...]
    precedence: int  # of the template's outermost operation (the row's ``precedence``)
    separator: bool = False


@dataclass(frozen=True)
class Join:
    """A product or a sum of expressions, as the chain rule writes them."""

    kind: Combination
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Elided:
    """A formula too long to be worth printing: a product of ``count`` local derivatives along
    one route, or a sum over ``count`` routes."""

    kind: Combination
    count: int


Expr = Sym | Num | Deriv | Tmpl | Join | Elided


@dataclass(frozen=True)
class Step:
    """One line: ``lhs = formula = formula with numbers = value``.

    ``kind`` says what the line does: ``"given"`` (a leaf's value), ``"forward"`` (a node from
    its operands), ``"plan"`` (the chain rule stated, no numbers), ``"local"`` (one factor from
    the op table), ``"chain"`` (a gradient as a product), ``"sum"`` (contributions added),
    ``"result"`` (the final number), ``"update"`` (a gradient step), ``"note"`` (narration only:
    ``formula`` is None and ``note`` names a language string, with ``args``).
    """

    kind: StepKind
    lhs: Expr | None
    formula: Expr | None
    value: float | None
    show_formula: bool = True
    note: str | None = None
    args: tuple[Expr | str | int, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled group of steps; ``title`` names a language string, ``args`` fill it."""

    title: str
    args: tuple[Expr | str | int, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Path:
    """One path from the output down to ``wrt`` through key nodes, with each edge's factor."""

    nodes: tuple[str, ...]
    factors: tuple[float, ...]
    value: float


@dataclass
class Derivation:
    """A derivation: sections of steps, plus the numbers a program wants.

    ``value`` is ∂output/∂wrt (or the node's value, for a forward explanation); ``paths`` lists
    up to ``max_paths`` paths from output to wrt and ``path_count`` counts them all; ``steps``
    is every line in order. ``str()`` is Unicode text; ``to_latex()``, ``to_markdown()`` and
    ``to_html()`` are the other renderings, and Jupyter shows the object as rendered maths.

    >>> from autograd import Value, explain
    >>> a = Value(2.0, label="a")
    >>> b = (a * 3).labelled("b")
    >>> d = explain((b + a).labelled("c"), a)
    >>> d.value, d.path_count, [p.nodes for p in d.paths]
    (4.0, 2, [('c', 'b', 'a'), ('c', 'a')])
    >>> [step.kind for step in d.steps]
    ['local', 'local', 'sum', 'note']
    """

    value: float
    sections: list[Section]
    paths: list[Path] = field(default_factory=list)
    path_count: int = 0
    updated: float | None = None
    digits: int = 9
    exact: bool = False
    lang: str = "en"

    @property
    def steps(self) -> list[Step]:
        """Every step of every section, in order."""
        return [step for section in self.sections for step in section.steps]

    def only(self, kinds: Iterable[StepKind]) -> Derivation:
        """The same derivation keeping only the steps of the given kinds (see :class:`Step`);
        a section left without steps goes. ``d.only(["plan", "result"])`` is the chain rule
        stated and its value, for a weight whose full derivation repeats one shown before.

        >>> from autograd import Value, explain
        >>> x = Value(3.0, label="x")
        >>> d = explain((x * x).labelled("y"), x, lr=0.1)
        >>> [s.kind for s in d.steps], [s.kind for s in d.only(["update"]).steps]
        (['local', 'update'], ['update'])
        >>> d.only(["prod"])
        Traceback (most recent call last):
        ...
        ValueError: unknown step kinds ['prod']; the kinds are given, forward, plan, local, chain, sum, result, \
update, note
        """
        keep = set(kinds)
        unknown = sorted(keep - set(get_args(StepKind)))
        if unknown:
            raise ValueError(f"unknown step kinds {unknown}; the kinds are {', '.join(get_args(StepKind))}")
        sections = [replace(s, steps=tuple(step for step in s.steps if step.kind in keep)) for s in self.sections]
        return replace(self, sections=[s for s in sections if s.steps])

    def __str__(self) -> str:
        from .printing import to_text

        return to_text(self)

    def __repr__(self) -> str:
        steps, paths = len(self.steps), self.path_count
        return (
            f"<Derivation value={self.value!r}, {steps} step{'s' * (steps != 1)}, "
            f"{paths} path{'s' * (paths != 1)}>"
        )

    def to_latex(self) -> str:
        """An ``aligned`` block, one line per step."""
        from .printing import to_latex

        return to_latex(self)

    def to_markdown(self) -> str:
        """Markdown with ``$...$`` maths, one list item per step."""
        from .printing import to_markdown

        return to_markdown(self)

    def to_html(self) -> str:
        """A self-contained HTML fragment."""
        from .printing import to_html

        return to_html(self)

    def _repr_latex_(self) -> str:
        return "$$" + self.to_latex() + "$$"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()
