"""The running station: scale readings drive the state machine; captures are photographed, detected and
decided; verdicts are shown on the shopper screen and committed to the basket source (the backend).

Everything it talks to is an interface: a :class:`~firmware_bridge.scale.Scale`, a
:class:`~validation_unit.camera.Camera` (or None), a product detector (or None), and a :class:`BasketSource`
(the backend in a store; a local list in the decision benchmark). There is no simulator branch here.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from firmware_bridge.reading import Reading
from firmware_bridge.scale import Scale
from validation_unit.basket import (
    Decision,
    ExpectedBasket,
    Policy,
    Product,
    SeenObject,
    VisionObservation,
    WeightObservation,
)
from validation_unit.camera import Camera, Frame, looks_frozen, same_scene
from validation_unit.fusion import decide
from validation_unit.state_machine import Capture, Command, Commit, Machine, Phase, Timing

log = logging.getLogger(__name__)

# Looking ahead: while the scale still settles, the picture taken this long after the basket (or its last
# change) arrived is read and detected already; hands are usually gone by then. At the capture the picture of
# the settled basket is compared with it, and the detections are kept only when the scene is the same.
LOOK_AHEAD_S = 0.05
MAX_LOOK_AHEAD_S = 15.0  # a basket that takes longer to settle is looked at when it does

LookResult = tuple["VisionObservation | None", "tuple[SeenObject, ...]", "np.ndarray | None", float, "float | None"]


class BasketSource(Protocol):
    """Where the scanned basket comes from and where verdicts go."""

    def current(self) -> ExpectedBasket | None:
        """The trip bound to this unit now (fresh), or None."""
        ...

    def bind_qr(self) -> str | None:
        """The QR text the screen shows so a shopper can bind (None: nothing to show)."""
        ...

    def submit(self, document: dict[str, Any], attachments: dict[str, tuple[str, bytes]]) -> None:
        """Send a verdict (may return before it is delivered)."""
        ...

    def heartbeat(self, state: str, health: dict[str, Any]) -> None: ...


@dataclass
class Outcome:
    """One decision of the station, with everything it rested on (for the screen, the benchmark, logs)."""

    attempt: int
    expected: ExpectedBasket
    decision: Decision
    weight: WeightObservation
    vision: VisionObservation | None
    objects: tuple[SeenObject, ...]
    frame: np.ndarray | None
    trace: list[tuple[float, float]]
    arrived_at: float  # monotonic: the basket (or its last change) arrived
    shown_at: float  # monotonic: the verdict was on the screen
    detector_s: float = 0.0
    weighed_at: float | None = None  # monotonic: the reading the decision rests on (stable or faulty)
    frame_at: float | None = None  # monotonic: the picture arrived
    looked_ahead: bool = False  # the detections were made while the scale settled (same scene at the capture)
    committed: bool = False
    verdict_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def time_to_verdict_s(self) -> float:
        return self.shown_at - self.arrived_at


class Station:
    def __init__(
        self,
        *,
        scale: Scale,
        camera: Camera | None,
        detector: Callable[[np.ndarray], Any] | None,
        source: BasketSource,
        unit_id: str,
        policy: Policy | None = None,
        timing: Timing | None = None,
        products: dict[str, Product] | None = None,
        screen: Any = None,  # validation_unit.screen.ScreenStateHolder
        metrics: Any = None,  # validation_unit.metrics.UnitMetrics
        on_outcome: Callable[[Outcome], None] | None = None,
        frozen_diff: float = 1.0,
        frame_timeout_s: float = 1.0,
        poll_s: float = 0.5,
        heartbeat_s: float = 10.0,
        model_version: str = "",
    ) -> None:
        self.scale, self.camera, self.detector, self.source = scale, camera, detector, source
        self.unit_id = unit_id
        self.policy = policy or Policy()
        self.machine = Machine(timing or Timing())
        self.products = products or {}
        self.screen, self.metrics, self.on_outcome = screen, metrics, on_outcome
        self.frozen_diff, self.frame_timeout_s = frozen_diff, frame_timeout_s
        self.poll_s, self.heartbeat_s, self.model_version = poll_s, heartbeat_s, model_version
        self.outcomes: dict[int, Outcome] = {}
        self.last_outcome: Outcome | None = None
        self._readings: queue.Queue[Reading] = queue.Queue(maxsize=10_000)
        self._trip: ExpectedBasket | None = None
        self._trip_lines: Any = None  # the lines the last decision was made against
        self._qr: str | None = None
        self._age_check: str | None = None  # the backend's word on this unit's staff age check (#19)
        self._shown: Any = None  # the last ScreenState sent to the screen
        self._source_problem = ""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ahead_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="look-ahead")
        self._ahead: tuple[float, Future[LookResult | None]] | None = None  # (arrived_at it is for, the look)
        self._ahead_wanted: float | None = None  # the arrival whose early look is still wanted
        self._ahead_busy: tuple[float, Frame] | None = None  # (arrival, picture) the early look is detecting now
        self._ahead_last: tuple[float, LookResult] | None = None  # the early look's latest result, per arrival

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> Station:
        for target, name in ((self._pump, "scale-pump"), (self._watch, "trip-watch"), (self._loop, "station")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5.0)
        self._ahead_pool.shutdown(wait=False, cancel_futures=True)

    def run_forever(self) -> None:
        self.start()
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            self.stop()

    # -- threads -------------------------------------------------------------------------------------------

    def _pump(self) -> None:
        """Scale readings into our queue (the scale's own iterator gives each subscriber every reading)."""
        while not self._stop.is_set():
            for reading in self.scale.readings(timeout=0.5):
                self._readings.put(reading)
                if self._stop.is_set():
                    return

    def _watch(self) -> None:
        """Poll the bound trip (and a bind code when there is none); send heartbeats."""
        next_heartbeat = 0.0
        while not self._stop.is_set():
            try:
                self._trip = self.source.current()
                # A source that knows about staff age checks (the backend) says whether one is open (#19).
                age_check = getattr(self.source, "age_check", None)
                self._age_check = age_check() if callable(age_check) else None
                if self._trip is None and self._age_check != "open":
                    self._qr = self.source.bind_qr()
                self._source_problem = ""
            except Exception as exc:  # the backend down must not stop the station
                self._source_problem = str(exc)
                log.warning("basket source: %s", exc)
            now = time.monotonic()
            if now >= next_heartbeat:
                next_heartbeat = now + self.heartbeat_s
                try:
                    self.source.heartbeat(str(self.machine.phase), self.health())
                except Exception as exc:
                    log.warning("heartbeat: %s", exc)
            self._stop.wait(self.poll_s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                commands = self.machine.reading(self._readings.get(timeout=0.1))
            except queue.Empty:
                commands = []
            commands += self.machine.tick(time.monotonic())
            trip = self._trip
            changed = trip is not None and self._trip_lines is not None and trip.lines != self._trip_lines
            commands += self.machine.trip(trip is not None, changed)
            self._look_ahead()
            self._run(commands)
            self._show()
            if self.metrics is not None:
                self.metrics.phase(str(self.machine.phase))

    # -- commands ------------------------------------------------------------------------------------------

    def _run(self, commands: list[Command]) -> None:
        work = list(commands)
        while work:
            command = work.pop(0)
            if isinstance(command, Capture):
                work.extend(self._capture(command))
            elif isinstance(command, Commit):
                self._commit(command.attempt)

    def _drain(self) -> list[Command]:
        """Feed the readings that arrived meanwhile: a change makes the capture under way stale."""
        commands: list[Command] = []
        while True:
            try:
                commands += self.machine.reading(self._readings.get_nowait())
            except queue.Empty:
                return commands

    def _capture(self, command: Capture) -> list[Command]:
        arrived_at = self.machine.arrived_at or command.reading.timestamp
        trace = list(self.machine.trace)
        try:
            expected = self.source.current()
        except Exception as exc:
            log.warning("cannot fetch the basket to check: %s", exc)
            expected = None
        if expected is None:
            self.machine.cancel(command.attempt, time.monotonic())
            return []
        weight = self._weight(command)
        landed_at = self.machine.landed_at or arrived_at
        (vision, objects, frame, detector_s, frame_at), looked_ahead = self._look_settled(
            command.reading.timestamp, arrived_at, landed_at
        )
        decision = decide(expected, weight, vision, self.policy, self.products)
        commands = self._drain()
        if command.attempt != self.machine.attempt:
            return commands  # the basket changed while we looked: measure again
        commands += self.machine.decided(command.attempt, decision.kind, time.monotonic())
        outcome = Outcome(
            command.attempt,
            expected,
            decision,
            weight,
            vision,
            objects,
            frame,
            trace,
            arrived_at,
            0.0,
            detector_s,
            weighed_at=command.reading.timestamp,
            frame_at=frame_at,
            looked_ahead=looked_ahead,
        )
        self.outcomes = {command.attempt: outcome}
        self._trip_lines = expected.lines
        self._show()
        outcome.shown_at = time.monotonic()
        self.last_outcome = outcome
        if self.metrics is not None:
            self.metrics.verdict(decision.kind, outcome.time_to_verdict_s, detector_s if frame is not None else None)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return commands

    def _weight(self, command: Capture) -> WeightObservation:
        r = command.reading
        if not command.scale_ok or r.grams is None:
            return WeightObservation(0.0, 0.0, scale_ok=False, fault=", ".join(sorted(r.faults)) or "scale fault")
        return WeightObservation(float(r.grams), max(r.e_g / 2.0, 0.5))

    def _look_ahead(self) -> None:
        """Start looking at the basket that arrived while the scale is still settling (once per arrival)."""
        m = self.machine
        if self.camera is None or m.phase not in (Phase.ARRIVING, Phase.SETTLING) or m.arrived_at is None:
            if m.phase is not Phase.CAPTURE:
                self._ahead_wanted = None  # the basket left (or the scale failed): no capture will come for it
            return
        if self._ahead is not None and self._ahead[0] == m.arrived_at:
            return
        at, landed = m.arrived_at, m.landed_at or m.arrived_at
        self._ahead_wanted = at  # an older arrival's look ends after the picture it is on
        self._ahead = (at, self._ahead_pool.submit(self._look_early, at, landed))

    def _look_early(self, arrived_at: float, landed_at: float) -> LookResult | None:
        """Looks at the tray from LOOK_AHEAD_S after the arrival on, again whenever the picture changes (more
        items put in, a hand leaving), until the capture says stop; returns the last look."""
        assert self.camera is not None
        after, last = arrived_at + LOOK_AHEAD_S, None
        give_up = time.monotonic() + MAX_LOOK_AHEAD_S
        while self._ahead_wanted == arrived_at and time.monotonic() < give_up:
            frame = self.camera.frame_after(after, min(self.frame_timeout_s, 0.5))
            if frame is None:
                return last
            after = frame.at
            if last is not None and last[2] is not None and same_scene(last[2], frame.bgr):
                continue  # nothing changed: the last look stands
            self._ahead_busy = (arrived_at, frame)
            try:
                if self._ahead_wanted != arrived_at:
                    break  # the capture came meanwhile: it decides on its own picture
                last = self._look_at(frame, landed_at)
                self._ahead_last = (arrived_at, last)
            finally:
                self._ahead_busy = None
        return last

    def _look_settled(self, stable_at: float, arrived_at: float, landed_at: float) -> tuple[LookResult, bool]:
        """The look the decision rests on: the early one when the settled basket's picture shows the same scene,
        else a fresh look at that picture. Returns it and whether it was the early one."""
        ahead, self._ahead = self._ahead, None
        self._ahead_wanted = None  # the early look stops after the picture it is on
        if ahead is None or ahead[0] != arrived_at or self.camera is None:
            return self._look(stable_at, arrived_at, landed_at), False
        early: LookResult | None = None
        settled = self.camera.frame_after(max(stable_at - 0.05, arrived_at), self.frame_timeout_s)
        if settled is None:
            problem = self.camera.problem or "no picture from the camera"
            return (VisionObservation(camera_ok=False, problem=problem), (), None, 0.0, None), False
        busy = self._ahead_busy
        if busy is not None and busy[0] == arrived_at and same_scene(busy[1].bgr, settled.bgr):
            try:  # detecting the settled scene right now: that look is nearly done
                early = ahead[1].result(timeout=self.frame_timeout_s + 5.0)
            except Exception as exc:  # timed out or failed: look again
                log.debug("look-ahead not usable: %s", exc)
        elif self._ahead_last is not None and self._ahead_last[0] == arrived_at:
            early = self._ahead_last[1]  # the latest finished look (the worker waits for a change)
        vision, _objects, picture = early[:3] if early is not None else (None, (), None)
        if vision is not None and vision.camera_ok and picture is not None and same_scene(picture, settled.bgr):
            assert early is not None
            return early, True
        return self._look_at(settled, landed_at), False

    def _look(self, stable_at: float, arrived_at: float, landed_at: float) -> LookResult:
        if self.camera is None:
            return VisionObservation(camera_ok=False, problem="no camera configured"), (), None, 0.0, None
        frame = self.camera.frame_after(max(stable_at - 0.05, arrived_at), self.frame_timeout_s)
        if frame is None:
            problem = self.camera.problem or "no picture from the camera"
            return VisionObservation(camera_ok=False, problem=problem), (), None, 0.0, None
        return self._look_at(frame, landed_at)

    def _look_at(self, frame: Frame, landed_at: float) -> LookResult:
        """Frozen check, the basket's tare label and the detector on one picture."""
        assert self.camera is not None
        empty = self.camera.frame_before(landed_at - 0.2)
        if looks_frozen(frame.bgr, empty.bgr if empty is not None else None, self.frozen_diff):
            problem = "the camera picture did not change when the basket arrived (frozen?)"
            return VisionObservation(camera_ok=False, problem=problem), (), frame.bgr, 0.0, frame.at
        from validation_unit.basket_label import read_label

        label = read_label(frame.bgr)
        objects: tuple[SeenObject, ...] = ()
        detector_s = 0.0
        if self.detector is not None:
            t0 = time.perf_counter()
            detections = self.detector(frame.bgr)
            detector_s = time.perf_counter() - t0
            objects = seen_objects(detections)
        vision = VisionObservation(
            objects=objects,
            camera_ok=self.detector is not None,
            basket_type=label[0] if label else None,
            basket_tare_g=float(label[1]) if label else None,
            problem="" if self.detector is not None else "no product detector loaded",
        )
        return vision, objects, frame.bgr, detector_s, frame.at

    def _commit(self, attempt: int) -> None:
        outcome = self.outcomes.get(attempt)
        if outcome is None or outcome.committed:
            return
        from validation_unit.evidence import build_attachments
        from validation_unit.verdict import verdict_document

        attachments = build_attachments(
            outcome.frame,
            outcome.decision,
            outcome.objects,
            outcome.trace,
            band_z=self.policy.z(outcome.decision.weight_only),
        )
        document = verdict_document(
            verdict_id=outcome.verdict_id,
            unit_id=self.unit_id,
            expected=outcome.expected,
            decision=outcome.decision,
            objects=outcome.objects,
            trace=outcome.trace,
            attachments=attachments,
            signed_at=dt.datetime.now(dt.UTC),
        )
        self.source.submit(document, attachments)
        outcome.committed = True
        self.machine.committed(attempt)

    # -- what the shopper sees -----------------------------------------------------------------------------

    def _show(self) -> None:
        if self.screen is None:
            return
        from validation_unit.screen_state import screen_state

        state = screen_state(
            self.machine,
            self.outcomes.get(self.machine.attempt),
            qr_text=self._qr if self._trip is None else None,
            has_trip=self._trip is not None,
            camera_ok=self.camera is not None and self.camera.ok,
            source_problem=self._source_problem,
            names={g: p.name for g, p in self.products.items()},
            age_check=self._age_check,
        )
        if state != self._shown:
            self._shown = state
            self.screen.set(state)

    def health(self) -> dict[str, Any]:
        """The unit's health for the heartbeat and /healthz."""
        latest = self.scale.latest()
        return {
            "phase": str(self.machine.phase),
            "scale": "ok" if latest is not None and latest.ok else ("no readings" if latest is None else "fault"),
            "scale_faults": sorted(self.machine.faults),
            "camera": "none" if self.camera is None else ("ok" if self.camera.ok else self.camera.problem or "down"),
            "model": self.model_version or ("none" if self.detector is None else "loaded"),
            "backend": self._source_problem or "ok",
            "out_of_service": self.machine.phase is Phase.OUT_OF_SERVICE,
        }


def seen_objects(detections: Any) -> tuple[SeenObject, ...]:
    """The detector's :class:`vision.detections.Detections` as the fusion's SeenObjects."""
    names = detections.names
    out = []
    for box, conf, cls, gtin in zip(
        detections.xyxy, detections.confidence, detections.class_id, detections.gtin14, strict=True
    ):
        label = names[int(cls)] if int(cls) < len(names) else str(gtin or "object")
        out.append(SeenObject(gtin, label, float(conf), (float(box[0]), float(box[1]), float(box[2]), float(box[3]))))
    return tuple(out)
