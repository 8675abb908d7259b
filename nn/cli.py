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
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from autograd import Derivation, Value

from .data import DataError, Dataset, MinMaxScaler
from .examples import CLASSIC_WEIGHTS
from .layers import Network

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
        "output_layer": "The output layer",
        "hidden_layer": "The hidden layer",
        "update": "All eight updates",
        "after": "The error after the update",
        "after_text": "Forward pass again with the updated weights:",
        "after_note": (
            "Exact arithmetic gives 0.291027774. The published summary's 0.291027924 comes from updating "
            "w5..w8 first and then backpropagating to w1..w4 through the already-updated output weights "
            "(notebook 02 reproduces both figures)."
        ),
        "similarly": "The layer's other weights, the same way:",
    },
    "zh": {
        "title": "反向传播算法的逐步演算：经典的 2-2-2 网络",
        "network": "网络",
        "network_text": (
            "输入 i1 = 0.05, i2 = 0.10；目标输出 0.01, 0.99；神经元使用 sigmoid 激活函数；"
            "权值 w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55；"
            "偏置 b1 = 0.35, b2 = 0.60（同一层共用，不更新）。"
        ),
        "output_layer": "输出层的权值更新",
        "hidden_layer": "隐藏层的权值更新",
        "update": "更新全部八个权值",
        "after": "更新后的总误差",
        "after_text": "用更新后的权重再做一次前向传播：",
        "after_note": (
            "精确计算得 0.291027774。原文总结中的 0.291027924 来自先更新 w5..w8，"
            "再用已更新的输出层权值反向传播到 w1..w4（笔记本 02 复现了这两个数）。"
        ),
        "similarly": "该层其余权值同理：",
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
                "latex": rf"\subsection*{{{_latex_escape(text)}}}",
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

    def block(self, item: Derivation | str) -> None:
        """A derivation (or preformatted text) in this document's format."""
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


def render(item: Derivation | str, fmt: str) -> str:
    """A derivation, or plain text, in one of the four formats.

    >>> render("x = 1", "html")
    '<pre>x = 1</pre>'
    >>> from autograd import Value, explain
    >>> x = Value(3.0, label="x")
    >>> render(explain((x * x).labelled("y"), x), "latex").splitlines()[:2]
    ['\\\\[', '\\\\begin{aligned}']
    """
    if isinstance(item, str):
        return {
            "text": item,
            "markdown": f"```\n{item}\n```",
            "latex": f"\\begin{{verbatim}}\n{item}\n\\end{{verbatim}}",
            "html": f"<pre>{_html_escape(item)}</pre>",
        }[fmt]
    if fmt == "text":
        return str(item)
    if fmt == "markdown":
        return item.to_markdown()
    if fmt == "latex":
        return f"\\[\n{item.to_latex()}\n\\]"
    return item.to_html()


# --- the classic network: forward, derivations, update -------------------------------------------


def _only(d: Derivation, kinds: tuple[str, ...]) -> Derivation:
    """The same derivation keeping only the lines of the given kinds (e.g. the chain rule stated
    and its result), for the weights whose derivation repeats one already shown in full."""
    sections = [replace(s, steps=tuple(st for st in s.steps if st.kind in kinds)) for s in d.sections]
    return replace(d, sections=[s for s in sections if s.steps])


def _merged(derivations: list[Derivation]) -> Derivation:
    """One derivation whose sections are the given ones', consecutive sections of the same kind
    (the update lines of every weight) merged under one title."""
    sections: list = []
    for d in derivations:
        for section in d.sections:
            if sections and sections[-1].title == section.title and sections[-1].args == section.args:
                sections[-1] = replace(sections[-1], steps=sections[-1].steps + section.steps)
            else:
                sections.append(section)
    return replace(derivations[-1], sections=sections)


def classic_graph() -> tuple[Network, dict[str, Value]]:
    """The classic network and its forward pass: every labelled node of E_total's graph by label.

    >>> net, g = classic_graph()
    >>> round(g["E_total"].data, 9), g["w1"] is net["w1"]
    (0.298371109, True)
    """
    from autograd import topological_order

    from .examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
    from .losses import half_sse

    net = classic_network()
    error = half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS)
    return net, {v.label: v for v in topological_order(error) if v.label is not None}


OUTPUT_WEIGHTS = ("w5", "w6", "w7", "w8")
HIDDEN_WEIGHTS = ("w1", "w2", "w3", "w4")
SUMMARY = ("plan", "result")  # the lines kept for w6..w8 and w2..w4: the chain rule and its value


