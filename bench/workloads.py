"""The workloads, each written once for the engines and once by hand with plain floats.

The plain-float version (the *floor*) does the same arithmetic in the same order with no graph:
its forward pass keeps what its hand-written backward pass needs, nothing more. It is what pure
Python can do at best, and the oracle every engine's loss and gradients are checked against.

Each workload object has ``run() -> seconds`` (one timed repetition; setup not timed) and
``check() -> list[float]`` (the numbers compared with the floor: losses, gradients, parameters).
"""

from __future__ import annotations

import math
import random
import time

# --- data ---------------------------------------------------------------------------------------


def two_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[tuple[float, float]], list[float]]:
    """Two interleaved half circles, labels -1 and +1 (deterministic; no sklearn)."""
    rng = random.Random(seed)
    xs: list[tuple[float, float]] = []
    ys: list[float] = []
    for i in range(n):
        upper = i % 2 == 0
        t = math.pi * rng.random()
        if upper:
            x, y = math.cos(t), math.sin(t)
        else:
            x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
        xs.append((x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)))
        ys.append(-1.0 if upper else 1.0)
    return xs, ys


def mlp_init(sizes=(2, 16, 16, 1), seed: int = 1) -> list[tuple[list[list[float]], list[float]]]:
    """Layers as (weights[out][in], biases[out]), uniform in [-1, 1] as in micrograd's demo."""
    rng = random.Random(seed)
    return [
        ([[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)], [rng.uniform(-1, 1) for _ in range(n_out)])
        for n_in, n_out in zip(sizes, sizes[1:])
    ]


