"""Exercises: the learner computes, stepgrad checks.

The questions' numbers are checked against backward and the published example; precision,
carried errors and known mistakes against numbers computed here by hand from the forward values
(plain float arithmetic, not the checker's own model), on the classic network and on seeded
variants of it.
"""

from __future__ import annotations

import math

import pytest
from test_cli import PUBLISHED

import nn
from autograd import explain, topological_order
from autograd.exercise import MISTAKES, exercise, normalise, read_number
from autograd.testing import assert_published
from nn.examples import (
    CLASSIC_INPUTS,
    CLASSIC_LR,
    CLASSIC_TARGETS,
    classic_exercise,
    classic_network,
    classic_variant,
)

SEEDS = (1, 7, 42)


def truth(ex) -> dict[str, str]:
    """Every question answered with its true value to 9 significant digits."""
    return {q.name: f"{q.value:.9g}" for q in ex.questions}


def hand(seed: int | None) -> dict[str, float]:
    """The pass of the classic network worked by hand, in plain floats: forward values, the
    output layer's and w1's gradients, and the numbers each known mistake gives instead."""
    if seed is None:
        from nn.examples import CLASSIC_BIASES, CLASSIC_WEIGHTS

        w, b, (i1, i2), (t1, t2) = CLASSIC_WEIGHTS, CLASSIC_BIASES, CLASSIC_INPUTS, CLASSIC_TARGETS
    else:
        n = classic_variant(seed)
        w, b, (i1, i2), (t1, t2) = n["weights"], n["biases"], n["inputs"], n["targets"]
    s = lambda x: 1 / (1 + math.exp(-x))
    lr = CLASSIC_LR
    h = {}
    h["net_h1"] = w["w1"] * i1 + w["w2"] * i2 + b["b1"]
    h["net_h2"] = w["w3"] * i1 + w["w4"] * i2 + b["b1"]
    h["out_h1"], h["out_h2"] = s(h["net_h1"]), s(h["net_h2"])
    h["net_o1"] = w["w5"] * h["out_h1"] + w["w6"] * h["out_h2"] + b["b2"]
    h["net_o2"] = w["w7"] * h["out_h1"] + w["w8"] * h["out_h2"] + b["b2"]
    o1, o2 = h["out_o1"], h["out_o2"] = s(h["net_o1"]), s(h["net_o2"])
    d1, d2 = o1 - t1, o2 - t2  # ∂E/∂out: −(target − out)
    s1, s2 = o1 * (1 - o1), o2 * (1 - o2)  # σ′ at net_o1, net_o2
    sh1 = h["out_h1"] * (1 - h["out_h1"])
    h["g5"] = d1 * s1 * h["out_h1"]
    via_o1, via_o2 = d1 * s1 * w["w5"], d2 * s2 * w["w7"]
    h["g1"] = (via_o1 + via_o2) * sh1 * i1
    # the known mistakes, each made once
    h["g5 target sign"] = -d1 * s1 * h["out_h1"]
    h["g5 net for out"] = d1 * s1 * h["net_h1"]
    h["g5 f for f'"] = d1 * o1 * h["out_h1"]
    h["s1 out for net"] = s(o1) * (1 - s(o1))
    h["g1 one path"] = via_o1 * sh1 * i1
    h["w5+ forgot lr"] = w["w5"] - h["g5"]
    h["w5+ lr sign"] = w["w5"] + lr * h["g5"]
    w5_new, w7_new = w["w5"] - lr * h["g5"], w["w7"] - lr * d2 * s2 * h["out_h1"]
    h["g1 updated weights"] = (d1 * s1 * w5_new + d2 * s2 * w7_new) * sh1 * i1
    return h


