"""The quiz page's Python side: where each question is asked, what stays hidden, and the data the
page's checker reads (no browser here; tests/test_quiz_page.py plays the page).

Published numbers of the step-by-step example are compared at their printed precision; the rest
against the exercise's own questions and the trace the page embeds.
"""

from __future__ import annotations

import json
import re

import pytest
from test_player import embedded

import autograd
import nn
from autograd import Value
from autograd.exercise import exercise
from autograd.ops import OPS, Op, Partial, register
from autograd.player_page import CHECKER_OPS, quiz_of
from autograd.printing import format_number
from nn.cli import main
from nn.examples import CLASSIC_INPUTS, CLASSIC_LR, CLASSIC_TARGETS, classic_exercise, classic_network


@pytest.fixture(scope="module")
def page() -> autograd.Player:
    return classic_exercise().player(lang=("en", "zh"))


def asked(page: autograd.Player) -> dict[str, dict]:
    return {q["name"]: q for q in page.questions}


def line_of(page: autograd.Player, q: dict) -> dict:
    return page.trace["steps"][q["at"]]["lines"][q["line"]]


def test_every_question_is_asked_at_the_step_that_computes_it(page):
    ex = classic_exercise()
    q = asked(page)
    assert set(q) == {x.name for x in ex.questions} and len(q) == 54
    steps = page.trace["steps"]
    for x in ex.questions:  # the card line the question sits at prints its number
        assert format_number(line_of(page, q[x.name])["expr"]["value"]) == format_number(x.value), x.name
    w5 = next(n["id"] for n in page.trace["nodes"] if n["label"] == "w5")
    assert w5 in steps[q["dE_total/dw5"]["at"]]["reveals"]["grad"]
    assert "0.082167041" in line_of(page, q["dE_total/dw5"])["text"]  # published
    assert w5 in steps[q["w5+"]["at"]]["reveals"]["updated"] and "0.35891648" in line_of(page, q["w5+"])["text"]
    # a term's share is asked at the contribution that shows it: out_h1's through o1, 0.055399425 (published)
    share = q["dE_o1/dout_h1"]
    assert steps[share["at"]]["kind"] == "contribution" and "0.055399425" in line_of(page, share)["text"]
    # ∂E_o1/∂net_o1 is ∂E_total/∂net_o1 (no other term reaches net_o1): asked where the card writes it so
    assert steps[q["dE_o1/dnet_o1"]["at"]]["reveals"]["grad"] == [q["dE_o1/dnet_o1"]["hides"][0].split("\x1f")[1]]
    assert q["dE_o1/dnet_o1"]["prompt"]["text"] == "∂E_total/∂net_o1"
    # the page asks them in the order it plays the steps
    assert [x["at"] for x in page.questions] == sorted(x["at"] for x in page.questions)
    assert page.questions[0]["name"] == "net_h1" and page.questions[-1]["name"] == "E_total+"


def test_a_question_hides_its_numbers_on_the_picture(page):
    q = asked(page)
    node = {n["label"]: n for n in page.trace["nodes"] if n["label"]}
    assert f"grad\x1f{node['w5']['id']}" in q["dE_total/dw5"]["hides"]
    assert f"updated\x1f{node['w5']['id']}" in q["w5+"]["hides"]
    assert f"data\x1f{node['out_o1']['id']}" in q["out_o1"]["hides"]
    # ∂net_o1/∂w5 = out_h1 is written on the arrow from w5 into the product w5·out_h1
    (edge,) = [e for e in page.trace["edges"] if e["from"] == node["w5"]["id"]]
    assert f"local\x1f{edge['id']}" in q["dnet_o1/dw5"]["hides"]
    # the product w5·out_h1 carries δ_o1 = ∂E_total/∂net_o1 as its gradient: hidden with that question
    product = next(n for n in page.trace["nodes"] if n["id"] == edge["to"])
    assert product["label"] is None and f"grad\x1f{product['id']}" in q["dE_o1/dnet_o1"]["hides"]
    assert format_number(product["grad"]) == "0.138498562"
    # a given number is never hidden, though ∂net_h1/∂w1 = i1 = 0.05
    assert not any(h.endswith("\x1f" + node["i1"]["id"]) for x in q.values() for h in x["hides"])


