"""The quiz page in a real browser: headless Chromium plays the classic network as a quiz.

The page's checker (autograd/player/checker.js) must give the verdicts of ``Exercise.check``:
its precision rule is compared with ``read_number`` on a table of answers, its op rows with the op
table at sample points, and its verdicts with ``check`` on the same answers (right at several
precisions, wrong, carried, each known mistake made all along or from the learner's own rounded
numbers, whole worksheets). Then the page itself: numbers hidden until answered, the answer boxes,
the hint, revealing, the score, the keyboard, both languages, and what it looks like.
"""

from __future__ import annotations

import math
import os
import random
from pathlib import Path

import pytest
from browser_support import chromium, console, open_page, requests, screenshot
from test_exercise import CASES, hand

import autograd
import nn
from autograd.exercise import WORDS, _World, read_number
from autograd.ops import OPS
from autograd.printing import format_number
from nn.examples import CLASSIC_INPUTS, CLASSIC_LR, CLASSIC_TARGETS, classic_exercise, classic_network

SHOTS = Path(os.environ["STEPGRAD_SCREENSHOTS"]) if os.environ.get("STEPGRAD_SCREENSHOTS") else None


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The classic exercise's quiz page (English first, Chinese too) and seed 7's."""
    folder = tmp_path_factory.mktemp("quiz")
    out = {}
    for seed in (None, 7):
        ex = classic_exercise(seed)
        out[seed] = (ex, ex.player(lang=("en", "zh")).save(folder / f"quiz-{seed}.html"))
    return out


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def fresh(driver, page: Path) -> None:
    """Open the page anew (no answers yet) and forget the logs of earlier tests."""
    console(driver)
    requests(driver)
    open_page(driver, page)


def go_to(driver, name: str) -> None:
    driver.execute_script("stepgrad.player.go(stepgrad.quiz.at(arguments[0]))", name)


def box(driver, name: str):
    return driver.find_element("css selector", f".question[data-name='{name}']")


def text_of(driver, name: str, part: str) -> str:
    return driver.execute_script("return arguments[0].querySelector(arguments[1]).textContent", box(driver, name), part)


def type_answer(driver, name: str, text: str) -> str:
    """Go to the question's step, type the answer into its box, press Enter; the verdict shown."""
    from selenium.webdriver.common.keys import Keys

    go_to(driver, name)
    field = box(driver, name).find_element("css selector", "input")
    field.clear()
    field.send_keys(text + Keys.ENTER)
    return text_of(driver, name, ".verdict")


def svg_texts(driver, element: str) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll(`#graph [id='${arguments[0]}'] text`)].map(t => t.textContent)", element
    )


def clean_logs(driver, page: Path) -> None:
    assert [m for m in console(driver) if m["level"] in ("SEVERE", "WARNING")] == []
    assert [u for u in requests(driver) if not u.startswith("data:") and u != page.resolve().as_uri()] == []


# --- the checker is Python's -----------------------------------------------------------------------

TEXTS = [
    "0.0822", "0.08217", "0.083", "0.0821", "0.08", "0.1", "0.09", ".0822", "8.2167e-2", " 0,0822 ", "0.0800",
    "−0.5", "-0.5", "0.35", "0.3", "0.4", "12", "1.2e3", "0", "0.000", "0e99", "1e400", "-1e400", "1.5e-30",
    "1e1000001", "abc", "", "1/2", "nan", "inf", "-Infinity", "0.37.75", "１.５", "١٢", "１，５", "0。5", "−0，019",
    "1,000.5", "1 000", "+.5", "5.", "1.e1", "0.33333333333333333333", "9.999", "9.96", "0.0999", "4.9e-324",
    "1.8e308", "-0.019049119", "0.291027924", "1\t2", "e5", ".", "1e", "0x10",
]
VALUES = [
    0.082167041, 0.0821670405642308, 0.35, 0.35000000000000003, 0.3775, -0.5, 0.0, 1e-30, 12.0, 1234.5, 0.1,
    0.09999999999999999, 1e308, 5e-324, -0.019049118258278, 0.291027773693599, 9.995, 0.09995, 1 / 3, 99.95, 5e-5,
]


