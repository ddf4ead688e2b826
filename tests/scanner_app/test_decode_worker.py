"""The decode thread: newest frame first, stale frames dropped, results handed back with their time."""

from __future__ import annotations

import threading
import time

from scanner_app.barcode import Result
from scanner_app.decode_worker import DecodeWorker


def test_results_come_back_and_stale_frames_are_dropped() -> None:
    release = threading.Event()
    got: list[tuple[list[Result], float]] = []
    done = threading.Event()

    def slow_decoder(frame: str) -> list[Result]:
        if frame == "first":
            release.wait(5)
        return [Result(frame, "qr")]

    def on_results(results: list[Result], seen_at: float) -> None:
        got.append((results, seen_at))
        if results[0].text == "last":
            done.set()

    worker = DecodeWorker(slow_decoder, on_results)
    worker.start()
    worker.submit("first", 1.0)
    time.sleep(0.05)  # the worker is busy with "first"
    worker.submit("middle", 2.0)
    worker.submit("last", 3.0)  # replaces "middle", which was never started
    release.set()
    assert done.wait(5)
    worker.stop()
    assert [(r[0].text, t) for r, t in got] == [("first", 1.0), ("last", 3.0)]
    assert worker.dropped == 1 and worker.decoded == 2


def test_stop_without_frames() -> None:
    worker = DecodeWorker(lambda frame: [], lambda results, seen_at: None)
    worker.start()
    worker.stop()