def slipped_error_after(seed: int | None) -> float:
    """The error after one step taken the published summary's way: output weights first, then
    the hidden gradients through them (two backward passes over one graph, as in notebook 02)."""
    if seed is None:
        net, x, t = classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS
    else:
        n = classic_variant(seed)
        net, x, t = classic_network(n["weights"], n["biases"]), n["inputs"], n["targets"]
    E = nn.half_sse(net(x), t)
    E.backward()
    for k in (5, 6, 7, 8):
        net[f"w{k}"].data -= CLASSIC_LR * net[f"w{k}"].grad
    net.zero_grad()
    E.backward()
    for k in (1, 2, 3, 4):
        net[f"w{k}"].data -= CLASSIC_LR * net[f"w{k}"].grad
    return nn.evaluate(net, [x], [t])


# --- the questions -------------------------------------------------------------------------------


def test_questions_come_in_computation_order_with_the_engines_numbers() -> None:
    ex = classic_exercise()
    names = [q.name for q in ex.questions]
    assert names[:11] == ["net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "E_o1", "net_o2", "out_o2",
                          "E_o2", "E_total"]
    assert names[11:15] == ["dE_total/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5", "dE_total/dw5"]
    assert names.index("dE_total/dw8") < names.index("dE_total/dout_h1") < names.index("dE_total/dw1")
    assert names[-9:] == ["w5+", "w6+", "w7+", "w8+", "w1+", "w2+", "w3+", "w4+", "E_total+"]
    assert len(names) == len(set(names)) == 54  # ∂E_o1/∂out_o1 is ∂E_total/∂out_o1: asked once

    net = classic_network()
    E = nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS)
    E.backward()
    node = {v.label: v for v in topological_order(E) if v.label}
    for q in ex.questions:
        if q.kind == "forward":
            assert q.value == node[q.name].data, q.name
        elif q.kind == "update":
            w = net[q.name[:-1]]
            assert q.value == pytest.approx(w.data - CLASSIC_LR * w.grad, rel=1e-15), q.name
        elif q.kind in ("gradient", "local"):
            top, x = q.name[1:].split("/d")
            assert q.value == pytest.approx(explain(node[top], node[x]).value, rel=1e-14), q.name
            if top == "E_total":
                assert q.value == pytest.approx(node[x].grad, rel=1e-14), q.name
    nn.SGD(net.parameters(), lr=CLASSIC_LR).step()
    assert ex.questions[-1].value == pytest.approx(nn.evaluate(net, [CLASSIC_INPUTS], [CLASSIC_TARGETS]), rel=1e-14)
    assert_published(ex.questions[-1].value, "0.291027774", what="E_total after the update")


def test_prompts_in_english_and_chinese() -> None:
    q = {q.name: q for q in classic_exercise().questions}
    assert q["dE_total/dw5"].prompt() == "∂E_total/∂w5 = ?  (gradient)"
    assert q["dE_total/dw5"].prompt("zh") == "∂E_total/∂w5 = ?（梯度）"
    assert q["dout_o1/dnet_o1"].prompt() == "∂out_o1/∂net_o1 = ?  (local derivative)"
    assert q["w5+"].prompt("zh") == "w5⁺ = ?（更新后的参数）"
    assert q["net_h1"].prompt() == "net_h1 = ?  (value)"


def test_ask_by_phase_by_name_and_mixed_in_computation_order() -> None:
    names = lambda ask: [q.name for q in classic_exercise(ask=ask).questions]
    assert names("forward")[-1] == "E_total" and len(names("forward")) == 11
    assert names("update") == ["w5+", "w6+", "w7+", "w8+", "w1+", "w2+", "w3+", "w4+", "E_total+"]
    assert names(["w5+", "∂E_total/∂w5", "out_o1"]) == ["out_o1", "dE_total/dw5", "w5+"]
    assert names(["dE_o1/dout_o1"]) == ["dE_total/dout_o1"]  # the same quantity under its first name
    # a quantity no phase lists by itself goes after what it is computed from
    extra = names(["dE_total/dnet_o1", "dout_o1/dnet_o1", "dE_total/dw5", "dE_total/dout_o1"])
    assert extra == ["dE_total/dout_o1", "dout_o1/dnet_o1", "dE_total/dnet_o1", "dE_total/dw5"]
    ex = classic_exercise(ask="dE_total/dnet_o1")
    assert ex.questions[0].value == pytest.approx(0.138498562, abs=5e-10)


