"""The ``stepgrad`` command: it reads the options, calls the library, and prints the result.

``stepgrad demo`` prints the step-by-step backpropagation example of the classic 2-2-2 network
and writes its computation graph and network diagram; ``stepgrad explain --param w1`` derives one
weight's gradient; with ``--html PAGE`` either writes its step-through page instead (see
:func:`nn.player`, :func:`autograd.player`). ``stepgrad exercise`` writes a worksheet and its
answer key, or the quiz page of its questions, or asks them one by one in the terminal
(:func:`autograd.exercise`).
``stepgrad train`` and ``stepgrad predict`` are the seed's MATLAB recipe (textread, premnmx,
newff, train, sim, postmnmx) on text data files (:mod:`nn.model`).

Each subcommand is two functions, one adding its options to a parser and one running it, and a
line in :data:`COMMANDS`. A user's mistake (a missing file, a malformed line, a bad option)
ends with one line on stderr and exit status 1 (2 for command-line syntax, as argparse does),
never a traceback, and nothing is written.
"""

from __future__ import annotations

import argparse
import os
import reprlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from autograd import Player, explain
from autograd.printing.document import FORMATS, derivation_block
from autograd.printing.lang import DEMO_STRINGS
from autograd.render import GraphvizNotFound, export

from .data import DataError, Dataset, read_data
from .examples import CLASSIC_WEIGHTS
from .model import LOSS, MODEL_FORMAT, Model, activation_names, check_activation, check_size, fit, rms_error
from .module import check_writable, read_document, write_atomically
from .walkthrough import LR, classic_graph, classic_walkthrough

__all__ = ["main", "CommandError", "COMMANDS"]


class CommandError(Exception):
    """A user mistake the command reports in one line (no traceback)."""


# --- demo and explain: the classic network ------------------------------------------------------


def demo_command(args: argparse.Namespace) -> int:
    """The whole worked example (:mod:`nn.walkthrough`) on stdout, its drawings in ``--out``;
    with ``--html`` its step-through page instead."""
    if args.html is not None:
        from .examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network
        from .network_player import player

        return _write_page(args, lambda langs: player(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS, lr=LR,
                                                      lang=langs))
    doc, drawings = classic_walkthrough(args.lang)
    _make_folder(args.out)  # before printing: a bad --out fails with nothing written
    print(doc.to(args.format), end="")
    _write_graphs(args.out, drawings)
    return 0


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out {str(out)!r}: cannot create the folder for the graphs: {exc.strerror or exc}"
                           ) from None


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
        try:
            written.append(str(export(drawing, out / f"{name}.svg")))
        except GraphvizNotFound:
            note = "no SVG: Graphviz's dot program is not installed (e.g. apt-get install graphviz)"
    print(f"stepgrad demo: wrote {', '.join(written)}", file=sys.stderr)
    if note:
        print(f"stepgrad demo: {note}", file=sys.stderr)


def explain_command(args: argparse.Namespace) -> int:
    """One weight's derivation in the classic network (with its update when --lr is given); with
    ``--html`` the step-through page of the pass, its backward limited to that weight's paths."""
    if args.html is not None:
        from autograd import player

        _, v = classic_graph()
        return _write_page(args, lambda langs: player(v["E_total"], v[args.param], lr=args.lr, lang=langs))
    _, v = classic_graph()
    v["E_total"].backward()
    print(derivation_block(explain(v["E_total"], v[args.param], lang=args.lang, lr=args.lr), args.format))
    return 0


def _write_page(args: argparse.Namespace, make: Callable[[tuple[str, ...]], Player]) -> int:
    """Write the player page ``make`` builds to ``--html``, all or nothing; both languages are
    embedded, ``--lang`` shown first."""
    _check_save(args.html, option="--html", example="steps.html")
    page = make((args.lang, *(lang for lang in DEMO_STRINGS if lang != args.lang)))
    write_atomically(args.html, page.to_html())
    print(f"stepgrad {args.command}: wrote {args.html} ({page.count} steps)", file=sys.stderr)
    return 0


# --- exercise: the learner computes, stepgrad checks ---------------------------------------------

SHEET_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".html": "html", ".htm": "html",
                  ".txt": "text"}


