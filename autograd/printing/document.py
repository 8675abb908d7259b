"""A titled document of headings, paragraphs and derivations, as text, Markdown, LaTeX or HTML.

The derivation printers write one derivation; a :class:`Document` strings several of them
together with the prose between them (``stepgrad demo`` is one), and writes the whole: plain
text with underlined headings, Markdown, a complete LaTeX document (``ctexart`` for Chinese, so
that it compiles with the CJK text) or a complete HTML page.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from .. import escape
from . import check_lang

if TYPE_CHECKING:
    from ..derive import Derivation, Section

__all__ = ["Document", "FORMATS", "derivation_block"]

FORMATS = ("text", "markdown", "latex", "html")
"""The formats a document (and a derivation in it) can be written in."""

def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not supported; choose one of {', '.join(map(repr, FORMATS))}")


def derivation_block(d: Derivation, fmt: str) -> str:
    """A derivation as a block of a document in ``fmt``: LaTeX gets display maths around its
    ``aligned`` block; the other formats are the derivation's own renderings.

    >>> from autograd import Value, explain
    >>> x = Value(3.0, label="x")
    >>> print(derivation_block(explain((x * x).labelled("y"), x), "latex"))
    \\[
    \\begin{aligned}
    &\\text{Backward pass: }\\frac{\\partial y}{\\partial x}\\text{ by the chain rule} \\\\
    \\frac{\\partial y}{\\partial x} &= x + x = 3 + 3 = 6 \\\\
    \\end{aligned}
    \\]
    """
    _check_format(fmt)
    if fmt == "text":
        return str(d)
    if fmt == "markdown":
        return d.to_markdown()
    if fmt == "latex":
        return f"\\[\n{d.to_latex()}\n\\]"
    return d.to_html()


def _width(text: str) -> int:
    """Terminal columns, for the underline of a heading: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Document:
    """Headings, paragraphs and derivations under a title, in English or Chinese.

    Paragraph and heading text is plain text, escaped for each format; derivations are
    written by the derivation printers.

    >>> from autograd import Value, explain
    >>> x = Value(3.0, label="x")
    >>> doc = Document("Squares")
    >>> doc.heading("The derivative")
    >>> doc.paragraph("Of y = x·x at x = 3:")
    >>> doc.derivation(explain((x * x).labelled("y"), x))
    >>> print(doc.to("text"))
    Squares
    =======
    <BLANKLINE>
    The derivative
    --------------
    <BLANKLINE>
    Of y = x·x at x = 3:
    <BLANKLINE>
    Backward pass: ∂y/∂x by the chain rule
      ∂y/∂x = x + x = 3 + 3 = 6
    <BLANKLINE>
    >>> doc.to("html").splitlines()[:2]
    ['<!DOCTYPE html>', '<html lang="en">']
    """

    def __init__(self, title: str, lang: str = "en") -> None:
        check_lang(lang)
        self.title, self.lang = title, lang
        self.parts: list[tuple[str, str | Derivation | Mapping[str, str]]] = []

    def heading(self, text: str, level: int = 2) -> None:
        """A section heading (``level=3``: a subsection's)."""
        self.parts.append(("heading" if level == 2 else "subheading", text))

    def block(self, forms: Mapping[str, str]) -> None:
        """A block its writer has already written in each format it is for (a list with maths in
        it, a drawing): ``forms[fmt]`` is put in as it is."""
        self.parts.append(("block", forms))

    def paragraph(self, text: str) -> None:
        """A paragraph of plain text."""
        self.parts.append(("paragraph", text))

    def derivation(self, *derivations: Derivation) -> None:
        """One block holding the given derivations' sections in order; where consecutive
        sections have the same title (each weight's update, say), their steps go under one
        title.

        >>> from autograd import Value, explain
        >>> a, b = Value(2.0, label="a"), Value(5.0, label="b")
        >>> y = (a * b).labelled("y")
        >>> doc = Document("Both")
        >>> doc.derivation(explain(y, a, lr=0.1).only(["update"]), explain(y, b, lr=0.1).only(["update"]))
        >>> print(doc.to("text").split("\\n\\n")[1].rstrip())
        Update the weight (learning rate η = 0.1)
          a⁺ = a − η·∂y/∂a = 2 − 0.1 × 5 = 1.5
          b⁺ = b − η·∂y/∂b = 5 − 0.1 × 2 = 4.8
        """
        sections: list[Section] = []
        for section in (s for d in derivations for s in d.sections):
            last = sections[-1] if sections else None
            if last is not None and (last.title, last.args) == (section.title, section.args):
                sections[-1] = replace(last, steps=last.steps + section.steps)
            else:
                sections.append(section)
        self.parts.append(("derivation", replace(derivations[-1], sections=sections)))

    def to(self, fmt: str) -> str:
        """The whole document in ``fmt``: ``"text"``, ``"markdown"``, ``"latex"`` or ``"html"``."""
        _check_format(fmt)
        body = "\n\n".join(self._part(kind, content, fmt) for kind, content in self.parts)
        title = self.title
        if fmt == "text":
            return f"{title}\n{'=' * _width(title)}\n\n{body}\n"
        if fmt == "markdown":
            return f"# {escape.markdown(title)}\n\n{body}\n"
        if fmt == "latex":
            cls = "ctexart" if self.lang == "zh" else "article"
            return (
                f"\\documentclass{{{cls}}}\n\\usepackage{{amsmath}}\n\\begin{{document}}\n"
                f"\\section*{{{escape.latex_text(title)}}}\n\n{body}\n\n\\end{{document}}\n"
            )
        return (
            f'<!DOCTYPE html>\n<html lang="{self.lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape.html(title)}</title>\n</head>\n<body>\n<h1>{escape.html(title)}</h1>\n"
            f"{body}\n</body>\n</html>\n"
        )

    def __str__(self) -> str:
        return self.to("text")

    @staticmethod
    def _part(kind: str, content: str | Derivation | Mapping[str, str], fmt: str) -> str:
        if kind == "block":
            if fmt not in content:
                raise ValueError(f"this document has a block written only as {', '.join(content)}, not as {fmt}")
            return content[fmt]
        if not isinstance(content, str):
            return derivation_block(content, fmt)
        if kind in ("heading", "subheading"):
            sub = kind == "subheading"
            return {
                "text": f"{content}\n{'~-'[not sub] * _width(content)}",
                "markdown": f"{'###' if sub else '##'} {escape.markdown(content)}",
                "latex": f"\\{'subsub' if sub else 'sub'}section*{{{escape.latex_text(content)}}}",
                "html": f"<h{3 if sub else 2}>{escape.html(content)}</h{3 if sub else 2}>",
            }[fmt]
        return {
            "text": content,
            "markdown": escape.markdown(content),
            "latex": escape.latex_text(content),
            "html": f"<p>{escape.html(content)}</p>",
        }[fmt]
