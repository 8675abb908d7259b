"""``stepgrad demo`` and ``stepgrad explain``: the worked example, every published number.

Published figures are checked at their printed digits; the numbers the published example gets
wrong are checked at their exact values (and the test says which). One test runs the command as
a separate process (``python -m nn.cli``), the rest call ``main([...])`` in-process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn.cli import main

ROOT = Path(__file__).resolve().parent.parent

# Every number of the step-by-step example, as printed there (trailing zeros dropped, as the
# derivation printer drops them: 0.511301270 is printed 0.51130127).
PUBLISHED = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378", "net_o1": "1.105905967",
    "out_o1": "0.75136507", "out_o2": "0.772928465", "E_o1": "0.274811083", "E_o2": "0.023560026",
    "E_total": "0.298371109", "∂E_total/∂out_o1": "0.74136507", "∂out_o1/∂net_o1": "0.186815602",
    "∂E_total/∂w5": "0.082167041", "δ_o1 = ∂E_o1/∂net_o1": "0.138498562", "∂E_o1/∂out_h1": "0.055399425",
    "∂E_total/∂out_h1": "0.036350306", "∂out_h1/∂net_h1": "0.241300709", "∂E_total/∂w1": "0.000438568",
    "w5⁺": "0.35891648", "w6⁺": "0.408666186", "w7⁺": "0.51130127", "w8⁺": "0.561370121",
    "w1⁺": "0.149780716", "w2⁺": "0.19956143", "w3⁺": "0.24975114", "w4⁺": "0.29950229",
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def line_value(text: str, lhs: str) -> str:
    """The value derived by the first line that starts with ``lhs =`` and ends in a number."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(f"{lhs} ="):
            last = line.rsplit("= ", 1)[1]
            if re.fullmatch(r"[−-]?\d+\.?\d*", last):
                return last
    raise AssertionError(f"no line derives {lhs}")


def digits_agree(value: str, published: str) -> bool:
    """Our value agrees with the published one in every digit the publication prints."""
    decimals = len(published.split(".")[1])
    return f"{float(value.replace('−', '-')):.{decimals}f}" == f"{float(published):.{decimals}f}"


@pytest.fixture
def demo_text(tmp_path, capsys):
    code, out, err = run(capsys, "demo", "--out", tmp_path / "graphs")
    assert code == 0
    return out, err, tmp_path / "graphs"


def test_demo_shows_every_published_number(demo_text):
    out, _, _ = demo_text
    for lhs, published in PUBLISHED.items():
        lhs = lhs.split(" = ")[-1]
        assert digits_agree(line_value(out, lhs), published), (lhs, line_value(out, lhs), published)


def test_demo_shows_the_exact_figures_where_the_publication_rounds(demo_text):
    out, _, _ = demo_text
    # Published −0.019049119 was rounded from an already rounded intermediate; exact: −0.019049118.
    assert line_value(out, "∂E_o2/∂out_h1") == "−0.019049118"
    assert "prints ∂E_o2/∂out_h1 = −0.019049119: it multiplied the already rounded" in out  # and says why
    # The error after one update: exact 0.291027774 (the published summary says 0.291027924).
    assert "E_total = E_o1 + E_o2 = 0.267976501 + 0.023051272 = 0.291027774" in out
    assert "0.291027924 comes from updating w5..w8 first" in out


def test_demo_derives_w5_and_w1_in_full_and_the_others_in_brief(demo_text):
    out, _, _ = demo_text
    assert out.count("∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5") == 1
    assert "∂out_o1/∂net_o1 = out_o1(1 − out_o1) = 0.75136507(1 − 0.75136507) = 0.186815602" in out
    assert "∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1 = 0.055399425 + (−0.019049118) = 0.036350306" in out
    assert "2 paths lead from E_total to w1" in out
    for w, product in [("w6", "0.74136507 × 0.186815602 × 0.596884378 = 0.082667628"),
                       ("w2", "0.036350306 × 0.241300709 × 0.1 = 0.000877135"),
                       ("w4", "0.041370323 × 0.240613417 × 0.1 = 0.000995425")]:
        assert f"∂E_total/∂{w} = {product}" in out
    # Sections in the order of the example: forward, error, output layer, hidden layer, updates, after.
    marks = ["Forward pass", "Total error: E_total", "The output layer", "The hidden layer", "All eight updates",
             "The error after the update"]
    positions = [out.index(m) for m in marks]
    assert positions == sorted(positions)


