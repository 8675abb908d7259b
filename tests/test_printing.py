"""The four renderings of a derivation (text, LaTeX, Markdown, HTML), parenthesising, and size."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from autograd import Value, add_n, explain, explain_forward
from nn.examples import classic_values

W5_LATEX = r"""\begin{aligned}
&\text{Backward pass: }\frac{\partial E_{\mathrm{total}}}{\partial w_{5}}\text{ by the chain rule} \\
\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} &= \frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{\mathrm{o1}}} \cdot \frac{\partial \mathrm{out}_{\mathrm{o1}}}{\partial \mathrm{net}_{\mathrm{o1}}} \cdot \frac{\partial \mathrm{net}_{\mathrm{o1}}}{\partial w_{5}} \\
\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{\mathrm{o1}}} &= -(\mathrm{target}_{\mathrm{o1}} - \mathrm{out}_{\mathrm{o1}}) = -(0.01 - 0.75136507) = 0.74136507 \\
\frac{\partial \mathrm{out}_{\mathrm{o1}}}{\partial \mathrm{net}_{\mathrm{o1}}} &= \mathrm{out}_{\mathrm{o1}}(1 - \mathrm{out}_{\mathrm{o1}}) = 0.75136507(1 - 0.75136507) = 0.186815602 \\
\frac{\partial \mathrm{net}_{\mathrm{o1}}}{\partial w_{5}} &= \mathrm{out}_{\mathrm{h1}} = 0.593269992 \\
\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} &= 0.74136507 \times 0.186815602 \times 0.593269992 = 0.082167041 \\
&\text{Update the weight (learning rate }\eta = 0.5\text{)} \\
w_{5}^{+} &= w_{5} - \eta \cdot \frac{\partial E_{\mathrm{total}}}{\partial w_{5}} = 0.4 - 0.5 \times 0.082167041 = 0.35891648 \\
\end{aligned}"""  # noqa: E501

W5_MARKDOWN = r"""**Backward pass: $\frac{\partial E_{\mathrm{total}}}{\partial w_{5}}$ by the chain rule**

- $\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} = \frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{\mathrm{o1}}} \cdot \frac{\partial \mathrm{out}_{\mathrm{o1}}}{\partial \mathrm{net}_{\mathrm{o1}}} \cdot \frac{\partial \mathrm{net}_{\mathrm{o1}}}{\partial w_{5}}$
- $\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{\mathrm{o1}}} = -(\mathrm{target}_{\mathrm{o1}} - \mathrm{out}_{\mathrm{o1}}) = -(0.01 - 0.75136507) = 0.74136507$
- $\frac{\partial \mathrm{out}_{\mathrm{o1}}}{\partial \mathrm{net}_{\mathrm{o1}}} = \mathrm{out}_{\mathrm{o1}}(1 - \mathrm{out}_{\mathrm{o1}}) = 0.75136507(1 - 0.75136507) = 0.186815602$
- $\frac{\partial \mathrm{net}_{\mathrm{o1}}}{\partial w_{5}} = \mathrm{out}_{\mathrm{h1}} = 0.593269992$
- $\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} = 0.74136507 \times 0.186815602 \times 0.593269992 = 0.082167041$

**Update the weight (learning rate $\eta = 0.5$)**