@pytest.mark.parametrize(
    "ask, message",
    [
        ("dE_total/dw9", "names no quantity"),
        ("w5*", "did you mean 'w5+'"),
        ("i1", "is given"),
        ("dnet_h1/dw5", "does not depend on"),
        ("b1+", "is given, not updated"),
        (42, "ask must be a phase"),
        ([], "ask must be a phase"),
    ],
)
def test_bad_ask_is_refused_with_the_reason(ask, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(").replace("+", r"\+")):
        classic_exercise(ask=ask)


def test_the_update_needs_a_learning_rate() -> None:
    net = classic_network()
    E = nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS)
    with pytest.raises(ValueError, match="needs the learning rate"):
        exercise(E, "update")
    with pytest.raises(ValueError, match="needs lr"):
        exercise(E, "w5+")
    assert {q.phase for q in exercise(E, "all").questions} == {"forward", "backward"}


def test_an_unlabelled_output_or_two_nodes_of_one_name_are_refused() -> None:
    from autograd import Value

    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="output needs a label"):
        exercise(x * x, "forward")
    y = (x * 2).labelled("y") + (x * 3).labelled("y")
    with pytest.raises(ValueError, match="two different nodes are labelled 'y'"):
        exercise(y.labelled("z"), "forward")


def test_questions_name_the_nodes_a_page_would_show() -> None:
    """The seam for the player's quiz mode: trace-style ids (v + topological index) and the field."""
    ex = classic_exercise()
    order = topological_order(ex.output)
    q = {q.name: q for q in ex.questions}
    by_id = lambda i: order[int(i[1:])].label
    assert [by_id(i) for i in q["net_h1"].node_ids] == ["net_h1"] and q["net_h1"].reveals == "data"
    assert [by_id(i) for i in q["dE_total/dw5"].node_ids] == ["w5", "E_total"] and q["dE_total/dw5"].reveals == "grad"
    assert [by_id(i) for i in q["dnet_o1/dout_h1"].node_ids] == ["net_o1", "out_h1"]
    assert q["dnet_o1/dout_h1"].reveals == "local"
    # ∂net_o1/∂out_h1 is folded over two primitive edges: the sum's operand, then the product's
    (add, mul) = q["dnet_o1/dout_h1"].edge_ids
    add_node, mul_node = order[int(add[1:].split(".")[0])], order[int(mul[1:].split(".")[0])]
    assert add_node.label == "net_o1" and add_node.parents[int(add.split(".")[1])] is mul_node
    assert [p.label for p in mul_node.parents][int(mul.split(".")[1])] == "out_h1"
    assert q["w1+"].reveals == "updated" and q["dE_o1/dout_h1"].reveals is None and q["E_total+"].reveals == "after"
    # the ids are the trace's own
    from autograd import trace

    t = trace(ex.output, lr=CLASSIC_LR)
    nodes, edges = {n.id: n.label for n in t.nodes}, {e.id for e in t.edges}
    for question in ex.questions:
        assert [nodes[i] for i in question.node_ids] == list(question.labels), question.name
        assert set(question.edge_ids) <= edges, question.name
    assert all(set(step.reveals) >= {"data", "grad", "updated", "after"} for step in t.steps)


# --- precision -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, right, digits",
    [
        ("0.0822", True, 3), ("0.08217", True, 4), ("0.082167041", True, 8), (".0822", True, 3),
        ("8.2167e-2", True, 5), (" 0,0822 ", True, 3),
        ("0.083", False, 1), ("0.0821", False, 2), ("0.08", True, 1), ("0.1", True, 1), ("0.09", False, 0),
        (0.0822, True, 3), (0.08216704056423078, True, 12), (0.08217, True, 4),
    ],
)
def test_an_answer_is_right_when_the_true_value_rounds_to_it(answer, right, digits) -> None:
    ex = classic_exercise(ask="dE_total/dw5")
    v = ex.check({"dE_total/dw5": answer})["dE_total/dw5"]
    assert v.right is right
    assert v.digits == digits
    if right:
        assert f"right ({digits} significant digit" in v.line()


