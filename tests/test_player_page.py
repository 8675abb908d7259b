"""The player page in a real browser: headless Chromium plays real traces of the classic network.

Published numbers (the step-by-step example) are compared at their printed precision; every
other number comes from the trace the page embeds, computed by the engine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import chromium, console, open_page, requests, screenshot

import autograd
import nn
from autograd import Value
from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS, classic_network, classic_values

SHOTS = Path(os.environ.get("STEPGRAD_SCREENSHOTS", "")) if os.environ.get("STEPGRAD_SCREENSHOTS") else None


def step_revealing(trace: dict, field: str, label: str) -> int:
    """The index of the step from which ``label``'s ``field`` (data, grad, updated) is known."""
    node = next(n["id"] for n in trace["nodes"] if n["label"] == label)
    return next(s["index"] for s in trace["steps"] if node in s["reveals"][field])


def node_id(trace: dict, label: str) -> str:
    return next(n["id"] for n in trace["nodes"] if n["label"] == label)


@pytest.fixture(scope="module")
def classic(tmp_path_factory: pytest.TempPathFactory) -> tuple[autograd.Player, Path]:
    v = classic_values()
    p = autograd.player(v["E_total"], lr=0.5)
    return p, p.save(tmp_path_factory.mktemp("pages") / "classic.html")


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def fresh(driver) -> None:
    """Forget the logs of earlier tests."""
    console(driver)
    requests(driver)


def go(driver, i: int) -> str:
    return driver.execute_script("stepgrad.player.go(arguments[0]); return stepgrad.player.text()", i)


def svg_text(driver, element: str) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll(`#graph [id='${arguments[0]}'] text`)].map(t => t.textContent)", element
    )


# --- the classic network, step by step ------------------------------------------------------------


