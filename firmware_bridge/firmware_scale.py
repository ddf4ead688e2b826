"""The firmware backend of :class:`~firmware_bridge.scale.Scale`: our MCU's link plus the weighing engine.

Glue only: :class:`~firmware_bridge.link.SerialLink` delivers messages on its reader thread, this class turns
SAMPLEs into readings with :class:`~firmware_bridge.weighing.WeighingEngine`, keeps the per-channel faults of
the last STATUS, unwraps the MCU clock, re-applies the sample rate after an MCU reboot, publishes a
``link_down`` reading when the MCU falls silent, and keeps its zero across restarts when given a ``zero_path``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from firmware_bridge.calibration import Calibration, robust_mean_counts
from firmware_bridge.dynamic_weighing import DYNAMIC_ON, DynamicCriteria
from firmware_bridge.link import LinkError, LinkState, SerialLink
from firmware_bridge.messages import Fault, Hello, Message, Sample, Status, fault_names
from firmware_bridge.reading import Reading
from firmware_bridge.scale import Scale, ScaleInfo
from firmware_bridge.stability import StabilityCriteria
from firmware_bridge.weighing import ScaleError, WeighingEngine
from firmware_bridge.zero_memory import ZeroMemory

log = logging.getLogger(__name__)
ZERO_SAVE_EVERY_S = 60.0  # the saved zero's time says it is current (see zero_memory's max age)
ZERO_SAVE_MOVE_G = 5.0  # save as soon as zero moved by an interval

# Per-channel flags that make the total wrong while they last; SPIKE only says the firmware filtered one out.
INVALIDATING = Fault.NO_DATA | Fault.SATURATED | Fault.POWER_DOWN


class FirmwareScale(Scale):
    """Readings from our MCU (4 HX711 load cells) on a serial URL."""

    def __init__(
        self,
        url: str,
        calibration: Calibration,
        rate_sps: int = 80,
        initial_zero: bool = True,
        zero_tracking: bool = True,
        criteria: StabilityCriteria | None = None,
        calibration_path: Path | None = None,
        zero_path: str | os.PathLike[str] | None = None,
        dynamic: DynamicCriteria | None = DYNAMIC_ON,
    ) -> None:
        """``zero_path``: where the scale keeps its zero across restarts (see :mod:`firmware_bridge.zero_memory`);
        None: every start zeroes whatever is on the tray. ``dynamic``: dynamic weighing's criteria (see
        :mod:`firmware_bridge.dynamic_weighing`), None for the classic stability rule alone."""
        super().__init__(ScaleInfo(kind="firmware", url=url))
        self.calibration = calibration
        self.calibration_path = calibration_path
        self.rate_sps = rate_sps
        self._lock = threading.Lock()
        self.zero_memory = ZeroMemory(zero_path) if zero_path is not None else None
        saved = self.zero_memory.load(calibration) if self.zero_memory is not None else None
        if saved is not None:
            log.info("starting from the zero saved at %s (%s)", saved.saved_at.isoformat(), zero_path)
        self.engine = WeighingEngine(
            calibration,
            criteria=criteria,
            initial_zero=initial_zero,
            zero_tracking=zero_tracking,
            restored_zero=(saved.zero_counts, saved.reference_counts) if saved is not None else None,
            dynamic=dynamic,
        )
        self._zero_saved: tuple[float, tuple[float, ...]] | None = None  # (monotonic time, counts) last saved
        self._channel_faults: tuple[Fault, ...] = ()
        self._time_base_us = 0
        self._last_mcu_us: int | None = None
        self._reconfigure = threading.Event()
        self.link = SerialLink(url, self._on_message, on_state=self._on_state, on_hello=self._on_hello)
        self.samples = 0
        self.last_sample: Sample | None = None
        # (device time, raw counts) of the last second at 80 SPS: what calibration averages over.
        self.recent_counts: deque[tuple[float, tuple[int, ...]]] = deque(maxlen=80)
        self._closed = False
        self._config_thread = threading.Thread(target=self._configure_loop, name="scale-config", daemon=True)

    @classmethod
    def open(
        cls,
        url: str,
        calibration_path: str | os.PathLike[str] | None = None,
        timeout: float = 3.0,
        **options: Any,
    ) -> FirmwareScale:
        path = Path(calibration_path) if calibration_path is not None else None
        calibration = Calibration.load(path) if path is not None else Calibration.nominal()
        scale = cls(url, calibration, calibration_path=path, **options)
        scale.start(timeout)
        return scale

    def start(self, timeout: float = 3.0) -> None:
        self.link.open(timeout)
        self._config_thread.start()
        self._reconfigure.set()

    def close(self) -> None:
        self._closed = True
        self._reconfigure.set()
        self.link.close()

    # -- link callbacks (reader thread) ------------------------------------------------------------------

    def _on_hello(self, hello: Hello, rebooted: bool) -> None:
        self.info.device = "basketcheck-fw {}.{}.{}".format(*hello.firmware_version)
        self.info.channels = hello.channels
        self.info.rate_sps = hello.rate_sps
        self.info.extra["boot_id"] = hello.boot_id
        if hello.channels != len(self.calibration.cells):
            self.info.extra["error"] = f"MCU has {hello.channels} channels, calibration {len(self.calibration.cells)}"
        if rebooted or self._last_mcu_us is None:
            with self._lock:
                self._time_base_us = 0
                self._last_mcu_us = None
                self.engine.reset_motion()
        if hello.rate_sps != self.rate_sps or not hello.streaming:
            self._reconfigure.set()  # commands wait for ACKs: not on the reader thread

    def _on_state(self, state: LinkState) -> None:
        if state in (LinkState.DOWN, LinkState.CONNECTING):
            with self._lock:
                self.engine.reset_motion()
            self._publish(
                Reading(timestamp=time.monotonic(), grams=None, stable=False, faults=frozenset({"link_down"}))
            )

    def _on_message(self, message: Message, now: float) -> None:
        if isinstance(message, Sample):
            self._on_sample(message, now)
        elif isinstance(message, Status):
            self._channel_faults = message.faults

    def _device_time_s(self, mcu_us: int) -> float:
        if self._last_mcu_us is not None and mcu_us < self._last_mcu_us and self._last_mcu_us - mcu_us > 1 << 31:
            self._time_base_us += 1 << 32  # the 32-bit microsecond clock wrapped (every 71.6 min)
        self._last_mcu_us = mcu_us
        return (self._time_base_us + mcu_us) / 1e6

    def _on_sample(self, sample: Sample, now: float) -> None:
        faults: set[str] = set()
        n = len(sample.counts)
        if n != len(self.calibration.cells):
            faults.add("channel_count_mismatch")
        for i, flags in enumerate(self._channel_faults[:n]):
            for name in fault_names(flags & INVALIDATING):
                faults.add(f"cell{i}:{name}")
        for i in range(n):
            if sample.stale_mask >> i & 1:
                faults.add(f"cell{i}:stale")
        with self._lock:
            t = self._device_time_s(sample.mcu_time_us)
            if "channel_count_mismatch" in faults:
                reading = Reading(timestamp=now, grams=None, stable=False, faults=frozenset(faults), device_time_s=t)
            else:
                reading = self.engine.process(t, sample.counts, frozenset(faults), now)
            self.samples += 1
            self.last_sample = sample
            if not sample.stale_mask:
                self.recent_counts.append((t, sample.counts))
            # Published under the lock: a reading made before a tare() can never arrive after it returns.
            self._publish(reading)
            due = self._zero_to_save(now)
        if due is not None:
            self._save_zero(*due)

    def _zero_to_save(self, now: float) -> tuple[tuple[float, ...], tuple[float, ...], Calibration] | None:
        """(zero, reference, calibration) when the zero should be saved now: it moved by an interval since the
        last save, or a minute passed (the file's time says the zero is current). Called under the lock."""
        if self.zero_memory is None or not self.engine.zeroed:
            return None
        zero = self.engine.zero_counts
        if self._zero_saved is not None:
            at, before = self._zero_saved
            moved_g = abs(
                sum((z - b) * c.grams_per_count for z, b, c in zip(zero, before, self.calibration.cells, strict=False))
            )
            if moved_g < ZERO_SAVE_MOVE_G and now - at < ZERO_SAVE_EVERY_S:
                return None
        self._zero_saved = (now, zero)
        return zero, self.engine.reference_counts, self.calibration

    def _save_zero(self, zero: tuple[float, ...], reference: tuple[float, ...], calibration: Calibration) -> None:
        assert self.zero_memory is not None
        try:
            self.zero_memory.save(zero, reference, calibration)
        except OSError as exc:  # weighing goes on; only a restart with a load on the tray would suffer
            log.warning("cannot save the scale zero to %s: %s", self.zero_memory.path, exc)

    def _configure_loop(self) -> None:
        while not self._closed:
            self._reconfigure.wait()
            self._reconfigure.clear()
            if self._closed:
                return
            hello = self.link.hello
            try:
                if hello is not None and hello.rate_sps != self.rate_sps:
                    self.link.set_rate(self.rate_sps)
                    self.info.rate_sps = self.rate_sps
                if hello is not None and not hello.streaming:
                    self.link.set_streaming(True)
            except LinkError:
                time.sleep(0.2)
                self._reconfigure.set()

    # -- operations --------------------------------------------------------------------------------------

    def zero(self) -> None:
        with self._lock:
            self.engine.zero()

    def tare(self) -> float:
        with self._lock:
            return self.engine.tare()

    def preset_tare(self, grams: float) -> float:
        with self._lock:
            return self.engine.preset_tare(grams)

    def clear_tare(self) -> None:
        with self._lock:
            self.engine.clear_tare()

    def mean_counts(self, seconds: float) -> tuple[float, ...]:
        """Per-cell raw counts averaged over the last ``seconds`` of device time (for calibration).

        Samples with a cell far from that cell's median over the window are left out: the firmware's
        median-of-3 filter lets a spike through when two come in a row, and one flipped high bit among
        40 samples would move the mean by thousands of counts."""
        with self._lock:
            recent = list(self.recent_counts)
        if not recent:
            raise ScaleError("no samples from the scale yet")
        newest = recent[-1][0]
        return robust_mean_counts([c for t, c in recent if newest - t <= seconds])

    def set_calibration(self, calibration: Calibration, save: bool = True) -> None:
        """Use a new calibration (and write it to this scale's calibration file)."""
        with self._lock:
            self.calibration = calibration
            self.engine = WeighingEngine(
                calibration,
                criteria=self.engine._stability.criteria,
                initial_zero=False,
                zero_tracking=self.engine.zero_tracking,
                dynamic=self.engine.dynamic_criteria,
            )
        if save and self.calibration_path is not None:
            calibration.save(self.calibration_path)
