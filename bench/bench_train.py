"""nn.train, compiled and eager, against a hand-written plain-float trainer of the same network.

    python bench/bench_train.py [--reps N] [--quick] [--out FILE]

Four trainings, each as a user runs it (``nn.train`` with its defaults: the compiled step is
traced and compiled inside every timed run, none is kept from an earlier one):

- Iris 4-8-3 (tansig/logsig), online, 1,000 epochs on data/iris-train.txt scaled to [-1, 1] as
  ``stepgrad train`` scales it, mean squared error, lr 0.1;
- sine 1-5-1 (tansig/purelin), online, 1,000 epochs, data/sine-train.txt with the check set;
- XOR 2-2-1 (logsig), batch, 2,000 epochs, ½Σ(t − o)², lr 2.0;
- the classic 2-2-2 network (shared frozen biases), 10,000 steps at lr 0.5.

The floor is the same training written by hand with lists of floats and loops: forward pass,
hand-derived backward pass, SGD update, and each epoch the error of the weights after it (what
``History`` records, with the check set's where there is one). Its neuron sums are ``math.fsum``,
as stepgrad's ``add_n`` nodes are, so it computes the same function. Before the table is
printed, compiled and eager training must have left the same history and weights (repr, bit
for bit), and the floor's must agree with them to a relative 1e-9.

Timing follows run.py: CPU time, paired repetitions in rotating order, medians and ratios of
medians, the collector run before (untimed) and after (timed) each run.
"""

from __future__ import annotations

import argparse
import importlib
import math
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from run import agree, fmt_time, paired  # noqa: E402

import nn  # noqa: E402
from nn.data import MinMaxScaler, read_data  # noqa: E402
from nn.examples import CLASSIC_BIASES, CLASSIC_INPUTS, CLASSIC_TARGETS, CLASSIC_WEIGHTS, classic_network  # noqa: E402
from nn.losses import get_loss  # noqa: E402

train_module = importlib.import_module("nn.train")  # nn.train is also the function


# --- the floor -------------------------------------------------------------------------------------


def _sigmoid(a: float) -> float:
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


FUNCTIONS = {  # activation: (f, f' written with the output y)
    "tanh": (math.tanh, lambda y: 1.0 - y * y),
    "sigmoid": (_sigmoid, lambda y: y * (1.0 - y)),
    "linear": (lambda a: a, lambda y: 1.0),
}


class Floor:
    """A multilayer network as lists: ``weights[l][j]`` neuron j's input weights, ``biases[l][j]``."""

    def __init__(self, weights, biases, activations, loss: str, lr: float, train_biases: bool = True) -> None:
        self.weights, self.biases = weights, biases
        self.functions = [FUNCTIONS[a] for a in activations]
        self.loss, self.lr, self.train_biases = loss, lr, train_biases

    def forward(self, x: list[float]) -> list[list[float]]:
        """Every layer's outputs, the inputs first."""
        outs = [x]
        for rows, bs, (f, _) in zip(self.weights, self.biases, self.functions):
            a = outs[-1]
            ys = []
            for row, b in zip(rows, bs):
                z = b
                for w, v in zip(row, a):
                    z = z + w * v
                ys.append(f(z))
            outs.append(ys)
        return outs

    def sample_error(self, o: list[float], t: list[float]) -> float:
        e = 0.0
        for ok, tk in zip(o, t):
            e = e + (tk - ok) * (tk - ok)
        return e / len(o) if self.loss == "mse" else 0.5 * e

    def error(self, samples) -> float:
        total = 0.0
        for x, t in samples:
            total = total + self.sample_error(self.forward(x)[-1], t)
        return total / len(samples)

    def gradients(self, x, t, gw, gb) -> None:
        """Add one sample's gradients to gw, gb (back-propagated deltas)."""
        outs = self.forward(x)
        o = outs[-1]
        scale = 2.0 / len(o) if self.loss == "mse" else 1.0
        deltas = [scale * (ok - tk) for ok, tk in zip(o, t)]  # ∂E/∂out
        for layer in range(len(self.weights) - 1, -1, -1):
            df = self.functions[layer][1]
            deltas = [d * df(y) for d, y in zip(deltas, outs[layer + 1])]  # ∂E/∂net
            a, rows = outs[layer], self.weights[layer]
            below = [0.0] * len(a)
            for j, d in enumerate(deltas):
                grow, row = gw[layer][j], rows[j]
                for i, v in enumerate(a):
                    grow[i] += d * v
                    below[i] += d * row[i]
                gb[layer][j] += d
            deltas = below

    def update(self, gw, gb) -> None:
        lr = self.lr
        for rows, grows in zip(self.weights, gw):
            for row, grow in zip(rows, grows):
                for i, g in enumerate(grow):
                    row[i] -= lr * g
        if self.train_biases:
            for bs, gbs in zip(self.biases, gb):
                for j, g in enumerate(gbs):
                    bs[j] -= lr * g

    def train(self, samples, epochs: int, batch: int, checks=None) -> tuple[list[float], list[float]]:
        errors, check_errors = [self.error(samples)], [self.error(checks)] if checks else []
        for _ in range(epochs):
            for start in range(0, len(samples), batch):
                gw = [[[0.0] * len(row) for row in rows] for rows in self.weights]
                gb = [[0.0] * len(bs) for bs in self.biases]
                for x, t in samples[start:start + batch]:
                    self.gradients(x, t, gw, gb)
                self.update(gw, gb)
            errors.append(self.error(samples))
            if checks:
                check_errors.append(self.error(checks))
        return errors, check_errors

    def parameters(self) -> list[float]:
        """In the order of Network.parameters() (per-neuron biases after each neuron's weights)."""
        if not self.train_biases:
            return [w for rows in self.weights for row in rows for w in row]
        return [x for rows, bs in zip(self.weights, self.biases) for row, b in zip(rows, bs) for x in (*row, b)]