def exercise_command(args: argparse.Namespace) -> int:
    """Write the worksheet (--out) and answer key (--key) of the classic network or a seeded
    variant, each in the format of its suffix, and its quiz page (--html); without any of them,
    ask the questions in the terminal."""
    from .examples import classic_exercise

    files = [(path, option, kind) for path, option, kind in ((args.out, "--out", "sheet"), (args.key, "--key", "key"))
             if path is not None]
    if len(files) == 2 and args.out.resolve() == args.key.resolve():
        raise CommandError("--out and --key name the same file; give the answer key its own")
    formats = {}
    for path, option, _ in files:
        _check_save(path, option, "sheet.md")
        fmt = args.format or SHEET_SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise CommandError(f"{option} {str(path)!r}: cannot tell the format from the suffix; name it .md, .tex, "
                               f".html or .txt, or give --format ({', '.join(FORMATS)})")
        formats[option] = fmt
    ask = [part.strip() for part in args.ask.split(",") if part.strip()]
    try:
        ex = classic_exercise(args.seed, ask=ask or "all")
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--ask {args.ask!r}: {exc}") from None
    if args.html is not None:
        _write_page(args, lambda langs: ex.player(lang=langs))
    if not files:
        if args.html is None:
            ex.run(lang=args.lang)
        return 0
    texts = {option: (ex.worksheet if kind == "sheet" else ex.answer_key)(formats[option], args.lang)
             for _, option, kind in files}
    for path, option, _ in files:
        write_atomically(path, texts[option])
    print(f"stepgrad exercise: wrote {', '.join(str(path) for path, _, _ in files)}", file=sys.stderr)
    return 0


# --- train and predict: the seed's MATLAB recipe -------------------------------------------------


def _check_save(path: Path, option: str = "--save", example: str = "model.json") -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    try:
        check_writable(path)
    except IsADirectoryError:
        raise CommandError(f"{option} {str(path)!r} is a folder; give a file name such as {example}") from None
    except FileNotFoundError:
        raise CommandError(f"{option} {str(path)!r}: the folder {str(path.parent)!r} does not exist") from None
    except OSError as exc:
        raise CommandError(f"{option} {str(path)!r}: cannot write there: {exc.strerror or exc}") from None


def _is_model_file(path: Path) -> bool:
    try:
        read_document(path, MODEL_FORMAT, "model")
    except (OSError, ValueError):
        return False
    return True


def _read_data(path: Path, targets: int) -> Dataset:
    """Read a data file; a model file given in its place is named as such."""
    try:
        return read_data(path, targets=targets)
    except DataError:
        if _is_model_file(path):
            raise CommandError(f"{path} is a model saved by stepgrad train, not a data file; to predict with it: "
                               f"stepgrad predict {path} DATA") from None
        raise


def _correct(model: Model, predicted: Sequence[Sequence[float]], targets: Sequence[Sequence[float]]) -> str:
    right = model.correct(predicted, targets)
    return f"{right}/{len(targets)} ({100 * right / len(targets):.1f}%)"


def train_command(args: argparse.Namespace) -> int:
    """Read TRAIN (and CHECK), scale to [−1, 1], train, report, and save the model."""
    if args.save is not None:
        _check_save(args.save)
    if args.mode == "minibatch" and args.batch_size is None:
        raise CommandError("--mode minibatch needs --batch-size N")
    if args.batch_size is not None and args.mode != "minibatch":
        raise CommandError(f"--batch-size is for --mode minibatch (the mode is {args.mode})")
    data = _read_data(args.train, args.targets)
    check = _read_data(args.check, args.targets) if args.check else None
    try:
        model, history = fit(
            data, args.hidden, activation=args.activation, output_activation=args.output_activation, init=args.init,
            normalize=args.normalize, seed=args.seed, check=check, lr=args.lr, momentum=args.momentum,
            mode=args.mode, batch_size=args.batch_size, epochs=args.epochs, goal=args.goal, shuffle=args.shuffle,
            progress=args.progress,
        )
    except ArithmeticError as exc:  # overflow or division by zero inside a forward pass
        raise CommandError(f"training diverged ({exc}); try a smaller --lr (nothing was saved)") from None
    activations = [args.activation] * len(args.hidden) + [args.output_activation]
    print(f"network {'-'.join(map(str, model.net.sizes))} ({', '.join(activations)}), {args.mode} training, "
          f"lr {args.lr:g}, {len(data)} training samples" + (f", {len(check)} check samples" if check else ""))
    stop = {"goal": f"reached the error goal {args.goal:g}", "epochs": "ran out of epochs",
            "diverged": "diverged (the error is no longer finite)"}[history.stop]
    print(f"stopped after {history.epochs} epochs: {stop}")
    if history.stop == "diverged":
        raise CommandError("training diverged; try a smaller --lr (nothing was saved)")
    units = " on scaled targets" if model.inputs_scaler else ""
    line = f"error ({LOSS}{units}): train {history.train_error[-1]:.6g}"
    if check is not None:
        line += f", check {history.check_error[-1]:.6g}"
    print(line)
    sets = [("train", data)] + ([("check", check)] if check is not None else [])
    predictions = {name: model.predict(d.inputs) for name, d in sets}
    print("rms error in the targets' units: " + ", ".join(
        f"{name} {rms_error(predictions[name], d.targets):.6g}" for name, d in sets))
    if model.one_hot:
        print("classified correctly (largest output = the target's 1): " + ", ".join(
            f"{name} {_correct(model, predictions[name], d.targets)}" for name, d in sets))
    if args.save is not None:
        try:
            model.save(args.save)
        except ValueError as exc:
            raise CommandError(f"cannot save: {exc}") from None
        print(f"saved {args.save}")
    return 0


