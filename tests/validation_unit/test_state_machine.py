"""The station's state machine, fed with plain readings."""

from __future__ import annotations

from firmware_bridge.reading import Reading
from validation_unit.screen_state import screen_state
from validation_unit.state_machine import Capture, Commit, Machine, Phase, Timing


def r(t: float, grams: float | None, stable: bool = False, faults: frozenset[str] = frozenset()) -> Reading:
    return Reading(timestamp=t, grams=grams, stable=stable, faults=faults)


def place(m: Machine, grams: float = 1200.0, t0: float = 0.0) -> Capture:
    """Basket lands at t0, rings, settles at t0 + 0.5 s; returns the capture command."""
    assert m.reading(r(t0, grams * 0.6)) == []
    assert m.phase is Phase.ARRIVING
    assert m.reading(r(t0 + 0.2, grams * 1.1)) == []
    assert m.phase is Phase.SETTLING
    (cmd,) = m.reading(r(t0 + 0.5, grams, stable=True))
    assert isinstance(cmd, Capture) and cmd.reading.grams == grams
    assert m.phase is Phase.CAPTURE
    return cmd


def machine() -> Machine:
    m = Machine(Timing())
    m.reading(r(-1.0, 0.0, True))  # the scale is up: ready
    m.trip(True)
    return m


def test_the_unit_starts_out_of_service_until_the_scale_reads_without_fault() -> None:
    m = Machine(Timing())
    assert m.phase is Phase.OUT_OF_SERVICE and m.notice.startswith("starting")
    assert m.reading(r(0.0, None, faults=frozenset({"zero_not_set"}))) == []
    assert m.phase is Phase.OUT_OF_SERVICE  # no QR yet: a basket put down now would become the zero
    m.reading(r(0.5, 0.0, True))
    assert m.phase is Phase.IDLE


def test_happy_path_pass_commits_when_the_basket_is_lifted() -> None:
    m = machine()
    cap = place(m)
    assert m.decided(cap.attempt, "PASS", 0.6) == []  # shown, not yet committed
    assert m.phase is Phase.VERDICT
    assert m.reading(r(0.7, 1200.0, True)) == []
    assert m.reading(r(0.8, 700.0)) == []  # lifting (or a cell failing: its fault flag may follow)
    assert m.reading(r(0.9, 0.0, True)) == [Commit(cap.attempt)]  # gone: the PASS stands for what was weighed
    assert m.phase is Phase.IDLE
    assert m.trace == []


def test_pass_commits_after_the_hold_time_without_change() -> None:
    m = machine()
    cap = place(m)
    m.decided(cap.attempt, "PASS", 0.6)
    assert m.tick(1.5) == []
    assert m.tick(2.7) == [Commit(cap.attempt)]
    assert m.tick(3.0) == []  # once


def test_an_item_dropped_in_before_the_pass_is_committed_is_weighed_again() -> None:
    m = machine()
    cap = place(m)
    m.decided(cap.attempt, "PASS", 0.6)
    assert m.reading(r(1.0, 1300.0)) == []  # late chocolate bar
    assert m.phase is Phase.SETTLING
    (cap2,) = m.reading(r(1.4, 1300.0, stable=True))
    assert isinstance(cap2, Capture) and cap2.attempt > cap.attempt
    assert m.decided(cap2.attempt, "RECHECK", 1.5) == [Commit(cap2.attempt)]


def test_a_change_while_deciding_makes_the_capture_stale() -> None:
    m = machine()
    cap = place(m)
    assert m.reading(r(0.6, 1500.0)) == []
    assert m.phase is Phase.SETTLING
    assert m.decided(cap.attempt, "PASS", 0.7) == []  # stale: ignored
    assert m.phase is Phase.SETTLING


def test_small_wobble_within_tolerance_is_not_a_change() -> None:
    m = machine()
    cap = place(m)
    assert m.reading(r(0.6, 1205.0, True)) == []
    assert m.decided(cap.attempt, "FLAG", 0.7) == [Commit(cap.attempt)]
    assert m.reading(r(0.8, 1190.0, True)) == []
    assert m.phase is Phase.VERDICT