def test_the_precision_rule_is_pythons(browser, pages):
    """read_number, Number.matches and agreeing_digits, and format_number, on a table of answers."""
    rng = random.Random(0)
    texts = list(TEXTS)
    for _ in range(40):  # the numbers a learner writes: a true value at some precision
        x = rng.choice(VALUES) * (1 + rng.uniform(-0.02, 0.02))
        texts += [f"{x:.{d}g}" for d in (1, 2, 3, 5, 8, 12, 16)]
    ex, page = pages[None]
    fresh(browser, page)
    zeros = ex.checker_data()["digit_zeros"]
    got = browser.execute_script(
        """const [texts, values, zeros] = arguments;
        const K = window.stepgradChecker;
        return texts.map((t) => {
          let n;
          try { n = K.readNumber(t, zeros, 15); } catch (e) { return { error: e.message }; }
          return { digits: n.digits, exponent: n.exponent, value: String(n.value),
                   checks: values.map((x) => [K.matches(n, x), K.agreeingDigits(n, x)]) };
        });""",
        texts, VALUES, zeros,
    )
    checked = 0
    for text, js in zip(texts, got):
        try:
            n = read_number(text)
        except ValueError as exc:
            assert js == {"error": str(exc)}, text
            continue
        assert (js["digits"], js["exponent"], float(js["value"])) == (n.digits, n.exponent, float(n)), text
        assert js["checks"] == [[n.matches(x), n.agreeing_digits(x)] for x in VALUES], text
        checked += len(VALUES)
    assert checked > 5000
    numbers = [*VALUES, -0.0, 1e-7, 9.99999999e-8, 1e16, 9.999999999e15, 2 ** -10, -(2 ** -10), 1e100, 2.5e-10]
    printed = browser.execute_script("return arguments[0].map((x) => window.stepgradChecker.formatNumber(x))", numbers)
    assert printed == [format_number(x) for x in numbers]  # 2**-10 is a tie at 9 decimals: rounded to even
    clean_logs(browser, page)


def samples(op) -> list[list[float]]:
    """Operands to try a row at: ordinary values, zeros, negatives, overflow, its kinks."""
    one = [-3.0, -1.5, -0.5, 0.0, 0.25, 0.5, 1.0, 1.2, 2.0, 7.5, 40.0, 710.0, 1e-300, -745.5]
    if op.variadic:
        return [[1.0], [0.1, 0.2, 0.3], [1e16, 1.0, -1e16], [1e308, 1e308], [-2.5, 0.75, 1e-17, 3.0]]
    if len(op.operands) == 1:
        return [[a] for a in one]
    two = [-2.0, -0.5, 0.0, 0.5, 1.0, 3.0, 1e-200, 1e200]
    return [[a, b] for a in two for b in [*two, 0.3, 2.5]]


def python_row(op, operands: list[float]) -> list[str]:
    """The row's forward value and local derivatives as exercise's model reads them (NaN where the
    row refuses its operands), as text the browser can compare."""

    def run(f, *args) -> str:
        try:
            return repr(float(f(*args)))
        except (ArithmeticError, ValueError):
            return "nan"
        except RuntimeError:
            return "error"

    out = run(op.forward, *operands)
    slots = range(len(operands)) if not op.variadic else [0]
    return [out, *(run(op.partial(s).fn, float(out) if out != "error" else math.nan, *operands) for s in slots)]


