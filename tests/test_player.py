"""The player's Python side: the page file, its limits, and how Jupyter shows it (no browser here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import autograd
import nn
from autograd import Value, add_n
from autograd.player_page import MAX_NODES, Player, _graphviz_js, _katex_css, _script_json
from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network, classic_values

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def classic() -> Player:
    return autograd.player(classic_values()["E_total"], lr=0.5)


def embedded(page: str, element: str) -> object:
    """The JSON in the page's <script type="application/json" id=element>."""
    m = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_page_embeds_the_trace_as_recorded(classic):
    page = classic.to_html()
    trace = embedded(page, "stepgrad-trace")
    assert trace == json.loads(json.dumps(classic.trace))
    v = classic_values()
    v["E_total"].backward()
    grads = {n["label"]: n["grad"] for n in trace["nodes"] if n["label"]}
    assert all(grads[f"w{k}"] == v[f"w{k}"].grad for k in range(1, 9))  # bit for bit, through JSON


def test_classic_page_is_within_budget_and_needs_nothing_outside(classic, tmp_path):
    page = classic.save(tmp_path / "classic.html").read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) <= 3_000_000
    assert "window.stepgradGraphviz = " not in page  # dot laid the graph out: no WebAssembly needed
    views = embedded(page, "stepgrad-views")
    assert views[0]["svg"].startswith("<svg") and views[0]["dot"] is None
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)  # nothing to fetch
    assert "default-src 'none'" in page


def test_graphviz_module_becomes_a_global_and_katex_fonts_are_inlined():
    js = _graphviz_js()
    assert js.rstrip().endswith("})();") and "window.stepgradGraphviz = " in js
    assert not re.search(r"\bexport\s*\{", js)
    css = _katex_css()
    assert "url(fonts/" not in css and css.count("data:font/woff2;base64,") == 20


def test_json_in_a_script_cannot_close_it():
    text = _script_json({"label": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"label": "</script><script>alert(1)</script> & <!--"}


def test_a_label_that_looks_like_a_placeholder_stays_as_written():
    x = Value(1.5, label="{{player_js}}")
    page = autograd.player((x * x).labelled("{{trace_json}}")).to_html()
    assert "{{player_js}}" in page and "{{trace_json}}" in page  # the labels, as data
    assert page.count("// The step-through player: reads the embedded trace") == 1  # the script, once
    assert embedded(page, "stepgrad-trace")["nodes"][0]["label"] == "{{player_js}}"


def test_jupyter_bundle_has_text_svg_and_an_iframe(classic):
    bundle = classic._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "image/svg+xml"}
    assert "0.082167041" in bundle["text/plain"] and "0.000438568" in bundle["text/plain"]
    assert bundle["text/plain"] == str(classic)
    assert bundle["image/svg+xml"].startswith("<svg")
    assert bundle["text/html"].startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in bundle["text/html"]
    assert "<script" not in bundle["text/html"].split('srcdoc="', 1)[1].split('"', 1)[0]  # escaped inside the attribute


def test_jupyter_bundle_without_dot_has_no_svg(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    p = autograd.player(classic_values()["E_total"])
    assert set(p._repr_mimebundle_()) == {"text/plain", "text/html"}
    assert "window.stepgradGraphviz" in p.to_html()


def test_a_graph_past_the_bound_is_refused_in_one_line():
    xs = [Value(float(k), label=f"x{k}") for k in range(MAX_NODES)]
    big = add_n(xs)  # MAX_NODES leaves and their sum
    with pytest.raises(ValueError) as caught:
        autograd.player(big)
    message = str(caught.value)
    assert "\n" not in message
    assert f"{MAX_NODES + 1:,} Values" in message and f"bound of {MAX_NODES:,}" in message
    assert "nn.player" in message


def test_bad_arguments_name_what_was_wrong():
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match=r"player: lang must be 'en', 'zh' or both.*got 'fr'"):
        autograd.player(x * 2, lang="fr")
    with pytest.raises(TypeError, match="player: expected the Value to play, got float 1.0"):
        autograd.player(1.0)
    with pytest.raises(ValueError, match="nn.player: lang must be"):
        nn.player(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS, lang=("en", "en"))
    with pytest.raises(ValueError, match="expected a trace of format 'stepgrad.trace' version 1"):
        Player({"format": "other"}, [])