class ClassicFloor:
    """The classic 2-2-2 network unrolled into scalars, as one writes it by hand for so small a network."""

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.w = [CLASSIC_WEIGHTS[f"w{k}"] for k in range(1, 9)]

    def train(self, samples, epochs: int, batch: int, checks=None) -> tuple[list[float], list[float]]:
        ((i1, i2), (t1, t2)), = samples
        b1, b2, lr, sigmoid = CLASSIC_BIASES["b1"], CLASSIC_BIASES["b2"], self.lr, _sigmoid
        w1, w2, w3, w4, w5, w6, w7, w8 = self.w

        def error() -> float:
            h1 = sigmoid(w1 * i1 + w2 * i2 + b1)
            h2 = sigmoid(w3 * i1 + w4 * i2 + b1)
            o1 = sigmoid(w5 * h1 + w6 * h2 + b2)
            o2 = sigmoid(w7 * h1 + w8 * h2 + b2)
            return 0.5 * (t1 - o1) * (t1 - o1) + 0.5 * (t2 - o2) * (t2 - o2)

        errors = [error()]
        for _ in range(epochs):
            h1 = sigmoid(w1 * i1 + w2 * i2 + b1)
            h2 = sigmoid(w3 * i1 + w4 * i2 + b1)
            o1 = sigmoid(w5 * h1 + w6 * h2 + b2)
            o2 = sigmoid(w7 * h1 + w8 * h2 + b2)
            d1 = (o1 - t1) * o1 * (1.0 - o1)
            d2 = (o2 - t2) * o2 * (1.0 - o2)
            e1 = (d1 * w5 + d2 * w7) * h1 * (1.0 - h1)
            e2 = (d1 * w6 + d2 * w8) * h2 * (1.0 - h2)
            w1, w2, w3, w4 = w1 - lr * e1 * i1, w2 - lr * e1 * i2, w3 - lr * e2 * i1, w4 - lr * e2 * i2
            w5, w6, w7, w8 = w5 - lr * d1 * h1, w6 - lr * d1 * h2, w7 - lr * d2 * h1, w8 - lr * d2 * h2
            errors.append(error())
        self.w = [w1, w2, w3, w4, w5, w6, w7, w8]
        return errors, []

    def parameters(self) -> list[float]:
        return self.w


def floor_from(net: nn.Network, loss: str, lr: float) -> Floor:
    """The floor with the network's starting numbers (a layer's shared bias copied to each neuron)."""
    weights = [[[w.data for w in n.weights] for n in layer.neurons] for layer in net.layers]
    biases = [[n.bias.data if n.bias is not None else 0.0 for n in layer.neurons] for layer in net.layers]
    trained = all(p.requires_grad for layer in net.layers for p in layer.biases)
    return Floor(weights, biases, [layer.activation for layer in net.layers], loss, lr, trained)


# --- the workloads ------------------------------------------------------------------------------


def _scaled(path: Path, targets: int, scalers=None):
    d = read_data(path, targets=targets)
    scalers = scalers or (MinMaxScaler.fit(d.inputs), MinMaxScaler.fit(d.targets))
    return [(list(x), list(t)) for x, t in zip(scalers[0].scale(d.inputs), scalers[1].scale(d.targets))], scalers


