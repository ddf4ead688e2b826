"""One physical scan is one event."""

from __future__ import annotations

from scanner_app.barcode import Result
from scanner_app.debounce import Debouncer

A = Result("4006381333931", "ean-13")
B = Result("96385074", "ean-8")


def test_a_code_held_in_view_is_one_event() -> None:
    d = Debouncer(gone_s=0.5)
    events = [d.feed([A], t / 30) for t in range(90)]  # three seconds at 30 fps
    assert sum(len(e) for e in events) == 1


def test_a_code_taken_away_and_brought_back_is_a_second_event() -> None:
    d = Debouncer(gone_s=0.5)
    assert d.feed([A], 0.0) == [A]
    assert d.feed([], 0.2) == []
    assert d.feed([A], 0.3) == []  # a missed frame or two is still the same scan
    assert d.feed([A], 1.0) == [A]


def test_two_codes_in_one_frame_are_two_events() -> None:
    d = Debouncer()
    assert d.feed([A, B], 0.0) == [A, B]
    assert d.feed([B, A], 0.1) == []


def test_repeat_while_held() -> None:
    d = Debouncer(gone_s=0.5, repeat_s=2.0)
    fired = [t for t in range(0, 50) if d.feed([A], t / 10)]
    assert fired == [0, 20, 40]


def test_reset_forgets() -> None:
    d = Debouncer()
    d.feed([A], 0.0)
    d.reset()
    assert d.feed([A], 0.1) == [A]