def demo(args: argparse.Namespace) -> int:
    """The whole worked example: forward pass, both layers' derivations, updates, new error."""
    from autograd import explain, explain_forward

    from .examples import CLASSIC_INPUTS, CLASSIC_TARGETS
    from .losses import half_sse
    from .optim import SGD

    words, lang = WORDS[args.lang], args.lang
    net, v = classic_graph()
    error = v["E_total"]
    error.backward()
    derivation = {w: explain(error, v[w], lang=lang, lr=DEMO_LR) for w in OUTPUT_WEIGHTS + HIDDEN_WEIGHTS}
    doc = Document(args.format, lang)
    doc.heading(words["network"])
    doc.paragraph(words["network_text"])
    doc.block(explain_forward(error, lang=lang))  # titled "Forward pass" and "Total error" by the printer
    for heading, (first, *rest) in (("output_layer", OUTPUT_WEIGHTS), ("hidden_layer", HIDDEN_WEIGHTS)):
        doc.heading(words[heading])
        doc.block(_only(derivation[first], ("plan", "local", "chain", "sum", "result", "note")))
        doc.paragraph(words["similarly"])
        doc.block(_merged([_only(derivation[w], SUMMARY) for w in rest]))
    doc.heading(words["update"])
    doc.block(_merged([_only(derivation[w], ("update",)) for w in OUTPUT_WEIGHTS + HIDDEN_WEIGHTS]))
    graphs = {  # drawn before the update changes the weights
        "classic-graph": _computation_graph(v),
        "classic-network": _network_diagram(net),
    }
    SGD(net.parameters(), lr=DEMO_LR).step()
    doc.heading(words["after"])
    doc.paragraph(words["after_text"])
    after = explain_forward(half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS), lang=lang)
    doc.block(replace(after, sections=after.sections[-1:]))  # its last section: E_total = E_o1 + E_o2
    doc.paragraph(words["after_note"])
    _make_folder(args.out)  # before printing: a bad --out fails with nothing written
    print(doc.render(words["title"]), end="")
    _write_graphs(args.out, graphs)
    return 0


def _computation_graph(v: dict[str, Value]) -> tuple[str, object]:
    """DOT text of E_total's graph with w1's two paths highlighted, and its drawing (None
    without the graphviz Python package)."""
    from autograd.render import dot_source, draw

    from .layers import neuron_of

    return _both(dot_source, draw, v["E_total"], highlight=v["w1"], group=neuron_of)


def _network_diagram(net: Network) -> tuple[str, object]:
    """DOT text of the neuron-level diagram: weights, ∂E/∂w and the updated weights at lr 0.5."""
    from .diagram import draw_network, network_dot

    return _both(network_dot, draw_network, net, lr=DEMO_LR)


def _both(source: Callable[..., str], drawing: Callable[..., object], *args: object, **options: object
          ) -> tuple[str, object]:
    try:
        made = drawing(*args, **options)
    except ImportError:
        made = None
    return source(*args, **options), made


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise CommandError(f"--out {str(out)!r}: cannot create the folder for the graphs: {reason}") from None


def _write_graphs(out: Path, graphs: dict[str, tuple[str, object]]) -> None:
    """Write each graph as ``out/NAME.dot`` and, when Graphviz is installed, ``out/NAME.svg``.

    Progress and notes go to stderr so that stdout stays one clean document.
    """
    written: list[str] = []
    note = ""
    for name, (dot, drawing) in graphs.items():
        path = out / f"{name}.dot"
        path.write_text(dot, encoding="utf-8")
        written.append(str(path))
        if note:
            continue
        if drawing is None:
            note = "no SVG: the graphviz Python package is not installed (pip install 'stepgrad[viz]')"
            continue
        from autograd.render import GraphvizNotFound, export

        try:
            written.append(str(export(drawing, out / f"{name}.svg")))
        except GraphvizNotFound:
            note = "no SVG: Graphviz's dot program is not installed (e.g. apt-get install graphviz)"
    print(f"stepgrad demo: wrote {', '.join(written)}", file=sys.stderr)
    if note:
        print(f"stepgrad demo: {note}", file=sys.stderr)


