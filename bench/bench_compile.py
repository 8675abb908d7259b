"""Compiled mode against the plain-float floor and the eager engine: MLP 2-16-16-1, full-batch step.

    python bench/bench_compile.py [--reps N] [--quick] [--out FILE]

The network, the data and the floor are those of ``workloads.py``. The compiled step is traced
once with the data points and the parameters as inputs (so the same code replays on new data),
then each step replays it and applies SGD to the parameter floats. Before timing, its loss and
gradients must equal the eager engine's exactly (==) and agree with the floor to 1e-9. Compile
time (trace, generate, Python's compile) is reported apart from the replay time; timing follows
run.py (CPU time, paired repetitions, medians, ratios of medians, objects alive
for the whole run frozen out of the collector's sight).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import engines as E  # noqa: E402
import workloads as W  # noqa: E402
from run import WrongAnswer, agree, fmt_time, paired  # noqa: E402

import autograd  # noqa: E402


class MLPCompiled:
    """The workloads' MLP built once with Values, compiled, then replayed on floats each step."""

    def __init__(self, act: str, data) -> None:
        Value = autograd.Value
        xs, ys = data
        points = [tuple(Value(c, requires_grad=False) for c in x) for x in xs]
        targets = [Value(y, requires_grad=False) for y in ys]
        start = time.process_time()
        self.eager = W.MLPEngine(E.Stepgrad(autograd, "stepgrad"), act, (points, targets))
        loss = self.eager.forward()
        self.trace_time = time.process_time() - start
        inputs = [c for p in points for c in p] + targets + self.eager.params
        start = time.process_time()
        self.compiled = autograd.compile_graph(loss, inputs, name=f"mlp_{act}_step")
        self.compile_time = time.process_time() - start
        self.loss = loss
        self.values = [v.data for v in inputs]
        self.first = len(inputs) - len(self.eager.params)  # where the parameters start

    def step(self) -> float:
        loss, grads = self.compiled(*self.values)
        values = self.values
        for k in range(self.first, len(values)):
            values[k] -= W.LR * grads[k]
        return loss

    def run(self) -> float:
        return W._timed(self.step)

    def check(self) -> list[float]:
        loss, grads = self.compiled(*self.values)
        return [loss, *grads[self.first :]]

    def check_against_eager(self) -> None:
        self.loss.backward()
        want = [self.loss.data, *(p.grad for p in self.eager.params)]
        got = self.check()
        if got != want:
            bad = next(k for k, (g, w) in enumerate(zip(got, want)) if g != w)
            raise WrongAnswer(f"compiled gave {got[bad]!r} at position {bad}, eager {want[bad]!r} (must be ==)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="20 points instead of 100")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    data = W.two_moons(20 if args.quick else 100)
    lines = [f"compiled mode, MLP 2-16-16-1 full-batch step on {len(data[0])} points (CPU time, medians)"]
    for act in ("relu", "tanh"):
        floor, compiled = W.MLPFloor(act, data), MLPCompiled(act, data)
        compiled.check_against_eager()
        del compiled.loss  # the traced graph is no longer needed
        agree("compiled", compiled.check(), floor.check(), f"MLP {act}")
        eager = W.MLPEngine(E.Stepgrad(autograd, "stepgrad"), act, data)
        # As run.py does with imports: what lives for the whole run (here the generated code, ~10^5
        # constants and names) leaves the collector's sight, so no engine's collections walk it.
        gc.collect()
        gc.freeze()
        times = paired({"floor": floor, "compiled": compiled, "eager": eager}, args.reps)
        agree("compiled", compiled.values[compiled.first :], floor.parameters(), f"MLP {act}, trained")
        med = {name: sorted(ts)[len(ts) // 2] for name, ts in times.items()}
        lines.append(
            f"  {act}: floor {fmt_time(med['floor'])}, compiled replay {fmt_time(med['compiled'])} "
            f"({med['compiled'] / med['floor']:.2f}× the floor), eager {fmt_time(med['eager'])} "
            f"({med['eager'] / med['floor']:.1f}× the floor, {med['eager'] / med['compiled']:.1f}× compiled); "
            f"compile {compiled.compile_time:.2f} s once ({compiled.compiled.source.count(chr(10))} lines) "
            f"after a {fmt_time(compiled.trace_time)} trace = {compiled.compile_time / med['compiled']:.0f} replays"
        )
    lines.append("compiled loss and gradients == eager's, and within 1e-9 of the floor's, before and after training")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
