"""What derivation tracing costs.

1. Forward + backward of an MLP training step with the tracer present (``autograd`` as shipped)
   and absent (``autograd.derive`` replaced by an empty module before ``autograd`` is imported,
   so nothing of the tracer is loaded). The tracer adds nothing to the forward pass, so the
   ratio should be 1 within noise. Each measurement runs in a fresh interpreter; the two modes
   alternate, each reports its best step time, and the report gives the best and the median.
2. ``explain`` (plus rendering it as text) of one leaf of a graph of more than 10,000 nodes.

Run from the repository root: ``python bench/bench_tracer.py`` (about half a minute).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STEP = r"""
import json, random, sys, time, types
sys.path.insert(0, ROOT)
if MODE == "absent":
    stub = types.ModuleType("autograd.derive")
    stub.Derivation = stub.explain = stub.explain_forward = None
    sys.modules["autograd.derive"] = stub
from autograd import Value, add_n
assert (sys.modules["autograd.derive"].explain is None) == (MODE == "absent")

rng = random.Random(0)
sizes = (4, 16, 16, 1)
layers = [[[Value(rng.uniform(-1, 1)) for _ in range(a + 1)] for _ in range(b)] for a, b in zip(sizes, sizes[1:])]
data = [([rng.uniform(-1, 1) for _ in range(4)], rng.uniform(-1, 1)) for _ in range(8)]

def step():
    losses = []
    for xs, target in data:
        h = [Value(x, requires_grad=False) for x in xs]
        for layer in layers:
            h = [add_n([row[-1]] + [w * x for w, x in zip(row, h)]).tanh() for row in layer]
        losses.append((h[0] - target) * (h[0] - target))
    loss = add_n(losses)
    loss.backward()

step()
best = float("inf")
for _ in range(REPEATS):
    t = time.perf_counter()
    step()
    best = min(best, time.perf_counter() - t)
print(json.dumps(best))
"""


def mlp_step_seconds(mode: str, repeats: int = 30) -> float:
    code = f"ROOT = {ROOT!r}\nMODE = {mode!r}\nREPEATS = {repeats}\n" + STEP
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def explain_big_graph_seconds() -> tuple[int, float, int]:
    sys.path.insert(0, ROOT)
    from autograd import explain, topological_order

    # The same ≥ 10,000-node labelled MLP graph the test of explain's summarising uses.
    from tests.test_printing import _mlp

    loss, w = _mlp(n_inputs=10, width=20, depth=3, samples=8)
    nodes = len(topological_order(loss))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        d = explain(loss, w)
        str(d)
        best = min(best, time.perf_counter() - t)
    return nodes, best, len(d.steps)


def main() -> None:
    present, absent = [], []
    for _ in range(7):
        absent.append(mlp_step_seconds("absent"))
        present.append(mlp_step_seconds("present"))
    # On a shared machine the minimum is the least disturbed measurement; the median shows spread.
    p, a = min(present), min(absent)
    pm, am = statistics.median(present), statistics.median(absent)
    print("MLP step (4-16-16-1, batch 8), forward+backward, best of 30 steps in each of 7 interpreters per mode:")
    print(f"  best:   tracer present {p * 1e3:.3f} ms, absent {a * 1e3:.3f} ms, ratio {p / a:.3f}")
    print(f"  median: tracer present {pm * 1e3:.3f} ms, absent {am * 1e3:.3f} ms, ratio {pm / am:.3f}")
    nodes, seconds, steps = explain_big_graph_seconds()
    print(f"explain + str of one leaf of a {nodes}-node graph: {seconds * 1e3:.1f} ms ({steps} steps, summarised)")


if __name__ == "__main__":
    main()