def test_every_op_row_is_mirrored(browser, pages):
    """checker.js's forward functions and local derivatives against the op table: equal to 2 units
    in the last place (JavaScript's Math and C's libm may round a transcendental differently),
    exactly where the row is exact (fsum, the kinks, the errors)."""
    import nn.activations  # noqa: F401  (registers the threshold row)

    ex, page = pages[None]
    fresh(browser, page)
    cases = [(name, operands) for name, op in OPS.items() for operands in samples(op)]
    got = browser.execute_script(
        """const K = window.stepgradChecker;
        const text = (f) => {
          try { const x = f(); return Number.isNaN(x) ? "nan" : String(x); } catch (e) { return "error"; }
        };
        return arguments[0].map(([name, operands]) => {
          const row = K.OPS[name];
          if (!row) return null;
          const out = text(() => row.forward(...operands));
          const slots = name === "add_n" ? [0] : operands.map((_, s) => s);
          const value = out === "error" ? NaN : Number(out);
          return [out, ...slots.map((s) => text(() => row.partials[s](value, ...operands)))];
        });""",
        cases,
    )
    assert set(OPS) == {name for (name, _), js in zip(cases, got) if js is not None}
    for (name, operands), js in zip(cases, got):
        py = python_row(OPS[name], operands)
        for a, b in zip(py, js):
            if "nan" in (a, b) or "error" in (a, b):
                assert a == b, (name, operands, py, js)
                continue
            x, y = float(a), float(b.replace("Infinity", "inf"))
            assert x == y or abs(x - y) <= 2 * math.ulp(max(abs(x), abs(y))), (name, operands, py, js)
    assert got[cases.index(("add_n", [1e16, 1.0, -1e16]))][0] == "1"  # the correctly rounded sum
    clean_logs(browser, page)


def answer_sets(ex, seed: int = 0) -> list[dict[str, str]]:
    """Answers a learner might give: each question right at two precisions and wrong; each known
    mistake made all along from the given numbers, and made from the learner's own rounded numbers;
    whole worksheets where an occasional slip is carried on."""
    rng = random.Random(seed)
    sk, lr, qs = ex._sk, ex.lr, ex.questions
    sets = []
    for q in qs:
        sets += [{q.name: f"{q.value:.{rng.choice([2, 5])}g}"}, {q.name: f"{q.value * 1.013:.4g}"}]
    clean = _World(sk, lr, {})
    for variant in sk.variants():
        mistaken = [(q, x) for q in qs for x in [_World(sk, lr, {}, variant, clean).value(q.name)]
                    if x != 0 and f"{x:.5g}" != f"{q.value:.5g}"]
        sets += [{q.name: f"{x:.5g}"} for q, x in mistaken[:2]]  # the first two numbers it changes
        for q, _ in mistaken[:1]:  # and the first, computed from the learner's own rounded numbers
            others = {o.name: f"{o.value:.4g}" for o in qs if o is not q and rng.random() < 0.4}
            fixed = {a: float(t) for n, t in others.items() for a in ex._group(n)}
            mine = _World(sk, lr, fixed, variant, _World(sk, lr, fixed)).value(q.name)
            sets.append({**others, q.name: f"{mine:.7g}"})
    for _ in range(3):
        answers: dict[str, str] = {}
        fixed: dict[str, float] = {}
        for q in qs:
            x = _World(sk, lr, dict(fixed)).value(q.name)
            if rng.random() < 0.15:
                x *= 1 + rng.choice([-1, 1]) * rng.uniform(0.02, 0.3)
            answers[q.name] = f"{x:.{rng.choice([3, 4, 6])}g}"
            fixed.update({a: float(answers[q.name]) for a in ex._group(q.name)})
        sets.append(answers)
    return sets


