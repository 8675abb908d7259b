"""Printers for derivations: Unicode text, LaTeX, Markdown and HTML, in English or Chinese.

A derivation (:class:`autograd.derive.Derivation`) is data: sections of steps whose formulas are
expression trees over op-table templates. Each printer here is a pure function from that data
to a string. The four formats share one expression renderer, :func:`render`, which differs per
format only in a small :class:`Notation` (how a label, a number, a partial derivative and a
product sign look), and parenthesises an operand by comparing its precedence (``Op.precedence``
for a forward formula) with what the template needs at the operand's place.

>>> from autograd import Value, explain
>>> x = Value(0.5, label="x")
>>> y = x.sigmoid().labelled("y")
>>> print(to_latex(explain(y, x)))
\\begin{aligned}
&\\text{Backward pass: }\\frac{\\partial y}{\\partial x}\\text{ by the chain rule} \\\\
\\frac{\\partial y}{\\partial x} &= y(1 - y) = 0.622459331(1 - 0.622459331) = 0.235003712 \\\\
\\end{aligned}
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .. import escape
from ..expr import Deriv, Derivation, Elided, Expr, Join, Num, Step, Sym, Tmpl
from ..ops import ATOM, POWER, PRODUCT, SUM, UNARY, fill
from .lang import STRINGS

__all__ = [
    "to_text", "to_latex", "to_markdown", "to_html", "format_number", "render_expr", "step_parts", "words_in",
    "check_lang", "Notation",
]


def check_lang(lang: str) -> None:
    """Refuse a language there are no strings for.

    >>> check_lang("fr")
    Traceback (most recent call last):
    ...
    ValueError: lang='fr' is not supported; choose one of 'en', 'zh'
    """
    if lang not in STRINGS:
        choices = ", ".join(repr(k) for k in STRINGS)
        raise ValueError(f"lang={lang!r} is not supported; choose one of {choices}")


def format_number(x: float, digits: int = 9, exact: bool = False) -> str:
    """A number as the derivation prints it: ``digits`` decimals with trailing zeros dropped
    (as the published example prints 0.74136507 and 0.000438568), or its exact shortest
    ``repr``. Tiny and huge numbers use scientific notation rather than print as 0.

    >>> format_number(0.7413650695523157), format_number(0.00043856773447434685)
    ('0.74136507', '0.000438568')
    >>> format_number(2.0), format_number(-0.5, exact=True), format_number(1.5e-12)
    ('2', '-0.5', '1.5e-12')
    """
    if exact or not math.isfinite(x):
        return repr(x)
    if x != 0.0 and not 10.0 ** (2 - digits) <= abs(x) < 1e16:  # keep at least 3 significant digits
        return f"{x:.{digits}g}"
    s = f"{x:.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


# --- notations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notation:
    """What differs between the formats: the template field, and how atoms look."""

    name: str  # "text", "latex" or "html"
    digits: int = 9
    exact: bool = False
    lang: str = "en"
    in_html: bool = False  # LaTeX maths inside Markdown or HTML (MathJax, KaTeX): no raw < or >

    def template(self, text: str, latex: str) -> str:
        return latex if self.name == "latex" else text

    def literal(self, segment: str, numeric: bool) -> str:
        """A piece of template text between placeholders; between numbers a product is ×."""
        if self.name == "latex":
            return segment.replace(r"\cdot", r"\times") if numeric else segment
        if numeric:
            segment = segment.replace("·", " × ")
        return escape.html(segment, quote=False) if self.name == "html" else segment

    def number(self, x: float) -> str:
        s = format_number(x, self.digits, self.exact)
        if self.name == "latex":
            return s.replace("inf", r"\infty")
        return s.replace("-", "−")

    def label(self, name: str, latex: str | None = None) -> str:
        if self.name == "latex":
            return latex if latex is not None else latex_label(name, in_html=self.in_html)
        if self.name == "html":
            base, sub, sup = _split_label(name)
            out = escape.html(base)
            out += f"<sub>{escape.html(sub)}</sub>" if sub else ""
            return out + (f"<sup>{escape.html(sup)}</sup>" if sup else "")
        if self.name == "text":
            return escape.visible(name)
        return name

    def partial(self, num: str, den: str) -> str:
        if self.name == "latex":
            return rf"\frac{{\partial {num}}}{{\partial {den}}}"
        return f"∂{num}/∂{den}"

    def times(self, numeric: bool) -> str:
        if self.name == "latex":
            return r" \times " if numeric else r" \cdot "
        return " × " if numeric else " · "

    def paren(self, s: str) -> str:
        return f"({s})"


def _split_label(name: str) -> tuple[str, str, str]:
    """(base, subscript, superscript) of a label: out_o1 → out, o1; w5 → w, 5; w5⁺ → w, 5, +."""
    sup = ""
    if name.endswith("⁺"):
        name, sup = name[:-1], "+"
    if "_" in name:
        base, sub = name.split("_", 1)
        return base, sub, sup
    m = re.fullmatch(r"([^\d]+)(\d+)", name)
    if m:
        return m.group(1), m.group(2), sup
    return name, "", sup




def latex_label(name: str, *, in_html: bool = False) -> str:
    """A label in LaTeX: multi-letter names upright, the part after ``_`` (or trailing digits)
    as a subscript.

    >>> latex_label("out_o1"), latex_label("w5"), latex_label("E_total"), latex_label("w5⁺")
    ('\\\\mathrm{out}_{\\\\mathrm{o1}}', 'w_{5}', 'E_{\\\\mathrm{total}}', 'w_{5}^{+}')
    """
    base, sub, sup = _split_label(name)

    def word(s: str) -> str:
        escaped = escape.latex(s, in_html=in_html)
        return escaped if len(s) == 1 or s.isdigit() else rf"\mathrm{{{escaped}}}"

    out = word(base)
    if sub:
        out += f"_{{{word(sub)}}}"
    if sup:
        out += f"^{{{sup}}}"
    return out


# --- expressions --------------------------------------------------------------------------------

# A filled template marks each operand's place as \x00name\x00, to look at the text around it.
_SENTINEL = "\x00{}\x00"
_SENTINEL_RE = re.compile("\x00([^\x00]*)\x00")


def _need_before(before: str) -> int:
    """How tightly an operand must bind, judging by the template text just before it."""
    if before == "" or before.endswith(("(", "{", "[", ", ")):
        return 0
    if before.endswith(("^", "ln ", r"\ln ")):
        return ATOM
    if before.endswith((" / ", ")", "}")):  # a divisor, or juxtaposed after a group
        return POWER
    if before.endswith((" − ", " - ")):
        return PRODUCT
    if before.endswith((" + ",)):
        return SUM
    if before.endswith(("−", "-")):  # unary minus
        return POWER
    return PRODUCT  # "·", "\cdot ", a coefficient


def _need_after(after: str) -> int:
    if after == "" or after.startswith((")", "}", "]", ",", " > ")):
        return 0
    if after.startswith(("^", "²")):
        return ATOM
    if after.startswith("("):  # juxtaposed before a group: out(1 − out)
        return POWER
    if after.startswith(("·", r" \cdot", " / ")):
        return PRODUCT
    return SUM


class _Sentinels(dict):
    """Maps every placeholder to a marker, so a filled template shows where operands go."""

    def get(self, key: str, default: str | None = None) -> str:  # used by ops.fill
        return _SENTINEL.format(key)


def _fill(template: str, args: dict[str, tuple[str, int, bool]], nota: Notation, numeric: bool) -> str:
    marked = fill(template, _Sentinels())
    pieces = _SENTINEL_RE.split(marked)  # literal, name, literal, name, ..., literal
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            out.append(nota.literal(piece, numeric))
            continue
        before, after = pieces[i - 1], pieces[i + 1]
        if piece not in args:  # a brace group that is not an operand
            out.append(nota.literal("{" + piece + "}", numeric))
            continue
        s, prec, minus = args[piece]
        need = max(_need_before(before), _need_after(after))  # 0: alone, or already in a group
        if need > 0 and (prec < need or (minus and before != "")):  # a negative number: UNARY
            s = nota.paren(s)
        out.append(s)
    return "".join(out)


def render_expr(e: Expr, nota: Notation, numeric: bool = False) -> tuple[str, int, bool]:
    """An expression as (string, precedence, starts with a minus sign). ``numeric=True`` writes
    every symbol and partial derivative as its value.

    >>> from autograd.expr import Sym, Tmpl
    >>> from autograd.ops import MUL
    >>> e = Tmpl(MUL.text, MUL.latex, {"a": Sym("w5", 0.4), "b": Sym("out_h1", 0.59327)}, MUL.precedence)
    >>> render_expr(e, Notation("text"))[0], render_expr(e, Notation("text"), numeric=True)[0]
    ('w5·out_h1', '0.4 × 0.59327')
    >>> print(render_expr(e, Notation("latex"))[0])
    w_{5} \\cdot \\mathrm{out}_{\\mathrm{h1}}
    """
    if isinstance(e, Elided):
        words = STRINGS[nota.lang][f"elided_{e.kind}"].format(e.count)
        if nota.name == "latex":
            words = r"\text{" + words + "}"
        return (escape.html(words) if nota.name == "html" else words), ATOM, False

    if isinstance(e, Num) or (numeric and isinstance(e, (Sym, Deriv))):
        s = nota.number(e.value)
        minus = s.startswith(("−", "-"))
        return s, UNARY if minus else ATOM, minus
    if isinstance(e, Sym):
        return nota.label(e.name, e.latex), ATOM, False
    if isinstance(e, Deriv):
        return nota.partial(nota.label(e.num.name, e.num.latex), nota.label(e.den.name, e.den.latex)), ATOM, False
    if isinstance(e, Join):
        parts = [render_expr(item, nota, numeric) for item in e.items]
        if e.kind == "product":
            sep, need = nota.times(numeric), PRODUCT
        else:
            sep, need = " + ", SUM
        out = []
        for i, (s, prec, minus) in enumerate(parts):
            out.append(nota.paren(s) if prec < need or (minus and i > 0) else s)
        return sep.join(out), need if len(parts) > 1 else parts[0][1], parts[0][2]
    if isinstance(e, Tmpl):
        template = nota.template(e.text, e.latex)
        if e.separator:
            return _join_variadic(e, template, nota, numeric)
        args = {k: render_expr(v, nota, numeric) for k, v in e.args.items()}
        s = _fill(template, args, nota, numeric)
        single = _SENTINEL_RE.fullmatch(fill(template, _Sentinels()))
        if single is not None:
            prec = args[single.group(1)][1]
        else:
            prec = e.precedence
        return s, prec, s.startswith(("−", "-"))
    raise TypeError(f"cannot print {e!r}: not a derivation expression")


def _join_variadic(e, template: str, nota: Notation, numeric: bool) -> tuple[str, int, bool]:
    parts = [render_expr(item, nota, numeric) for item in e.args]
    need = e.precedence
    out = []
    for i, (s, prec, minus) in enumerate(parts):
        out.append(nota.paren(s) if prec < need or (minus and i > 0) else s)
    s = nota.literal(template, numeric).join(out)
    return s, e.precedence, s.startswith(("−", "-"))


# --- steps and whole derivations ---------------------------------------------------------------


def words_in(key: str, args: tuple, lang: str, nota: Notation, wrap, math: bool = False) -> str:
    """A language string with its ``{i}`` slots filled; ``wrap`` turns literal words into the
    format (LaTeX ``\\text{}``, escaped HTML) and formulas are rendered in the notation."""
    template = STRINGS[lang][key]
    pieces = re.split(r"\{(\d+)\}", template)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            out.append(wrap(piece) if piece else "")
        else:
            arg = args[int(piece)]
            formula = str(arg) if isinstance(arg, (str, int)) else render_expr(arg, nota)[0]
            out.append(f"${formula}$" if math and not isinstance(arg, (str, int)) else formula)
    return "".join(out)


def step_parts(step: Step, nota: Notation, *, numbers: bool = True) -> list[str]:
    """The sides of ``lhs = formula = numbers = value``, without repeats; ``numbers=False``
    keeps only the symbolic sides (a quiz card that must not show the number asked for)."""
    parts = [render_expr(step.lhs, nota)[0]] if step.lhs is not None else []
    if step.formula is not None:
        if step.show_formula:
            parts.append(render_expr(step.formula, nota)[0])
        if step.kind != "plan" and numbers:
            parts.append(render_expr(step.formula, nota, numeric=True)[0])
    if step.value is not None and step.kind != "plan" and numbers:
        parts.append(nota.number(step.value))
    kept: list[str] = []
    for p in parts:
        if not kept or p != kept[-1]:
            kept.append(p)
    return kept


def _text_like(d: Derivation, nota: Notation, wrap, line, title) -> list[str]:
    lines = []
    for section in d.sections:
        lines.append(title(words_in(section.title, section.args, d.lang, nota, wrap)))
        for step in section.steps:
            if step.note is not None:
                lines.append(line(None, words_in(step.note, step.args, d.lang, nota, wrap)))
            else:
                lines.append(line(step_parts(step, nota), None))
    return lines


def to_text(d: Derivation) -> str:
    """Unicode text: a title line per section, then one indented line per step.

    >>> from autograd import Value, explain
    >>> a = Value(2.0, label="a")
    >>> print(to_text(explain((a * a + a).labelled("f"), a, lr=0.1)))
    Backward pass: ∂f/∂a by the chain rule
      ∂f/∂a = a + a + 1 = 2 + 2 + 1 = 5
    Update the weight (learning rate η = 0.1)
      a⁺ = a − η·∂f/∂a = 2 − 0.1 × 5 = 1.5
    """
    nota = Notation("text", d.digits, d.exact, d.lang)

    def line(parts, note):
        return "  " + (note if parts is None else " = ".join(parts))

    return "\n".join(_text_like(d, nota, lambda s: s, line, lambda t: t))


def to_latex(d: Derivation) -> str:
    """An ``aligned`` block: section titles as ``\\text{}`` lines, steps aligned at their first
    ``=``.

    >>> from autograd import Value, explain
    >>> x = Value(2.0, label="x")
    >>> print(to_latex(explain((x * x).labelled("y"), x, lang="zh")))
    \\begin{aligned}
    &\\text{反向传播：用链式法则展开 }\\frac{\\partial y}{\\partial x} \\\\
    \\frac{\\partial y}{\\partial x} &= x + x = 2 + 2 = 4 \\\\
    \\end{aligned}
    """
    nota = Notation("latex", d.digits, d.exact, d.lang)

    def wrap(s: str) -> str:
        return r"\text{" + escape.latex_text(s) + "}"

    def line(parts, note):
        if parts is None:
            return rf"&{note} \\"
        if len(parts) == 1:
            return rf"&{parts[0]} \\"
        return parts[0] + " &= " + " = ".join(parts[1:]) + r" \\"

    body = _text_like(d, nota, wrap, line, lambda t: rf"&{t} \\")
    return "\n".join([r"\begin{aligned}", *body, r"\end{aligned}"])


def to_markdown(d: Derivation) -> str:
    """Markdown: a bold title per section and one list item of ``$...$`` maths per step.

    >>> from autograd import Value, explain
    >>> x = Value(2.0, label="x")
    >>> print(to_markdown(explain((3 * x).labelled("y"), x)))
    **Backward pass: $\\frac{\\partial y}{\\partial x}$ by the chain rule**
    <BLANKLINE>
    - $\\frac{\\partial y}{\\partial x} = 3$
    <BLANKLINE>
    """
    nota = Notation("latex", d.digits, d.exact, d.lang, in_html=True)
    out = []
    for section in d.sections:
        title = words_in(section.title, section.args, d.lang, nota, escape.markdown, math=True)
        out.append(f"**{title}**\n")
        for step in section.steps:
            if step.note is not None:
                out.append("- " + words_in(step.note, step.args, d.lang, nota, escape.markdown, math=True))
            else:
                out.append("- $" + " = ".join(step_parts(step, nota)) + "$")
        out.append("")
    return "\n".join(out)


def to_html(d: Derivation) -> str:
    """A self-contained HTML fragment: the Unicode text's formulas, labels with subscripts.

    >>> from autograd import Value, explain
    >>> x = Value(2.0, label="x_1")
    >>> print(to_html(explain((x * x).labelled("y"), x)))
    <div class="stepgrad-derivation">
    <p><strong>Backward pass: ∂y/∂x<sub>1</sub> by the chain rule</strong></p>
    <ul>
    <li>∂y/∂x<sub>1</sub> = x<sub>1</sub> + x<sub>1</sub> = 2 + 2 = 4</li>
    </ul>
    </div>
    """
    nota = Notation("html", d.digits, d.exact, d.lang)
    out = ['<div class="stepgrad-derivation">']
    for section in d.sections:
        out.append(f"<p><strong>{words_in(section.title, section.args, d.lang, nota, escape.html)}</strong></p>")
        out.append("<ul>")
        for step in section.steps:
            if step.note is not None:
                out.append(f"<li><em>{words_in(step.note, step.args, d.lang, nota, escape.html)}</em></li>")
            else:
                out.append("<li>" + " = ".join(step_parts(step, nota)) + "</li>")
        out.append("</ul>")
    out.append("</div>")
    return "\n".join(out)
