"""stepgrad's benchmark: stepgrad against micrograd, PyTorch scalars and plain floats, in one run.

    python -m pip install -r bench/requirements.txt && python bench/run.py

Times are CPU time of this process (time.process_time: the machine may be shared, and time spent
waiting for a core is not the engine's), medians of paired repetitions: in each repetition every
engine runs once (the order rotates between repetitions), so a burst of load from another process
hits all engines alike; ratios are ratios of those medians. Before each timed run the collector
is run (untimed), and after it once more (timed): no engine pays for another's garbage, and each pays for reclaiming its
own. A graph free of reference cycles is freed by reference counting as it is dropped; one in
which every node sits in a cycle (micrograd's closures) waits for the collector, and that
collection is part of the step's cost as a training loop pays it.

Every engine's losses and gradients are checked against the plain-float floor (relative 1e-9)
before its time is printed: a fast wrong answer stops the run with an error.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the work tree's autograd, not an installed copy
sys.path.insert(0, str(HERE))

import engines as E  # noqa: E402
import workloads as W  # noqa: E402

RTOL = 1e-9


class WrongAnswer(AssertionError):
    pass


def agree(name: str, got: list[float], want: list[float], what: str) -> None:
    """Relative 1e-9 per number; numbers far below the largest (cancellation) against that scale."""
    if len(got) != len(want):
        raise WrongAnswer(f"{what}: {name} gave {len(got)} numbers, the floor {len(want)}")
    scale = max((abs(w) for w in want), default=0.0)
    for k, (g, w) in enumerate(zip(got, want)):
        if not math.isclose(g, w, rel_tol=RTOL, abs_tol=RTOL * 1e-6 * scale):
            raise WrongAnswer(f"{what}: {name} gave {g!r} at position {k}, the floor {w!r} (relative 1e-9)")


def explain_scaling(engines: list, quick: bool) -> str:
    """explain of one leaf of the chain v ← v·a + b, folded and with expand=True, at growing sizes:
    time per node should stay flat (linear work); the peak memory of the largest folded one."""
    sizes = (2_000, 8_000) if quick else (10_000, 40_000, 160_000)
    lines = ["explain of one leaf (a) of a chain v ← v·a + b: CPU time per node (checked against backward)"]
    for e in engines:
        if not hasattr(e.ag, "explain"):
            lines.append(f"  {e.name}: no autograd.explain")
            continue
        for expand in (False, True):
            cells = []
            for n in sizes:
                if e.name != "stepgrad" and expand and n > 40_000:
                    cells.append(f"{n:.0e}: (quadratic before; not run)")
                    continue
                root, leaves = W.chain_graph(e, n)
                root.backward()
                gc.collect()
                start = time.process_time()
                derivation = e.ag.explain(root, leaves[1], expand=expand)
                elapsed = time.process_time() - start
                agree(e.name, [derivation.value], [leaves[1].grad], f"explain of a in a {n}-node chain")
                cells.append(f"{n:.0e}: {fmt_time(elapsed / n)}")
                del root, leaves, derivation
            lines.append(f"  {e.name:<20} {'expand' if expand else 'folded':<7} " + ", ".join(cells))
        root, leaves = W.chain_graph(e, sizes[-1])
        tracemalloc.start()
        e.ag.explain(root, leaves[1])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        lines.append(f"  {e.name:<20} peak memory of the folded explain at {sizes[-1]:.0e} nodes: "
                     f"{peak / sizes[-1]:.0f} bytes per node")
        del root, leaves
    return "\n".join(lines)


def paired(works: dict[str, object], reps: int, check: bool = True) -> dict[str, list[float]]:
    names = list(works)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(reps):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            gc.collect()  # untimed: start from a clean heap
            elapsed = works[name].run()
            start = time.process_time()
            gc.collect()  # timed: reclaiming what the run dropped is the engine's cost too
            times[name].append(elapsed + time.process_time() - start)
    return times


def fmt_time(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


class Table:
    def __init__(self, engines: list[str]) -> None:
        self.engines = engines
        self.rows: list[tuple[str, dict[str, float], str]] = []

    def add(self, workload: str, medians: dict[str, float], per: str = "") -> None:
        self.rows.append((workload, medians, per))

    def render(self) -> str:
        cols = ["floor", *self.engines]
        ratio_cols = [("stepgrad", "floor")] + [(o, "stepgrad") for o in self.engines if o != "stepgrad"]
        widths = [max(11, len(c) + 2) for c in cols]
        ratio_names = [f"{a}/{b}" for a, b in ratio_cols]
        head = f"{'workload':<32}" + "".join(f"{c:>{w}}" for c, w in zip(cols, widths))
        head += " |" + "".join(f"{r:>{len(r) + 2}}" for r in ratio_names)
        lines = [head, "-" * len(head)]
        for workload, med, _ in self.rows:
            line = f"{workload:<32}" + "".join(
                f"{fmt_time(med[c]) if c in med else '-':>{w}}" for c, w in zip(cols, widths)
            )
            line += " |"
            for (a, b), r in zip(ratio_cols, ratio_names):
                cell = f"{med[a] / med[b]:.2f}×" if a in med and b in med else "-"
                line += f"{cell:>{len(r) + 2}}"
            lines.append(line)
        return "\n".join(lines)


def run_workload(table, label, works, reps, per=None):
    """Check every engine against the floor, time them paired, add a row; returns the medians."""
    floor = works["floor"]
    for work in works.values():  # one untimed run each: warm-up, and the numbers to check
        gc.collect()
        work.run()
    want = floor.check()
    for name, work in works.items():
        if name != "floor":
            agree(name, work.check(), want, label)
    times = paired(works, reps)
    if hasattr(floor, "parameters"):  # after the same number of steps, the same parameters
        want = floor.parameters()
        for name, work in works.items():
            if name != "floor":
                agree(name, work.parameters(), want, label + " (parameters after training)")
    med = {name: statistics.median(ts) for name, ts in times.items()}
    if per:
        med = {name: t / per for name, t in med.items()}
    table.add(label, med)
    print(f"  {label}: " + ", ".join(f"{n} {fmt_time(t)}" for n, t in med.items()), flush=True)
    return med


def memory(eng, nodes: int) -> tuple[float, float]:
    """Bytes per graph node (graph alive, tracemalloc), and peak bytes per node during backward."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    root, _ = W.chain_graph(eng, nodes)
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.reset_peak()
    eng.backward(root)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del root
    gc.collect()
    return held / nodes, peak / nodes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="3627472", help="git revision to measure as 'before' ('' for none)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    parser.add_argument("--reps", type=int, default=5, help="paired repetitions per workload (default 5)")
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the harness")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument(
        "--only", default="mlp,classic,chain,sum,memory,explain",
        help="comma-separated groups to run (default: all of mlp,classic,chain,sum,memory,explain)",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))

    engines, notes = E.available(args.baseline or None, not args.no_torch)
    # Everything imported so far (torch alone brings some 150,000 objects) moves out of the
    # collector's sight: otherwise every engine's full collections would walk torch's modules,
    # a cost of this comparison, not of any engine. It applies to all engines alike.
    gc.collect()
    gc.freeze()
    by_name = {e.name: e for e in engines}
    names = [e.name for e in engines]
    table = Table(names)
    report: list[str] = []
    started, started_cpu = time.perf_counter(), time.process_time()
    print(f"python {platform.python_version()}, gc thresholds {gc.get_threshold()}, engines: {', '.join(names)}")
    for note in notes:
        print("  " + note)

    reps = 3 if args.quick else args.reps
    data = W.two_moons(20 if args.quick else 100)
    results: dict[str, dict[str, float]] = {}
    for act in ("relu", "tanh") if "mlp" in only else ():
        works = {"floor": W.MLPFloor(act, data)}
        works.update({e.name: W.MLPEngine(e, act, data) for e in engines})
        results[f"mlp {act}"] = run_workload(table, f"MLP 2-16-16-1 {act}, step", works, reps)
    if "mlp" in only:
        works = {"floor": W.MLPFloor("tanh", data), "stepgrad": W.MLPEngine(by_name["stepgrad"], "tanh", data, True)}
        run_workload(table, "MLP tanh, step (add_n)", works, reps)

    steps = 1000 if args.quick else 10_000
    if "classic" in only:
        works = {"floor": W.ClassicFloor(steps)}
        works.update({e.name: W.ClassicEngine(e, steps) for e in engines if e.name != "torch"})
        results["classic"] = run_workload(table, f"classic 2-2-2, {steps} steps", works, 3)

    chain_results = {}
    sizes = (1000, 10_000, 100_000) if args.quick else (1000, 10_000, 100_000, 1_000_000)
    for nodes in sizes if "chain" in only else ():
        works = {"floor": W.ChainFloor(nodes)}
        for e in engines:
            if e.name == "torch" and nodes > 10_000:
                continue  # seconds per run; its per-node cost is already clear at 1e4
            if e.name == "micrograd" and nodes > 100_000:
                continue  # its recursive topological sort: see the note below the table
            works[e.name] = W.ChainEngine(e, nodes)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * nodes + 1000))  # micrograd recurses
        chain_results[nodes] = run_workload(
            table, f"chain {nodes:.0e} nodes, per node", works, 3, per=nodes
        )

    n = 10_000 if args.quick else 100_000
    if "sum" in only:
        works = {"floor": W.SumFloor(n)}
        works.update({e.name: W.SumEngine(e, n) for e in engines if e.name != "torch"})
        results["sum"] = run_workload(table, f"sum of {n:.0e}, backward", works, 3)
        works = {"floor": W.SumFloor(n), "stepgrad": W.SumEngine(by_name["stepgrad"], n, add_n=True)}
        run_workload(table, f"add_n of {n:.0e}, backward", works, 3)

    report.append(table.render())
    report.append(
        "micrograd's backward sorts the graph recursively: the chains above 1e3 run only after\n"
        "sys.setrecursionlimit is raised, and 1e6 is not measured for it."
    )

    mem_nodes = 10_000 if args.quick else 100_000
    lines = [f"memory, a {mem_nodes:.0e}-node chain (tracemalloc; torch's tensors are not visible to it):"]
    mem = {}
    for e in engines if "memory" in only else ():
        if e.name == "torch":
            continue
        held, peak = memory(e, mem_nodes)
        mem[e.name] = held
        lines.append(f"  {e.name:<22} {held:7.0f} bytes per node held, {peak:7.0f} bytes per node peak in backward")
    report.append("\n".join(lines))

    if "explain" in only:
        report.append(explain_scaling([e for e in engines if e.name.startswith("stepgrad")], args.quick))

    sg = "stepgrad"
    targets = []
    for act in ("relu", "tanh") if "mlp" in only else ():
        r = results[f"mlp {act}"]
        if "micrograd" in r:
            targets.append((f"MLP {act}: micrograd/stepgrad >= 8", r["micrograd"] / r[sg], 8, True))
        if "torch" in r:
            targets.append((f"MLP {act}: torch/stepgrad >= 3", r["torch"] / r[sg], 3, True))
        targets.append((f"MLP {act}: stepgrad/floor <= 30", r[sg] / r["floor"], 30, False))
    if chain_results:
        big = max(chain_results)
        targets.append((f"chain {big:.0e}: µs per node < 2", chain_results[big][sg] * 1e6, 2, False))
    if mem:
        targets.append(("chain: bytes per node < 300", mem[sg], 300, False))
    if "classic" in results:
        targets.append((f"classic {steps} steps: seconds < 0.5", results["classic"][sg], 0.5, False))
    lines = ["targets (issue 7):"]
    for what, got, bound, at_least in targets:
        ok = got >= bound if at_least else got < bound or (got == bound)
        lines.append(f"  {'met ' if ok else 'MISS'} {what}: {got:.3g}")
    report.append("\n".join(lines))
    report.append(
        "every engine's losses and gradients agreed with the floor to 1e-9; the run took "
        f"{time.perf_counter() - started:.0f} s ({time.process_time() - started_cpu:.0f} s of CPU time)"
    )

    text = "\n\n".join(report)
    print("\n" + text)
    if args.out:
        rev = subprocess.run(
            ["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"], capture_output=True, text=True
        ).stdout.strip()
        header = (
            f"stepgrad at {rev or 'an unknown revision'}, {time.strftime('%Y-%m-%d %H:%M %Z')}, "
            f"python {platform.python_version()} on {platform.machine()}, engines: {', '.join(names)}\n"
        )
        args.out.write_text(header + "\n" + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