def workloads(quick: bool) -> dict[str, dict]:
    scale = 10 if quick else 1
    iris, _ = _scaled(ROOT / "data" / "iris-train.txt", 3)
    sine, scalers = _scaled(ROOT / "data" / "sine-train.txt", 1)
    sine_check, _ = _scaled(ROOT / "data" / "sine-check.txt", 1, scalers)
    xor = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])]
    return {
        f"Iris 4-8-3 online, {1000 // scale} epochs": dict(
            net=lambda: nn.Network([4, 8, 3], ["tansig", "logsig"], seed=0), samples=iris, loss="mse", lr=0.1,
            epochs=1000 // scale),
        f"sine 1-5-1 online + check, {1000 // scale} epochs": dict(
            net=lambda: nn.Network([1, 5, 1], ["tansig", "purelin"], seed=0), samples=sine, checks=sine_check,
            loss="mse", lr=0.05, epochs=1000 // scale),
        f"XOR 2-2-1 batch, {2000 // scale} epochs": dict(
            net=lambda: nn.Network([2, 2, 1], "logsig", seed=0), samples=xor, loss="half_sse", lr=2.0,
            mode="batch", epochs=2000 // scale),
        f"classic 2-2-2, {10_000 // scale} steps": dict(
            net=classic_network, floor=ClassicFloor, samples=[(list(CLASSIC_INPUTS), list(CLASSIC_TARGETS))],
            loss="half_sse", lr=0.5, epochs=10_000 // scale),
    }


class FloorRun:
    def __init__(self, spec: dict) -> None:
        self.spec = spec

    def run(self) -> float:
        s = self.spec
        floor = s["floor"](s["lr"]) if "floor" in s else floor_from(s["net"](), s["loss"], s["lr"])
        batch = len(s["samples"]) if s.get("mode") == "batch" else 1
        start = time.process_time()
        self.errors = floor.train(s["samples"], s["epochs"], batch, s.get("checks"))
        elapsed = time.process_time() - start
        self.parameters = floor.parameters()
        return elapsed

    def numbers(self) -> list[float]:
        return [*self.errors[0], *self.errors[1], *self.parameters]


class TrainRun:
    """``nn.train`` as a user calls it; compiled runs compile inside the timed run, every time."""

    def __init__(self, spec: dict, compiled: bool) -> None:
        self.spec, self.compiled = spec, compiled

    def run(self) -> float:
        s = self.spec
        train_module._COMPILED.clear()
        net = s["net"]()
        xs, ts = [x for x, _ in s["samples"]], [t for _, t in s["samples"]]
        check = ([x for x, _ in s["checks"]], [t for _, t in s["checks"]]) if s.get("checks") else None
        start = time.process_time()
        history = nn.train(net, xs, ts, loss=s["loss"], lr=s["lr"], mode=s.get("mode", "online"),
                           epochs=s["epochs"], check=check, progress=False, compiled=self.compiled)
        elapsed = time.process_time() - start
        if history.compiled != self.compiled:
            raise AssertionError(f"asked for compiled={self.compiled}, nn.train ran compiled={history.compiled}")
        self.left = repr((history.train_error, history.check_error, history.epochs, net.state_dict()))
        self.errors = (history.train_error, history.check_error)
        self.parameters = [p.data for p in net.parameters() if p.requires_grad]
        return elapsed

    def numbers(self) -> list[float]:
        return [*self.errors[0], *self.errors[1], *self.parameters]


def compile_time(spec: dict) -> tuple[float, int]:
    """CPU time of tracing and compiling one sample's step and forward pass; lines of the step."""
    train_module._COMPILED.clear()
    net = spec["net"]()
    x, t = spec["samples"][0]
    start = time.process_time()
    step, _ = train_module._compiled_steps(net, get_loss(spec["loss"]), (tuple(x), tuple(t)))
    return time.process_time() - start, step.source.count("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tenth of the epochs")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    lines = ["nn.train against a hand-written plain-float trainer (the floor); CPU time, medians of "
             f"{args.reps} paired runs"]
    head = f"{'workload':<40}{'floor':>10}{'compiled':>10}{'eager':>10} | {'compiled/floor':>15}{'eager/floor':>12}" \
           f"{'eager/compiled':>15} | compile"
    lines += [head, "-" * len(head)]
    print("\n".join(lines), flush=True)
    for name, spec in workloads(args.quick).items():
        works = {"floor": FloorRun(spec), "compiled": TrainRun(spec, True), "eager": TrainRun(spec, False)}
        times = paired(works, args.reps)
        if works["compiled"].left != works["eager"].left:
            raise AssertionError(f"{name}: compiled and eager training left different numbers (must be bit for bit)")
        agree("compiled", works["compiled"].numbers(), works["floor"].numbers(), name)
        med = {k: statistics.median(ts) for k, ts in times.items()}
        seconds, size = compile_time(spec)
        line = (f"{name:<40}{fmt_time(med['floor']):>10}{fmt_time(med['compiled']):>10}{fmt_time(med['eager']):>10}"
                f" | {med['compiled'] / med['floor']:>14.2f}×{med['eager'] / med['floor']:>11.1f}×"
                f"{med['eager'] / med['compiled']:>14.1f}× | {fmt_time(seconds)} ({size} lines)")
        lines.append(line)
        print(line, flush=True)
    lines.append("compiled == eager (repr of history and weights) and both within 1e-9 of the floor, every workload")
    text = "\n".join(lines)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