def test_no_trip_waits_then_captures_when_the_shopper_binds() -> None:
    m = Machine()
    m.reading(r(0.0, 900.0))
    m.reading(r(0.2, 1000.0))
    assert m.reading(r(0.5, 1000.0, True)) == []
    assert m.phase is Phase.SETTLING and "scan" in m.notice
    (cap,) = m.trip(True)
    assert isinstance(cap, Capture) and cap.reading.grams == 1000.0


def test_recheck_validates_again_when_the_scanned_basket_changes_or_the_weight_settles_anew() -> None:
    m = machine()
    cap = place(m)
    assert m.decided(cap.attempt, "RECHECK", 0.6) == [Commit(cap.attempt)]
    assert m.trip(True, changed=False) == []
    (cap2,) = m.trip(True, changed=True)  # the shopper scanned the missing item
    assert isinstance(cap2, Capture)
    m.decided(cap2.attempt, "RECHECK", 2.0)
    assert m.reading(r(3.0, 1000.0)) == []  # took the phone out
    (cap3,) = m.reading(r(3.4, 1000.0, True))
    assert isinstance(cap3, Capture) and cap3.reading.grams == 1000.0


def test_a_recheck_whose_trip_was_freed_goes_back_to_the_start_screen() -> None:
    m = machine()
    cap = place(m)
    m.decided(cap.attempt, "RECHECK", 0.6)
    assert m.trip(False) == []  # the backend timed the trip out, or staff freed the unit
    assert m.phase is Phase.SETTLING and "scan" in m.notice and m.verdict is None
    shown = screen_state(m, None, qr_text="BASKETCHECK-UNIT:u:n", has_trip=False, camera_ok=True)
    assert (shown.phase, shown.headline, shown.qr_text) == (
        "ready",
        "Scan this code with the app",
        "BASKETCHECK-UNIT:u:n",
    )
    (cap2,) = m.trip(True)  # the next shopper scans the code: their basket is weighed afresh
    assert isinstance(cap2, Capture) and cap2.attempt > cap.attempt


def test_a_flag_or_pass_stays_on_screen_when_its_trip_leaves_the_unit() -> None:
    for kind in ("FLAG", "PASS"):
        m = machine()
        cap = place(m)
        m.decided(cap.attempt, kind, 0.6)
        m.trip(False)  # a flagged or paid trip is no longer bound: the verdict stays until the basket is lifted
        assert m.phase is Phase.VERDICT and m.verdict == kind


def test_basket_lifted_while_deciding_drops_the_decision() -> None:
    m = machine()
    cap = place(m)
    m.reading(r(0.6, 0.0, True))
    assert m.phase is Phase.IDLE
    assert m.decided(cap.attempt, "PASS", 0.7) == []


def test_a_lasting_cell_fault_with_a_basket_decides_with_an_untrusted_scale() -> None:
    m = machine()
    m.reading(r(0.0, 800.0))
    bad = frozenset({"cell2:no_data"})
    assert m.reading(r(0.3, None, faults=bad)) == []
    assert m.reading(r(0.8, None, faults=bad)) == []
    (cap,) = m.reading(r(1.4, None, faults=bad))
    assert isinstance(cap, Capture) and not cap.scale_ok
    assert m.decided(cap.attempt, "FLAG", 1.5) == [Commit(cap.attempt)]
    m.reading(r(3.0, None, faults=bad))
    assert m.phase is Phase.OUT_OF_SERVICE and "cell2" in m.notice
    m.reading(r(9.0, 0.0, True))  # repaired, tray empty
    assert m.phase is Phase.IDLE


def test_a_short_unplug_while_settling_waits_for_the_scale() -> None:
    m = machine()
    m.reading(r(0.0, 800.0))
    down = frozenset({"link_down"})
    m.reading(r(0.3, None, faults=down))
    m.reading(r(2.0, None, faults=down))
    assert m.phase in (Phase.ARRIVING, Phase.SETTLING)
    (cap,) = m.reading(r(2.5, 1000.0, True))
    assert isinstance(cap, Capture)