def test_demo_writes_the_graphs_as_dot_and_svg(demo_text):
    _, err, folder = demo_text
    names = ["classic-graph.dot", "classic-graph.svg", "classic-network.dot", "classic-network.svg"]
    assert sorted(p.name for p in folder.iterdir()) == names
    assert err == f"stepgrad demo: wrote {', '.join(str(folder / n) for n in names)}\n"
    graph = (folder / "classic-graph.dot").read_text()
    network = (folder / "classic-network.dot").read_text()
    assert graph.startswith("digraph") and network.startswith("digraph")
    # The SVGs are real renders of those graphs: parse them and find the labels.
    ns = {"svg": "http://www.w3.org/2000/svg"}
    for name, expected in [("classic-graph.svg", ["E_total", "w1", "out_h1"]),
                           ("classic-network.svg", ["i1", "h1", "o2", "w5⁺ = 0.3589", "w1⁺ = 0.1498"])]:
        root = ET.parse(folder / name).getroot()
        texts = {t.text for t in root.iterfind(".//svg:text", ns) if t.text}
        for label in expected:
            assert any(label in t for t in texts), (name, label)


def test_demo_without_graphviz_writes_dot_and_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot anywhere
    code, out, err = run(capsys, "demo", "--out", tmp_path / "g")
    assert code == 0 and "0.298371109" in out
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["classic-graph.dot", "classic-network.dot"]
    assert err.splitlines()[-1] == (
        "stepgrad demo: no SVG: Graphviz's dot program is not installed (e.g. apt-get install graphviz)"
    )


def test_demo_without_the_graphviz_package_writes_dot_and_says_so(tmp_path):
    # A fresh interpreter in which `import graphviz` raises ImportError, as after a bare
    # `pip install .` (README's first command installs no extras).
    code = "import sys; sys.modules['graphviz'] = None; from nn.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, "demo", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "0.298371109" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classic-graph.dot", "classic-network.dot"]
    assert done.stderr.splitlines()[-1] == (
        "stepgrad demo: no SVG: the graphviz Python package is not installed (pip install 'stepgrad[viz]')"
    )


def test_demo_bad_out_folder_fails_before_printing(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out, err = run(capsys, "demo", "--out", blocker / "sub")
    assert (code, out) == (1, "")
    assert re.fullmatch(r"stepgrad demo: error: --out '.*/file/sub': cannot create the folder for the graphs: .*\n",
                        err)


def test_demo_in_chinese_uses_the_seed_terms(tmp_path, capsys):
    code, out, _ = run(capsys, "demo", "--lang", "zh", "--out", tmp_path)
    assert code == 0
    for term in ("前向传播", "计算总误差", "链式法则", "隐藏层的权值更新", "更新权值", "学习率"):
        assert term in out, term
    assert "权重" not in out  # one word for weight: the seed's 权值
    assert digits_agree(line_value(out, "∂E_total/∂w1"), PUBLISHED["∂E_total/∂w1"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_formats(tmp_path, capsys, lang):
    code, markdown, _ = run(capsys, "demo", "--format", "markdown", "--lang", lang, "--out", tmp_path)
    assert code == 0 and markdown.startswith("# ")
    assert "\\frac{\\partial E_{\\mathrm{total}}}{\\partial w_{5}}" in markdown
    code, latex, _ = run(capsys, "demo", "--format", "latex", "--lang", lang, "--out", tmp_path)
    assert code == 0
    assert latex.startswith("\\documentclass{" + ("ctexart" if lang == "zh" else "article") + "}")
    assert latex.rstrip().endswith("\\end{document}")
    assert latex.count("\\[") == latex.count("\\]") == latex.count("\\begin{aligned}") == 7
    assert "0.000438568" in latex
    code, html, _ = run(capsys, "demo", "--format", "html", "--lang", lang, "--out", tmp_path)
    assert code == 0 and html.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in html
    assert html.count('<div class="stepgrad-derivation">') == 7 and html.rstrip().endswith("</html>")


def test_explain_one_weight(capsys):
    code, out, err = run(capsys, "explain", "--param", "w1", "--lr", "0.5")
    assert (code, err) == (0, "")
    assert "  ∂E_total/∂w1 = 0.036350306 × 0.241300709 × 0.05 = 0.000438568\n" in out
    assert line_value(out, "w1⁺") == "0.149780716"
    code, out, _ = run(capsys, "explain", "--param", "w7", "--lang", "zh", "--format", "markdown")
    assert code == 0 and "链式法则" in out and "w_{7}" in out and "⁺" not in out


def test_explain_unknown_parameter_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["explain", "--param", "w9"])
    assert info.value.code == 2
    assert "argument --param: invalid choice: 'w9'" in capsys.readouterr().err


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "explain", "train", "predict"):
        assert command in out


def test_as_a_separate_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "nn.cli", "demo"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "E_total = E_o1 + E_o2 = 0.274811083 + 0.023560026 = 0.298371109" in done.stdout
    assert (tmp_path / "out" / "classic-graph.svg").is_file()  # the default --out is ./out
    done = subprocess.run([sys.executable, "-m", "nn.cli", "train", "missing.txt"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "stepgrad train: error: missing.txt: cannot read the file: No such file or directory\n"
