"""Anomaly mode (autograd.anomaly): NaN and infinities stop the pass where they appear, per
thread and per task; outside the mode they propagate as IEEE floats do."""

from __future__ import annotations

import math

import pytest

from autograd import Value, detect_anomaly


def test_nan_propagates_outside_anomaly_mode() -> None:
    x = Value(math.inf, label="x")
    y = (x - x) * 2
    assert math.isnan(y.data)
    assert math.isnan(Value(math.nan).log().data)


def test_anomaly_mode_stops_at_the_first_nan_naming_it() -> None:
    x = Value(math.inf, label="x")
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"sub gave nan from 'x' = inf"):
        x - x
    x - x  # the mode ends with the block


def test_anomaly_mode_checks_local_derivatives_in_backward() -> None:
    x = Value(0.0, label="x")
    y = (x ** 0.5).labelled("root")  # the slope of a root at 0 is +inf
    y.backward()
    assert x.grad == math.inf
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"local derivative of pow.*'root'.*'x'.*inf"):
        y.backward()


def test_anomaly_mode_belongs_to_the_thread_that_entered_it() -> None:
    # A thread that never entered detect_anomaly() computes as IEEE floats do while another
    # thread is inside the block; two overlapping blocks leave the mode off when both end.
    import threading

    inside, done, seen = threading.Event(), threading.Event(), []

    def guarded() -> None:
        with detect_anomaly():
            inside.set()
            done.wait(5)

    def plain() -> None:
        inside.wait(5)
        x = Value(math.inf, label="x")
        seen.append(math.isnan((x - x).data))  # no FloatingPointError here
        done.set()

    threads = [threading.Thread(target=guarded), threading.Thread(target=guarded), threading.Thread(target=plain)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [True]
    x = Value(math.inf, label="x")
    assert math.isnan((x - x).data)  # off again for this thread, and everywhere


def test_anomaly_mode_is_per_asyncio_task_and_nests() -> None:
    import asyncio

    async def plain() -> bool:
        await asyncio.sleep(0)
        x = Value(math.inf, label="x")
        return math.isnan((x - x).data)

    async def main() -> bool:
        task = asyncio.create_task(plain())  # created outside the block: its own context
        with detect_anomaly():
            with detect_anomaly(False):  # off inside an enclosing block
                assert math.isnan((Value(math.inf) - math.inf).data)
            with pytest.raises(FloatingPointError):
                Value(math.inf) - math.inf
            return await task

    assert asyncio.run(main()) is True


def test_relu_passes_nan_on_and_anomaly_mode_stops_at_it() -> None:
    x = Value(math.nan, label="x")
    assert math.isnan(x.relu().data)  # max(0, NaN) is not 0
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"relu gave nan from 'x' = nan"):
        x.relu()