@pytest.mark.parametrize("seed", [None, 7])
def test_the_page_gives_the_verdicts_of_check(browser, pages, seed):
    """The same answers through Exercise.check and through the page's checker: the same verdict,
    significant digits, culprits, known mistake and its explanation (en and zh), and the same
    hint (the quantity from the learner's numbers, and whether their inputs are right)."""
    ex, page = pages[seed]
    fresh(browser, page)
    sets = answer_sets(ex)
    got = browser.execute_script(
        """const checker = stepgrad.quiz.checker;
        return arguments[0].map((pairs) => {
          const given = new Map(pairs);
          return pairs.map(([name]) => {
            const v = checker.verdict(name, given);
            const h = checker.hint(name, given);
            return { status: v.status, digits: v.digits ?? 0, mistake: v.mistake ?? null, culprits: v.culprits ?? [],
                     en: checker.line(v, "en"), zh: checker.line(v, "zh"),
                     why: [checker.explanation(v, "en"), checker.explanation(v, "zh")],
                     yours: window.stepgradChecker.formatNumber(h.yours), inputsRight: h.inputsRight };
          });
        });""",
        [list(answers.items()) for answers in sets],  # pairs: an object's keys may come back in another order
    )
    mistakes = set()
    for answers, verdicts in zip(sets, got):
        report = ex.check(answers)
        for name, js in zip(answers, verdicts):
            v = report[name]
            py = {"status": v.status, "digits": v.digits, "mistake": v.mistake.name if v.mistake else None,
                  "culprits": list(v.culprits), "en": v.line("en"), "zh": v.line("zh"),
                  "why": [v.explanation("en"), v.explanation("zh")]}
            assert {k: js[k] for k in py} == py, (name, answers)
            hint = ex.hint(name, answers).splitlines()
            assert js["inputsRight"] == (WORDS["en"]["inputs_right"] in hint[-1]), (name, answers)
            yours = next((line for line in hint if WORDS["en"]["yours"] in line), hint[-2] if js["inputsRight"] else "")
            assert js["yours"] == yours.rsplit(" = ", 1)[-1].replace("−", "-"), (name, answers)
            mistakes.add(py["mistake"])
    assert mistakes - {None} == {"forgot_lr", "lr_sign", "one_path", "target_sign", "net_for_out", "out_for_net",
                                 "function_for_derivative", "updated_weights"}
    assert sum(map(len, got)) > 1000
    clean_logs(browser, page)


# --- the page ----------------------------------------------------------------------------------------


def answer_before(driver, ex, name: str) -> dict[str, str]:
    """Answer every question asked before ``name``'s step right (to 4 digits), through the page."""
    at = driver.execute_script("return stepgrad.quiz.at(arguments[0])", name)
    answers = {}
    for q in ex.questions:
        if driver.execute_script("return stepgrad.quiz.at(arguments[0])", q.name) < at:
            answers[q.name] = f"{q.value:.4g}"
            assert driver.execute_script("return stepgrad.quiz.answer(...arguments).status", q.name,
                                         answers[q.name]) == "right"
    return answers


def test_numbers_stay_hidden_until_answered(browser, pages):
    ex, page = pages[None]
    fresh(browser, page)
    trace = browser.execute_script("return stepgrad.player.trace")
    node = {n["label"]: n["id"] for n in trace["nodes"] if n["label"]}
    answer_before(browser, ex, "dE_total/dw5")
    go_to(browser, "dE_total/dw5")
    card = browser.execute_script("return stepgrad.player.text()")
    svg = browser.execute_script("return [...document.querySelectorAll('#graph text')].map(t => t.textContent)")
    for number in ("0.082167041", "0.08217", "0.593269992", "0.5933"):  # ∂E_total/∂w5 and ∂net_o1/∂w5 (= out_h1)
        assert number not in card
    assert "∂E_total/∂w5 = ∂E_total/∂net_o1 · ∂net_o1/∂w5 = ?" in card.splitlines()
    assert svg_texts(browser, node["w5"])[-1] == "grad "  # blank on the picture
    assert "grad 0.08217" not in svg
    assert "0.5933" in " ".join(svg_texts(browser, node["out_h1"]))  # out_h1 itself was answered: shown
    # the first answer is right; the card still hides what the second question asks
    assert type_answer(browser, "dnet_o1/dw5", "0.593") == "✓ ∂net_o1/∂w5 = 0.593: right (3 significant digits)"
    card = browser.execute_script("return stepgrad.player.text()")
    assert "∂net_o1/∂w5 = out_h1 = 0.593269992" in card and "0.082167041" not in card
    assert svg_texts(browser, node["w5"])[-1] == "grad "
    assert type_answer(browser, "dE_total/dw5", "0.0822") == "✓ ∂E_total/∂w5 = 0.0822: right (3 significant digits)"
    card = browser.execute_script("return stepgrad.player.text()")
    assert "∂E_total/∂w5 = ∂E_total/∂net_o1 · ∂net_o1/∂w5 = 0.138498562 × 0.593269992 = 0.082167041" in card
    assert svg_texts(browser, node["w5"])[-1] == "grad 0.08217"
    # the update shows w5⁺ only once it is answered; then the picture's arrow too
    go_to(browser, "w5+")
    assert "0.35891648" not in browser.execute_script("return stepgrad.player.text()")
    assert svg_texts(browser, node["w5"])[-2] == "data 0.4"
    assert type_answer(browser, "w5+", "0.3589").startswith("✓")
    assert "0.35891648" in browser.execute_script("return stepgrad.player.text()")
    assert svg_texts(browser, node["w5"])[-2] == "data 0.4 → 0.3589"
    clean_logs(browser, page)