def _load_model(path: Path, data: Path) -> Model:
    try:
        return Model.load(path)
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the model: {exc.strerror or exc}") from None
    except ValueError as exc:
        if _is_model_file(data):
            raise CommandError(f"{exc}; the model comes first: stepgrad predict MODEL DATA") from None
        raise


def predict_command(args: argparse.Namespace) -> int:
    """Print each sample's inputs and the model's predictions in the targets' original units: a
    data file itself, under a header of column names, with each class named in a comment."""
    model = _load_model(args.model, args.data)
    n_in, n_out = model.net.n_inputs, model.net.n_outputs
    data = read_data(args.data, targets=0)
    if data.n_inputs not in (n_in, n_in + n_out):
        takes = f"{n_in} input{'s' * (n_in != 1)} ({', '.join(model.input_names)})"
        raise CommandError(
            f"{data.source}:{data.lines[0]}: {data.n_inputs} numbers, but the model in {args.model} takes {takes}: "
            f"give {n_in} number{'s' * (n_in != 1)} per line (the inputs) or {n_in + n_out} (the inputs, then the "
            "targets)"
        )
    inputs = [row[:n_in] for row in data.inputs]
    predicted = model.predict(inputs)
    names = model.input_names + model.target_names
    sep = ", " if any(" " in name for name in names) else " "  # so that the header reads back as these names
    print(sep.join(names))
    classes = model.classes(predicted) if model.one_hot else [None] * len(predicted)
    for x, y, name in zip(inputs, predicted, classes):
        print(sep.join([*map(repr, x), *(f"{v:.9g}" for v in y)]) + (f"  # {name}" if name else ""))
    if data.n_inputs == n_in + n_out:
        targets = [row[n_in:] for row in data.inputs]
        source = data.source if data.source.isprintable() else reprlib.repr(data.source)
        print(f"# rms error against the targets in {source}: {rms_error(predicted, targets):.6g}")
        if model.one_hot:
            print(f"# classified correctly (largest output = the target's 1): {_correct(model, predicted, targets)}")
    return 0


# --- the command line ----------------------------------------------------------------------------


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(
            f"expected positive integers separated by commas (5 or 8,4), got {reprlib.repr(text)}")
    try:
        check_size([1, *sizes, 1])  # the least the network could have; the data's width is checked once read
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return sizes


def _activation(text: str) -> str:
    try:
        check_activation(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _show_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=tuple(DEMO_STRINGS), default="en", help="language of the narration (default en)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")


def _html_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--html", type=Path, metavar="PAGE",
                   help="write the step-through page (one HTML file that opens offline) here instead of printing")


def _demo_options(p: argparse.ArgumentParser) -> None:
    _show_options(p)
    p.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                   help="folder for the computation graph and network diagram (DOT; SVG with Graphviz); default out")
    _html_option(p)


def _explain_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--param", required=True, choices=list(CLASSIC_WEIGHTS), help="the weight to explain")
    _show_options(p)
    p.add_argument("--lr", type=float, default=None, help="also show the update with this learning rate")
    _html_option(p)


