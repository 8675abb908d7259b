"""The ``stepgrad`` command: the worked example, one parameter's derivation, train and predict.

``stepgrad demo`` prints the step-by-step backpropagation example of the classic 2-2-2 network
and writes its computation graph and network diagram; ``stepgrad explain --param w1`` derives one
weight's gradient; ``stepgrad train`` and ``stepgrad predict`` are the seed's MATLAB recipe
(textread, premnmx, newff, train, sim, postmnmx) on text data files.

A user's mistake (a missing file, a malformed line, a bad option) ends with one line on stderr
and exit status 1 (2 for command-line syntax, as argparse does), never a traceback, and nothing
is written.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from autograd import Value

from .data import DataError
from .examples import CLASSIC_WEIGHTS, classic_values

__all__ = ["main", "CommandError"]

LANGS = ("en", "zh")
FORMATS = ("text", "markdown", "latex", "html")
DEMO_LR = 0.5


class CommandError(Exception):
    """A user mistake the command reports in one line (no traceback)."""


# --- words of the demo, in both languages -------------------------------------------------------

WORDS = {
    "en": {
        "title": "Backpropagation step by step: the classic 2-2-2 network",
        "network": "The network",
        "network_text": (
            "Inputs i1 = 0.05, i2 = 0.10; targets 0.01, 0.99; logistic (sigmoid) units; "
            "weights w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55; "
            "biases b1 = 0.35, b2 = 0.60 (shared by a layer, never updated)."
        ),
        "forward": "The forward pass",
        "error": "The total error",
        "output_layer": "The output layer",
        "hidden_layer": "The hidden layer",
        "update": "Updating the weights (learning rate {lr})",
        "after": "The error after the update",
        "after_text": "Forward pass again with the updated weights:",
        "graphs": "Graphs",
    },
    "zh": {
        "title": "反向传播算法的逐步演算:经典的 2-2-2 网络",
        "network": "网络",
        "network_text": (
            "输入 i1 = 0.05, i2 = 0.10;目标输出 0.01, 0.99;神经元使用 sigmoid 激活函数;"
            "权值 w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55;"
            "偏置 b1 = 0.35, b2 = 0.60(同一层共用,不更新)。"
        ),
        "forward": "前向传播",
        "error": "计算总误差",
        "output_layer": "输出层的权值更新",
        "hidden_layer": "隐藏层的权值更新",
        "update": "更新权重(学习率 {lr})",
        "after": "更新后的总误差",
        "after_text": "用更新后的权重再做一次前向传播:",
        "graphs": "图",
    },
}


# --- a small document that renders in four formats ----------------------------------------------


class Document:
    """Headings, paragraphs and blocks, rendered as one text, Markdown, LaTeX or HTML document.

    >>> d = Document("text", "en")
    >>> d.heading("Forward pass")
    >>> d.paragraph("net_h1 = 0.3775")
    >>> print(d.render("Demo"))
    Demo
    ====
    <BLANKLINE>
    Forward pass
    ------------
    <BLANKLINE>
    net_h1 = 0.3775
    <BLANKLINE>
    """

    def __init__(self, fmt: str, lang: str) -> None:
        self.fmt, self.lang = fmt, lang
        self.parts: list[str] = []

    def heading(self, text: str) -> None:
        self.parts.append(
            {
                "text": f"{text}\n{'-' * _width(text)}",
                "markdown": f"## {text}",
                "latex": rf"\section*{{{_latex_escape(text)}}}",
                "html": f"<h2>{_html_escape(text)}</h2>",
            }[self.fmt]
        )

    def paragraph(self, text: str) -> None:
        self.parts.append(
            {
                "text": text,
                "markdown": text,
                "latex": _latex_escape(text),
                "html": f"<p>{_html_escape(text)}</p>",
            }[self.fmt]
        )

    def block(self, item: object) -> None:
        """A derivation (or anything with the printing hooks) in this document's format."""
        self.parts.append(render(item, self.fmt))

    def render(self, title: str) -> str:
        body = "\n\n".join(self.parts)
        if self.fmt == "text":
            return f"{title}\n{'=' * _width(title)}\n\n{body}\n"
        if self.fmt == "markdown":
            return f"# {title}\n\n{body}\n"
        if self.fmt == "latex":
            cls = "ctexart" if self.lang == "zh" else "article"
            return (
                f"\\documentclass{{{cls}}}\n\\usepackage{{amsmath}}\n\\begin{{document}}\n"
                f"\\section*{{{_latex_escape(title)}}}\n\n{body}\n\n\\end{{document}}\n"
            )
        return (
            f'<!DOCTYPE html>\n<html lang="{self.lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{_html_escape(title)}</title>\n</head>\n<body>\n<h1>{_html_escape(title)}</h1>\n"
            f"{body}\n</body>\n</html>\n"
        )


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _latex_escape(text: str) -> str:
    for char, escaped in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"), ("#", r"\#")):
        text = text.replace(char, escaped)
    return text