def test_network_player_ties_diagram_elements_to_trace_nodes():
    net = classic_network()
    before = {name: p.data for name, p in net.named_parameters()}
    p = nn.player(net, CLASSIC_INPUTS, CLASSIC_TARGETS, lr=0.5)
    assert {name: q.data for name, q in net.named_parameters()} == before  # the network is not trained
    network, graph = p.views
    labels = {n["id"]: n["label"] for n in p.trace["nodes"]}
    assert [labels[i] for i in network.map["n-h1"]] == ["net_h1", "out_h1"]
    assert labels[network.map["w-w5"][0]] == "w5" and len(network.map["w-w5"]) == 2  # w5 and w5·out_h1
    assert [labels[i] for i in network.map["w-b1-h2"]] == ["b1"]
    w5 = [(s["prefix"], s["field"]) for s in network.slots if s["element"] == "w-w5"]
    assert w5 == [("w5 = ", "data"), ("∂E/∂w5 = ", "grad"), ("w5⁺ = ", "updated")]
    for element in network.map:  # every id the view names is an element of its DOT
        assert f'id="{element}"' in network.dot
    assert graph.kind == "graph" and re.search(r'\[id="e\d+\.0", ', graph.dot)


def test_wheel_ships_the_page_and_vendored_assets(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("stepgrad-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assets = ROOT / "autograd" / "player"
    expected = {f"autograd/player/{p.relative_to(assets).as_posix()}" for p in assets.rglob("*") if p.is_file()}
    assert expected <= names
    assert "autograd/player/vendor/katex/LICENSE" in names
    assert "autograd/player/vendor/wasm-graphviz/LICENSE-graphviz-EPL-1.0" in names


# --- the command line ------------------------------------------------------------------------------


def test_demo_html_is_the_whole_example(tmp_path, capsys):
    from nn.cli import main

    page = tmp_path / "steps.html"
    assert main(["demo", "--html", str(page)]) == 0
    assert capsys.readouterr().err.startswith(f"stepgrad demo: wrote {page} (")
    text = page.read_text(encoding="utf-8")
    trace = embedded(text, "stepgrad-trace")
    assert trace["langs"] == ["en", "zh"] and trace["lr"] == 0.5
    phases = [s["phase"] for s in trace["steps"]]
    assert list(dict.fromkeys(phases)) == ["forward", "loss", "backward", "update", "after"]
    label = {n["id"]: n["label"] for n in trace["nodes"]}
    weights = {f"w{k}" for k in range(1, 9)}
    assert {label[i] for s in trace["steps"] for i in s["reveals"]["grad"]} >= weights  # backward for all eight
    assert sorted(label[s["node"]] for s in trace["steps"] if s["phase"] == "update") == sorted(weights)
    # the error after the update, as a fresh network trained one step computes it
    net = classic_network()
    nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS).backward()
    nn.SGD(net.parameters(), lr=0.5).step()
    after = nn.evaluate(net, [CLASSIC_INPUTS], [CLASSIC_TARGETS])
    last = trace["steps"][-1]
    assert label[last["node"]] == "E_total" and last["value"] == pytest.approx(after, rel=1e-15)
    assert "0.291027774" in last["lines"][-1]["text"]  # exact arithmetic (the post prints 0.291027924)
    assert [v["kind"] for v in embedded(text, "stepgrad-views")] == ["network", "graph"]


def test_explain_html_limits_backward_to_the_weight(tmp_path, capsys):
    from nn.cli import main

    page = tmp_path / "w1.html"
    assert main(["explain", "--param", "w1", "--lr", "0.5", "--lang", "zh", "--html", str(page)]) == 0
    trace = embedded(page.read_text(encoding="utf-8"), "stepgrad-trace")
    assert trace["langs"] == ["zh", "en"]
    label = {n["id"]: n["label"] for n in trace["nodes"]}
    assert [label[i] for i in trace["wrt"]] == ["w1"]
    revealed = {label[i] for s in trace["steps"] for i in s["reveals"]["grad"]}
    assert "w1" in revealed and not revealed & {"w2", "w3", "w4", "w5", "w6", "w7", "w8"}
    (update,) = [s for s in trace["steps"] if s["phase"] == "update"]
    assert "0.149780716" in update["lines"][-1]["text"]  # published w1⁺


def test_html_to_a_missing_folder_fails_in_one_line_and_writes_nothing(tmp_path, capsys):
    from nn.cli import main

    page = tmp_path / "no" / "steps.html"
    assert main(["demo", "--html", str(page)]) == 1
    err = capsys.readouterr().err
    assert err == f"stepgrad demo: error: --html {str(page)!r}: the folder {str(page.parent)!r} does not exist\n"
    assert not page.parent.exists()


def test_notebooks_play_and_stay_small():
    for name, call in (("01-values-and-the-chain-rule.ipynb", "autograd.player("),
                       ("02-the-worked-example.ipynb", "nn.player(")):
        path = ROOT / "notebooks" / name
        assert path.stat().st_size < 2_000_000
        assert call in path.read_text(encoding="utf-8")
