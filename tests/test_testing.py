"""Worked proofs as tests: assert_published, and the pytest plugin's report on a failing test."""

from __future__ import annotations

import pytest

from autograd import Value, explain
from autograd.testing import assert_published, derivations_for
from nn.examples import classic_values


def test_assert_published_compares_at_the_printed_precision() -> None:
    assert_published(0.08216704056423078, "0.082167041", what="∂E_total/∂w5")
    assert_published(3.510187816e-05, "3.5101878e-05")
    assert_published(-0.019049118258, "-0.019049118")
    for value, printed in ((0.08216704056423078, "0.082167040"), (0.0822, "0.083"), (-0.019049118258, "−0.019049119")):
        with pytest.raises(AssertionError):
            assert_published(value, printed)


def test_assert_published_shows_both_numbers_and_the_derivation() -> None:
    v = classic_values()
    v["E_total"].backward()
    d = explain(v["E_total"], v["w5"])
    with pytest.raises(AssertionError) as info:
        assert_published(d, "0.082168", what="∂E_total/∂w5")
    message = str(info.value)
    assert message.splitlines()[:3] == [
        f"∂E_total/∂w5 = {d.value!r} does not round to the published 0.082168 (6 decimal places)",
        f"  computed:  {d.value!r}",
        "  published: 0.082168",
    ]
    assert f"{d.value:.9f}" == "0.082167041"
    assert "∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in message
    with pytest.raises(AssertionError, match=r"(?s)E_total = 0\.29837.*published 0\.2983 .*E_total = E_o1 \+ E_o2"):
        assert_published(v["E_total"], "0.2983")
    with pytest.raises(AssertionError, match="3 significant digits"):
        assert_published(3.5101878e-05, "3.52e-05")


def test_assert_published_refuses_a_float_for_the_published_number() -> None:
    with pytest.raises(TypeError, match="as it is printed"):
        assert_published(0.1, 0.1)
    with pytest.raises(ValueError, match="the published number 'x' is not a number"):
        assert_published(0.1, "x")
    with pytest.raises(TypeError, match="expected a number, a Value or a Derivation"):
        assert_published("0.1", "0.1")


def test_derivations_for_finds_the_output_a_gradient_was_taken_of() -> None:
    v = classic_values()
    v["E_total"].backward()
    texts = derivations_for('assert v["w1"].grad == 0.0004', {"v": v})
    assert len(texts) == 1
    assert texts[0].startswith('v["w1"].grad: ∂E_total/∂w1, as the chain rule computes it')
    assert "2 paths lead from E_total to w1" in texts[0]
    # a computed Value's data: how it was computed
    (text,) = derivations_for("assert out.data > 1", {"out": v["out_o1"]})
    assert "out_o1 = 1 / (1 + e^(−net_o1))" in text
    # nothing to explain: no Value read, or a leaf's data
    assert derivations_for("assert 1 == 2", {}) == []
    assert derivations_for("assert x.data == 2", {"x": Value(1.0, label="x")}) == []


def test_derivations_for_notes_gradients_accumulated_across_backward_calls() -> None:
    a = Value(3.0, label="a")
    y = (a * a).labelled("y")
    y.backward()
    y.backward()
    (text,) = derivations_for("assert a.grad == 6", {"a": a, "y": y})
    assert "a.grad is 12.0 but ∂y/∂a is 6.0: gradients accumulate" in text


FAILING = '''
from nn.examples import classic_values
from autograd.testing import assert_published


def test_w5_gradient():
    v = classic_values()
    v["E_total"].backward()
    w5 = v["w5"]
    assert w5.grad == 0.0822


def test_published_w1():
    v = classic_values()
    v["E_total"].backward()
    assert_published(v["w1"].grad, "0.000438567", what="dE_total/dw1")


def test_not_about_values():
    assert [1, 2] == [1, 3]


def test_passes():
    v = classic_values()
    v["E_total"].backward()
    assert_published(v["w5"].grad, "0.082167041")
'''


def test_the_plugin_appends_the_derivation_to_a_failing_gradient_assertion(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_classic=FAILING)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=3)
    out = result.stdout.str()
    sections = out.split("______ ")
    w5 = next(s for s in sections if s.startswith("test_w5_gradient"))
    assert "stepgrad: the derivation" in w5
    assert "w5.grad: ∂E_total/∂w5, as the chain rule computes it" in w5
    assert "∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041" in w5
    w1 = next(s for s in sections if s.startswith("test_published_w1"))
    assert "dE_total/dw1 = 0.0004385677344743" in w1 and "does not round to the published 0.000438567" in w1
    assert 'v["w1"].grad: ∂E_total/∂w1' in w1 and "∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1" in w1
    other = next(s for s in sections if s.startswith("test_not_about_values"))
    assert "stepgrad" not in other


def test_the_plugin_is_off_with_p_no_stepgrad(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_classic=FAILING)
    result = pytester.runpytest("-p", "no:stepgrad", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=3)
    assert "stepgrad: the derivation" not in result.stdout.str()
    assert "does not round to the published" in result.stdout.str()  # assert_published needs no plugin