def test_how_a_number_claims_its_precision() -> None:
    assert (read_number("0.0800").digits, read_number("0.0800").exponent) == (3, -4)
    assert read_number("−0.5").value == read_number("-0.5").value
    assert (read_number(0.0822).text, read_number(0.0822).digits) == ("0.0822", 3)
    assert read_number(1 / 3).digits == 12  # a float's noise is not the learner's claim
    assert read_number("0.33333333333333333333").digits == 15
    assert read_number("12").exponent == 0 and read_number("1.2e3").exponent == 2
    # the true value exactly between two roundings (up to float noise) goes either way
    assert read_number("0.3").matches(0.35) and read_number("0.4").matches(0.35)
    assert read_number("0.3").matches(0.35000000000000003)
    for bad in ("abc", "", "1/2", "nan", "inf", None, True, [1]):
        with pytest.raises(ValueError):
            read_number(bad)


def test_the_published_derivation_is_right_throughout() -> None:
    """The numbers the example prints, answered as printed: all right, including its
    −0.019049119 (its own rounded inputs give it), except the error after the update, which is
    the published summary's slip, recognised by name."""
    published = {normalise(k.split(" = ")[-1]): v for k, v in PUBLISHED.items()}  # every number it prints
    published.update({  # and those it prints that test_cli's list leaves out
        "dnet_o1/dw5": "0.593269992", "dE_o2/dnet_o2": "-0.038098237", "dE_o2/dout_h1": "-0.019049119",
        "dnet_h1/dw1": "0.05", "E_total+": "0.291027924",
    })
    ex = classic_exercise(ask=list(published))
    report = ex.check(published)
    status = {v.question.name: v.status for v in report.verdicts}
    assert [n for n, s in status.items() if s != "right"] == ["E_total+"]
    assert report["dE_o2/dout_h1"].rounded  # −0.038098237 × 0.5 = −0.0190491185: a tie, rounded up
    assert report["E_total+"].mistake is MISTAKES["updated_weights"]
    assert report.first_wrong.question.name == "E_total+"
    assert report.score == (len(published) - 1, len(published))


# --- carried errors ------------------------------------------------------------------------------


def test_an_answer_wrong_only_because_of_an_earlier_one_is_carried() -> None:
    ex = classic_exercise(ask="forward")
    answers = truth(ex)
    out_o1 = 0.7
    E_o1 = 0.5 * (CLASSIC_TARGETS[0] - out_o1) ** 2
    answers.update(out_o1="0.7", E_o1=f"{E_o1:.6g}", E_total=f"{E_o1 + ex.questions[9].value:.6g}")
    report = ex.check(answers)
    assert report["out_o1"].status == "wrong"
    assert report["E_o1"].status == "carried" and report["E_o1"].culprits == ("out_o1",)
    # E_total is computed from E_o1 (answered): the nearest wrong answer is named
    assert report["E_total"].status == "carried" and report["E_total"].culprits == ("E_o1",)
    assert report.first_wrong.question.name == "out_o1"
    assert "carried: right from your out_o1, which was wrong" in str(report)
    assert report.score == (8, 11) and report.carried == 2


