"""The player page of the classic network: its size and how soon it is interactive in headless Chromium.

Run from the repository root: ``python bench/bench_player.py [--reps 5]``. Two pages are made,
one laid out by Graphviz's ``dot`` at export (SVG embedded) and one with ``dot`` off PATH (laid
out in the browser by Graphviz compiled to WebAssembly). Each is opened ``--reps`` times in a
fresh headless Chromium; the time is from the start of navigation to the moment the page's
script says it is ready (graph drawn, first step shown, keys wired). Results are given against
the issue's budgets (3 MB, 1 s) as ratios, and the time to build the page against the time
``explain`` takes for w1, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_support import chromium, open_page  # noqa: E402

import autograd  # noqa: E402
from nn.examples import classic_values  # noqa: E402

BUDGET_BYTES = 3_000_000
BUDGET_MS = 1000.0


def build(path: Path, with_dot: bool) -> tuple[Path, float]:
    saved = os.environ["PATH"]
    if not with_dot:
        os.environ["PATH"] = str(path.parent / "empty")
    try:
        start = time.perf_counter()
        page = autograd.player(classic_values()["E_total"], lr=0.5).save(path)
        return page, time.perf_counter() - start
    finally:
        os.environ["PATH"] = saved


def ready_ms(page: Path, reps: int) -> list[float]:
    times = []
    for _ in range(reps):
        with chromium() as driver:
            open_page(driver, page)
            times.append(driver.execute_script("return stepgrad.readyAt"))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "empty").mkdir()
        start = time.perf_counter()
        v = classic_values()
        str(autograd.explain(v["E_total"], v["w1"], lr=0.5))
        explain_s = time.perf_counter() - start
        print(f"classic network, {args.reps} loads per page, Chromium headless")
        for with_dot in (True, False):
            page, build_s = build(tmp / f"classic-{'dot' if with_dot else 'wasm'}.html", with_dot)
            size = page.stat().st_size
            times = ready_ms(page, args.reps)
            median = statistics.median(times)
            print(
                f"  {'dot at export ' if with_dot else 'no dot (wasm) '}: {size / 1e6:.2f} MB "
                f"({size / BUDGET_BYTES:.2f} of the 3 MB budget); ready in median {median:.0f} ms "
                f"(min {min(times):.0f}, max {max(times):.0f}; {median / BUDGET_MS:.2f} of the 1 s budget); "
                f"page built in {build_s * 1000:.0f} ms = {build_s / explain_s:.1f}x explain(w1)"
            )


if __name__ == "__main__":
    main()