def _exercise_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=None,
                   help="a variant of the network with numbers of its own (default: the published numbers)")
    p.add_argument("--ask", default="all", metavar="WHAT",
                   help="what to compute: forward, backward, update, all (default), or quantities such as "
                   "'dE_total/dw5,w5+', separated by commas")
    p.add_argument("--lang", choices=tuple(DEMO_STRINGS), default="en",
                   help="language of the sheet and the questions (default en)")
    p.add_argument("--out", type=Path, metavar="SHEET", help="write the worksheet here (.md, .tex, .html or .txt)")
    p.add_argument("--key", type=Path, metavar="KEY", help="write the answer key here")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="format of --out and --key (default: from each file's suffix)")
    p.add_argument("--html", type=Path, metavar="PAGE",
                   help="write the quiz page (the step-through page that asks each question at its step) here")


def _train_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("train", type=Path, metavar="TRAIN", help="training data: inputs, then target(s), a line each")
    p.add_argument("--check", type=Path, metavar="CHECK", help="check (validation) data in the same layout")
    p.add_argument("--targets", type=int, default=1, metavar="K", help="the last K columns are targets (default 1)")
    p.add_argument("--hidden", type=_hidden_sizes, default=[5], metavar="N[,N...]",
                   help="hidden layer size(s), e.g. 5 or 8,4 (default 5)")
    p.add_argument("--activation", type=_activation, default="tansig", metavar="NAME",
                   help=f"hidden layers' activation: {activation_names()} (default tansig)")
    p.add_argument("--output-activation", type=_activation, default="purelin", metavar="NAME",
                   help="output layer's activation, one of the same (default purelin)")
    p.add_argument("--init", default="xavier", choices=("xavier", "he", "uniform"),
                   help="initial weights (default xavier; uniform is U(0, 1))")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    p.add_argument("--momentum", type=float, default=0.0, help="momentum in [0, 1) (default 0)")
    p.add_argument("--epochs", type=int, default=1000, help="at most this many epochs (default 1000)")
    p.add_argument("--mode", choices=("online", "batch", "minibatch"), default="online",
                   help="update after every sample, once per epoch, or every --batch-size samples (default online)")
    p.add_argument("--batch-size", type=int, default=None, metavar="N", help="samples per update with --mode minibatch")
    p.add_argument("--shuffle", action="store_true", help="visit the samples in a new random order every epoch")
    p.add_argument("--goal", type=float, default=1e-4,
                   help=f"stop when the {LOSS} on the training data is this low (default 1e-4)")
    p.add_argument("--normalize", choices=("minmax", "none"), default="minmax",
                   help="scale inputs and targets to [-1, 1] by the training data's min and max (default minmax)")
    p.add_argument("--seed", type=int, default=0, help="random seed for the initial weights and shuffling (default 0)")
    p.add_argument("--save", type=Path, metavar="MODEL", help="write the trained model (JSON) here")
    p.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                   help="no progress bar (by default one is shown on long runs in a terminal or notebook)")


def _predict_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, metavar="MODEL", help="a model saved by stepgrad train --save")
    p.add_argument("data", type=Path, metavar="DATA", help="inputs (optionally followed by targets), a line each")


Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]

COMMANDS: dict[str, Command] = {
    "demo": ("the step-by-step worked example of the classic 2-2-2 network", _demo_options, demo_command),
    "explain": ("derive one parameter's gradient in the classic network", _explain_options, explain_command),
    "exercise": ("a worksheet and answer key of the classic network, or its questions asked one by one",
                 _exercise_options, exercise_command),
    "train": ("train a network on a data file (the MATLAB newff/premnmx recipe)", _train_options, train_command),
    "predict": ("predict with a saved model, in the targets' original units", _predict_options, predict_command),
}
"""Every subcommand: its one-line help, the function adding its options, the function running it."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stepgrad", description="A scalar autograd engine that shows its work.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_options, run) in COMMANDS.items():
        add_options(commands.add_parser(name, help=help_text, description=help_text))
        commands.choices[name].set_defaults(run=run)
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
    except (CommandError, ValueError) as exc:  # ValueError: the library's word for bad input (DataError is one)
        print(f"stepgrad {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"stepgrad {args.command}: interrupted (nothing was saved)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``stepgrad predict ... | head``): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