def explain_command(args: argparse.Namespace) -> int:
    """One weight's derivation in the classic network (with its update when --lr is given)."""
    from autograd import explain

    _, v = classic_graph()
    v["E_total"].backward()
    print(render(explain(v["E_total"], v[args.param], lang=args.lang, lr=args.lr), args.format))
    return 0


# --- train and predict: the seed's MATLAB recipe -------------------------------------------------

MODEL_FORMAT = "stepgrad.model"
LOSS = "mse"  # MATLAB's default performance function; --goal is on it, in scaled units


def _check_writable(path: Path) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if path.is_dir():
        raise CommandError(f"--save {str(path)!r} is a folder; give a file name such as model.json")
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"--save {str(path)!r}: the folder {str(folder)!r} does not exist")


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` completely or not at all (a temporary file, then a rename)."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _one_hot(rows: Sequence[Sequence[float]]) -> bool:
    return len(rows[0]) > 1 and all(sorted(r) == [0.0] * (len(r) - 1) + [1.0] for r in rows)


def _argmax(row: Sequence[float]) -> int:
    return max(range(len(row)), key=row.__getitem__)


def _rms(predicted: Sequence[Sequence[float]], targets: Sequence[Sequence[float]]) -> float:
    import math

    squares = [(p - t) ** 2 for ps, ts in zip(predicted, targets) for p, t in zip(ps, ts)]
    return math.sqrt(math.fsum(squares) / len(squares))


class Model:
    """A trained network together with the scaling of its inputs and targets (premnmx/postmnmx).

    >>> from nn.data import MinMaxScaler
    >>> net = Network([1, 1], "linear", init=None)
    >>> net.load_state_dict({"w1": 0.5, "b_o1": 0.0})
    >>> model = Model(net, MinMaxScaler((0.0,), (10.0,)), MinMaxScaler((100.0,), (200.0,)))
    >>> model.predict([(10.0,), (0.0,)])  # scaled 1 → 0.5 → 175; scaled −1 → −0.5 → 125
    [(175.0,), (125.0,)]
    """

    def __init__(
        self,
        net: Network,
        inputs_scaler: MinMaxScaler | None,
        targets_scaler: MinMaxScaler | None,
        columns: list[str] | None = None,
    ) -> None:
        self.net, self.inputs_scaler, self.targets_scaler, self.columns = net, inputs_scaler, targets_scaler, columns

    def predict(self, inputs: Sequence[Sequence[float]]) -> list[tuple[float, ...]]:
        """Outputs in the targets' original units for inputs in their original units."""
        xs = self.inputs_scaler.scale(inputs) if self.inputs_scaler else inputs
        ys = [tuple(v.data for v in self.net(x)) for x in xs]
        return self.targets_scaler.unscale(ys) if self.targets_scaler else ys

    def to_json(self) -> str:
        import json

        document = {
            "format": MODEL_FORMAT,
            "version": 1,
            "architecture": self.net.architecture(),
            "parameters": self.net.state_dict(),
            "normalize": "minmax" if self.inputs_scaler else "none",
            "scaling": {"inputs": self.inputs_scaler.to_dict(), "targets": self.targets_scaler.to_dict()}
            if self.inputs_scaler else None,
            "columns": self.columns,
        }
        return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def load(cls, path: Path) -> Model:
        from .module import read_document

        try:
            document = read_document(path, MODEL_FORMAT, "stepgrad model file")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the model: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not a stepgrad model file (not UTF-8 text)") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        arch = document.get("architecture")
        try:
            if not isinstance(arch, dict) or arch.get("module") != "Network":
                raise ValueError(f"expected a Network architecture, found {arch!r}")
            net = Network(arch.get("sizes"), arch.get("activations"), bias=arch.get("bias"), init=None)
            net.load_state_dict(document.get("parameters"), source="parameters")
            scaling = document.get("scaling")
            scalers = (None, None)
            if scaling is not None:
                if not isinstance(scaling, dict):
                    raise ValueError(f"scaling: expected inputs and targets, found {scaling!r}")
                scalers = tuple(MinMaxScaler.from_dict(scaling.get(part)) for part in ("inputs", "targets"))
                if (len(scalers[0].minimum), len(scalers[1].minimum)) != (net.n_inputs, net.n_outputs):
                    raise ValueError("scaling does not match the network's numbers of inputs and outputs")
        except (ValueError, TypeError) as exc:
            raise CommandError(f"{path}: broken model file: {exc}") from None
        return cls(net, *scalers, columns=document.get("columns"))


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas (5 or 8,4), got {text!r}")
    return sizes


def train_command(args: argparse.Namespace) -> int:
    """Read TRAIN (and CHECK), scale to [−1, 1], train, report, and save the model."""
    from .data import read_data
    from .train import train

    if args.save is not None:
        _check_writable(args.save)
    if args.mode == "minibatch" and args.batch_size is None:
        raise CommandError("--mode minibatch needs --batch-size N")
    if args.batch_size is not None and args.mode != "minibatch":
        raise CommandError(f"--batch-size is for --mode minibatch (the mode is {args.mode})")
    data = read_data(args.train, targets=args.targets)
    check = read_data(args.check, targets=args.targets) if args.check else None
    if check is not None and (check.n_inputs, check.n_targets) != (data.n_inputs, data.n_targets):
        raise CommandError(
            f"{check.source}: {check.n_inputs} input and {check.n_targets} target columns, but {data.source} has "
            f"{data.n_inputs} and {data.n_targets}"
        )
    scalers = (None, None)
    if args.normalize == "minmax":
        scalers = (MinMaxScaler.fit(data.inputs), MinMaxScaler.fit(data.targets))

    def scaled(d: Dataset) -> tuple[list[Sequence[float]], list[Sequence[float]]]:
        if scalers[0] is None:
            return list(d.inputs), list(d.targets)
        return scalers[0].scale(d.inputs), scalers[1].scale(d.targets)

    sizes = [data.n_inputs, *args.hidden, data.n_targets]
    activations = [args.activation] * len(args.hidden) + [args.output_activation]
    try:
        net = Network(sizes, activations, init=args.init, seed=args.seed)
        history = train(
            net, *scaled(data), loss=LOSS, lr=args.lr, momentum=args.momentum, mode=args.mode,
            batch_size=args.batch_size, epochs=args.epochs, goal=args.goal,
            check=scaled(check) if check is not None else None, shuffle=args.shuffle, seed=args.seed,
            progress=args.progress,
        )
    except ArithmeticError as exc:  # overflow or division by zero inside a forward pass
        raise CommandError(f"training diverged ({exc}); try a smaller --lr (nothing was saved)") from None
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    model = Model(net, *scalers, columns=list(data.header) if data.header else None)
    shape = "-".join(map(str, sizes))
    print(f"network {shape} ({', '.join(activations)}), {args.mode} training, lr {args.lr:g}, "
          f"{len(data)} training samples" + (f", {len(check)} check samples" if check else ""))
    stop = {"goal": f"reached the error goal {args.goal:g}", "epochs": "ran out of epochs",
            "diverged": "diverged (the error is no longer finite)"}[history.stop]
    print(f"stopped after {history.epochs} epochs: {stop}")
    if history.stop == "diverged":
        raise CommandError("training diverged; try a smaller --lr (nothing was saved)")
    units = " on scaled targets" if scalers[0] else ""
    line = f"error ({LOSS}{units}): train {history.train_error[-1]:.6g}"
    if check is not None:
        line += f", check {history.check_error[-1]:.6g}"
    print(line)
    sets = [("train", data)] + ([("check", check)] if check is not None else [])
    predictions = {name: model.predict(d.inputs) for name, d in sets}
    rms = [f"{name} {_rms(predictions[name], d.targets):.6g}" for name, d in sets]
    print("rms error in the targets' units: " + ", ".join(rms))
    if _one_hot(data.targets):
        parts = []
        for name, d in sets:
            right = sum(_argmax(p) == _argmax(t) for p, t in zip(predictions[name], d.targets))
            parts.append(f"{name} {right}/{len(d)} ({100 * right / len(d):.1f}%)")
        print("classified correctly (largest output = the target's 1): " + ", ".join(parts))
    if args.save is not None:
        try:
            text = model.to_json()
        except ValueError as exc:
            raise CommandError(f"cannot save: {exc}") from None
        _write_atomically(args.save, text)
        print(f"saved {args.save}")
    return 0


def _format_number(x: float) -> str:
    return f"{x:.9g}"


def predict_command(args: argparse.Namespace) -> int:
    """Print the model's predictions for DATA, in the targets' original units."""
    from .data import read_data

    model = Model.load(args.model)
    n_in, n_out = model.net.n_inputs, model.net.n_outputs
    data = read_data(args.data, targets=0)
    width = data.n_inputs
    if width not in (n_in, n_in + n_out):
        raise CommandError(
            f"{data.source}:{data.lines[0]}: expected {n_in} numbers per line (the model's inputs) or {n_in + n_out} "
            f"(inputs, then targets), found {width}"
        )
    inputs = [row[:n_in] for row in data.inputs]
    predicted = model.predict(inputs)
    names = model.columns[n_in:] if model.columns else model.net.output_names
    print(" ".join(names))
    for row in predicted:
        print(" ".join(map(_format_number, row)))
    if width == n_in + n_out:
        targets = [row[n_in:] for row in data.inputs]
        print(f"# rms error against the targets in {data.source}: {_rms(predicted, targets):.6g}")
    return 0


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
                   help="folder for the computation graph and network diagram (DOT; SVG with Graphviz); default out")
    p.set_defaults(run=demo)

    p = commands.add_parser("explain", help="derive one parameter's gradient in the classic network")
    p.add_argument("--param", required=True, choices=list(CLASSIC_WEIGHTS), help="the weight to explain")
    show_options(p)
    p.add_argument("--lr", type=float, default=None, help="also show the update with this learning rate")
    p.set_defaults(run=explain_command)

    p = commands.add_parser("train", help="train a network on a data file (the MATLAB newff/premnmx recipe)")
    p.add_argument("train", type=Path, metavar="TRAIN", help="training data: inputs, then target(s), a line each")
    p.add_argument("--check", type=Path, metavar="CHECK", help="check (validation) data in the same layout")
    p.add_argument("--targets", type=int, default=1, metavar="K", help="the last K columns are targets (default 1)")
    p.add_argument("--hidden", type=_hidden_sizes, default=[5], metavar="N[,N...]",
                   help="hidden layer size(s), e.g. 5 or 8,4 (default 5)")
    p.add_argument("--activation", default="tansig", metavar="NAME", help="hidden layers' activation (default tansig)")
    p.add_argument("--output-activation", default="purelin", metavar="NAME",
                   help="output layer's activation (default purelin)")
    p.add_argument("--init", default="xavier", choices=("xavier", "he", "uniform"),
                   help="initial weights (default xavier; uniform is U(0, 1))")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    p.add_argument("--momentum", type=float, default=0.0, help="momentum in [0, 1) (default 0)")
    p.add_argument("--epochs", type=int, default=1000, help="at most this many epochs (default 1000)")
    p.add_argument("--mode", choices=("online", "batch", "minibatch"), default="online",
                   help="update after every sample, once per epoch, or every --batch-size samples (default online)")
    p.add_argument("--batch-size", type=int, default=None, metavar="N", help="samples per update with --mode minibatch")
    p.add_argument("--shuffle", action="store_true", help="visit the samples in a new random order every epoch")
    p.add_argument("--goal", type=float, default=1e-4, help=f"stop when the {LOSS} on the training data is this low "
                   "(default 1e-4)")
    p.add_argument("--normalize", choices=("minmax", "none"), default="minmax",
                   help="scale inputs and targets to [-1, 1] by the training data's min and max (default minmax)")
    p.add_argument("--seed", type=int, default=0, help="random seed for the initial weights and shuffling (default 0)")
    p.add_argument("--save", type=Path, metavar="MODEL", help="write the trained model (JSON) here")
    p.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                   help="no progress bar (by default one is shown on long runs in a terminal or notebook)")
    p.set_defaults(run=train_command)

    p = commands.add_parser("predict", help="predict with a saved model, in the targets' original units")
    p.add_argument("model", type=Path, metavar="MODEL", help="a model saved by stepgrad train --save")
    p.add_argument("data", type=Path, metavar="DATA", help="inputs (optionally followed by targets), a line each")
    p.set_defaults(run=predict_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``stepgrad`` command; returns the exit status.

    >>> main(["explain", "--param", "w5"])
    Backward pass: ∂E_total/∂w5 by the chain rule
      ∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5
      ∂E_total/∂out_o1 = −(target_o1 − out_o1) = −(0.01 − 0.75136507) = 0.74136507
      ∂out_o1/∂net_o1 = out_o1(1 − out_o1) = 0.75136507(1 − 0.75136507) = 0.186815602
      ∂net_o1/∂w5 = out_h1 = 0.593269992
      ∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
    0
    """
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (CommandError, DataError) as exc:
        print(f"stepgrad {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"stepgrad {args.command}: interrupted (nothing was saved)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``stepgrad predict ... | head``): stop quietly, as Unix tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