def test_carried_through_the_backward_pass_and_the_update() -> None:
    ex = classic_exercise(ask=["dE_total/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5", "dE_total/dw5", "w5+"])
    answers = truth(ex)
    answers["dout_o1/dnet_o1"] = "0.18"  # wrong at two digits (0.1868... rounds to 0.19)
    g5 = 0.74136507 * 0.18 * 0.593269992
    answers["dE_total/dw5"] = f"{g5:.5g}"
    answers["w5+"] = f"{0.4 - 0.5 * g5:.5g}"
    report = ex.check(answers)
    assert [v.status for v in report.verdicts] == ["right", "wrong", "right", "carried", "carried"]
    assert report["dE_total/dw5"].culprits == ("∂out_o1/∂net_o1",)
    assert report["w5+"].culprits == ("∂E_total/∂w5",)
    # the hint for the first wrong one shows its formula and the true numbers
    assert report.first_wrong.question.name == "dout_o1/dnet_o1"
    assert "out_o1(1 − out_o1)" in report.hint and "0.75136507(1 − 0.75136507) = 0.186815602" in report.hint


def test_the_hint_puts_the_learners_numbers_beside_the_true_ones() -> None:
    ex = classic_exercise(ask=["dE_total/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5", "dE_total/dw5"])
    answers = truth(ex)
    answers["dnet_o1/dw5"] = "0.61"
    answers["dE_total/dw5"] = "0.09"  # wrong even from their own 0.61
    report = ex.check(answers)
    assert report.first_wrong.question.name == "dnet_o1/dw5"
    hint = ex.hint("dE_total/dw5", answers)
    assert hint.splitlines() == [
        "Hint: how ∂E_total/∂w5 is computed",
        "  ∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5",
        "  from your numbers: 0.74136507 × 0.186815602 × 0.61 = 0.084484123",
        "  from the true numbers: 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041",
    ]
    assert f"{0.7413650695523157 * 0.18681560180895948 * 0.61:.9f}" == "0.084484123"  # by hand
    assert ex.hint("dE_total/dw5", answers, lang="zh").splitlines()[2].startswith("  用你的数：")


def test_rounded_inputs_are_not_a_mistake() -> None:
    ex = classic_exercise(ask=["out_o1", "dout_o1/dnet_o1"])
    rounded = 0.7514 * (1 - 0.7514)  # from out_o1 rounded to four digits: 0.18679...
    report = ex.check({"out_o1": "0.7514", "dout_o1/dnet_o1": f"{rounded:.7f}"})
    assert report["out_o1"].right
    assert report["dout_o1/dnet_o1"].right and report["dout_o1/dnet_o1"].rounded
    assert not read_number(f"{rounded:.7f}").matches(ex.questions[1].value)  # wrong at 7 digits otherwise


# --- known mistakes ------------------------------------------------------------------------------

CASES = [  # (mistake, question asked, the hand-computed mistaken number's key in hand())
    ("target_sign", "dE_total/dw5", "g5 target sign"),
    ("net_for_out", "dE_total/dw5", "g5 net for out"),
    ("net_for_out", "dnet_o1/dw5", "net_h1"),
    ("function_for_derivative", "dE_total/dw5", "g5 f for f'"),
    ("function_for_derivative", "dout_o1/dnet_o1", "out_o1"),
    ("out_for_net", "dout_o1/dnet_o1", "s1 out for net"),
    ("one_path", "dE_total/dw1", "g1 one path"),
    ("forgot_lr", "w5+", "w5+ forgot lr"),
    ("lr_sign", "w5+", "w5+ lr sign"),
    ("updated_weights", "dE_total/dw1", "g1 updated weights"),
]


@pytest.mark.parametrize("seed", [None, *SEEDS])
@pytest.mark.parametrize("mistake, ask, key", CASES, ids=[f"{m}-{a}" for m, a, _ in CASES])
def test_every_known_mistake_is_recognised_by_name(seed, mistake, ask, key) -> None:
    ex = classic_exercise(seed, ask=ask)
    wrong = f"{hand(seed)[key]:.6g}"
    assert not read_number(wrong).matches(ex.questions[0].value)  # the mistake makes a difference
    report = ex.check({ask: wrong})
    verdict = report[ask]
    assert verdict.status == "mistake", verdict.line()
    assert verdict.mistake.name == mistake
    assert verdict.explanation() in str(report) and "{" not in verdict.explanation()