def test_answer_boxes_give_checks_verdicts_and_keep_score(browser, pages):
    """Typed into the boxes, in the page's order: right, right to fewer digits, written more
    precisely than it is right, not a number, carried, and each known mistake (the numbers of
    tests/test_exercise.py's hand-worked pass); each verdict is check's on the same answers."""
    ex, page = pages[None]
    fresh(browser, page)
    given: dict[str, str] = {}
    first: dict[str, str] = {}

    def answer(name: str, text: str) -> str:
        shown = type_answer(browser, name, text)
        report = ex.check({**given, name: text})
        assert shown == report[name].line(), (name, text)
        assert text_of(browser, name, ".explanation") == (report[name].explanation() or "")
        if report[name].status != "invalid":
            given[name] = text
            first.setdefault(name, report[name].status)
        return report[name].status

    assert answer("net_h1", "0.3775") == "right"
    assert answer("out_h1", "0.59") == "right"
    assert answer("net_h2", "abc") == "invalid"
    assert answer("net_h2", "0.39") == "right"
    assert answer("out_h2", "0.6") == "right"
    assert answer("net_o1", "1.1") == "right"
    assert answer("out_o1", "0.7") == "wrong"
    assert answer("E_o1", f"{0.5 * (CLASSIC_TARGETS[0] - 0.7) ** 2:.5g}") == "carried"
    assert "carried: right from your out_o1, which was wrong" in text_of(browser, "E_o1", ".verdict")
    assert answer("out_o1", "0.7514") == "right"  # corrected: the score keeps the first answer
    assert answer("dE_total/dw5", "0.0821") == "wrong"  # more digits than it is right to
    h = hand(None)
    names = set()
    for mistake, name, key in CASES:
        assert answer(name, f"{h[key]:.6g}") == "mistake", (mistake, name)
        assert ex.check(given)[name].mistake.name == mistake
        names.add(mistake)
    assert len(names) == 8
    browser.find_element("css selector", ".question[data-name='dE_total/dw1'] button.reveal").click()
    assert "The answer: 0.000438568" in text_of(browser, "dE_total/dw1", ".verdict")  # published
    right = sum(s == "right" for s in first.values())
    carried = sum(s == "carried" for s in first.values())
    score = browser.find_element("id", "score").text
    assert score == f"Score: {right} of 54 right, {carried} more carried from an earlier mistake · 1 revealed"
    assert browser.execute_script("return stepgrad.quiz.score()") == {
        "right": right, "carried": carried, "revealed": 1, "answered": len(first), "total": 54}
    clean_logs(browser, page)