def test_card_lines_that_print_an_open_question_are_written_without_numbers(page):
    q = asked(page)
    masks = {(int(step), m["line"]): m for step, ms in page.quiz["masks"].items() for m in ms}
    for x in q.values():
        mask = masks[x["at"], x["line"]]
        assert x["name"] in mask["names"]
        assert mask["text"].endswith(" = ?") and mask["latex"].endswith(" = {?}")
        assert format_number(x["value"]) not in mask["text"], x["name"]
    w5 = q["dE_total/dw5"]
    assert masks[w5["at"], 1]["text"] == "∂E_total/∂w5 = ∂E_total/∂net_o1 · ∂net_o1/∂w5 = ?"
    # later lines that print ∂E_total/∂w5: the update of w5
    assert "dE_total/dw5" in masks[q["w5+"]["at"], 0]["names"]
    assert masks[q["w5+"]["at"], 0]["text"] == "w5⁺ = w5 − η·∂E_total/∂w5 = ?"
    # the sum where w1's paths meet adds two shares: its formula is their numbers, so it goes too
    meet = q["dE_total/dout_h1"]
    assert masks[meet["at"], meet["line"]]["text"] == "∂E_total/∂out_h1 = ?"
    assert {"dE_o1/dout_h1", "dE_o2/dout_h1"} <= set(masks[meet["at"], meet["line"]]["names"])
    # before a question's step nothing is masked for it: the givens are shown whole
    assert not any(step < 3 for step, _ in masks)
    # in the forward pass after the update, w5 means w5⁺
    after = [m for (step, _), m in masks.items() if page.trace["steps"][step]["phase"] == "after"]
    assert any({"w5+", "w6+"} <= set(m["names"]) for m in after)


def test_the_checker_reads_strict_json_with_the_exercises_numbers(page):
    ex = classic_exercise()
    data = json.loads(json.dumps(ex.checker_data(), allow_nan=False))
    assert [q["value"] for q in data["questions"]] == [q.value for q in ex.questions]
    assert [v["kind"] for v in data["variants"]] == [v.kind for v in ex._sk.variants()]
    assert data["names"]["w5+"] == ["update", "w5", None] and data["lr_text"] == "0.5"
    assert set(data["mistakes"]) == {"forgot_lr", "lr_sign", "one_path", "target_sign", "net_for_out", "out_for_net",
                                     "function_for_derivative", "updated_weights"}
    assert data["words"]["zh"]["score"] == "得分：{1} 题中对了 {0} 题"
    assert 0x30 in data["digit_zeros"] and 0xFF10 in data["digit_zeros"]  # ASCII and full-width digits
    w5 = next(q for q in data["questions"] if q["name"] == "dE_total/dw5")
    assert [i["name"] for i in w5["inputs"]] == ["dE_total/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5"]
    assert w5["truth"]["text"] == "0.74136507 × 0.186815602 × 0.593269992 = 0.082167041"


def test_the_checker_mirrors_every_op_row():
    import nn.activations  # noqa: F401  (registers the threshold row)

    assert CHECKER_OPS == set(OPS)


def test_the_page_embeds_the_quiz_and_its_checker_only_when_asked(page):
    html = page.to_html()
    data = embedded(html, "stepgrad-quiz")
    assert [q["name"] for q in data["questions"]] == [q.name for q in classic_exercise().questions]
    element = '<script type="application/json" id="stepgrad-quiz">'
    assert "window.stepgradChecker = " in html and html.count(element) == 1
    plain = autograd.player(classic_exercise().output, lr=CLASSIC_LR).to_html()
    assert element not in plain and "window.stepgradChecker = " not in plain
    assert page.title == "stepgrad · quiz · E_total" and "54 questions" in repr(page)


def test_a_notebook_viewer_without_scripts_is_shown_the_questions_not_the_answers(page):
    bundle = page._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}  # no picture: it would carry the numbers
    lines = bundle["text/plain"].splitlines()
    assert lines[0] == "net_h1 = ?  (value)" and len(lines) == 54
    assert "∂E_total/∂w5 = ?  (gradient)" in lines and "0.08" not in bundle["text/plain"]