@pytest.mark.parametrize("seed", [None, *SEEDS])
def test_the_published_slip_in_the_error_after_the_update(seed) -> None:
    ex = classic_exercise(seed, ask="update")
    slipped = slipped_error_after(seed)
    answers = truth(ex)
    answers["E_total+"] = f"{slipped:.9f}"
    assert not read_number(answers["E_total+"]).matches(ex.questions[-1].value)
    report = ex.check(answers)
    assert report["E_total+"].mistake is MISTAKES["updated_weights"]
    if seed is None:
        assert answers["E_total+"] == "0.291027924"  # the published summary's figure


def test_the_mistake_explanation_in_chinese() -> None:
    ex = classic_exercise(ask="dE_total/dw1")
    report = ex.check({"dE_total/dw1": f"{hand(None)['g1 one path']:.6g}"}, lang="zh")
    text = str(report)
    assert "漏掉了一条路径" in text and "得分：1 题中对了 0 题" in text
    assert "out_h1 经过 net_o2" in text


def test_a_wrong_answer_that_is_no_known_mistake_is_just_wrong() -> None:
    ex = classic_exercise(ask="dE_total/dw5")
    v = ex.check({"dE_total/dw5": "0.5"})["dE_total/dw5"]
    assert v.status == "wrong" and v.mistake is None and v.digits == 0


# --- bad answers ---------------------------------------------------------------------------------


def test_bad_answers_get_a_clear_message_never_an_exception() -> None:
    ex = classic_exercise(ask=["net_h1", "out_h1", "dE_total/dw5"])
    report = ex.check({"net_h1": "0.37.75", "dE_total/dw9": "1", "w5+": "0.35", "E_total": None, 7: 1})
    assert report["net_h1"].status == "invalid" and report["net_h1"].problem == "'0.37.75' is not a number"
    assert report["out_h1"].status == "missing" and report["dE_total/dw5"].status == "missing"
    problems = "\n".join(report.problems)
    assert "'dE_total/dw9': no question is named so; did you mean 'dE_total/dw5'?" in problems
    assert "'w5+': not asked in this exercise" in problems
    assert "'E_total': not asked" in problems and "7: no question is named so" in problems
    assert report.first_wrong is None and report.score == (0, 3)
    assert "? net_h1: '0.37.75' is not a number" in str(report)
    assert "– out_h1: no answer" in str(report)
    twice = ex.check({"dE_total/dw5": "0.0822", "∂E_total/∂w5": "0.1"})
    assert twice["dE_total/dw5"].right and "answered twice" in twice.problems[0]
    with pytest.raises(TypeError, match="answers must be a mapping"):
        ex.check([("net_h1", "0.3775")])


def test_a_wrong_input_that_breaks_the_arithmetic_is_still_a_verdict() -> None:
    from autograd import Value

    x = Value(2.0, label="x")
    y = x.log().labelled("y")
    z = (y * 3).labelled("z")
    ex = exercise(z, ["y", "z"])
    report = ex.check({"y": "-1e400", "z": "1"})  # an overflowing float answer
    assert report["y"].status == "wrong" and report["z"].status == "wrong"


# --- variants ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_variants_are_nice_reproducible_unsaturated_and_have_no_zero_gradient(seed) -> None:
    v = classic_variant(seed)
    assert v == classic_variant(seed)
    numbers = [*v["weights"].values(), *v["biases"].values(), *v["inputs"], *v["targets"]]
    assert all(round(x, 2) == x and x != 0 for x in numbers)
    net = classic_network(v["weights"], v["biases"])
    hidden, outputs = net.layer_outputs(v["inputs"])
    assert all(0.1 <= o.data <= 0.9 for o in (*hidden, *outputs))
    nn.half_sse(outputs, v["targets"]).backward()
    assert all(abs(net[w].grad) >= 1e-4 for w in v["weights"])


def test_different_seeds_give_different_exercises() -> None:
    values = {tuple(round(q.value, 9) for q in classic_exercise(seed, ask="forward").questions) for seed in range(10)}
    assert len(values) == 10
