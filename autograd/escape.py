"""Text made safe for each format stepgrad writes (HTML, LaTeX, Markdown, DOT), in one place, so a
label with markup or control characters in it is shown as the text it is, everywhere."""

from __future__ import annotations

import html as _html
import re

__all__ = ["visible", "html", "latex", "markdown", "dot_string"]

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: none of them
# should reach a page, a document or Graphviz as they are (Graphviz rejects several).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x07``), so they can be seen.

    >>> visible("a\\x07b\\u2028c")
    'a\\\\x07b\\\\u2028c'
    """
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def html(text: str, quote: bool = True) -> str:
    """Text for an HTML page or a Graphviz HTML-like label.

    >>> html('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return _html.escape(visible(text), quote=quote)


_LATEX = {c: "\\" + c for c in "#$%&{}_"}
_LATEX.update({"\\": r"\backslash{}", "^": r"\hat{}", "~": r"\sim{}"})
_LATEX_IN_HTML = dict(_LATEX, **{"<": r"\lt{}", ">": r"\gt{}"})


def latex(text: str, *, in_html: bool = False) -> str:
    """Text inside LaTeX maths (a label), its special characters escaped. ``in_html``: maths that
    sits in Markdown or HTML (typeset by MathJax or KaTeX), where a ``<`` would open a tag.

    >>> print(latex("a_b & <c>"), latex("<c>", in_html=True))
    a\\_b \\& <c> \\lt{}c\\gt{}
    """
    table = _LATEX_IN_HTML if in_html else _LATEX
    return "".join(table.get(c, c) for c in visible(text))


# Text mode has its own names for the characters whose maths commands (\backslash, \hat, \sim)
# stop LaTeX there with "Missing $ inserted".
_LATEX_TEXT = dict(_LATEX, **{"<": r"\textless{}", ">": r"\textgreater{}", "\\": r"\textbackslash{}",
                              "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"})
# The maths characters prose uses (∂E/∂w, δ, η, −0.5, 2 × 3) go in as maths: no text font has them.
_LATEX_TEXT.update({"∂": r"$\partial$", "δ": r"$\delta$", "η": r"$\eta$", "σ": r"$\sigma$", "−": "$-$",
                    "×": r"$\times$", "·": r"$\cdot$", "²": r"$^{2}$", "⁺": r"$^{+}$"})


def latex_text(text: str) -> str:
    """Text inside LaTeX's ``\\text{}`` or a paragraph (not maths), its special characters escaped.

    >>> print(latex_text("50% <b>"), latex_text("x^2 ~ y"), latex_text("∂E/∂w = −1"))
    50\\% \\textless{}b\\textgreater{} x\\textasciicircum{}2 \\textasciitilde{} y $\\partial$E/$\\partial$w = $-$1
    """
    return "".join(_LATEX_TEXT.get(c, c) for c in visible(text))


def markdown(text: str) -> str:
    """Text in a Markdown paragraph: Markdown's own markup and HTML both shown as text.

    >>> markdown("*w1* <b>")
    '\\\\*w1\\\\* &lt;b&gt;'
    """
    return re.sub(r"([\\`*_\[\]$])", r"\\\1", html(text, quote=False))


def dot_string(text: str) -> str:
    """``text`` as a quoted DOT string.

    >>> print(dot_string('say "hi"'))
    "say \\"hi\\""
    """
    return '"' + visible(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