def _timed(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


# --- MLP 2-16-16-1, full-batch step, mean squared error ------------------------------------------

LR = 0.05


class MLPFloor:
    """Forward, hand-derived backward and SGD update with plain floats."""

    def __init__(self, act: str, data) -> None:
        self.layers = [([row[:] for row in w], b[:]) for w, b in mlp_init()]
        self.f = math.tanh if act == "tanh" else (lambda z: z if z > 0.0 else 0.0)
        self.tanh = act == "tanh"
        self.X, self.Y = data

    def loss_and_grads(self):
        layers, f, tanh = self.layers, self.f, self.tanh
        grads = [([[0.0] * len(row) for row in w], [0.0] * len(b)) for w, b in layers]
        last = len(layers) - 1
        inv = 1.0 / len(self.X)
        total = 0.0
        for x, y in zip(self.X, self.Y):
            acts = [list(x)]  # the input of each layer
            for i, (w, b) in enumerate(layers):
                h = acts[-1]
                zs = []
                for row, bias in zip(w, b):
                    z = bias
                    for wj, hj in zip(row, h):
                        z = z + wj * hj
                    zs.append(z)
                acts.append(zs if i == last else [f(z) for z in zs])
            d = acts[-1][0] - y
            total = total + d * d
            upstream = [(d + d) * inv]  # d(d·d)/dd, times d(total/n)/d(total)
            for i in range(last, -1, -1):
                w, _ = layers[i]
                gw, gb = grads[i]
                h, out = acts[i], acts[i + 1]
                if i != last:  # through the activation
                    if tanh:
                        upstream = [u * (1.0 - o * o) for u, o in zip(upstream, out)]
                    else:
                        upstream = [u if o > 0.0 else 0.0 for u, o in zip(upstream, out)]
                below = [0.0] * len(h)
                for k, u in enumerate(upstream):
                    gb[k] += u
                    row, grow = w[k], gw[k]
                    for j, hj in enumerate(h):
                        grow[j] += u * hj
                        below[j] += u * row[j]
                upstream = below
        return total * inv, grads

    def step(self):
        loss, grads = self.loss_and_grads()
        for (w, b), (gw, gb) in zip(self.layers, grads):
            for row, grow in zip(w, gw):
                for j, g in enumerate(grow):
                    row[j] -= LR * g
            for k, g in enumerate(gb):
                b[k] -= LR * g
        return loss

    def run(self) -> float:
        return _timed(self.step)

    def check(self) -> list[float]:
        loss, grads = self.loss_and_grads()
        return [loss, *_flatten(grads)]

    def parameters(self) -> list[float]:
        return _flatten(self.layers)


def _flatten(layers) -> list[float]:
    out: list[float] = []
    for w, b in layers:
        for row in w:
            out.extend(row)
        out.extend(b)
    return out


class MLPEngine:
    """The same network with an engine's values: forward builds the graph, backward fills grads."""

    def __init__(self, eng, act: str, data, add_n: bool = False) -> None:
        self.eng = eng
        self.layers = [([[eng.param(v) for v in row] for row in w], [eng.param(v) for v in b]) for w, b in mlp_init()]
        self.params = _flatten(self.layers)
        self.f = eng.activation(act)
        self.add_n = add_n
        self.X, self.Y = data

    def forward(self):
        eng, f, layers, add_n = self.eng, self.f, self.layers, self.add_n
        last = len(layers) - 1
        total = None
        for x, y in zip(self.X, self.Y):
            h = x
            for i, (w, b) in enumerate(layers):
                zs = [eng.neuron(bias, row, h, add_n) for row, bias in zip(w, b)]
                h = zs if i == last else [f(z) for z in zs]
            d = h[0] - y
            total = d * d if total is None else total + d * d
        return total * (1.0 / len(self.X))

    def step(self):
        loss = self.forward()
        self.eng.backward(loss)
        value = self.eng.data(loss)
        self.eng.sgd(self.params, LR)
        return value

    def run(self) -> float:
        return _timed(self.step)

    def check(self) -> list[float]:
        loss = self.forward()
        self.eng.backward(loss)
        out = [self.eng.data(loss), *(self.eng.grad(p) for p in self.params)]
        self.eng.sgd(self.params, 0.0)  # zero the gradients
        return out

    def parameters(self) -> list[float]:
        return [self.eng.data(p) for p in self.params]


# --- the classic 2-2-2 sigmoid network, many steps ----------------------------------------------

CLASSIC = dict(i=(0.05, 0.10), t=(0.01, 0.99), w=(0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55), b=(0.35, 0.60))
CLASSIC_LR = 0.5


def _sigmoid(a: float) -> float:
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


class ClassicFloor:
    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.w = list(CLASSIC["w"])
        self.error = 0.0

    def train(self) -> None:
        (i1, i2), (t1, t2), (b1, b2) = CLASSIC["i"], CLASSIC["t"], CLASSIC["b"]
        w = self.w
        for _ in range(self.steps):
            w1, w2, w3, w4, w5, w6, w7, w8 = w
            h1 = _sigmoid(w1 * i1 + w2 * i2 + b1)
            h2 = _sigmoid(w3 * i1 + w4 * i2 + b1)
            o1 = _sigmoid(w5 * h1 + w6 * h2 + b2)
            o2 = _sigmoid(w7 * h1 + w8 * h2 + b2)
            self.error = 0.5 * (t1 - o1) * (t1 - o1) + 0.5 * (t2 - o2) * (t2 - o2)
            d1 = (o1 - t1) * o1 * (1.0 - o1)
            d2 = (o2 - t2) * o2 * (1.0 - o2)
            e1 = (d1 * w5 + d2 * w7) * h1 * (1.0 - h1)
            e2 = (d1 * w6 + d2 * w8) * h2 * (1.0 - h2)
            grads = (e1 * i1, e1 * i2, e2 * i1, e2 * i2, d1 * h1, d1 * h2, d2 * h1, d2 * h2)
            w[:] = [wk - CLASSIC_LR * g for wk, g in zip(w, grads)]

    def run(self) -> float:
        self.w = list(CLASSIC["w"])
        return _timed(self.train)

    def check(self) -> list[float]:
        return [self.error, *self.w]


class ClassicEngine:
    """Built with Values every step as a user writes it: sum of a neuron's terms, sigmoid, ½(t−o)²."""

    def __init__(self, eng, steps: int) -> None:
        self.eng, self.steps = eng, steps
        self.error = 0.0

    def train(self) -> None:
        eng = self.eng
        i1, i2 = (eng.const(x) for x in CLASSIC["i"])
        t1, t2 = (eng.const(x) for x in CLASSIC["t"])
        b1, b2 = (eng.const(x) for x in CLASSIC["b"])
        w = self.w = [eng.param(x) for x in CLASSIC["w"]]
        sigmoid = eng.activation("sigmoid")
        for _ in range(self.steps):
            h1 = sigmoid(eng.neuron(b1, (w[0], w[1]), (i1, i2), True))
            h2 = sigmoid(eng.neuron(b1, (w[2], w[3]), (i1, i2), True))
            o1 = sigmoid(eng.neuron(b2, (w[4], w[5]), (h1, h2), True))
            o2 = sigmoid(eng.neuron(b2, (w[6], w[7]), (h1, h2), True))
            error = eng.half_squared_error(o1, t1) + eng.half_squared_error(o2, t2)
            eng.backward(error)
            self.error = eng.data(error)
            eng.sgd(w, CLASSIC_LR)

    def run(self) -> float:
        return _timed(self.train)

    def check(self) -> list[float]:
        return [self.error, *(self.eng.data(p) for p in self.w)]


# --- a deep chain: v ← v·a + b, n nodes -----------------------------------------------------------

CHAIN_A, CHAIN_B, CHAIN_X = 0.5, 1.0, 0.25


class ChainFloor:
    def __init__(self, nodes: int) -> None:
        self.steps = nodes // 2
        self.result: list[float] = []

    def forward_backward(self) -> None:
        a, b = CHAIN_A, CHAIN_B
        vs = [CHAIN_X]
        v = CHAIN_X
        for _ in range(self.steps):
            v = v * a + b
            vs.append(v)
        ga = gb = 0.0
        g = 1.0
        for k in range(self.steps - 1, -1, -1):  # through v_{k+1} = v_k·a + b
            gb += g
            ga += g * vs[k]
            g = g * a
        self.result = [v, g, ga, gb]

    def run(self) -> float:
        return _timed(self.forward_backward)

    def check(self) -> list[float]:
        return self.result


class ChainEngine:
    def __init__(self, eng, nodes: int) -> None:
        self.eng, self.steps = eng, nodes // 2
        self.result: list[float] = []

    def forward_backward(self) -> None:
        eng = self.eng
        x, a, b = eng.param(CHAIN_X), eng.param(CHAIN_A), eng.param(CHAIN_B)
        v = x
        for _ in range(self.steps):
            v = v * a + b
        eng.backward(v)
        self.result = [eng.data(v), eng.grad(x), eng.grad(a), eng.grad(b)]
        # the graph is freed here, inside the timed region: that cost is the engine's too

    def run(self) -> float:
        return _timed(self.forward_backward)

    def check(self) -> list[float]:
        return self.result


def chain_graph(eng, nodes: int):
    """The chain's root and leaves, for the memory measurement."""
    x, a, b = eng.param(CHAIN_X), eng.param(CHAIN_A), eng.param(CHAIN_B)
    v = x
    for _ in range(nodes // 2):
        v = v * a + b
    return v, (x, a, b)


# --- a 100,000-term sum, backward only --------------------------------------------------------


def _terms(n: int) -> list[float]:
    return [((k * 7919) % 1000) / 250.0 - 2.0 for k in range(n)]


class SumFloor:
    def __init__(self, n: int) -> None:
        self.xs = _terms(n)
        self.result: list[float] = []

    def run(self) -> float:
        s = 0.0
        for x in self.xs:
            s = s + x
        grads = [0.0] * len(self.xs)
        start = time.process_time()
        for k in range(len(grads) - 1, -1, -1):  # each + passes its upstream gradient 1 on
            grads[k] += 1.0
        elapsed = time.process_time() - start
        self.result = [s, *grads]
        return elapsed

    def check(self) -> list[float]:
        return self.result


class SumEngine:
    """A left-to-right chain of binary + (or, with add_n, one variadic node), timed backward."""

    def __init__(self, eng, n: int, add_n: bool = False) -> None:
        self.eng, self.n, self.add_n = eng, n, add_n
        self.result: list[float] = []

    def run(self) -> float:
        eng = self.eng
        xs = [eng.param(x) for x in _terms(self.n)]
        if self.add_n:
            s = eng.ag.add_n(xs)
        else:
            s = xs[0]
            for x in xs[1:]:
                s = s + x
        start = time.process_time()
        eng.backward(s)
        elapsed = time.process_time() - start
        self.result = [eng.data(s), *(eng.grad(x) for x in xs)]
        return elapsed

    def check(self) -> list[float]:
        return self.result