def test_silence_or_a_long_unplug_is_out_of_service() -> None:
    m = machine()
    m.reading(r(0.0, 0.0, True))
    assert m.tick(1.0) == []
    m.tick(3.5)
    assert m.phase is Phase.OUT_OF_SERVICE
    m2 = machine()
    m2.reading(r(0.0, None, faults=frozenset({"link_down"})))
    m2.reading(r(3.5, None, faults=frozenset({"link_down"})))
    assert m2.phase is Phase.OUT_OF_SERVICE and "disconnected" in m2.notice


def test_settle_timeout_tells_the_shopper_to_keep_still() -> None:
    m = machine()
    m.reading(r(0.0, 800.0))
    for i in range(1, 30):
        m.reading(r(i * 0.5, 800.0 + (i % 2) * 40))
    assert m.phase is Phase.SETTLING and m.notice == "keep the basket still"


def test_the_trace_follows_the_basket_from_its_arrival() -> None:
    m = machine()
    place(m, t0=10.0)
    assert m.trace[0] == (0.0, 720.0) and m.trace[-1] == (0.5, 1200.0)


def test_a_scale_fault_after_an_uncommitted_pass_turns_it_into_a_fault_decision() -> None:
    m = machine()
    cap = place(m)
    m.decided(cap.attempt, "PASS", 0.6)
    bad = frozenset({"overload", "cell2:saturated"})
    assert m.reading(r(0.7, None, faults=bad)) == []
    (cap2,) = m.reading(r(1.8, None, faults=bad))
    assert isinstance(cap2, Capture) and not cap2.scale_ok and cap2.attempt > cap.attempt


def test_a_pass_is_not_committed_by_the_hold_time_while_the_scale_is_failing() -> None:
    m = machine()
    cap = place(m)
    m.decided(cap.attempt, "PASS", 0.6)
    bad = frozenset({"cell2:no_data"})
    assert m.reading(r(2.4, None, faults=bad)) == []  # a cell dies just before the hold ends
    assert m.tick(2.7) == []  # no commit of a weight the scale can no longer vouch for
    (cap2,) = m.reading(r(3.5, None, faults=bad))
    assert isinstance(cap2, Capture) and not cap2.scale_ok


def test_a_weight_drop_from_a_failing_cell_before_its_fault_flag_does_not_commit_the_pass() -> None:
    m = machine()
    cap = place(m)
    m.decided(cap.attempt, "PASS", 0.6)
    assert m.reading(r(0.7, 900.0)) == []  # cell 2 died: a quarter of the load gone, no flag yet
    bad = frozenset({"cell2:saturated"})
    assert m.reading(r(0.9, None, faults=bad)) == []
    (cap2,) = m.reading(r(2.0, None, faults=bad))
    assert isinstance(cap2, Capture) and not cap2.scale_ok


def test_landed_at_stays_at_the_first_arrival_when_the_basket_changes() -> None:
    m = machine()
    cap = place(m, t0=5.0)
    m.decided(cap.attempt, "PASS", 5.6)
    m.reading(r(6.0, 1400.0))
    assert m.arrived_at == 6.0 and m.landed_at == 5.0


def test_a_dynamic_weight_then_the_classic_one_is_one_capture() -> None:
    # Dynamic weighing trusts the weight while the basket still rings; the classic rule's weight follows and
    # differs by at most ~1 e, well within the change tolerance: the capture stands, nothing is measured again.
    m = machine()
    assert m.reading(r(0.0, 700.0)) == []
    assert m.reading(r(0.1, 1320.0)) == []
    (cmd,) = m.reading(Reading(timestamp=0.2, grams=1200.0, stable=True, settled_by="dynamic"))
    assert isinstance(cmd, Capture) and cmd.reading.settled_by == "dynamic"
    for k in range(20):
        assert m.reading(Reading(timestamp=0.21 + k * 0.0125, grams=1200.0, stable=True, settled_by="dynamic")) == []
    assert m.reading(Reading(timestamp=0.5, grams=1205.0, stable=True, settled_by="stability")) == []
    assert m.phase is Phase.CAPTURE and m.attempt == cmd.attempt
    assert m.decided(cmd.attempt, "PASS", 0.6) == []
    assert m.phase is Phase.VERDICT