- $w_{5}^{+} = w_{5} - \eta \cdot \frac{\partial E_{\mathrm{total}}}{\partial w_{5}} = 0.4 - 0.5 \times 0.082167041 = 0.35891648$
"""  # noqa: E501

W5_HTML = """<div class="stepgrad-derivation">
<p><strong>Backward pass: ∂E<sub>total</sub>/∂w<sub>5</sub> by the chain rule</strong></p>
<ul>
<li>∂E<sub>total</sub>/∂w<sub>5</sub> = ∂E<sub>total</sub>/∂out<sub>o1</sub> · ∂out<sub>o1</sub>/∂net<sub>o1</sub> · ∂net<sub>o1</sub>/∂w<sub>5</sub></li>
<li>∂E<sub>total</sub>/∂out<sub>o1</sub> = −(target<sub>o1</sub> − out<sub>o1</sub>) = −(0.01 − 0.75136507) = 0.74136507</li>
<li>∂out<sub>o1</sub>/∂net<sub>o1</sub> = out<sub>o1</sub>(1 − out<sub>o1</sub>) = 0.75136507(1 − 0.75136507) = 0.186815602</li>
<li>∂net<sub>o1</sub>/∂w<sub>5</sub> = out<sub>h1</sub> = 0.593269992</li>
<li>∂E<sub>total</sub>/∂w<sub>5</sub> = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041</li>
</ul>
<p><strong>Update the weight (learning rate η = 0.5)</strong></p>
<ul>
<li>w<sub>5</sub><sup>+</sup> = w<sub>5</sub> − η·∂E<sub>total</sub>/∂w<sub>5</sub> = 0.4 − 0.5 × 0.082167041 = 0.35891648</li>
</ul>
</div>"""  # noqa: E501


@pytest.fixture
def w5():
    v = classic_values()
    return explain(v["E_total"], v["w5"], lr=0.5)


def test_latex_golden(w5):
    assert w5.to_latex() == W5_LATEX


def test_markdown_golden(w5):
    assert w5.to_markdown() == W5_MARKDOWN


def test_html_golden(w5):
    assert w5.to_html() == W5_HTML


def _balanced(latex: str) -> bool:
    depth = 0
    i = 0
    while i < len(latex):
        if latex[i] == "\\":  # \{ and \} are literal braces
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(latex[i], 0)
        if depth < 0:
            return False
        i += 1
    return depth == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("wrt", ["w1", "w5", "i1", "E_total"])
def test_latex_braces_balance_and_lines_align(lang, wrt):
    v = classic_values()
    latex = explain(v["E_total"], v[wrt], lr=0.5, forward=True, lang=lang).to_latex()
    assert _balanced(latex)
    lines = latex.splitlines()
    assert lines[0] == r"\begin{aligned}" and lines[-1] == r"\end{aligned}"
    assert all(line.endswith(r" \\") and line.count("&") == 1 for line in lines[1:-1])
    assert _balanced(explain(v["E_total"], v[wrt], lang=lang).to_markdown())


def test_latex_of_odd_labels_is_escaped():
    x = Value(2.0, label="x#1")
    d = explain((x * x).labelled("100%"), x)
    assert _balanced(d.to_latex())
    assert r"\mathrm{100\%}" in d.to_latex() and r"\#" in d.to_latex()


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


def test_html_is_well_formed_and_escapes_labels():
    a = Value(1.0, label="a<b")
    d = explain((a * 2).labelled("c&d"), a, lr=0.1, lang="zh")
    parser = _Tags()
    parser.feed(d.to_html())
    assert parser.ok and parser.stack == []
    assert "a&lt;b" in d.to_html() and "c&amp;d" in d.to_html() and "a<b" not in d.to_html()


def test_jupyter_hooks_call_the_printers(w5):
    assert w5._repr_latex_() == "$$" + W5_LATEX + "$$"
    assert w5._repr_markdown_() == W5_MARKDOWN
    assert w5._repr_html_() == W5_HTML


@pytest.mark.parametrize(
    "build, line",
    [
        (lambda a, b, c: a - (b + c), "f = a − (b + c) = 1 − (2 + 3) = −4"),
        (lambda a, b, c: (a + b) * c, "f = (a + b)·c = (1 + 2) × 3 = 9"),
        (lambda a, b, c: (a * b) ** 2, "f = (a·b)^2 = (1 × 2)^2 = 4"),
        (lambda a, b, c: (-(a + b)).exp(), "f = e^(−(a + b)) = e^(−(1 + 2)) = 0.049787068"),
        (lambda a, b, c: a / (b * c), "f = a / (b·c) = 1 / (2 × 3) = 0.166666667"),
        (lambda a, b, c: (a / b) / c, "f = a / b / c = 1 / 2 / 3 = 0.166666667"),
        (lambda a, b, c: (-a) ** 2, "f = (−a)^2 = (−1)^2 = 1"),
        (lambda a, b, c: a * -2, "f = a·(−2) = 1 × (−2) = −2"),
        (lambda a, b, c: (a - b) - (b - c), "f = a − b − (b − c) = 1 − 2 − (2 − 3) = 0"),
        (lambda a, b, c: 2 ** (a + b), "f = 2^(a + b) = 2^(1 + 2) = 8"),
        (lambda a, b, c: (a + b).sigmoid(), "f = 1 / (1 + e^(−(a + b))) = 1 / (1 + e^(−(1 + 2))) = 0.952574127"),
    ],
)
def test_operands_are_parenthesised_by_precedence(build, line):
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    assert str(explain_forward(build(a, b, c).labelled("f"))).splitlines()[-1] == "  " + line


def _chain_of_diamonds(levels: int) -> tuple[Value, Value]:
    """x → (u, v) → y → (u, v) → ...: 2**levels paths from the top to x."""
    x = top = Value(0.5, label="x")
    for i in range(levels):
        top = (top.sigmoid().labelled(f"u{i}") + top.tanh().labelled(f"v{i}")).labelled(f"y{i}")
    return top, x


def test_lines_grow_with_the_graph_not_the_paths():
    top, x = _chain_of_diamonds(60)
    d = explain(top, x, max_paths=50, max_lines=1000)
    assert d.path_count == 2**60 and len(d.paths) == 50
    assert len(d.steps) < 8 * 60  # 180 labelled nodes: a few lines for each
    top.backward()
    assert d.value == pytest.approx(x.grad, rel=1e-12)
    assert f"{2**60} paths lead from y59 to x" in str(d)


def _mlp(n_inputs: int, width: int, depth: int, samples: int) -> tuple[Value, Value]:
    weights = []
    fan_in = n_inputs
    for layer in range(depth):
        weights.append(
            [
                [Value(0.1 * ((i * 7 + j * 3 + layer) % 11 - 5), f"w{layer}_{j}_{i}") for i in range(fan_in)]
                for j in range(width)
            ]
        )
        fan_in = width
    losses = []
    for s in range(samples):
        xs = [Value(0.1 * ((s + i) % 5), f"x{s}_{i}", requires_grad=False) for i in range(n_inputs)]
        for layer, rows in enumerate(weights):
            xs = [
                add_n([w * x for w, x in zip(row, xs)]).tanh().labelled(f"h{s}_{layer}_{j}")
                for j, row in enumerate(rows)
            ]
        losses.append(add_n([(x - 0.5) * (x - 0.5) for x in xs]))
    return add_n(losses, label="L"), weights[0][0][0]


def test_explain_one_leaf_of_a_10000_node_graph_is_summarised():
    from autograd import topological_order

    loss, w = _mlp(n_inputs=10, width=20, depth=3, samples=8)
    assert len(topological_order(loss)) >= 10_000
    d = explain(loss, w, max_lines=60)  # its time is measured by bench/bench_tracer.py
    text = str(d)
    assert len(d.steps) == 61 and "steps omitted" in text
    loss.backward()
    assert d.value == pytest.approx(w.grad, rel=1e-12)


def test_markup_in_labels_is_shown_as_text_in_every_format():
    x = Value(2.0, label="<script>alert(1)</script>")
    d = explain((x * x).labelled("y&<b>"), x)
    assert "<script>" not in d.to_html() and "&lt;script&gt;" in d.to_html()
    markdown = d.to_markdown()
    assert "<" not in markdown and r"\lt{}script\gt{}" in markdown  # MathJax and KaTeX read \lt, \gt
    assert r"\mathrm{<script>alert(1)</script>}" in d.to_latex()  # real LaTeX maths takes < as it is
