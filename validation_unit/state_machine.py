"""The station's state machine, as pure logic: scale readings, clock ticks and results in; commands out.

    idle → arriving → settling → capture → decide → verdict → (basket removed) → idle
                 ↑________________________________________|  the basket changed: measure again

The machine never does I/O. :mod:`validation_unit.station` feeds it every scale reading and a tick now and
then, runs what it asks for (:class:`Capture`: take the picture and decide; :class:`Commit`: send the verdict
to the backend) and reports back with :meth:`Machine.decided` / :meth:`Machine.committed`.

Rules worth knowing:

* Adding or taking items while the unit decides, or before a verdict is committed, restarts the
  measurement: a capture whose weight no longer holds is dropped (its ``attempt`` is stale).
* The station feeds the readings that queued up while it decided before it reports the decision, so a change
  during the decision makes it stale. ``RECHECK`` and ``FLAG`` are committed at once (the app must show the
  prompts). A ``PASS`` is shown at once but committed only when the basket starts to leave the tray or after
  ``pass_hold_s`` without change, so an item dropped in after the verdict appeared is still weighed (and
  nothing is charged twice). The commit on leaving waits for the empty tray: a failing load cell also makes
  the weight drop, a moment before its fault flag arrives.
* A ``RECHECK`` is validated again when the weight settles at a new value or the scanned basket changes.
* Cell faults (a dead load cell…) lasting ``fault_grace_s`` with a basket on the tray: decide with the
  scale marked untrusted (the fusion flags it). No readings, or a lost link, for ``outage_s``: out of service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from firmware_bridge.reading import Reading


class Phase(StrEnum):
    OUT_OF_SERVICE = "out_of_service"
    IDLE = "idle"  # the tray is empty
    ARRIVING = "arriving"  # a load appeared
    SETTLING = "settling"  # waiting for a stable reading (or for a trip to check it against)
    CAPTURE = "capture"  # stable: picture and decision under way
    VERDICT = "verdict"  # the verdict is shown; waiting for the basket to go


@dataclass(frozen=True)
class Timing:
    """Thresholds and timeouts of the station (from the unit's config file)."""

    presence_g: float = 30.0  # above this the tray holds something
    change_g: float = 15.0  # a stable weight moving more than this (or 0.5 % of it) is a change
    settle_timeout_s: float = 10.0  # moving longer than this: tell the shopper to keep the basket still
    fault_grace_s: float = 1.0
    outage_s: float = 3.0
    pass_hold_s: float = 2.0

    def tolerance(self, grams: float) -> float:
        return max(self.change_g, 0.005 * abs(grams))


@dataclass(frozen=True)
class Capture:
    """Take the picture and decide against ``reading`` (stable, or carrying faults when ``scale_ok`` is False)."""

    attempt: int
    reading: Reading
    scale_ok: bool = True


@dataclass(frozen=True)
class Commit:
    """Send the decided verdict of ``attempt`` to the backend now."""

    attempt: int


Command = Capture | Commit
STARTING = "starting: waiting for the scale"


@dataclass
class Machine:
    timing: Timing = field(default_factory=Timing)
    # Out of service until the first fault-free reading: before its start-up zero the scale reads zero_not_set,
    # and a basket put down then would become the zero. The screen says "Starting" meanwhile.
    phase: Phase = Phase.OUT_OF_SERVICE
    since: float = 0.0  # when the phase began (monotonic seconds)
    attempt: int = 0  # increases with every capture; results of older attempts are stale
    arrived_at: float | None = None  # when the current basket (or its last change) arrived
    landed_at: float | None = None  # when the tray stopped being empty (the camera's "before" picture is older)
    stable_g: float | None = None  # the weight the current capture/verdict rests on
    verdict: str | None = None  # the kind shown, while in VERDICT
    committed_attempt: int | None = None
    has_trip: bool = False
    notice: str = STARTING  # what the shopper should know now ("keep the basket still" …)
    trace: list[tuple[float, float]] = field(default_factory=list)  # (t since arrival, grams) of this basket
    last_reading_at: float | None = None
    fault_since: float | None = None
    faults: frozenset[str] = frozenset()
    _last_stable: Reading | None = None

    # -- inputs ----------------------------------------------------------------------------------------

    def reading(self, r: Reading) -> list[Command]:
        """One scale reading."""
        self.last_reading_at = r.timestamp
        if r.faults:
            return self._faulty(r)
        self.fault_since, self.faults = None, frozenset()
        grams = float(r.grams) if r.grams is not None else 0.0
        present = grams > self.timing.presence_g
        if self.phase is Phase.OUT_OF_SERVICE:
            self._enter(Phase.SETTLING if present else Phase.IDLE, r.timestamp)
            if present:
                self.arrived_at = self.landed_at = r.timestamp
        if self.arrived_at is not None:
            self.trace.append((round(r.timestamp - self.arrived_at, 3), round(grams, 1)))
            del self.trace[:-2000]
        if not present:
            return self._empty(r.timestamp)
        if self.phase is Phase.IDLE:
            self.arrived_at, self.landed_at, self.trace = r.timestamp, r.timestamp, [(0.0, round(grams, 1))]
            self._enter(Phase.ARRIVING, r.timestamp)
            return []
        if self.phase is Phase.ARRIVING:
            self._enter(Phase.SETTLING, r.timestamp)
        if self.phase in (Phase.CAPTURE, Phase.VERDICT) and self.stable_g is not None:
            delta = grams - self.stable_g
            if abs(delta) > self.timing.tolerance(self.stable_g):
                return self._changed(r, delta)
            if self.phase is Phase.VERDICT:
                return self._pending_commit(r.timestamp)
            return []
        if self.phase is Phase.SETTLING:
            if r.stable:
                self._last_stable = r
                if self.has_trip:
                    return [self._capture(r)]
                self.notice = "scan the unit's code with the app"
            elif r.timestamp - self.since > self.timing.settle_timeout_s:
                self.notice = "keep the basket still"
        return []

    def tick(self, now: float) -> list[Command]:
        """The clock moved (call a few times a second): outages, fault grace and the PASS hold."""
        if self.phase is not Phase.OUT_OF_SERVICE:
            silent = self.last_reading_at is not None and now - self.last_reading_at > self.timing.outage_s
            if silent:
                self._out_of_service(now, "the scale does not answer")
                return []
        if self.phase is Phase.VERDICT:
            return self._pending_commit(now)
        return []

    def trip(self, present: bool, changed: bool = False) -> list[Command]:
        """Whether a trip is bound to the unit; ``changed``: its scanned lines differ from the ones decided."""
        was_bound, self.has_trip = self.has_trip, present
        if not present:
            if was_bound and self.phase is Phase.VERDICT and self.verdict == "RECHECK":
                # The re-check's trip went away (it timed out, staff freed the unit, the shopper gave up): back to
                # the start screen for the next shopper, even with a basket left on the tray.
                self.attempt += 1
                self.verdict, self.committed_attempt = None, None
                self._enter(Phase.SETTLING, self.since)
                self.notice = "scan the unit's code with the app"
            return []
        if self.phase is Phase.SETTLING and self._last_stable is not None and self.notice.startswith("scan"):
            self.notice = ""
            return [self._capture(self._last_stable)]
        if self.phase is Phase.VERDICT and changed and self.verdict == "RECHECK" and self._last_stable is not None:
            return [self._capture(self._last_stable)]
        return []

    def decided(self, attempt: int, kind: str, now: float) -> list[Command]:
        """The decision of ``attempt`` is ready. A stale attempt is ignored (returns [])."""
        if attempt != self.attempt or self.phase is not Phase.CAPTURE:
            return []
        self.verdict = kind
        self._enter(Phase.VERDICT, now)
        return [] if kind == "PASS" else [self._commit()]

    def cancel(self, attempt: int, now: float) -> None:
        """The capture of ``attempt`` cannot be decided (the trip went away): wait for a trip again."""
        if attempt == self.attempt and self.phase is Phase.CAPTURE:
            self.attempt += 1
            self.has_trip = False
            self._enter(Phase.SETTLING, now)
            self.notice = "scan the unit's code with the app"

    def committed(self, attempt: int) -> None:
        if attempt == self.attempt:
            self.committed_attempt = attempt

    def out_of_service(self, now: float, why: str) -> None:
        """The station cannot work (the scale is gone …)."""
        self._out_of_service(now, why)

    # -- helpers ---------------------------------------------------------------------------------------

    def _enter(self, phase: Phase, now: float) -> None:
        self.phase, self.since = phase, now
        self.notice = ""

    def _capture(self, r: Reading, scale_ok: bool = True) -> Capture:
        self.attempt += 1
        self.stable_g = float(r.grams) if r.grams is not None else None
        self.verdict, self.committed_attempt = None, None
        self._enter(Phase.CAPTURE, r.timestamp)
        return Capture(self.attempt, r, scale_ok)

    def _changed(self, r: Reading, delta: float) -> list[Command]:
        """The weight moved away from what was decided."""
        commands: list[Command] = []
        uncommitted_pass = self.verdict == "PASS" and self.committed_attempt != self.attempt
        if self.phase is Phase.VERDICT and uncommitted_pass and delta < 0:
            # Lighter: the basket is being lifted (the PASS is committed when the tray is empty, or at the end of
            # the hold), or a load cell just failed (its fault flag follows within a STATUS period, and the fault
            # rule then turns the PASS into a scale-fault decision). Committing here would race the fault flag.
            return commands
        if self.phase is Phase.VERDICT and self.verdict in ("PASS", "FLAG") and self.committed_attempt == self.attempt:
            return commands  # done with this basket: unloading or staff handling; wait for the empty tray
        self.attempt += 1  # a capture under way is now stale
        self.stable_g, self.verdict, self._last_stable = None, None, None
        self.arrived_at = r.timestamp
        self._enter(Phase.SETTLING, r.timestamp)
        return commands

    def _pending_commit(self, now: float) -> list[Command]:
        if self.committed_attempt == self.attempt or self.verdict is None:
            return []
        if self.verdict == "PASS" and self.fault_since is not None:
            return []  # the scale is failing: the fault grace decides what becomes of this PASS
        if self.verdict != "PASS" or now - self.since >= self.timing.pass_hold_s:
            return [self._commit()]
        return []

    def _commit(self) -> Commit:
        self.committed_attempt = self.attempt
        return Commit(self.attempt)

    def _empty(self, now: float) -> list[Command]:
        commands: list[Command] = []
        if self.phase is Phase.VERDICT and self.verdict == "PASS" and self.committed_attempt != self.attempt:
            commands.append(self._commit())
        if self.phase is not Phase.IDLE:
            if self.phase is Phase.CAPTURE:
                self.attempt += 1  # the basket left before the decision: drop it
            self._enter(Phase.IDLE, now)
            self.arrived_at, self.stable_g, self.verdict, self._last_stable = None, None, None, None
            self.landed_at, self.trace = None, []
        return commands

    def _faulty(self, r: Reading) -> list[Command]:
        self.faults = r.faults
        if "link_down" in r.faults:
            if self.fault_since is None:
                self.fault_since = r.timestamp
            elif r.timestamp - self.fault_since > self.timing.outage_s:
                self._out_of_service(r.timestamp, "the scale is disconnected")
            return []
        if self.fault_since is None:
            self.fault_since = r.timestamp
            return []
        lasting = r.timestamp - self.fault_since >= self.timing.fault_grace_s
        uncommitted_pass = self.verdict == "PASS" and self.committed_attempt != self.attempt
        # A PASS not yet committed cannot stand once the scale fails: what is on the tray is unknown now.
        basket_on = self.phase in (Phase.ARRIVING, Phase.SETTLING) or (self.phase is Phase.VERDICT and uncommitted_pass)
        if lasting and basket_on and self.has_trip:
            return [self._capture(r, scale_ok=False)]
        if lasting and self.phase in (Phase.IDLE, Phase.VERDICT):
            self._out_of_service(r.timestamp, f"scale fault: {', '.join(sorted(r.faults))}")
        return []

    def _out_of_service(self, now: float, why: str) -> None:
        if self.phase is Phase.CAPTURE:
            self.attempt += 1
        self.notice = why
        self.phase, self.since = Phase.OUT_OF_SERVICE, now
        self.stable_g, self.verdict, self._last_stable = None, None, None
