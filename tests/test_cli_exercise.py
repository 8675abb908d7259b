"""``stepgrad exercise``: the worksheet and answer key written to files, and the terminal mode
driven through standard input (in-process, and once as a separate process reading a pipe)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from nn.cli import main
from nn.examples import classic_exercise

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, monkeypatch, *argv: object, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_sheet_and_key_are_written_in_the_format_of_their_suffix(tmp_path, capsys, monkeypatch) -> None:
    sheet, key = tmp_path / "sheet.md", tmp_path / "key.tex"
    code, out, err = run(capsys, monkeypatch, "exercise", "--seed", 7, "--out", sheet, "--key", key)
    assert code == 0 and out == ""
    assert err == f"stepgrad exercise: wrote {sheet}, {key}\n"
    ex = classic_exercise(7)
    assert sheet.read_text(encoding="utf-8") == ex.worksheet("markdown", "en")
    assert key.read_text(encoding="utf-8") == ex.answer_key("latex", "en")


def test_format_lang_and_ask_options(tmp_path, capsys, monkeypatch) -> None:
    sheet = tmp_path / "sheet.txt"
    code, _, _ = run(capsys, monkeypatch, "exercise", "--out", sheet, "--format", "html", "--lang", "zh",
                     "--ask", "dE_total/dw5, w5+")
    assert code == 0
    assert sheet.read_text(encoding="utf-8") == classic_exercise(ask=["dE_total/dw5", "w5+"]).worksheet("html", "zh")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--out", "{tmp}/sheet.pdf"], "cannot tell the format from the suffix"),
        (["--out", "{tmp}/no/sheet.md"], "does not exist"),
        (["--out", "{tmp}"], "is a folder"),
        (["--out", "{tmp}/a.md", "--key", "{tmp}/a.md"], "name the same file"),
        (["--ask", "dE_total/dw9", "--out", "{tmp}/a.md"], "--ask 'dE_total/dw9': exercise: ask='dE_total/dw9'"),
    ],
)
def test_mistakes_are_one_line_and_nothing_is_written(tmp_path, capsys, monkeypatch, argv, message) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, monkeypatch, "exercise", *argv)
    assert code == 1 and out == ""
    assert err.startswith("stepgrad exercise: error: ") and message in err and err.count("\n") == 1
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_terminal_mode_asks_one_question_at_a_time(capsys, monkeypatch) -> None:
    q = {q.name: q.value for q in classic_exercise(ask="forward").questions}
    out_o1 = 0.7  # wrong
    E_o1 = 0.5 * (0.01 - out_o1) ** 2  # carried from it
    answers = [
        "0.3775",  # net_h1
        "0.593",  # out_h1
        "",  # net_h2: skipped
        f"{q['out_h2']:.9f}",
        f"{q['net_o1']:.9f}",
        "0.7", "h",  # out_o1 wrong, and the hint asked for
        f"{E_o1:.6f}", "",  # E_o1 carried, no hint
        "abc", "",  # net_o2: not a number
        "q",
    ]
    code, out, _ = run(capsys, monkeypatch, "exercise", "--ask", "forward", stdin="\n".join(answers) + "\n")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Backpropagation by hand: the classic 2-2-2 network"
    assert "- Inputs and constants (not updated): i1 = 0.05, i2 = 0.1, b1 = 0.35, b2 = 0.6" in lines
    asked = lines[lines.index(next(x for x in lines if x.startswith("[1/11]"))):]
    assert asked[:6] == [
        "[1/11] net_h1 = ?  (value) 0.3775",
        "✓ net_h1 = 0.3775: right (4 significant digits)",
        "[2/11] out_h1 = ?  (value) 0.593",
        "✓ out_h1 = 0.593: right (3 significant digits)",
        "[3/11] net_h2 = ?  (value) ",
        "– skipped",
    ]
    text = "\n".join(asked)
    assert "✗ out_o1 = 0.7: wrong (no significant digit agrees)\n  h for a hint, Enter to go on: h\n" in text
    assert "Hint: how out_o1 is computed\n  out_o1 = 1 / (1 + e^(−net_o1))" in text
    assert f"~ E_o1 = {E_o1:.6f}: carried: right from your out_o1, which was wrong" in text
    assert "? net_o2: 'abc' is not a number" in text
    assert asked[-2:] == [
        "[9/11] out_o2 = ?  (value) q",
        "Score: 4 of 11 right, 1 more carried from an earlier mistake",
    ]


def test_the_terminal_mode_names_a_known_mistake_in_chinese(capsys, monkeypatch) -> None:
    g5 = classic_exercise(ask="dE_total/dw5").questions[0].value
    code, out, _ = run(capsys, monkeypatch, "exercise", "--ask", "dE_total/dw5", "--lang", "zh", stdin=f"{-g5:.6f}\n\n")
    assert code == 0
    assert "✗ ∂E_total/∂w5 = -0.082167：错误：常见错误「−(target − out) 的符号」" in out
    assert "  −(target − out) 的符号：E = ½(target − out)² 对 out 的导数" in out
    assert out.rstrip().endswith("得分：1 题中对了 0 题")


def test_the_terminal_mode_reads_a_pipe_in_a_separate_process() -> None:
    g5 = classic_exercise(ask="dE_total/dw5").questions[0].value
    result = subprocess.run(
        [sys.executable, "-m", "nn.cli", "exercise", "--ask", "dE_total/dw5,w5+"], cwd=ROOT, capture_output=True,
        text=True, encoding="utf-8", input=f"{g5:.4g}\n0.3178\nh\n", timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "✓ ∂E_total/∂w5 = 0.08217: right (4 significant digits)" in result.stdout
    assert "✗ w5⁺ = 0.3178: wrong: a known mistake, forgot the learning rate" in result.stdout
    assert "  Forgot the learning rate: the update is w5⁺ = w5 − η·∂E/∂w5 with η = 0.5" in result.stdout
    assert "  w5⁺ = w5 − η·∂E_total/∂w5" in result.stdout  # the hint
    assert result.stdout.rstrip().endswith("Score: 1 of 2 right")