def test_every_step_of_the_trace_is_played_without_errors_or_requests(browser, classic):
    p, page = classic
    fresh(browser)
    open_page(browser, page)
    count = browser.execute_script("return stepgrad.player.count")
    assert count == p.count == len(p.trace["steps"])
    for i, step in enumerate(p.trace["steps"]):
        text = go(browser, i)
        assert browser.execute_script("return stepgrad.player.index") == i
        assert [line["text"] for line in step["lines"]] == text.split("\n")[1:1 + len(step["lines"])]
    errors = [m for m in console(browser) if m["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    leaving = [u for u in requests(browser) if not u.startswith("data:") and u != page.resolve().as_uri()]
    assert leaving == []


def test_w5_gradient_and_update_as_published(browser, classic):
    p, page = classic
    open_page(browser, page)
    w5 = node_id(p.trace, "w5")
    at = step_revealing(p.trace, "grad", "w5")
    assert svg_text(browser, w5)[-1] == "grad "  # blank before its step
    go(browser, at - 1)
    assert svg_text(browser, w5)[-1] == "grad "
    text = go(browser, at)
    assert "∂E_total/∂w5" in text and "0.082167041" in text  # published
    card = browser.execute_script("return document.getElementById('lines').textContent")
    assert "0.082167041" in card  # rendered maths carries the number too
    assert svg_text(browser, w5)[-1] == f"grad {format(p.trace['nodes'][int(w5[1:])]['grad'], '.4g')}"
    update = step_revealing(p.trace, "updated", "w5")
    text = go(browser, update)
    assert "0.35891648" in text  # published w5⁺
    assert svg_text(browser, w5)[-2] == "data 0.4 → 0.3589"


def test_w1_two_paths_and_their_sum(browser, classic):
    p, page = classic
    open_page(browser, page)
    out_h1 = node_id(p.trace, "out_h1")
    meet = step_revealing(p.trace, "grad", "out_h1")
    step = p.trace["steps"][meet]
    assert step["kind"] == "accumulate" and step["node"] == out_h1
    text = go(browser, meet)
    # the two paths, via o1 and via o2 (published 0.055399425 and −0.019049119, the latter rounded
    # from a rounded intermediate: exactly −0.019049118), and their sum 0.036350306
    assert "0.055399425" in text and "0.019049118" in text and "0.036350306" in text
    into = [e["id"] for e in p.trace["edges"] if e["from"] == out_h1]
    assert len(into) == 2
    active = browser.execute_script("return [...document.querySelectorAll('#graph g.edge.active')].map(e => e.id)")
    assert set(into) <= set(active)  # both paths lit where they meet
    text = go(browser, step_revealing(p.trace, "grad", "w1"))
    assert "∂E_total/∂w1" in text and "0.000438568" in text


def test_hash_opens_a_step_and_follows_the_player(browser, classic):
    p, page = classic
    at = step_revealing(p.trace, "grad", "w5")
    open_page(browser, page, f"#step={at + 1}")  # the address counts steps as the page shows them, from 1
    assert browser.execute_script("return stepgrad.player.index") == at
    assert "0.082167041" in browser.execute_script("return stepgrad.player.text()")
    assert browser.find_element("id", "position").text == f"Step {at + 1} of {len(p.trace['steps'])}"
    go(browser, 3)
    assert browser.execute_script("return location.hash") == "#step=4"


def test_values_fill_up_forward_then_backward(browser, classic):
    p, page = classic
    open_page(browser, page)
    nodes = p.trace["nodes"]

    def shown() -> dict[str, list[str]]:
        return browser.execute_script(
            "const out = {}; for (const g of document.querySelectorAll('#graph g.node[id^=v]'))"
            " out[g.id] = [...g.querySelectorAll('text')].map(t => t.textContent); return out"
        )

    go(browser, 0)
    first = shown()
    assert all(not texts[-1].startswith("grad ") or texts[-1] == "grad " for texts in first.values())
    go(browser, p.count - 1)
    last = shown()
    for n in nodes:
        if n["requires_grad"] and n["grad"] is not None:
            assert last[n["id"]][-1] == f"grad {format(n['grad'], '.4g')}"


def test_keyboard_alone(browser, classic):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    p, page = classic
    open_page(browser, page)
    keys = ActionChains(browser)
    index = lambda: browser.execute_script("return stepgrad.player.index")  # noqa: E731
    keys.send_keys(Keys.ARROW_RIGHT).send_keys(Keys.ARROW_RIGHT).perform()
    assert index() == 2
    keys.send_keys(Keys.ARROW_LEFT).perform()
    assert index() == 1
    keys.send_keys(Keys.END).perform()
    assert index() == p.count - 1
    keys.send_keys(Keys.HOME).perform()
    assert index() == 0
    keys.send_keys(Keys.SPACE).perform()
    assert browser.execute_script("return document.getElementById('play').getAttribute('aria-pressed')") == "true"
    keys.send_keys(Keys.SPACE).perform()
    assert browser.execute_script("return document.getElementById('play').getAttribute('aria-pressed')") == "false"
    # Tab reaches the graph's nodes; Enter on one lists its steps, and a step is one Enter away.
    w5 = node_id(p.trace, "w5")
    browser.execute_script("stepgrad.player.go(0); document.getElementById('zoom').focus()")
    for _ in range(200):
        keys.send_keys(Keys.TAB).perform()
        if browser.execute_script("return document.activeElement.id") == w5:
            break
    assert browser.execute_script("return document.activeElement.id") == w5
    keys.send_keys(Keys.ENTER).perform()
    items = browser.execute_script("return document.querySelectorAll('#node-steps button').length")
    assert items == 3  # its value, its gradient, its update
    keys.send_keys(Keys.TAB).send_keys(Keys.ENTER).perform()  # the focus is on the first entry: go to the second
    assert index() == step_revealing(p.trace, "grad", "w5")


def test_clicking_a_node_shows_its_forward_gradient_and_update_steps(browser, classic):
    p, page = classic
    open_page(browser, page)
    browser.find_element("css selector", f"#graph [id='{node_id(p.trace, 'w5')}']").click()
    assert browser.execute_script("return document.getElementById('node-name').textContent") == "w5"
    buttons = browser.find_elements("css selector", "#node-steps button")
    assert len(buttons) == 3
    buttons[2].click()
    assert browser.execute_script("return stepgrad.player.index") == step_revealing(p.trace, "updated", "w5")


def test_page_lays_the_graph_out_without_dot(browser, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere on PATH
    v = classic_values()
    p = autograd.player(v["E_total"], lr=0.5)
    assert p.svgs() == [None]
    page = p.save(tmp_path / "no-dot.html")
    assert page.stat().st_size <= 3_000_000
    fresh(browser)
    open_page(browser, page)
    drawn = browser.execute_script("return document.querySelectorAll('#graph g.node[id^=v]').length")
    assert drawn == len(p.trace["nodes"])
    text = go(browser, step_revealing(p.trace, "grad", "w5"))
    assert "0.082167041" in text
    assert [m for m in console(browser) if m["level"] == "SEVERE"] == []
    assert [u for u in requests(browser) if not u.startswith("data:") and u != page.resolve().as_uri()] == []


def test_labels_with_markup_are_shown_as_text(browser, tmp_path):
    x = Value(2.0, label="<script>alert(1)</script>")
    y = (x * x).labelled("<b>y</b> & {{player_js}}")
    page = autograd.player(y, lr=0.1).save(tmp_path / "labels.html")
    open_page(browser, page)
    assert browser.execute_script("return document.scripts.length") == 5  # the page's own, no more
    texts = browser.execute_script("return [...document.querySelectorAll('#graph text')].map(t => t.textContent)")
    assert "<script>alert(1)</script>" in texts and "<b>y</b> & {{player_js}}" in texts
    assert browser.execute_script("return document.querySelectorAll('#graph b, #card b').length") == 0
    for i in range(browser.execute_script("return stepgrad.player.count")):
        go(browser, i)
    assert "<script>alert(1)</script>" in browser.execute_script("return document.body.textContent")
    assert [m for m in console(browser) if m["level"] == "SEVERE"] == []


def test_both_languages_switch(browser, tmp_path):
    v = classic_values()
    page = autograd.player(v["E_total"], lr=0.5, lang=("en", "zh")).save(tmp_path / "en-zh.html")
    open_page(browser, page)
    go(browser, 0)
    english = browser.execute_script("return stepgrad.player.text()")
    browser.find_element("css selector", "#langs button[data-lang='zh']").click()
    chinese = browser.execute_script("return stepgrad.player.text()")
    assert chinese != english and "前向传播" in chinese
    assert browser.execute_script("return document.documentElement.lang") == "zh"


def test_network_player_switches_between_diagram_and_graph(browser, tmp_path):
    p = nn.player(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS, lr=0.5)
    page = p.save(tmp_path / "network.html")
    fresh(browser)
    open_page(browser, page)
    at = step_revealing(p.trace, "grad", "w5")
    go(browser, at - 1)
    assert "∂E/∂w5 = " in svg_text(browser, "w-w5")
    go(browser, at)
    assert "∂E/∂w5 = 0.08217" in svg_text(browser, "w-w5")
    go(browser, step_revealing(p.trace, "updated", "w5"))
    assert "w5⁺ = 0.3589" in svg_text(browser, "w-w5")
    assert "out = 0.5933" in svg_text(browser, "n-h1")  # published out_h1 = 0.593269992
    browser.find_element("css selector", "#views button[data-view='1']").click()
    assert browser.execute_script("return document.querySelectorAll('#graph g.node[id^=v]').length") == len(
        p.trace["nodes"]
    )
    assert [m for m in console(browser) if m["level"] == "SEVERE"] == []


def test_jupyter_iframe_runs_the_page(browser, classic, tmp_path):
    p, _ = classic
    page = tmp_path / "notebook-output.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><body>{p._repr_html_()}</body>", encoding="utf-8")
    browser.get(page.as_uri())
    browser.switch_to.frame(browser.find_element("tag name", "iframe"))
    try:
        for _ in range(200):
            if browser.execute_script("return document.documentElement.dataset.ready") == "1":
                break
        assert browser.execute_script("return stepgrad.player.count") == p.count
    finally:
        browser.switch_to.default_content()


# --- what it looks like ---------------------------------------------------------------------------


@pytest.mark.parametrize("width, height, dark", [(1280, 800, False), (390, 780, False), (1280, 800, True)])
def test_screenshots(classic, tmp_path, width, height, dark):
    """Three steps (forward, backward, update) at desktop and phone width, light and dark.

    Set STEPGRAD_SCREENSHOTS=DIR to keep them for a person to look at.
    """
    p, page = classic
    out = SHOTS or tmp_path
    out.mkdir(parents=True, exist_ok=True)
    picks = [step_revealing(p.trace, "data", "out_h1"), step_revealing(p.trace, "grad", "w5"),
             step_revealing(p.trace, "updated", "w5")]
    with chromium(width, height, dark=dark) as driver:
        open_page(driver, page)
        for i in picks:
            go(driver, i)
            shot = screenshot(driver, out / f"player-{width}-{'dark' if dark else 'light'}-{i}.png")
            assert shot.stat().st_size > 10_000  # a picture, not a blank page
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width  # no sideways page