def test_quiz_takes_an_ask_or_an_exercise_on_the_same_graph():
    x = Value(3.0, label="x")
    y = (x * x).labelled("y")
    assert [q["name"] for q in autograd.player(y, quiz="backward").questions] == ["dy/dx"]
    ex = exercise(y, "all", lr=0.1)
    assert [q["name"] for q in autograd.player(y, lr=0.1, quiz=ex).questions] == ["y", "dy/dx", "x+", "y+"]
    with pytest.raises(ValueError, match="an exercise on another graph"):
        autograd.player((x * 2).labelled("z"), quiz=ex)
    with pytest.raises(ValueError, match=r"lr=0.5 but the exercise's learning rate is 0.1"):
        autograd.player(y, lr=0.5, quiz=ex)
    with pytest.raises(ValueError, match="player: exercise: the output needs a label"):
        autograd.player(x * x, quiz=True)
    with pytest.raises(ValueError, match="ask='w9'"):
        autograd.player(y, quiz="w9")
    with pytest.raises(ValueError, match="an exercise on another graph"):
        quiz_of(ex, x * 3, None, where="nn.player")


def test_a_graph_with_an_op_the_checker_does_not_mirror_is_refused():
    cube = Op(name="quiz_test_cube", operands=("a",), forward=lambda a: a ** 3,
              partials=(Partial(fn=lambda out, a: 3 * a * a, text="3·{a}²", latex="3 {a}^{2}", precedence=20),),
              text="{a}³", latex="{a}^{3}", precedence=40, sympy=lambda sp, a: a ** 3)
    register(cube)
    try:
        from autograd.value import apply

        x = Value(2.0, label="x")
        y = apply(cube, x).labelled("y")
        with pytest.raises(ValueError, match="the quiz cannot check a graph with the op 'quiz_test_cube'"):
            autograd.player(y, quiz=True)
        assert autograd.player(y).count > 0  # a page that asks nothing is fine
    finally:
        del OPS["quiz_test_cube"]


def test_the_network_player_asks_on_its_own_graph():
    p = nn.player(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS, lr=CLASSIC_LR, quiz=True)
    assert len(p.questions) == 54 and p.title == "stepgrad · quiz · network 2-2-2"
    assert [v.kind for v in p.views] == ["network", "graph"]
    assert [q["name"] for q in nn.player(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS, lr=CLASSIC_LR,
                                         quiz=["w5+"]).questions] == ["w5+"]


def test_a_backward_limited_by_wrt_asks_only_what_it_computes():
    ex = classic_exercise()
    w5 = next(v for v in autograd.topological_order(ex.output) if v.label == "w5")
    p = autograd.player(ex.output, w5, lr=CLASSIC_LR, quiz=ex)
    names = [q["name"] for q in p.questions]
    assert "dE_total/dw5" in names and "w5+" in names and "dE_total/dw1" not in names
    assert all(q["at"] is None for q in p.quiz["questions"] if q["name"] not in names)


def test_answers_far_out_of_range_are_wrong_never_an_exception():
    """The precision rule the page mirrors: an answer a billion orders of magnitude off is wrong
    (Decimal's default context overflowed on 1e1000001 and could not round 0.3775 to 1e-31)."""
    ex = classic_exercise(ask=["net_h1", "out_h1", "E_total"])
    report = ex.check({"net_h1": "1.5e-30", "out_h1": "1e1000001", "E_total": "0e99"})
    assert report["net_h1"].status == "wrong" and report["net_h1"].digits == 0
    assert report["out_h1"].status == "wrong"
    assert report["E_total"].status == "right"  # zero to the hundredth power of ten: 0.298 rounds to it


def test_stepgrad_exercise_html_writes_the_quiz_page(tmp_path, capsys):
    path = tmp_path / "quiz.html"
    assert main(["exercise", "--seed", "7", "--html", str(path)]) == 0
    assert f"wrote {path} (60 steps)" in capsys.readouterr().err
    html = path.read_text(encoding="utf-8")
    data = embedded(html, "stepgrad-quiz")
    ex = classic_exercise(7)
    assert [q["value"] for q in data["questions"]] == [q.value for q in ex.questions]
    assert embedded(html, "stepgrad-trace")["langs"] == ["en", "zh"]
    assert main(["exercise", "--ask", "update", "--lang", "zh", "--html", str(path)]) == 0
    data = embedded(path.read_text(encoding="utf-8"), "stepgrad-quiz")
    assert len([q for q in data["questions"] if q["at"] is not None]) == 9
    assert embedded(path.read_text(encoding="utf-8"), "stepgrad-trace")["langs"] == ["zh", "en"]
    assert main(["exercise", "--html", str(tmp_path / "missing" / "q.html")]) == 1
    assert re.search(r"--html .*the folder .* does not exist", capsys.readouterr().err)
    assert not (tmp_path / "missing").exists()
