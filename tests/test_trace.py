"""autograd.trace: the classic pass step by step at its published numbers, fan-out, wrt, the JSON
format (strict, versioned, checked field by field against the contract), and bit-for-bit
agreement with backward on random graphs."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_graph_properties import Step as ProgramStep
from test_graph_properties import programs, run

import nn
from autograd import Value, explain, topological_order, trace
from autograd.graph import gradient_step
from autograd.printing import Notation, format_number, render_expr, step_parts
from autograd.render import dot_source
from autograd.trace import MAX_NODES, Trace, expr_from_json, expr_to_json, step_from_json
from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network, classic_values

# --- helpers ------------------------------------------------------------------------------------


def same(a: float | None, b: float | None) -> bool:
    """Bit for bit: the same float, the sign of a zero included."""
    if a is None or b is None:
        return a is b
    return float(a).hex() == float(b).hex()


def strict(text: str) -> dict:
    """json.loads refusing NaN and Infinity tokens (they are not JSON)."""

    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def step_of(data: dict, phase: str, kind: str, node_name: str) -> dict:
    names = {n["id"]: n["name"] for n in data["nodes"]}
    found = [s for s in data["steps"] if s["phase"] == phase and s["kind"] == kind and names[s["node"]] == node_name]
    assert len(found) == 1, (phase, kind, node_name, len(found))
    return found[0]


def texts(step: dict) -> list[str]:
    return [line["text"] for line in step["lines"]]


@pytest.fixture(scope="module")
def classic() -> dict:
    v = classic_values()
    return strict(trace(v["E_total"], lr=0.5, lang=["en", "zh"]).to_json())


# --- the contract, as a check -------------------------------------------------------------------

PHASES = ["forward", "loss", "backward", "update", "after"]
KINDS = {"given", "forward", "local", "contribution", "accumulate", "gradient", "update", "note"}
ROLES = {"input", "parameter", "constant", "target", "node", "output"}
NUMBER = (int, float)


def is_number(x: object) -> bool:
    return (isinstance(x, NUMBER) and not isinstance(x, bool)) or x in ("Infinity", "-Infinity", "NaN")


def check_schema(data: dict) -> None:
    """Every field the contract (autograd/player/SCHEMA.md) requires, with its type, and every id
    a step, an edge or a node names exists."""
    assert data["format"] == "stepgrad.trace" and data["version"] == 1
    assert data["langs"] and set(data["langs"]) <= {"en", "zh"}
    assert isinstance(data["digits"], int) and not isinstance(data["digits"], bool)
    assert data["lr"] is None or is_number(data["lr"])
    assert isinstance(data["expand"], bool)
    ids = [n["id"] for n in data["nodes"]]
    assert ids == [f"v{i}" for i in range(len(ids))]
    assert data["output"] == ids[-1]
    assert set(data["wrt"]) <= set(ids)
    for i, n in enumerate(data["nodes"]):
        assert set(n) >= {"id", "name", "label", "op", "parents", "role", "requires_grad", "key", "data", "grad",
                          "updated", "after"}
        assert n["name"] is None or isinstance(n["name"], str)
        assert n["label"] is None or isinstance(n["label"], str)
        assert (n["op"] is None) == (n["parents"] == [])
        assert all(int(p[1:]) < i for p in n["parents"])  # parents first
        assert n["role"] in ROLES and isinstance(n["requires_grad"], bool) and isinstance(n["key"], bool)
        assert is_number(n["data"])
        for field in ("grad", "updated", "after"):
            assert n[field] is None or is_number(n[field])
    edge_ids = set()
    for e in data["edges"]:
        consumer, slot = re.fullmatch(r"e(\d+)\.(\d+)", e["id"]).groups()
        assert e["to"] == f"v{consumer}" and e["slot"] == int(slot)
        assert data["nodes"][int(consumer)]["parents"][int(slot)] == e["from"]
        assert e["local"] is None or is_number(e["local"])
        assert isinstance(e["formula"]["text"], str) and isinstance(e["formula"]["latex"], str)
        edge_ids.add(e["id"])
    assert len(edge_ids) == sum(len(n["parents"]) for n in data["nodes"])
    phases = [s["phase"] for s in data["steps"]]
    assert phases == sorted(phases, key=PHASES.index)
    for k, s in enumerate(data["steps"]):
        assert s["index"] == k and s["kind"] in KINDS
        assert s["node"] in ids and s["nodes"][0] == s["node"] and len(set(s["nodes"])) == len(s["nodes"])
        assert set(s["nodes"]) <= set(ids) and set(s["edges"]) <= edge_ids
        assert s["edge"] is None or s["edge"] in edge_ids
        assert set(s["reveals"]) == {"data", "grad", "updated", "after"}
        assert all(set(v) <= set(ids) for v in s["reveals"].values())
        assert s["value"] is None or is_number(s["value"])
        assert set(s["title"]) == set(data["langs"]) and all(isinstance(t, str) for t in s["title"].values())
        if "note" in s:
            assert set(s["note"]) == set(data["langs"])
        for line in s["lines"]:
            assert all(isinstance(line[f], str) for f in ("text", "latex", "html"))
            assert line["expr"]["kind"] in {"given", "forward", "local", "chain", "sum", "plan", "result", "update"}
    # Each value is revealed once, at the first step that makes it known.
    for field in ("data", "grad", "updated", "after"):
        revealed = [i for s in data["steps"] for i in s["reveals"][field]]
        assert len(revealed) == len(set(revealed)), field


# --- the classic network: the published numbers -------------------------------------------------


def test_classic_forward_and_error_at_the_published_numbers(classic):
    assert texts(step_of(classic, "forward", "forward", "net_h1")) == [
        "net_h1 = w1·i1 + w2·i2 + b1 = 0.15 × 0.05 + 0.2 × 0.1 + 0.35 = 0.3775"
    ]
    assert format_number(step_of(classic, "forward", "forward", "out_h1")["value"]) == "0.593269992"
    total = step_of(classic, "loss", "forward", "E_total")
    assert texts(total) == ["E_total = E_o1 + E_o2 = 0.274811083 + 0.023560026 = 0.298371109"]
    assert total["title"] == {"en": "Total error: E_total", "zh": "计算总误差：E_total"}
    loss = [classic["nodes"][int(s["node"][1:])]["name"] for s in classic["steps"] if s["phase"] == "loss"]
    assert loss == ["E_o1", "E_o2", "E_total"]


def test_classic_given_values_grouped_inputs_parameters_targets(classic):
    given = [s for s in classic["steps"] if s["kind"] == "given"]
    assert [s["title"]["en"] for s in given] == ["Given: inputs and constants", "Given: parameters", "Given: targets"]
    assert [texts(s) for s in given] == [
        ["i1 = 0.05", "i2 = 0.1", "b1 = 0.35", "b2 = 0.6"],
        [f"w{k} = {w}" for k, w in zip(range(1, 9), ["0.15", "0.2", "0.25", "0.3", "0.4", "0.45", "0.5", "0.55"])],
        ["target_o1 = 0.01", "target_o2 = 0.99"],
    ]


def test_classic_w5_gradient_and_update(classic):
    w5 = step_of(classic, "backward", "contribution", "w5")
    assert texts(w5) == [
        "∂net_o1/∂w5 = out_h1 = 0.593269992",
        "∂E_total/∂w5 = ∂E_total/∂net_o1 · ∂net_o1/∂w5 = 0.138498562 × 0.593269992 = 0.082167041",
    ]
    assert format_number(w5["value"]) == "0.082167041"
    update = step_of(classic, "update", "update", "w5")
    assert texts(update) == ["w5⁺ = w5 − η·∂E_total/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648"]
    assert update["title"]["zh"] == "更新参数（学习率 η = 0.5）"


def test_classic_w1_both_paths_shown_and_summed(classic):
    paths = step_of(classic, "backward", "gradient", "w1")
    lines = texts(paths)
    assert len(lines) == 3
    assert lines[0].startswith("∂E_total/∂E_o1 · ∂E_o1/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂out_h1")
    assert lines[0].endswith("= 1 × 0.74136507 × 0.186815602 × 0.4 × 0.241300709 × 0.05 = 0.000668396")
    assert lines[1].endswith("= 1 × (−0.217071535) × 0.175510053 × 0.5 × 0.241300709 × 0.05 = −0.000229828")
    assert lines[2] == "∂E_total/∂w1 = 0.000668396 + (−0.000229828) = 0.000438568"
    assert paths["note"]["en"] == "2 paths lead from E_total to w1; the parts they share are computed once above"
    # Where the paths meet, out_h1's two contributions are added, as the published derivation does.
    meet = step_of(classic, "backward", "accumulate", "out_h1")
    assert texts(meet)[1] == "∂E_total/∂out_h1 = 0.055399425 + (−0.019049118) = 0.036350306"
    assert format_number(step_of(classic, "backward", "contribution", "w1")["value"]) == "0.000438568"
    assert texts(step_of(classic, "update", "update", "w1")) == [
        "w1⁺ = w1 − η·∂E_total/∂w1 = 0.15 − 0.5 × 0.000438568 = 0.149780716"
    ]


def test_classic_error_after_the_update(classic):
    after = step_of(classic, "after", "forward", "E_total")
    assert texts(after) == ["E_total = E_o1 + E_o2 = 0.267976501 + 0.023051272 = 0.291027774"]
    assert classic["nodes"][-1]["after"] == after["value"]


def test_classic_step_structure(classic):
    kinds: dict[tuple[str, str], int] = {}
    for s in classic["steps"]:
        kinds[s["phase"], s["kind"]] = kinds.get((s["phase"], s["kind"]), 0) + 1
    assert kinds == {
        ("forward", "given"): 3, ("forward", "forward"): 8, ("loss", "forward"): 3,
        ("backward", "gradient"): 1 + 4,  # ∂E/∂E = 1, then w1..w4, each reached by two paths
        ("backward", "contribution"): 20, ("backward", "accumulate"): 2,  # out_h1 and out_h2
        ("update", "update"): 8, ("after", "forward"): 11,
    }
    check_schema(classic)
    # Backward: each key node once every node it feeds is done; o1's branch before o2's.
    names = {n["id"]: n["name"] for n in classic["nodes"]}
    firsts = [names[s["node"]] for s in classic["steps"] if s["phase"] == "backward"][:6]
    assert firsts == ["E_total", "E_o1", "E_o2", "out_o1", "net_o1", "w5"]


def test_classic_numbers_are_backwards_and_sgds_bit_for_bit():
    net = classic_network()
    error = nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS)
    t = strict(trace(error, lr=0.5).to_json())
    error.backward()
    by_label = {n["label"]: n for n in t["nodes"] if n["label"] is not None}
    for name, p in net.named_parameters():
        assert same(by_label[name]["grad"], p.grad if p.requires_grad else None), name
    nn.SGD(net.parameters(), lr=0.5).step()
    for name, p in net.named_parameters():
        if p.requires_grad:
            assert same(by_label[name]["updated"], p.data), name
    again = nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS)
    assert same(t["nodes"][-1]["after"], again.data)
    assert format_number(again.data) == "0.291027774"


# --- fan-out: contributions and their sum ------------------------------------------------------


def test_a_plus_a_accumulates_two_contributions():
    a = Value(3.0, label="a")
    t = trace(a + a)
    data = strict(t.to_json())
    parts = [s for s in data["steps"] if s["kind"] == "contribution"]
    assert [p["value"] for p in parts] == [1.0, 1.0]
    assert [p["edge"] for p in parts] == ["e1.0", "e1.1"]
    assert parts[0]["note"]["en"].startswith("v1 uses a 2 times; use 1")
    total = data["steps"][-1]
    assert total["kind"] == "accumulate" and total["value"] == 2.0 and total["reveals"]["grad"] == ["v0"]
    assert texts(total) == ["∂v1/∂a = 1 + 1", "∂v1/∂a = 1 + 1 = 2"]
    assert total["edges"] == ["e1.0", "e1.1"]
    assert len(t) == len(data["steps"]) == 6


def test_a_times_b_plus_a_accumulates_through_the_folded_product():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a).labelled("c")
    data = strict(trace(c).to_json())
    into_a = [s for s in data["steps"] if s["kind"] == "contribution" and s["node"] == "v0"]
    assert [texts(s)[0] for s in into_a] == ["∂c/∂a = b = −3", "∂c/∂a = 1"]
    assert into_a[0]["edges"] == ["e3.0", "e2.0"]  # c's slot 0 (the product), then the product's slot 0
    total = step_of(data, "backward", "accumulate", "a")
    assert texts(total) == ["∂c/∂a = b + 1", "∂c/∂a = −3 + 1 = −2"]
    c.backward()
    assert same(total["value"], a.grad) and same(step_of(data, "backward", "contribution", "b")["value"], b.grad)


def test_a_node_feeding_two_labelled_nodes_sums_their_shares():
    x = Value(0.5, label="x")
    y = (x * 3).labelled("y")
    z = (x.exp()).labelled("z")
    out = (y * z).labelled("out")
    data = strict(trace(out).to_json())
    total = step_of(data, "backward", "accumulate", "x")
    assert texts(total)[0] == "∂out/∂x = ∂out/∂y · ∂y/∂x + ∂out/∂z · ∂z/∂x"
    out.backward()
    assert same(total["value"], x.grad)


def test_a_node_waits_for_all_its_consumers_even_when_one_reaches_it_twice():
    # x feeds v1 = −x and, through two unlabelled sums, the output twice; v1 feeds both sums.
    x = Value(0.3, label="x")
    v1 = -x
    out = -((-(x + v1)) + (v1 + x))
    data = strict(trace(out).to_json())
    names = {n["id"]: n["name"] for n in data["nodes"]}
    order = [(s["kind"], names[s["node"]]) for s in data["steps"] if s["phase"] == "backward"]
    assert order == [
        ("gradient", "v2"), ("contribution", "x"), ("contribution", "x"), ("contribution", "v1"),
        ("contribution", "v1"), ("accumulate", "v1"), ("contribution", "x"), ("accumulate", "x"),
        ("gradient", "x"),  # 4 paths, 3 contributions: two of the paths met at v1
    ]
    out.backward()
    assert same(data["steps"][-1]["value"], x.grad) and x.grad == 0.0


# --- wrt ----------------------------------------------------------------------------------------


def test_wrt_limits_backward_to_the_paths_reaching_it():
    v = classic_values()
    data = strict(trace(v["E_total"], v["w5"], lr=0.5).to_json())
    names = {n["id"]: n["name"] for n in data["nodes"]}
    assert [names[i] for i in data["wrt"]] == ["w5"]
    backward = [s for s in data["steps"] if s["phase"] == "backward"]
    assert [names[s["node"]] for s in backward] == ["E_total", "E_o1", "out_o1", "net_o1", "w5"]
    grads = {names[i] for s in backward for i in s["reveals"]["grad"] if names[i]}
    assert grads == {"E_total", "E_o1", "out_o1", "net_o1", "w5"}
    assert [names[s["node"]] for s in data["steps"] if s["phase"] == "update"] == ["w5"]
    # The forward pass is the whole graph's all the same.
    assert sum(s["kind"] == "forward" for s in data["steps"] if s["phase"] != "after") == 11

    both = strict(trace(v["E_total"], [v["w1"], v["w5"]]).to_json())
    assert [names[i] for i in both["wrt"]] == ["w1", "w5"]
    reached = {names[s["node"]] for s in both["steps"] if s["phase"] == "backward"}
    assert {"w1", "w5", "out_h1"} <= reached and not reached & {"w2", "w6", "out_h2", "w8"}


def test_wrt_an_interior_node_or_a_constant():
    v = classic_values()
    interior = strict(trace(v["E_total"], v["out_h1"], lr=0.5).to_json())
    assert not [s for s in interior["steps"] if s["phase"] in ("update", "after")]  # nothing to update
    assert format_number(step_of(interior, "backward", "accumulate", "out_h1")["value"]) == "0.036350306"
    # An input needs no gradient; the trace gives the one it would have, as explain does.
    i1 = strict(trace(v["E_total"], v["i1"]).to_json())
    node = next(n for n in i1["nodes"] if n["label"] == "i1")
    assert same(node["grad"], explain(v["E_total"], v["i1"]).value)


def test_wrt_errors_name_what_is_wrong():
    v = classic_values()
    with pytest.raises(ValueError, match=r"wrt\[1\] = 'stray' .* is not part of the graph of 'E_total'"):
        trace(v["E_total"], [v["w1"], Value(1.0, label="stray")])
    with pytest.raises(TypeError, match="wrt must be a Value of the graph, got float 0.5"):
        trace(v["E_total"], 0.5)
    with pytest.raises(TypeError, match="expected the Value to trace from, got int 3"):
        trace(3)
    with pytest.raises(ValueError, match="lang='fr' is not supported"):
        trace(v["E_total"], lang="fr")
    with pytest.raises(ValueError, match="digits must be a whole number"):
        trace(v["E_total"], digits=-1)
    with pytest.raises(TypeError, match="lr must be a number"):
        trace(v["E_total"], lr="0.5")


# --- ids, the drawing, JSON ---------------------------------------------------------------------


def test_ids_are_the_drawings():
    v = classic_values()
    out = v["E_total"]
    data = strict(trace(out).to_json())
    dot = dot_source(out, max_nodes=1000)
    order = topological_order(out)
    for n, value in zip(data["nodes"], order):
        assert re.search(rf"^\s*{n['id']} \[", dot, re.M)
        assert n["label"] == value.label and same(n["data"], value.data)
    arrows = re.findall(r"^\s*(v\d+) -> (op\d+)", dot, re.M)
    assert sorted(arrows) == sorted((e["from"], "op" + e["to"][1:]) for e in data["edges"])


def test_json_round_trips_and_lines_decode_to_their_expressions():
    v = classic_values()
    t = trace(v["E_total"], v["w1"], lr=0.5)
    data = strict(t.to_json(indent=1))
    check_schema(data)
    assert strict(json.dumps(data)) == data
    for step, original in zip(data["steps"], t.steps):
        for line, expected in zip(step["lines"], original.lines, strict=True):
            decoded = step_from_json(line["expr"])
            assert decoded == expected
            assert " = ".join(step_parts(decoded, Notation("text", 9))) == line["text"]
    e = t.edges[0].formula
    assert expr_from_json(strict(json.dumps(expr_to_json(e)))) == e
    assert render_expr(e, Notation("text"))[0] == data["edges"][0]["formula"]["text"]


def test_numbers_that_are_not_finite_are_strings():
    x = Value(0.0, label="x")
    y = (x ** 0.5).labelled("y")  # the slope of a root at 0 is +inf
    data = strict(trace(y).to_json())
    assert data["nodes"][0]["grad"] == "Infinity" and data["edges"][0]["local"] == "Infinity"
    check_schema(data)


def test_labels_with_markup_stay_data():
    evil = "<script>alert('x')</script>"
    w = Value(0.5, label=evil)
    y = (w * 2).labelled("b&<i>")
    text = trace(y, lr=0.1).to_json()
    data = strict(text)
    check_schema(data)
    assert data["nodes"][0]["label"] == evil and data["nodes"][0]["name"] == evil
    for step in data["steps"]:
        for line in step["lines"]:
            assert "<script" not in line["html"] and "<i>" not in line["html"]
    given = step_of(data, "forward", "given", evil)
    assert given["lines"][0]["html"].startswith("&lt;script&gt;alert")
    assert given["lines"][0]["text"] == f"{evil} = 0.5"  # plain text: the page inserts it as text


# --- languages, bounds, edge cases -------------------------------------------------------------


def test_english_and_chinese_narration():
    v = classic_values()
    both = strict(trace(v["E_total"], v["w1"], lr=0.5, lang=("zh", "en")).to_json())
    assert both["langs"] == ["zh", "en"]
    titles = {s["title"]["zh"] for s in both["steps"]} | {s["title"]["en"] for s in both["steps"]}
    assert {"前向传播", "计算总误差：E_total", "反向传播：在 out_h1 处把贡献相加", "Forward pass",
            "Backward pass: every path to w1"} <= titles
    paths = step_of(both, "backward", "gradient", "w1")
    assert paths["note"]["zh"] == "从 E_total 到 w1 共有 2 条路径，公共部分在上面只计算一次"
    zh = str(trace(v["E_total"], v["w1"], lang="zh"))
    assert zh.startswith("已知：输入与常数\n  i1 = 0.05") and "反向传播：从 net_h1 到 w1" in zh
    assert "Forward pass" not in zh


def test_a_graph_past_the_bound_is_refused_with_the_way_out():
    x = Value(0.3, label="x")
    y = x
    for _ in range(MAX_NODES):
        y = (y * 0.5).tanh()
    with pytest.raises(ValueError) as refused:
        trace(y, expand=True)
    message = str(refused.value)
    assert "\n" not in message and "bound of 2,000" in message
    assert "expand=False" in message and "nn.player" in message
    folded = trace(y)  # folded, the chain is one route from y down to x
    assert [s.kind for s in folded.steps] == ["given", "forward", "gradient", "contribution"]
    labelled = x
    for k in range(MAX_NODES):
        labelled = (labelled * 0.5).labelled(f"n{k}")
    with pytest.raises(ValueError, match=r"2,001 nodes .* more than the bound of 2,000; trace a smaller part"):
        trace(labelled)


def test_nothing_needs_a_gradient():
    a = Value(2.0, label="a", requires_grad=False)
    data = strict(trace((a * a).labelled("y"), lr=0.5).to_json())
    assert data["wrt"] == [] and [s["kind"] for s in data["steps"]] == ["given", "forward", "note"]
    assert data["steps"][-1]["title"]["en"].startswith("y does not depend on any Value that needs a gradient")


def test_after_pass_that_fails_is_a_note():
    x = Value(0.5, label="x")
    y = x.log().labelled("y")
    t = trace(y, lr=10.0)  # x⁺ = 0.5 − 10 × 2 = −19.5: ln is not defined there
    assert t.steps[-1].phase == "after" and t.steps[-1].kind == "note"
    assert "ln is defined only for positive numbers" in str(t)
    assert trace(y, lr=10.0, after=False).steps[-1].phase == "update"


def test_repr_len_and_str():
    v = classic_values()
    t = trace(v["E_total"], lr=0.5)
    assert isinstance(t, Trace) and len(t) == 60
    assert repr(t) == "<Trace of E_total: 60 steps (forward 11, loss 3, backward 27, update 8, after 11), 33 nodes>"
    lines = str(t).splitlines()
    assert lines[0] == "Given: inputs and constants" and lines[-1] == (
        "  E_total = E_o1 + E_o2 = 0.267976501 + 0.023051272 = 0.291027774"
    )


# --- bit for bit with backward, on random graphs -------------------------------------------------


@st.composite
def traced_graphs(draw: st.DrawFn) -> tuple[list[float], list[ProgramStep], list[bool], list[int], bool]:
    values, steps = draw(programs())
    needs = [draw(st.booleans()) for _ in values]
    labelled = draw(st.lists(st.integers(0, len(values) + len(steps) - 1), max_size=6))
    return values, steps, needs, labelled, draw(st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traced_graphs())
def test_random_graphs_trace_equals_backward_bit_for_bit(graph) -> None:
    values, steps, needs, labelled, expand = graph
    leaves = [Value(x, requires_grad=r) for x, r in zip(values, needs)]
    out = run(steps, leaves)
    order = topological_order(out)
    nodes = list(leaves)
    nodes += [v for v in order if v.op is not None]
    for k in labelled:  # label a few nodes, so that folding and made-up names both happen
        if k < len(nodes):
            nodes[k].label = f"n{k}"
    data = strict(trace(out, lr=0.25, expand=expand).to_json())
    check_schema(data)
    if not out.requires_grad:
        assert data["steps"][-1]["kind"] == "note"
        return
    out.backward()
    by_id = {f"v{i}": v for i, v in enumerate(order)}
    for n in data["nodes"]:
        v = by_id[n["id"]]
        assert same(n["grad"], v.grad if v.requires_grad else None)
        if n["updated"] is not None:
            assert same(n["updated"], gradient_step(v.data, 0.25, v.grad))
    for e in data["edges"]:
        v = by_id[e["to"]]
        if e["local"] is not None:
            local = v.op.partial(e["slot"]).fn(v.data, *[p.data for p in v.parents])
            assert same(e["local"], local)
    revealed = {i for s in data["steps"] for i in s["reveals"]["grad"]}
    assert revealed == {i for i, v in by_id.items() if v.requires_grad}
    for s in data["steps"]:
        node = by_id[s["node"]]
        if s["kind"] in ("accumulate", "gradient") or (s["kind"] == "contribution" and s["reveals"]["grad"][-1:] == [
                s["node"]]):
            assert same(s["value"], node.grad)  # a complete gradient
        elif s["kind"] == "contribution":  # one of several: what backward adds through this slot
            consumer, slot = map(int, s["edge"][1:].split("."))
            c = order[consumer]
            local = c.op.partial(slot).fn(c.data, *[p.data for p in c.parents])
            assert same(s["value"], c.grad * local)
    revealed_data = {i for s in data["steps"] for i in s["reveals"]["data"]}
    assert revealed_data == set(by_id)  # the forward pass shows every value
    # In the order a person computes: a contribution once the gradient above it is known, a sum
    # once all of its contributions are.
    known = {i: k for k, s in enumerate(data["steps"]) for i in s["reveals"]["grad"]}
    for k, s in enumerate(data["steps"]):
        if s["kind"] == "contribution":
            assert known[s["nodes"][1]] < k
        if s["kind"] == "accumulate":
            parts = [j for j, t in enumerate(data["steps"]) if t["kind"] == "contribution" and t["node"] == s["node"]]
            assert len(parts) >= 2 and max(parts) < k
