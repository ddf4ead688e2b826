"""The running station: scale readings drive the state machine; captures are photographed, detected and
decided; verdicts are shown on the shopper screen and committed to the basket source (the backend).

Everything it talks to is an interface: a :class:`~firmware_bridge.scale.Scale`, any number of
:class:`~validation_unit.camera.Camera` objects by id (the first is the primary view; none: weight only), a
product detector (or None; one that takes a ``camera`` keyword is told which view a picture is from), and a
:class:`BasketSource` (the backend in a store; a local list in the decision benchmark). There is no simulator
branch here.

With several cameras every camera's picture of the settled basket is looked at (one detector, one view after
the other) and the views' objects are merged so that an item seen in several views counts once
(:mod:`validation_unit.views`). A camera without a usable picture is left out and the explanation says so; only
when no camera gives one does the fusion decide on the weight alone.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
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
from validation_unit.views import NO_PICTURE, ViewGeometry, attribute_reasons, degraded_note, merged_observation

log = logging.getLogger(__name__)

# Looking ahead: while the scale still settles, the picture taken this long after the basket (or its last
# change) arrived is read and detected already; hands are usually gone by then. At the capture the picture of
# the settled basket is compared with it, and the detections are kept only when the scene is the same.
LOOK_AHEAD_S = 0.05
MAX_LOOK_AHEAD_S = 15.0  # a basket that takes longer to settle is looked at when it does

PRIMARY_CAMERA = "top"  # the id of a station's one camera given as ``camera=``


@dataclass(frozen=True)
class ViewLook:
    """What one camera gave for a decision: its picture and what was seen in it (objects carry the camera id)."""

    camera: str
    vision: VisionObservation  # this view alone; ``camera_ok`` False: no usable picture (``problem`` says why)
    frame: np.ndarray | None = None
    detector_s: float = 0.0
    frame_at: float | None = None  # monotonic: the picture arrived
    early: bool = False  # looked at while the scale settled (the settled picture showed the same scene)


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
    vision: VisionObservation | None  # every view's objects merged (an item seen in several views once)
    objects: tuple[SeenObject, ...]  # the merged objects the decision rests on
    frame: np.ndarray | None  # the primary camera's picture
    trace: list[tuple[float, float]]
    arrived_at: float  # monotonic: the basket (or its last change) arrived
    shown_at: float  # monotonic: the verdict was on the screen
    detector_s: float = 0.0  # the detector's time over all views (each view's: ``views``)
    weighed_at: float | None = None  # monotonic: the reading the decision rests on (stable or faulty)
    frame_at: float | None = None  # monotonic: the last of the views' pictures arrived
    looked_ahead: bool = False  # the detections were made while the scale settled (same scene at the capture)
    committed: bool = False
    verdict_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    views: tuple[ViewLook, ...] = ()  # every camera's look, the primary first

    @property
    def time_to_verdict_s(self) -> float:
        return self.shown_at - self.arrived_at

    def picture(self, camera: str) -> np.ndarray | None:
        """The picture of camera ``camera`` (``""``: the primary's), for a crop of a box in it."""
        for look in self.views:
            if look.camera == camera:
                return look.frame
        return self.frame


class Station:
    def __init__(
        self,
        *,
        scale: Scale,
        camera: Camera | None = None,
        cameras: Mapping[str, Camera] | None = None,
        geometry: Mapping[str, ViewGeometry] | None = None,
        associate_by_place: bool = False,  # merge views by the tray homographies (else by the largest count)
        evidence_only: Collection[str] = (),  # cameras photographed for the evidence, never detected on
        detector: Callable[..., Any] | None,  # picture (and, if it takes one, camera=id) → Detections
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
        if camera is not None and cameras:
            raise ValueError("give either camera= (one camera) or cameras= (by id), not both")
        # The cameras by id, the primary first; ``camera`` is the primary (None: no camera).
        self.cameras: dict[str, Camera] = dict(cameras or ({PRIMARY_CAMERA: camera} if camera is not None else {}))
        self.camera = next(iter(self.cameras.values()), None)
        self.geometry = dict(geometry or {})
        self.associate_by_place = associate_by_place
        self.evidence_only = frozenset(evidence_only)
        self.scale, self.detector, self.source = scale, detector, source
        self._detector_takes_camera = takes_camera(detector)
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
        self._logged_phase: Any = None  # the machine's state last logged
        self._source_problem = ""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ahead_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="look-ahead")
        self._ahead: tuple[float, Future[dict[str, ViewLook]]] | None = None  # (arrived_at it is for, the look)
        self._ahead_wanted: float | None = None  # the arrival whose early look is still wanted
        # (arrival, camera, picture) the early look is detecting now
        self._ahead_busy: tuple[float, str, Frame] | None = None
        # the early look's latest result per camera, per arrival
        self._ahead_last: tuple[float, dict[str, ViewLook]] | None = None

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
            self._log_phase()
            if self.metrics is not None:
                self.metrics.phase(str(self.machine.phase))

    def _log_phase(self) -> None:
        """Each change of phase, in the unit's log (what the machine did with a basket, for a staff member or a
        developer reading it afterwards)."""
        m = self.machine
        now = (m.phase, m.attempt, m.verdict, m.committed_attempt)
        if now != self._logged_phase:
            self._logged_phase = now
            log.info("phase %s, attempt %d, verdict %s, committed %s: %s", *now, m.notice or "-")

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
        looks, looked_ahead = self._look_settled(command.reading.timestamp, arrived_at, landed_at)
        vision = self._vision(looks)
        decision = self._explained(decide(expected, weight, vision, self.policy, self.products), vision, looks)
        views = tuple(looks.values())
        frame = views[0].frame if views else None
        detector_s = sum(look.detector_s for look in views)
        frame_at = max((look.frame_at for look in views if look.frame_at is not None), default=None)
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
            vision.objects,
            frame,
            trace,
            arrived_at,
            0.0,
            detector_s,
            weighed_at=command.reading.timestamp,
            frame_at=frame_at,
            looked_ahead=looked_ahead,
            views=views,
        )
        self.outcomes = {command.attempt: outcome}
        self._trip_lines = expected.lines
        self._show()
        outcome.shown_at = time.monotonic()
        self.last_outcome = outcome
        if self.metrics is not None:
            pictures = any(look.frame is not None for look in views)
            self.metrics.verdict(decision.kind, outcome.time_to_verdict_s, detector_s if pictures else None)
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
        if not self.cameras or m.phase not in (Phase.ARRIVING, Phase.SETTLING) or m.arrived_at is None:
            if m.phase is not Phase.CAPTURE:
                self._ahead_wanted = None  # the basket left (or the scale failed): no capture will come for it
            return
        if self._ahead is not None and self._ahead[0] == m.arrived_at:
            return
        at, landed = m.arrived_at, m.landed_at or m.arrived_at
        self._ahead_wanted = at  # an older arrival's look ends after the picture it is on
        self._ahead = (at, self._ahead_pool.submit(self._look_early, at, landed))

    def _look_early(self, arrived_at: float, landed_at: float) -> dict[str, ViewLook]:
        """Looks at the tray through every camera from LOOK_AHEAD_S after the arrival on, and again at a camera's
        picture whenever it changes (more items put in, a hand leaving), until the capture says stop; returns
        each camera's last look. One camera after the other: one detector."""
        after = dict.fromkeys(self.cameras, arrived_at + LOOK_AHEAD_S)
        last: dict[str, ViewLook] = {}
        give_up = time.monotonic() + MAX_LOOK_AHEAD_S
        while self._ahead_wanted == arrived_at and time.monotonic() < give_up and not self._stop.is_set():
            new = False
            for camera_id, camera in self.cameras.items():
                if self._ahead_wanted != arrived_at:
                    break
                frame = camera.frame_after(after[camera_id], 0.0)
                if frame is None:
                    continue
                new, after[camera_id] = True, frame.at
                seen = last.get(camera_id)
                if seen is not None and seen.frame is not None and same_scene(seen.frame, frame.bgr):
                    continue  # nothing changed: the last look stands
                self._ahead_busy = (arrived_at, camera_id, frame)
                try:
                    if self._ahead_wanted != arrived_at:
                        break  # the capture came meanwhile: it decides on its own pictures
                    last[camera_id] = self._look_at(camera_id, frame, landed_at)
                    self._ahead_last = (arrived_at, dict(last))
                finally:
                    self._ahead_busy = None
            if not new:
                self._stop.wait(0.01)  # no camera has a new picture yet
        return last

    def _look_settled(self, stable_at: float, arrived_at: float, landed_at: float) -> tuple[dict[str, ViewLook], bool]:
        """The looks the decision rests on, by camera: each camera's early look when its picture of the settled
        basket shows the same scene, else a fresh look at that picture. Returns them and whether every view
        with a usable picture was looked at early (no detector run on the way to the verdict)."""
        ahead, self._ahead = self._ahead, None
        self._ahead_wanted = None  # the early look stops after the picture it is on
        if not self.cameras:
            return {}, False
        settled = self._settled_frames(stable_at, arrived_at)
        early: dict[str, ViewLook] = {}
        if ahead is not None and ahead[0] == arrived_at:
            busy = self._ahead_busy
            if busy is not None and busy[0] == arrived_at:
                picture = settled.get(busy[1])
                if picture is not None and same_scene(busy[2].bgr, picture.bgr):
                    try:  # detecting a settled scene right now: that look is nearly done, and the last
                        ahead[1].result(timeout=self.frame_timeout_s + 5.0)
                    except Exception as exc:  # timed out or failed: look again
                        log.debug("look-ahead not usable: %s", exc)
            last = self._ahead_last
            if last is not None and last[0] == arrived_at:
                early = last[1]  # the latest finished looks (the worker waits for a change)
        looks: dict[str, ViewLook] = {}
        all_early = True
        for camera_id, frame in settled.items():
            if frame is None:
                looks[camera_id] = self._no_picture(camera_id)
                continue
            look = early.get(camera_id)
            if (
                look is not None
                and look.vision.camera_ok
                and look.frame is not None
                and same_scene(look.frame, frame.bgr)
            ):
                looks[camera_id] = replace(look, early=True)
                continue
            looks[camera_id] = look = self._look_at(camera_id, frame, landed_at)
            all_early = all_early and not look.vision.camera_ok  # a frozen view needed no detector either
        looked_ahead = all_early and any(look.vision.camera_ok for look in looks.values())
        return looks, looked_ahead

    def _settled_frames(self, stable_at: float, arrived_at: float) -> dict[str, Frame | None]:
        """Every camera's first picture after the weight settled (so all are of the same moment). A camera that
        is down is not waited for while another one works (the others decide); with all down each gets the
        usual wait, in case its picture comes after all."""
        after = max(stable_at - 0.05, arrived_at)
        any_ok = any(camera_ok(c) for c in self.cameras.values())
        return {
            camera_id: camera.frame_after(after, self.frame_timeout_s if camera_ok(camera) or not any_ok else 0.0)
            for camera_id, camera in self.cameras.items()
        }

    def _no_picture(self, camera_id: str) -> ViewLook:
        problem = self.cameras[camera_id].problem or NO_PICTURE
        return ViewLook(camera_id, VisionObservation(camera_ok=False, problem=problem))

    def _look_at(self, camera_id: str, frame: Frame, landed_at: float) -> ViewLook:
        """Frozen check, the basket's tare label and the detector on one camera's picture."""
        empty = self.cameras[camera_id].frame_before(landed_at - 0.2)
        if looks_frozen(frame.bgr, empty.bgr if empty is not None else None, self.frozen_diff):
            problem = "the camera picture did not change when the basket arrived (frozen?)"
            return ViewLook(camera_id, VisionObservation(camera_ok=False, problem=problem), frame.bgr, 0.0, frame.at)
        from validation_unit.basket_label import read_label

        label = read_label(frame.bgr)
        objects: tuple[SeenObject, ...] = ()
        detector_s = 0.0
        if self.detector is not None and camera_id not in self.evidence_only:
            t0 = time.perf_counter()
            detections = (
                self.detector(frame.bgr, camera=camera_id) if self._detector_takes_camera else self.detector(frame.bgr)
            )
            detector_s = time.perf_counter() - t0
            objects = seen_objects(detections, camera_id)
        vision = VisionObservation(
            objects=objects,
            camera_ok=self.detector is not None,
            basket_type=label[0] if label else None,
            basket_tare_g=float(label[1]) if label else None,
            problem="" if self.detector is not None else "no product detector loaded",
        )
        return ViewLook(camera_id, vision, frame.bgr, detector_s, frame.at)

    def _vision(self, looks: Mapping[str, ViewLook]) -> VisionObservation:
        """The observation the fusion decides on: the usable views' objects merged."""
        if not looks:
            return VisionObservation(camera_ok=False, problem="no camera configured")
        detected = [(c, look.vision) for c, look in looks.items() if c not in self.evidence_only]
        if not detected:  # only evidence views: the camera has nothing to say about the basket
            return VisionObservation(camera_ok=False, problem="no camera is set to detect products")
        return merged_observation(detected, self.geometry, by_place=self.associate_by_place)

    def _explained(self, decision: Decision, vision: VisionObservation, looks: Mapping[str, ViewLook]) -> Decision:
        """The fusion's decision with each box's camera named, and a word on the cameras left out."""
        decision = attribute_reasons(decision, vision.objects)
        if not vision.camera_ok:
            return decision  # the fusion said it decided on the weight alone
        note = degraded_note(
            {c: "" if look.vision.camera_ok else look.vision.problem or NO_PICTURE for c, look in looks.items()}
        )
        return replace(decision, explanation=f"{decision.explanation} {note}".strip()) if note else decision

    def _commit(self, attempt: int) -> None:
        outcome = self.outcomes.get(attempt)
        if outcome is None or outcome.committed:
            return
        from validation_unit.evidence import build_attachments
        from validation_unit.verdict import verdict_document

        primary, *others = outcome.views or (None,)
        attachments = build_attachments(
            outcome.frame,
            outcome.decision,
            primary.vision.objects if primary is not None else outcome.objects,
            outcome.trace,
            band_z=self.policy.z(outcome.decision.weight_only),
            views=[(v.camera, v.frame) for v in others if v is not None and v.frame is not None],
        )
        document = verdict_document(
            verdict_id=outcome.verdict_id,
            unit_id=self.unit_id,
            expected=outcome.expected,
            decision=outcome.decision,
            # every view's detections (the boxes on its photo); the decision's merged counts are in "seen"
            objects=[o for v in outcome.views for o in v.vision.objects] if outcome.views else outcome.objects,
            trace=outcome.trace,
            attachments=attachments,
            signed_at=dt.datetime.now(dt.UTC),
            views=[(v.camera, v.vision.camera_ok, v.vision.problem) for v in outcome.views],
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
            camera_ok=any(camera_ok(c) for c in self.cameras.values()),  # any: the others decide
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
        cameras = {c: "ok" if camera_ok(camera) else camera.problem or "down" for c, camera in self.cameras.items()}
        return {
            "phase": str(self.machine.phase),
            "scale": "ok" if latest is not None and latest.ok else ("no readings" if latest is None else "fault"),
            "scale_faults": sorted(self.machine.faults),
            "camera": self._cameras_health(cameras),
            "cameras": cameras,
            "model": self.model_version or ("none" if self.detector is None else "loaded"),
            "backend": self._source_problem or "ok",
            "out_of_service": self.machine.phase is Phase.OUT_OF_SERVICE,
        }

    @staticmethod
    def _cameras_health(cameras: Mapping[str, str]) -> str:
        """All cameras in one word as before: "ok", "none", or what is wrong (one camera: its problem)."""
        if not cameras:
            return "none"
        down = {c: problem for c, problem in cameras.items() if problem != "ok"}
        if not down:
            return "ok"
        if len(cameras) == 1:
            return next(iter(down.values()))
        return "; ".join(f"{c}: {problem}" for c, problem in down.items())


def takes_camera(detector: Any) -> bool:
    """Whether a detector wants to be told which camera a picture is from (a ``camera`` keyword: the bench's
    oracle reads that view's ground truth); a model does not need it."""
    if detector is None:
        return False
    try:
        return "camera" in inspect.signature(detector).parameters
    except (TypeError, ValueError):  # no signature to read (a builtin): a plain detector
        return False


def camera_ok(camera: Any) -> bool:
    """Whether a camera delivers pictures now (a camera object that cannot tell is taken to be fine)."""
    return bool(getattr(camera, "ok", True))


def seen_objects(detections: Any, camera: str = "") -> tuple[SeenObject, ...]:
    """The detector's :class:`vision.detections.Detections` as the fusion's SeenObjects, of camera ``camera``
    (default: the one the detections name)."""
    names = detections.names
    camera = camera or getattr(detections, "camera", "")
    out = []
    for box, conf, cls, gtin in zip(
        detections.xyxy, detections.confidence, detections.class_id, detections.gtin14, strict=True
    ):
        label = names[int(cls)] if int(cls) < len(names) else str(gtin or "object")
        xyxy = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        out.append(SeenObject(gtin, label, float(conf), xyxy, camera))
    return tuple(out)
