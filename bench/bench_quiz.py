"""The quiz page of the classic network: its size and load time against the plain player's, and
how long the page's checker takes for a verdict against Exercise.check in Python.

Run from the repository root: ``python bench/bench_quiz.py [--reps 5]``. Both pages are laid out
by ``dot`` at export. Each is opened ``--reps`` times in a fresh headless Chromium (time from the
start of navigation until the page is ready). Then, on one page, three verdicts are timed in the
browser and in Python in the same run: a right answer (no search), a wrong one with no other
answers (the known-mistake search over the given numbers), and a wrong one among a whole
worksheet of answers (the search twice: from the learner's own numbers, then from the given ones).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench_player import ready_ms  # noqa: E402  (this script's folder is on the path)
from browser_support import chromium, open_page  # noqa: E402

import autograd  # noqa: E402
from nn.examples import CLASSIC_LR, classic_exercise  # noqa: E402


def python_ms(ex, name: str, answers: dict[str, str]) -> float:
    """The mean time of one verdict, over as many as fit in 0.2 s (at least 5)."""
    runs, start = 0, time.perf_counter()
    while runs < 5 or time.perf_counter() - start < 0.2:
        ex._verdicts(answers, "en", only=ex._by_name[name])  # the one verdict, as the page computes it
        runs += 1
    return (time.perf_counter() - start) * 1000 / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    ex = classic_exercise()
    worksheet = {q.name: f"{q.value:.4g}" for q in ex.questions}
    cases = [
        ("right", "dE_total/dw1", {"dE_total/dw1": "0.0004386"}),
        ("wrong, alone", "dE_total/dw1", {"dE_total/dw1": "0.000401"}),
        ("wrong, in a worksheet", "dE_total/dw1", {**worksheet, "dE_total/dw1": "0.000401"}),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        plain = autograd.player(ex.output, lr=CLASSIC_LR).save(Path(tmp) / "plain.html")
        start = time.perf_counter()
        quiz = ex.player().save(Path(tmp) / "quiz.html")
        build_s = time.perf_counter() - start
        print(f"classic network, {args.reps} loads per page, Chromium headless")
        medians = {}
        for name, page in (("player", plain), ("quiz", quiz)):
            medians[name] = statistics.median(ready_ms(page, args.reps))
            print(f"  {name:6}: {page.stat().st_size / 1e6:.2f} MB, ready in median {medians[name]:.0f} ms")
        print(f"  quiz / player: {quiz.stat().st_size / plain.stat().st_size:.2f}x the size, "
              f"{medians['quiz'] / medians['player']:.2f}x the time to ready; "
              f"quiz page built in {build_s * 1000:.0f} ms")
        print("one verdict on dE_total/dw1 (mean over 0.2 s of them), browser against Python")
        with chromium() as driver:
            open_page(driver, quiz)
            for label, name, answers in cases:
                js = driver.execute_script(
                    """const [name, pairs] = arguments;
                    const checker = stepgrad.quiz.checker;
                    let runs = 0;
                    const start = performance.now();
                    while (runs < 5 || performance.now() - start < 200) {
                      checker.verdict(name, new Map(pairs));
                      runs += 1;
                    }
                    return (performance.now() - start) / runs;""",
                    name, list(answers.items()),
                )
                py = python_ms(ex, name, answers)
                print(f"  {label:22}: browser {js:8.3f} ms, Python {py:8.3f} ms ({js / py:.2f}x)")


if __name__ == "__main__":
    main()