def _html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def render(item: object, fmt: str) -> str:
    """``item`` (a derivation, or plain text) in one of the four formats.

    >>> render("x = 1", "html")
    '<pre>x = 1</pre>'
    """
    if isinstance(item, str):
        return {"text": item, "markdown": f"```\n{item}\n```", "latex": f"\\begin{{verbatim}}\n{item}\n\\end{{verbatim}}",
                "html": f"<pre>{_html_escape(item)}</pre>"}[fmt]
    hook = {"text": None, "markdown": "_repr_markdown_", "latex": "_repr_latex_", "html": "_repr_html_"}[fmt]
    return str(item) if hook is None else getattr(item, hook)()


# --- the classic network: forward, derivations, update -------------------------------------------


def _forward_block(node: Value) -> object:
    return f"{node.label} = {node.data:.9g}"


def _gradient_block(output: Value, wrt: Value, lr: float | None = None) -> object:
    line = f"∂{output.label}/∂{wrt.label} = {wrt.grad:.9g}"
    if lr is not None:
        line += f"\n{wrt.label}⁺ = {wrt.label} − η·∂{output.label}/∂{wrt.label} = {wrt.data:.9g} − {lr:g} × {wrt.grad:.9g} = {wrt.data - lr * wrt.grad:.9g}"
    return line


def demo(args: argparse.Namespace) -> int:
    """The whole worked example: forward pass, both layers' derivations, updates, new error."""
    words = WORDS[args.lang]
    v = classic_values()
    v["E_total"].backward()
    doc = Document(args.format, args.lang)
    doc.heading(words["network"])
    doc.paragraph(words["network_text"])
    doc.heading(words["forward"])
    for name in ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2"):
        doc.block(_forward_block(v[name]))
    doc.heading(words["error"])
    for name in ("E_o1", "E_o2", "E_total"):
        doc.block(_forward_block(v[name]))
    doc.heading(words["output_layer"])
    for name in ("w5", "w6", "w7", "w8"):
        doc.block(_gradient_block(v["E_total"], v[name]))
    doc.heading(words["hidden_layer"])
    for name in ("w1", "w2", "w3", "w4"):
        doc.block(_gradient_block(v["E_total"], v[name]))
    doc.heading(words["update"].format(lr=DEMO_LR))
    updated = {}
    for name in CLASSIC_WEIGHTS:
        doc.block(_gradient_block(v["E_total"], v[name], DEMO_LR))
        updated[name] = v[name].data - DEMO_LR * v[name].grad
    doc.heading(words["after"])
    doc.paragraph(words["after_text"])
    after = classic_values()
    for name, w in updated.items():
        after[name].data = w
    after = _recompute(after)
    doc.block(_forward_block(after["E_total"]))
    print(doc.render(words["title"]), end="")
    return 0


def _recompute(v: dict[str, Value]) -> dict[str, Value]:
    from autograd import topological_order

    for node in topological_order(v["E_total"]):
        if node.op is not None:
            node.data = node.op.forward(*[p.data for p in node.parents])
    return v


# --- the command line ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stepgrad", description="A scalar autograd engine that shows its work.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def show_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--lang", choices=LANGS, default="en", help="language of the narration (default en)")
        p.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")

    p = commands.add_parser("demo", help="the step-by-step worked example of the classic 2-2-2 network")
    show_options(p)
    p.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                   help="folder for the computation graph and network diagram (DOT, and SVG with Graphviz); default out")
    p.set_defaults(run=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``stepgrad`` command; returns the exit status.

    >>> main(["demo", "--format", "text"]) == 0  # doctest: +ELLIPSIS
    Backpropagation step by step...
    True
    """
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (CommandError, DataError) as exc:
        print(f"stepgrad {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