def test_the_hint_and_the_answer_on_request(browser, pages):
    ex, page = pages[None]
    fresh(browser, page)
    given = answer_before(browser, ex, "dnet_o1/dw5")
    given.update({"dnet_o1/dw5": "0.61", "dE_total/dw5": "0.09"})
    assert type_answer(browser, "dnet_o1/dw5", "0.61").startswith("✗")
    assert type_answer(browser, "dE_total/dw5", "0.09").startswith("✗")
    box(browser, "dE_total/dw5").find_element("css selector", "button.hint").click()
    assert text_of(browser, "dE_total/dw5", ".hint-title") == "Hint: how ∂E_total/∂w5 is computed"
    rows = browser.execute_script(
        "return [...arguments[0].querySelectorAll('.hint-box tbody tr')]"
        ".map(r => [...r.cells].slice(1).map(c => c.textContent).concat(r.classList.contains('differs')))",
        box(browser, "dE_total/dw5"),
    )
    # the learner's own (rounded) numbers beside the true ones, the wrong one marked
    assert rows == [["0.7414", "0.74136507", True], ["0.1868", "0.186815602", True], ["0.61", "0.593269992", True]]
    # Python's hint on the same answers writes the same numbers into the formula
    yours = next(line for line in ex.hint("dE_total/dw5", given).splitlines() if "from your numbers" in line)
    assert yours.split(": ")[1].split(" = ")[0] == " × ".join(row[0] for row in rows)
    assert "0.082167041" not in text_of(browser, "dE_total/dw5", ".hint-box")  # a hint, not the answer
    # a wrong answer from right inputs: the slip is in this step, as check's hint says
    assert type_answer(browser, "dnet_h1/dw1", "0.5").startswith("✗")  # i1 is given: 0.05
    box(browser, "dnet_h1/dw1").find_element("css selector", "button.hint").click()
    python = ex.hint("dnet_h1/dw1", {**given, "dnet_h1/dw1": "0.5"}).splitlines()
    assert python[-1].strip() == WORDS["en"]["inputs_right"]
    assert WORDS["en"]["inputs_right"] in text_of(browser, "dnet_h1/dw1", ".hint-box")
    # revealing: the number is shown, the box is closed, the hint now ends with the true numbers
    go_to(browser, "dE_total/dw5")
    box(browser, "dE_total/dw5").find_element("css selector", "button.reveal").click()
    assert "The answer: 0.082167041" in text_of(browser, "dE_total/dw5", ".verdict")
    assert not box(browser, "dE_total/dw5").find_element("css selector", "input").is_enabled()
    assert box(browser, "dE_total/dw5").get_attribute("data-status") == "revealed"
    maths = browser.execute_script(  # each rendered line carries its text as its label
        "return [...arguments[0].querySelectorAll('.hint-box .line')].map(l => l.getAttribute('aria-label'))",
        box(browser, "dE_total/dw5"),
    )
    assert maths[-1] == "∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041"  # published
    trace = browser.execute_script("return stepgrad.player.trace")
    w5 = next(n["id"] for n in trace["nodes"] if n["label"] == "w5")
    assert svg_texts(browser, w5)[-1] == "grad 0.08217"
    clean_logs(browser, page)


