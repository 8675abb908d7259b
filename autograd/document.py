"""A complete document around a body, in plain text, Markdown, LaTeX or HTML: the one preamble
every writer of whole documents shares (worksheets and answer keys, ``stepgrad demo``).

LaTeX is a standalone document that compiles with a plain TeX installation (``ctexart`` for
Chinese; long ``align*`` derivations may break across pages); HTML a complete page that loads
nothing from the network.
"""

from __future__ import annotations

import unicodedata

from . import escape

__all__ = ["FORMATS", "document", "width"]

FORMATS = ("text", "markdown", "latex", "html")


def width(text: str) -> int:
    """Columns on a terminal: CJK characters take two.

    >>> width("E_total"), width("总误差")
    (7, 6)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def document(fmt: str, lang: str, title: str, body: str, *, style: str = "") -> str:
    """``body`` (already in format ``fmt``) as a whole document titled ``title`` (plain words,
    escaped here); ``style`` is CSS for an HTML page.

    >>> print(document("text", "en", "Demo", "net_h1 = 0.3775"))
    Demo
    ====
    <BLANKLINE>
    net_h1 = 0.3775
    <BLANKLINE>
    >>> document("latex", "zh", "演示", "x").splitlines()[0]
    '\\\\documentclass{ctexart}'
    """
    if fmt == "text":
        return f"{escape.visible(title)}\n{'=' * width(title)}\n\n{body}\n"
    if fmt == "markdown":
        return f"# {escape.markdown(title)}\n\n{body}\n"
    if fmt == "latex":
        cls = "ctexart" if lang == "zh" else "article"
        return (
            f"\\documentclass{{{cls}}}\n\\usepackage{{amsmath}}\n\\usepackage[margin=2cm]{{geometry}}\n"
            f"\\allowdisplaybreaks\n\\begin{{document}}\n\\section*{{{escape.latex_text(title)}}}\n\n{body}\n\n"
            "\\end{document}\n"
        )
    if fmt == "html":
        head = f"<style>{style}</style>\n" if style else ""
        return (
            f'<!DOCTYPE html>\n<html lang="{escape.html(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape.html(title)}</title>\n{head}</head>\n<body>\n<h1>{escape.html(title)}</h1>\n"
            f"{body}\n</body>\n</html>\n"
        )
    raise ValueError(f"format={fmt!r} is not supported; choose one of {', '.join(map(repr, FORMATS))}")
