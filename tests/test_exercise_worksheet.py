"""Worksheets and answer keys: golden Markdown in English and Chinese, LaTeX that a real TeX
engine compiles to PDF, and HTML pages with the network drawn by Graphviz.

The LaTeX test needs ``latex`` and ``dvipdfmx`` (Debian: texlive-latex-base) and, for Chinese,
the ``ctexart`` class with its fonts (texlive-lang-chinese, latex-cjk-common); ``.ci/run``
installs them. Without them the test is skipped on a developer's machine and fails in CI.

Regenerate the golden files after an intended change with
``STEPGRAD_UPDATE_GOLDEN=1 python -m pytest tests/test_exercise_worksheet.py``, then read the diff.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from render_support import golden

from nn.examples import classic_exercise


@pytest.fixture(scope="module")
def ex():
    return classic_exercise(7)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["sheet", "key"])
def test_golden_markdown(ex, kind, lang) -> None:
    text = ex.worksheet("markdown", lang) if kind == "sheet" else ex.answer_key("markdown", lang)
    assert text == golden(f"exercise-7-{kind}-{lang}.md", text)


def test_the_sheet_hides_every_answer_and_the_key_gives_each(ex) -> None:
    sheet, key = ex.worksheet(), ex.answer_key()
    from autograd.printing import format_number

    for q in ex.questions:
        shown = format_number(q.value)
        if q.kind != "forward" or shown not in ("0", "1"):
            assert shown not in sheet or shown in {format_number(v.data) for v in _leaves(ex)}, q.name
        assert shown in key, q.name
    assert sheet.count("\\_" * 12) == len(ex.questions) == 54
    assert "Variant 7" not in sheet and "variant 7" in sheet.splitlines()[0]


def _leaves(ex):
    from autograd import topological_order

    return [v for v in topological_order(ex.output) if v.op is None]


def test_the_sheet_gives_the_numbers_and_the_formulas(ex) -> None:
    sheet = ex.worksheet()
    numbers = "$i_{1} = 0.69$, $i_{2} = 0.32$, $b_{1} = 0.43$, $b_{2} = -0.36$"
    assert f"- Inputs and constants (not updated): {numbers}" in sheet
    assert "- Learning rate: $\\eta = 0.5$" in sheet
    assert "- $\\mathrm{net}_{\\mathrm{h1}} = w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2} + b_{1}$" in sheet
    assert '"i1" -> "h1" [label="w1 = ' in sheet  # the diagram, as DOT text in Markdown
    zh = ex.worksheet("markdown", "zh")
    assert "## 已知" in zh and "按顺序手算下面每个量" in zh and "### 反向传播" in zh


def _tex_tools() -> bool:
    return all(shutil.which(tool) for tool in ("latex", "dvipdfmx", "kpsewhich")) and bool(
        subprocess.run(["kpsewhich", "ctexart.cls"], capture_output=True, text=True).stdout.strip()
    )


def test_latex_compiles_with_a_real_tex_engine(ex, tmp_path: Path) -> None:
    """LaTeX in DVI mode, then dvipdfmx: the engine ctexart's Fandol fonts work with on a
    plain Debian TeX installation (pdflatex cannot use them). stepgrad demo's LaTeX too."""
    if not _tex_tools():
        if os.environ.get("CI"):
            pytest.fail("latex, dvipdfmx and ctexart are needed (.ci/run installs them)")
        pytest.skip("no TeX installation with ctexart (apt-get install texlive-latex-base texlive-lang-chinese "
                    "latex-cjk-common)")
    import contextlib
    import io

    from nn.cli import main

    jobs = []
    for lang in ("en", "zh"):
        demo = io.StringIO()  # stepgrad demo's LaTeX, a document of the same kind, compiles too
        with contextlib.redirect_stdout(demo), contextlib.redirect_stderr(io.StringIO()):
            assert main(["demo", "--format", "latex", "--lang", lang, "--out", str(tmp_path / "graphs")]) == 0
        documents = {"sheet": ex.worksheet("latex", lang), "key": ex.answer_key("latex", lang), "demo": demo.getvalue()}
        for kind, text in documents.items():
            name = f"{kind}-{lang}"
            (tmp_path / f"{name}.tex").write_text(text, encoding="utf-8")
            command = f"latex -interaction=nonstopmode -halt-on-error {name}.tex && dvipdfmx -q {name}.dvi"
            jobs.append((name, subprocess.Popen(command, shell=True, cwd=tmp_path, stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT, encoding="utf-8", errors="replace")))
    for name, job in jobs:
        output, _ = job.communicate(timeout=300)
        assert job.returncode == 0, f"{name}: {output[-3000:]}"
        pdf = tmp_path / f"{name}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000, name
        log = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        assert "Missing character" not in log and "Undefined control sequence" not in log, name
    # the Chinese document really sets its text in the CJK fonts (ctex's unisong/unihei, mapped to Fandol)
    assert b"unisong" in (tmp_path / "sheet-zh.dvi").read_bytes()


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and value.startswith(("http", "//")):
                self.external.append(value)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_pages_draw_the_network_and_load_nothing(ex, lang) -> None:
    for text in (ex.worksheet("html", lang), ex.answer_key("html", lang)):
        page = _Page()
        page.feed(text)
        assert text.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in text
        assert page.tags.count("svg") == 1  # Graphviz drew the network (CI installs it)
        assert page.external == []
        assert text.count("<li>") >= len(ex.questions)
    sheet = ex.worksheet("html", lang)
    assert sheet.count('<span class="blank">____________</span>') == len(ex.questions)
    assert ">w1 = " in sheet  # the weights in the drawing


def test_a_small_exercise_without_a_diagram() -> None:
    from autograd import Value
    from autograd.exercise import exercise

    x = Value(0.5, label="x", requires_grad=False)
    w = Value(-1.5, label="w")
    y = (w * x).tanh().labelled("y")
    ex = exercise(y, "all", lr=0.1, title="tanh")
    sheet = ex.worksheet()
    assert sheet.startswith("# tanh\n") and "```dot" not in sheet
    assert "- Parameters: $w = -1.5$" in sheet and "- Inputs and constants (not updated): $x = 0.5$" in sheet
    key = ex.answer_key()
    assert "\\frac{\\partial y}{\\partial w} = (1 - y^{2}) \\cdot x" in key  # tanh's row, in terms of y
    with pytest.raises(ValueError, match="format='pdf' is not supported"):
        ex.worksheet("pdf")
    with pytest.raises(ValueError, match="lang='fr' is not supported"):
        ex.answer_key(lang="fr")