def test_keyboard_alone(browser, pages):
    """→ to the first question, type, Enter; the focus goes on to the next question; Esc leaves a box."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ex, page = pages[None]
    fresh(browser, page)
    keys = ActionChains(browser)
    active = lambda: browser.execute_script("return document.activeElement.id")  # noqa: E731
    index = lambda: browser.execute_script("return stepgrad.player.index")  # noqa: E731
    browser.find_element("id", "next").click()  # step 2 of the givens
    for _ in range(3):
        if active().startswith("answer-"):
            break
        keys.send_keys(Keys.ARROW_RIGHT).perform()
    assert index() == browser.execute_script("return stepgrad.quiz.at('net_h1')")
    assert active() == "answer-0"  # arriving at a question puts the cursor in its box
    keys.send_keys("0.3775", Keys.ENTER).perform()
    assert text_of(browser, "net_h1", ".verdict").startswith("✓ net_h1 = 0.3775: right")
    assert active() == "next-question"
    keys.send_keys(Keys.ENTER).perform()  # on to the next question
    assert index() == browser.execute_script("return stepgrad.quiz.at('out_h1')") and active() == "answer-1"
    keys.send_keys("0.5", Keys.ENTER).perform()
    assert text_of(browser, "out_h1", ".verdict").startswith("✗") and active() == "answer-1"  # try again
    keys.send_keys(Keys.ESCAPE).perform()
    assert active() == "next"
    keys.send_keys(Keys.ARROW_RIGHT).perform()  # the arrows step again
    assert index() == browser.execute_script("return stepgrad.quiz.at('net_h2')")
    clean_logs(browser, page)


def test_the_quiz_in_chinese(browser, pages):
    ex, page = pages[None]
    fresh(browser, page)
    browser.find_element("css selector", "#langs button[data-lang='zh']").click()
    wrong = f"{hand(None)['w5+ forgot lr']:.6g}"
    shown = type_answer(browser, "w5+", wrong)
    report = ex.check({"w5+": wrong}, lang="zh")
    assert shown == report["w5+"].line("zh") and "忘了学习率" in shown
    assert text_of(browser, "w5+", ".explanation") == report["w5+"].explanation("zh")
    labels = [b.text for b in box(browser, "w5+").find_elements("css selector", "button")]
    assert labels == ["检查", "提示", "看答案"]
    assert browser.find_element("id", "score").text == "得分：54 题中对了 0 题"
    assert browser.find_element("id", "next-question").text == "下一题"
    clean_logs(browser, page)


def test_the_network_diagram_hides_what_is_asked(browser, tmp_path):
    p = nn.player(classic_network(), CLASSIC_INPUTS, CLASSIC_TARGETS, lr=CLASSIC_LR, quiz=True)
    page = p.save(tmp_path / "network-quiz.html")
    fresh(browser, page)
    go_to(browser, "dE_total/dw5")
    assert "∂E/∂w5 = " in svg_texts(browser, "w-w5") and "∂E/∂w5 = 0.08217" not in svg_texts(browser, "w-w5")
    assert browser.execute_script("return stepgrad.quiz.answer('dE_total/dw5', '0.08217').status") == "right"
    assert "∂E/∂w5 = 0.08217" in svg_texts(browser, "w-w5")
    clean_logs(browser, page)


def test_labels_with_markup_stay_text_in_the_quiz(browser, tmp_path):
    from autograd import Value

    x = Value(2.0, label="<img src=x onerror=alert(1)>")
    y = (x * x).labelled("<b>y</b>")
    page = autograd.player(y, lr=0.1, quiz=True).save(tmp_path / "labels.html")
    fresh(browser, page)
    assert browser.execute_script("return document.scripts.length") == 6  # the page's own: the quiz's data too
    name = "d<b>y</b>/d<img src=x onerror=alert(1)>"
    shown = browser.execute_script("return stepgrad.quiz.answer(arguments[0], '8').line.en", name)
    assert shown == "✗ ∂<b>y</b>/∂<img src=x onerror=alert(1)> = 8: wrong (no significant digit agrees)"
    go_to(browser, name)
    assert text_of(browser, name, ".verdict") == shown
    assert browser.execute_script("return document.querySelectorAll('#card b, #card img, #graph img').length") == 0
    clean_logs(browser, page)


# --- what it looks like ------------------------------------------------------------------------------


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 780)])
def test_screenshots(browser, pages, tmp_path, width, height):
    """A question, a right verdict, and a known mistake explained, at desktop and phone width.

    Set STEPGRAD_SCREENSHOTS=DIR to keep them for a person to look at.
    """
    ex, page = pages[None]
    out = SHOTS or tmp_path
    out.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(width, height)
    try:
        fresh(browser, page)
        answer_before(browser, ex, "dE_total/dw5")
        type_answer(browser, "dnet_o1/dw5", "0.5933")
        go_to(browser, "dE_total/dw5")
        shots = [screenshot(browser, out / f"quiz-{width}-question.png")]
        type_answer(browser, "dE_total/dw5", "0.08217")
        shots.append(screenshot(browser, out / f"quiz-{width}-right.png"))
        type_answer(browser, "w5+", f"{hand(None)['w5+ forgot lr']:.4g}")
        shots.append(screenshot(browser, out / f"quiz-{width}-mistake.png"))
        assert all(shot.stat().st_size > 10_000 for shot in shots)  # pictures, not blank pages
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width  # no sideways page
        clean_logs(browser, page)
    finally:
        browser.set_window_size(1280, 800)
