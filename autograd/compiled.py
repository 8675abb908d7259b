"""Compiled mode: a traced graph written out as straight-line Python, then replayed.

The eager engine builds a graph of Values on every call. When the same computation runs again
and again on new numbers of the same shape (a training step), the graph is always the same, so
it can be written down once as code: the hand derivation as a program.

- The forward pass is one assignment per node, named by its label: ``out_h1 = _sigmoid(net_h1)``.
- The backward pass is one line per edge, the upstream gradient times the edge's local
  derivative: ``g_w5 = g_mul3 * out_h1  # ∂mul3/∂w5 = out_h1``.

Nothing about an op is written twice. A row function that is a single ``return <expression>``
over its own parameters (``lambda a, b: a * b``) is written inline: its expression is read from
its own source and used only if it compiles to the same bytecode. Every other row function
(``_sigmoid``'s two branches, ``math.tanh``) is called, bound into the code's globals under a
readable name (``_sigmoid``, ``_pow_d0``). So replay gives bit for bit the numbers backward gives:
the same arithmetic on the same operands, each gradient summed in the same order.

Inside ``detect_anomaly()``, replay runs a second version of the code, made on first use, in which
every line also checks that its result (forward) or local derivative (backward) is finite: it
stops where the eager engine stops, with the same message and the line.

Replay returns fresh gradients and changes no Value. Python compiles very long functions slowly
and with a lot of memory (a single 300,000-line function took 7 s and 1.3 GB), so code longer
than ``CHUNK_LINES`` lines is split into functions of that many lines, each taking the names it
reads and returning the names later parts read, called in turn by the main function.

(The module is ``autograd.compiled``; ``autograd.compile`` is the function.)
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import keyword
import linecache
import math
import re
import unicodedata
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import anomaly
from .errors import anomaly_error, local_error, op_error, to_float
from .graph import topological_order
from .ops import fill
from .value import Value

__all__ = ["Compiled", "compile", "compile_graph", "CHUNK_LINES"]

CHUNK_LINES = 2000
"""Longest function the generator writes; a longer body is split into parts of this many lines."""


@dataclass
class _Line:
    """One generated statement: what it reads and writes, and which node and edge it computes.

    ``checked`` is the same statement for anomaly mode: it also stops at a result (forward) or a
    local derivative (backward) that is not finite. Both are one physical line, so a line number
    means the same statement in either version of the code.
    """

    text: str
    reads: tuple[str, ...]
    writes: str
    node: Value | None = None  # the node a forward line computes, or whose edge a backward line is
    operands: tuple[str, ...] = ()  # forward: the operand expressions; backward: (node, *operands)
    slot: int | None = None  # backward lines: the operand the edge leads to
    checked: str = ""

    def __post_init__(self) -> None:
        self.checked = self.checked or self.text


class _NotFinite(Exception):
    """Raised by the anomaly-mode checks in generated code; reworded by ``Compiled._explain``."""


def _finite(x: float) -> None:
    if not math.isfinite(x):
        raise _NotFinite


class _Names:
    """Unique Python identifiers made from labels; one namespace for values, gradients and helpers.

    Python reads every identifier in its NFKC form (``ｘ`` is ``x``, ``ｉｆ`` is the keyword ``if``),
    so names are made in that form and compared in it: two labels that Python would read as one
    name get two names.

    >>> names = _Names()
    >>> names("x"), names("ｘ"), names("ｉｆ"), names("2nd node")
    ('x', 'x_2', 'v_if', 'v_2nd_node')
    """

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, wanted: str) -> str:
        text = unicodedata.normalize("NFKC", str(wanted))
        base = "".join(c if ("_" + c).isidentifier() else "_" for c in text) or "_"
        if unicodedata.normalize("NFKC", base) != base:  # a replaced character changed how the rest reads
            base = "".join(c if c.isascii() and ("_" + c).isidentifier() else "_" for c in base)
        if not base.isidentifier() or keyword.iskeyword(base):
            base = "v_" + base
        name, k = base, 2
        while name in self.used:
            name, k = f"{base}_{k}", k + 1
        self.used.add(name)
        return name


class Compiled:
    """A traced graph as generated Python: call it with new input values, read ``source``.

    ``compiled(*values)`` returns ``(output value, grads)``, one gradient per input in input
    order (``None`` for an input with ``requires_grad=False``, ``0.0`` for one the output does
    not depend on). Gradients are fresh on each call, as ``backward`` gives them when every
    ``.grad`` starts at zero; replay reads and changes no Value (to train, subtract the
    gradients from your parameter numbers yourself). A domain error at replay names the op,
    its operands by name and value, and the line of ``source`` that raised; inside
    ``detect_anomaly()`` replay stops at the first result or local derivative that is not
    finite, with eager mode's message and the line.
    """

    def __init__(self, source: str, function: Callable, input_names: Sequence[str], lines: dict[int, _Line],
                 checked: Callable[[], Callable], ignored: frozenset[int] | None = None) -> None:
        self.source = source
        self.input_names = tuple(input_names)
        self._function = function
        self._lines = lines  # line number in ``source`` -> the statement written there
        self._make_checked = checked  # builds the anomaly-mode version of the code, once, if asked
        self._checked: Callable | None = None
        # With accumulate: the positions of starting gradients the code never reads (inputs that
        # get no gradient). None without accumulate.
        self._ignored = ignored

    @property
    def function(self) -> Callable:
        """The generated function itself, for a loop that calls it many times on numbers it has
        already checked: floats in, ``(value, grads)`` out, nothing more (no conversion of its
        arguments, a domain error in Python's own words, and without ``accumulate`` a zero
        gradient may come out as −0.0). Inside ``detect_anomaly()`` it is the checked version.

        >>> x = Value(3.0, label="x")
        >>> compile_graph(x * x, [x]).function(0.5)
        (0.25, (1.0,))
        """
        if anomaly.enabled():
            if self._checked is None:
                self._checked = self._make_checked()
            return self._checked
        return self._function

    def __call__(self, *values: float) -> tuple[float, tuple[float | None, ...]]:
        if len(values) != len(self.input_names):
            raise TypeError(
                f"compiled function takes {len(self.input_names)} input values "
                f"({', '.join(self.input_names)}), got {len(values)}"
            )
        ignored = self._ignored or ()
        args = [
            x if type(x) is float or k in ignored else to_float(x, f"input {n}")
            for k, (x, n) in enumerate(zip(values, self.input_names))
        ]
        function = self.function
        try:
            value, grads = function(*args)
        except (ArithmeticError, ValueError, _NotFinite) as exc:
            raise self._explain(exc, function) from None
        if self._ignored is not None:  # accumulated: the very sums backward leaves in .grad
            return value, grads
        # backward's gradients start at 0.0 and 0.0 + (−0.0) is 0.0; the code assigns a first
        # contribution instead, so a zero gradient can come out as −0.0. Adding 0.0 turns it into
        # 0.0 and leaves every other float (inf and NaN included) as it is.
        return value, tuple(None if g is None else g + 0.0 for g in grads)

    def _explain(self, exc: Exception, function: Callable) -> Exception:
        """The exception raised at replay, reworded as eager mode words it: the op and its operands."""
        tb, frame_tb = exc.__traceback__, None
        while tb is not None:  # the innermost frame running generated code
            if tb.tb_frame.f_code.co_filename == function.__code__.co_filename:
                frame_tb = tb
            tb = tb.tb_next
        line = self._lines.get(frame_tb.tb_lineno) if frame_tb else None
        if line is None or line.node is None or (line.slot is not None and not isinstance(exc, _NotFinite)):
            where = f" (line {frame_tb.tb_lineno} of the compiled source)" if frame_tb else ""
            return type(exc)(f"{exc}{where}")
        local = frame_tb.tb_frame.f_locals
        consts = frame_tb.tb_frame.f_globals  # a non-finite constant is bound there; others are literals
        operands = tuple(
            Value(local[x], label=x) if x in local
            else Value(consts[x] if x in consts else float(x), requires_grad=False)
            for x in line.operands
        )
        op = line.node.op
        if not isinstance(exc, _NotFinite):
            err = op_error(op, operands, exc)
        elif line.slot is None:
            err = anomaly_error(op, local[line.writes], operands)
        else:  # the edge's local derivative, with the node and its operands as replay has them
            node = Value(operands[0].data, label=operands[0].label, op=op, parents=operands[1:])
            err = local_error(node, line.slot, local[_LOCAL])
        return type(err)(f"{err} (computing {line.writes}, line {frame_tb.tb_lineno} of the compiled source)")

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<Compiled {self._function.__name__}({', '.join(self.input_names)}): {len(self._lines)} lines>"


def compile(f: Callable[..., Value], example_inputs: Sequence[Value | float], *, name: str | None = None) -> Compiled:
    """Trace ``f`` once on the example inputs, and generate its forward and backward passes.

    Numbers among the example inputs become Values labelled ``x1``, ``x2``, ...

    >>> c = compile(lambda x, y: (x * y).sigmoid(), [0.5, 2.0])
    >>> value, (gx, gy) = c(0.0, 3.0)
    >>> value, gx, gy
    (0.5, 0.75, 0.0)
    """
    inputs = [x if isinstance(x, Value) else Value(x, label=f"x{k + 1}") for k, x in enumerate(example_inputs)]
    output = f(*inputs)
    if not isinstance(output, Value):
        raise TypeError(f"compile: the function must return a Value, it returned {type(output).__name__}")
    if name is None:
        name = getattr(f, "__name__", "") if getattr(f, "__name__", "").isidentifier() else "compiled"
    return compile_graph(output, inputs, name=name)


def compile_graph(
    output: Value, inputs: Sequence[Value], *, name: str = "compiled", gradients: bool = True, accumulate: bool = False
) -> Compiled:
    """Generate straight-line forward and backward code for the graph that made ``output``.

    ``inputs`` are the leaves whose values change between calls (data and parameters); every
    other leaf is a constant, written into the code with the value it has now.

    ``gradients=False`` writes the forward pass only (every gradient comes back ``None``).
    ``accumulate=True`` adds the gradients to numbers passed in, as backward adds into a leaf's
    ``.grad``: the function then takes, after the input values, one starting gradient per input
    (``None`` for an input that gets no gradient), and adds each edge's contribution to it in
    backward's order. Gradients of several calls so summed are the very floats several backward
    calls leave in ``.grad`` (a parameter with several edges gets ((g + c1) + c2), not g + (c1 + c2)).

    >>> w = Value(0.5, label="w")
    >>> step = compile_graph(w * w + w, [w], accumulate=True)  # two edges into w
    >>> value, grads = step(0.5, 0.0)
    >>> step(1.0, *grads)
    (2.0, (5.0,))

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = compile_graph((a * b).labelled("c") + a, [a, b])
    >>> c(2.0, -3.0)
    (-4.0, (-2.0, 2.0))
    >>> print(c.source.splitlines()[1])
        c = a * b  # c = a·b
    """
    _check_inputs(output, inputs)
    order = topological_order(output)
    names = _Names()
    helpers: dict[str, object] = {}  # name in the generated code's globals -> the row's function
    bound: dict[int, str] = {}  # id(function) -> its name there

    def helper(function: object, wanted: str) -> str:
        if id(function) not in bound:
            bound[id(function)] = names("_" + wanted)
            helpers[bound[id(function)]] = function
        return bound[id(function)]

    def call(function: Callable, wanted: str, args: Sequence[str]) -> tuple[str, bool]:
        """``function`` applied to ``args``, written inline if it is one expression, else a call;
        and whether the text is a single term (no parentheses needed around it)."""
        form = _inline_form(function)
        if form is None:
            return f"{helper(function, wanted)}({', '.join(args)})", True
        template, term = form
        atoms = [x if x[0] != "-" else f"({x})" for x in args]  # a negative literal is not an atom
        return _SLOT.sub(lambda m: atoms[int(m.group(1))], template), term

    names(_LOCAL)  # anomaly mode's code holds each local derivative here (see _Line.checked)
    finite = helper(_finite, "finite")
    params = [names(v.label or f"x{k + 1}") for k, v in enumerate(inputs)]
    starts = [names("g_" + p) for p in params] if accumulate else []  # the starting gradients
    ref: dict[Value, str] = dict(zip(inputs, params))  # how the code refers to each node's value
    # nodes whose gradient reaches a grad input
    needs = {v for v in inputs if v.requires_grad} if gradients else set()
    forward: list[_Line] = []
    counts: dict[str, int] = {}
    for node in order:
        if node in ref:
            continue
        if node.op is None:  # a constant leaf: inline its value; a labelled one gets its own line
            literal = repr(node.data) if math.isfinite(node.data) else helper(node.data, "const")
            if node.label is None:
                ref[node] = literal
                continue
            ref[node] = names(node.label)
            forward.append(_Line(f"{ref[node]} = {literal}", (), ref[node]))
            continue
        op = node.op
        counts[op.name] = counts.get(op.name, 0) + 1
        ref[node] = target = names(node.label or f"{op.name}{counts[op.name]}")
        if any(p in needs for p in node.parents):
            needs.add(node)
        operands = tuple(ref[p] for p in node.parents)
        code = f"{target} = {call(op.forward, op.name, operands)[0]}"
        forward.append(
            _Line(
                f"{code}  # {target} = {_formula(node, ref)}",
                _variables(operands),
                target,
                node,
                operands,
                checked=f"{code}; {finite}({target})",
            )
        )

    grad: dict[Value, str] = {v: g for v, g in zip(inputs, starts) if v in needs}  # each node's gradient
    backward: list[_Line] = []
    if output in grad:  # an input that is the output itself, accumulating
        backward.append(_Line(f"{grad[output]} += 1.0", (grad[output],), grad[output]))
    elif output in needs:
        grad[output] = names("g_" + ref[output])
        backward.append(_Line(f"{grad[output]} = 1.0", (), grad[output]))
    for node in reversed(order):  # the eager order: each node's gradient is complete before it flows on
        if node.op is None or node not in needs:
            continue
        op, upstream = node.op, grad[node]
        args = (ref[node],) + tuple(ref[p] for p in node.parents)
        reads = _variables(args)
        placeholders = {**_operand_names(node, ref), "out": ref[node]}  # for the formula comments
        shared = ""
        if op.variadic:  # one partial for every slot: evaluate it once per node, as backward does
            shared = names("d_" + ref[node])
            backward.append(_Line(f"{shared} = {call(op.partials[0].fn, op.name + '_d', args)[0]}", reads, shared))
        for slot, parent in enumerate(node.parents):
            if parent not in needs:
                continue
            partial = op.partial(slot)
            if shared:
                bare = local = shared
            else:
                bare, term = call(partial.fn, f"{op.name}_d{slot}", args)
                local = bare if term else f"({bare})"
            formula = fill(partial.text, placeholders)
            first = parent not in grad
            if first:
                grad[parent] = names("g_" + ref[parent])
            target, assign = grad[parent], "=" if first else "+="
            text = f"{target} {assign} {upstream} * {local}  # ∂{ref[node]}/∂{ref[parent]} = {formula}"
            checked = f"{_LOCAL} = {bare}; {finite}({_LOCAL}); {target} {assign} {upstream} * {_LOCAL}"
            extra = ((shared,) if shared else ()) + (() if first else (target,))
            backward.append(_Line(text, (upstream, *reads, *extra), target, node, args, slot, checked))

    results = [grad.get(v, "0.0") if v in needs else "None" for v in inputs]
    ignored = frozenset(len(inputs) + k for k, v in enumerate(inputs) if v not in needs) if accumulate else None
    return _assemble(name, params + starts, forward + backward, [ref[output], *results], helpers, names, ignored)


_SLOT = re.compile("\x00([0-9]+)\x00")  # where an inline template takes its k-th argument
_LOCAL = "_local"


class _Substitute(ast.NodeTransformer):
    def __init__(self, operands: dict[str, ast.expr]) -> None:
        self.operands = operands

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.operands.get(node.id, node)


_NOT_INLINE = (ast.Lambda, ast.NamedExpr, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Await)


@functools.cache
def _inline_form(function: Callable) -> tuple[str, bool] | None:
    """A row function as an inline template, if it is nothing but ``return <expression>``.

    The expression is read from the function's own source, the same text that made the function,
    and it is used only if it compiles to the same bytecode (two lambdas on one line cannot be
    confused) and reads nothing but the function's positional parameters (no globals, no
    ``*operands``). Anything else (``_sigmoid``'s branches, ``math.tanh``) is called by name.
    The template marks its k-th argument as ``\\x00k\\x00``; the flag says whether the expression
    is a single term (a name, a number or a call) that needs no parentheses as a factor.

    >>> from autograd.ops import DIV, MUL
    >>> _inline_form(MUL.partials[0].fn)
    ('\\x002\\x00', True)
    >>> _inline_form(DIV.partials[1].fn)  # a def whose body is one return: -out / b
    ('-\\x000\\x00 / \\x002\\x00', False)
    >>> _inline_form(math.tanh) is None
    True
    """
    code = getattr(function, "__code__", None)
    try:
        tree = _parsed(inspect.getsourcefile(function))
    except (TypeError, OSError, SyntaxError):  # a builtin, or no source file to read
        return None
    if code is None or tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno:
            args, body = node.args, node.body
            made = builtins.compile(ast.Expression(node), "<row>", "eval", dont_inherit=True).co_consts[0]
        elif isinstance(node, ast.FunctionDef) and node.lineno == code.co_firstlineno and not node.decorator_list:
            if len(node.body) != 1 or not isinstance(node.body[0], ast.Return) or node.body[0].value is None:
                continue
            args, body = node.args, node.body[0].value
            module = builtins.compile(ast.Module([node], []), "<row>", "exec", dont_inherit=True)
            made = next(c for c in module.co_consts if hasattr(c, "co_code"))
        else:
            continue
        if (made.co_code, made.co_consts, made.co_names) != (code.co_code, code.co_consts, code.co_names):
            continue
        params = tuple(a.arg for a in args.posonlyargs + args.args)
        if args.kwonlyargs or args.defaults or args.kw_defaults or args.kwarg:
            return None
        inner = list(ast.walk(body))
        if any(isinstance(x, _NOT_INLINE) for x in inner):
            return None
        if any(isinstance(x, ast.Name) and x.id not in params for x in inner):
            return None
        slots = {p: ast.Name(f"\x00{k}\x00") for k, p in enumerate(params)}
        template = ast.unparse(_Substitute(slots).visit(copy.deepcopy(body)))
        return template, isinstance(body, ast.Name | ast.Constant | ast.Call)
    return None


@functools.cache
def _parsed(filename: str | None) -> ast.Module | None:
    lines = linecache.getlines(filename) if filename else []
    return ast.parse("".join(lines)) if lines else None


def _check_inputs(output: Value, inputs: Sequence[Value]) -> None:
    if not isinstance(output, Value):
        raise TypeError(f"compile_graph: output must be a Value, got {type(output).__name__}")
    seen: set[Value] = set()
    for k, v in enumerate(inputs):
        if not isinstance(v, Value):
            raise TypeError(f"compile_graph: input {k + 1} must be a Value, got {type(v).__name__}")
        if v.op is not None:
            raise ValueError(f"compile_graph: input {k + 1} ({v!r}) is the result of {v.op.name}, not a leaf")
        if v in seen:
            raise ValueError(f"compile_graph: input {k + 1} ({v!r}) is listed twice")
        seen.add(v)


def _operand_names(node: Value, ref: dict[Value, str]) -> dict[str, str]:
    return dict(zip(node.op.operands, (ref[p] for p in node.parents)))


def _formula(node: Value, ref: dict[Value, str]) -> str:
    if node.op.variadic:  # a variadic row's text is the separator
        return node.op.text.join(ref[p] for p in node.parents)
    return fill(node.op.text, _operand_names(node, ref))


def _variables(expressions: Sequence[str]) -> tuple[str, ...]:
    # Operands are variables or literals (inlined constants); only variables cross part boundaries.
    return tuple(x for x in expressions if x.isidentifier())


def _assemble(
    name: str, params: list[str], lines: list[_Line], results: list[str], helpers: dict[str, object], names: _Names,
    ignored: frozenset[int] | None,
) -> Compiled:
    """The generated module: one function, or parts of CHUNK_LINES lines and a driver calling them."""
    name = names(name)
    count = -(-len(lines) // CHUNK_LINES)
    parts = [names(f"_{name}_part{k + 1}") for k in range(count)] if count > 1 else []
    source, function, by_number = _build(name, parts, params, lines, results, helpers, checked=False)
    return Compiled(
        source, function, params, by_number,
        lambda: _build(name, parts, params, lines, results, helpers, checked=True)[1], ignored,
    )


_GONE: list[str] = []
"""linecache entries of compiled functions that have been freed. They are dropped at the next
compile, not by the finalizer itself: a finalizer runs whenever the collector does, and
linecache.checkcache (tracebacks, doctest) raises KeyError if an entry vanishes while it loops."""


def _forget_sources() -> None:
    while _GONE:
        linecache.cache.pop(_GONE.pop(), None)


def _build(
    name: str, part_names: list[str], params: list[str], lines: list[_Line], results: list[str],
    helpers: dict[str, object], *, checked: bool,
) -> tuple[str, Callable, dict[int, _Line]]:
    """Source, function and line map of the code, as shown or (``checked``) for anomaly mode."""
    returned = f"{results[0]}, ({', '.join(results[1:])}{',' if len(results) == 2 else ''})"
    filename = f"<stepgrad compiled {name}{' checked' if checked else ''} {id(lines):x}>"

    def statement(line: _Line) -> str:
        return f"    {line.checked if checked else line.text}"

    blocks: list[tuple[list[str], list[_Line | None]]] = []  # each def's source lines, and what each line is
    if not part_names:
        body = [statement(line) for line in lines]
        blocks.append(([f"def {name}({', '.join(params)}):", *body, f"    return {returned}"], [None, *lines, None]))
    else:
        parts = [lines[k : k + CHUNK_LINES] for k in range(0, len(lines), CHUNK_LINES)]
        last_read: dict[str, int] = {x: len(parts) for x in results}  # the driver returns these
        for k, part in enumerate(parts):
            for line in part:
                for x in line.reads:
                    last_read[x] = max(last_read.get(x, -1), k)
        calls = []
        for k, part in enumerate(parts):
            written: set[str] = set()
            ins: dict[str, None] = {}  # names read before this part writes them, in first-read order
            for line in part:
                ins.update((x, None) for x in line.reads if x not in written)
                written.add(line.writes)
            outs = [x for x in dict.fromkeys(line.writes for line in part) if last_read.get(x, -1) > k]
            part_name = part_names[k]
            out_text = ", ".join(outs) + ("," if len(outs) == 1 else "")
            body = [statement(line) for line in part]
            blocks.append(
                ([f"def {part_name}({', '.join(ins)}):", *body, f"    return {out_text or 'None'}", ""],
                 [None, *part, None, None])
            )
            call = f"{part_name}({', '.join(ins)})"
            calls.append(f"    {out_text} = {call}" if outs else f"    {call}")
        blocks.append(([f"def {name}({', '.join(params)}):", *calls, f"    return {returned}"], []))
    namespace: dict[str, object] = {"__builtins__": builtins, **helpers}
    source_lines: list[str] = []
    by_number: dict[int, _Line] = {}
    for text, what in blocks:
        start = len(source_lines)
        exec(builtins.compile("\n".join(text), filename, "exec"), namespace)
        function = namespace[text[0][4 : text[0].index("(")]]
        # Shifted so that line numbers are those of the whole source, for tracebacks and errors.
        function.__code__ = function.__code__.replace(co_firstlineno=function.__code__.co_firstlineno + start)
        source_lines += text
        by_number.update({start + k + 1: line for k, line in enumerate(what) if line is not None})
    source = "\n".join(source_lines) + "\n"
    main = namespace[name]
    _forget_sources()
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks show the code
    weakref.finalize(main, _GONE.append, filename)
    return source, main, by_number
