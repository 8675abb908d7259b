"""autograd.printing.document: a titled document in four formats; the language tables beside it."""

from __future__ import annotations

import html.parser

import pytest

from autograd import Value, explain
from autograd.printing.document import FORMATS, Document, derivation_block
from autograd.printing.lang import DEMO_STRINGS, STRINGS

SPECIAL = r"50% of a_b & #1 {x} ~y^2 \ $5 *not bold* <b>"


def example() -> Document:
    x = Value(3.0, label="x")
    doc = Document("Title: " + SPECIAL)
    doc.heading("Heading " + SPECIAL)
    doc.paragraph("Paragraph " + SPECIAL)
    doc.derivation(explain((x * x).labelled("y"), x))
    return doc


def test_text_is_plain_and_underlined():
    text = example().to("text")
    title = "Title: " + SPECIAL
    assert text.startswith(f"{title}\n{'=' * len(title)}\n\nHeading {SPECIAL}\n{'-' * len('Heading ' + SPECIAL)}\n")
    assert f"\n\nParagraph {SPECIAL}\n\n" in text and "∂y/∂x = x + x = 3 + 3 = 6" in text
    assert str(example()) == text


def test_a_chinese_heading_is_underlined_to_its_width_in_a_terminal():
    doc = Document("网络", "zh")
    doc.heading("输出层 w5")
    assert doc.to("text") == "网络\n====\n\n输出层 w5\n---------\n"


def test_latex_is_a_complete_document_with_text_mode_escapes():
    latex = example().to("latex")
    assert latex.startswith("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n")
    assert latex.endswith("\\end{document}\n")
    escaped = (r"50\% of a\_b \& \#1 \{x\} \textasciitilde{}y\textasciicircum{}2 \textbackslash{} \$5 *not bold* "
               r"\textless{}b\textgreater{}")
    assert f"\\section*{{Title: {escaped}}}" in latex
    assert f"\\subsection*{{Heading {escaped}}}" in latex and f"\n\nParagraph {escaped}\n\n" in latex
    assert "\\[\n\\begin{aligned}" in latex and "\\end{aligned}\n\\]" in latex
    assert Document("网络", "zh").to("latex").startswith("\\documentclass{ctexart}")


def test_html_is_a_complete_page_and_escaped():
    page = example().to("html")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>')
    assert "<b>" not in page.replace('<div class="stepgrad-derivation">', "")
    texts = []

    class Collect(html.parser.HTMLParser):
        def handle_data(self, data):
            texts.append(data)

    Collect().feed(page)
    assert "Paragraph " + SPECIAL in texts and "Heading " + SPECIAL in texts  # what a browser shows


def test_markdown_escapes_its_own_markup():
    md = example().to("markdown")
    assert md.startswith("# Title: ")
    assert r"\*not bold\*" in md and r"a\_b" in md and r"\$5" in md and "&lt;b&gt;" in md
    assert "\\frac{\\partial y}{\\partial x}" in md


def test_consecutive_sections_with_one_title_merge_and_others_do_not():
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    y = (a * b).labelled("y")
    updates = [explain(y, w, lr=0.1).only(["update"]) for w in (a, b)]
    doc = Document("t")
    doc.derivation(*updates)
    (_, merged), = doc.parts
    assert [len(s.steps) for s in merged.sections] == [2]
    doc = Document("t")
    doc.derivation(updates[0], explain(y, b), updates[1])  # a backward section between: three sections
    (_, kept), = doc.parts
    assert [s.title for s in kept.sections] == ["update", "backward", "update"]


def test_only_keeps_the_kinds_asked_for_and_drops_empty_sections():
    x = Value(3.0, label="x")
    d = explain((x * x + x).labelled("y"), x, lr=0.1)
    assert {s.kind for s in d.steps} >= {"local", "update"}
    assert [s.kind for s in d.only(["update"]).steps] == ["update"]
    assert [s.title for s in d.only(["update"]).sections] == ["update"]
    assert d.only([]).sections == [] and d.only(["update"]).value == d.value
    assert len(d.steps) == len(d.only(["local", "update", "sum", "plan", "result", "chain", "note"]).steps)


def test_unknown_format_or_language_is_refused():
    with pytest.raises(ValueError, match="format 'pdf' is not supported; choose one of 'text', 'markdown'"):
        Document("t").to("pdf")
    with pytest.raises(ValueError, match="format 'pdf'"):
        derivation_block(explain(Value(1.0, label="a") * 2, Value(1.0)), "pdf")
    with pytest.raises(ValueError, match="lang='fr' is not supported"):
        Document("t", "fr")
    assert FORMATS == ("text", "markdown", "latex", "html")


@pytest.mark.parametrize("table", [STRINGS, DEMO_STRINGS], ids=["STRINGS", "DEMO_STRINGS"])
def test_every_language_has_every_string_and_one_word_for_weight(table):
    assert sorted(table) == sorted(STRINGS) == ["en", "zh"]
    assert set(table["en"]) == set(table["zh"])
    assert not any("权重" in text for text in table["zh"].values())  # the seed's word is 权值
