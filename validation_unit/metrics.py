"""The unit's Prometheus metrics (its own registry, served at the screen server's /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Enum, Histogram, generate_latest

PHASES = ["out_of_service", "idle", "arriving", "settling", "capture", "verdict"]


class UnitMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.time_to_verdict = Histogram(
            "basketcheck_unit_time_to_verdict_seconds",
            "Basket placed (or changed) until the verdict is on the screen",
            buckets=(0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0),
            registry=self.registry,
        )
        self.verdicts = Counter(
            "basketcheck_unit_verdicts", "Verdicts shown, by kind", ["kind"], registry=self.registry
        )
        self.detector = Histogram(
            "basketcheck_unit_detector_seconds",
            "Product detector time per picture",
            buckets=(0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5),
            registry=self.registry,
        )
        self.committed = Counter(
            "basketcheck_unit_verdicts_sent",
            "Verdicts the backend accepted (result=ok) or refused",
            ["result"],
            registry=self.registry,
        )
        self.state = Enum("basketcheck_unit_phase", "The station's phase", states=PHASES, registry=self.registry)

    def verdict(self, kind: str, time_to_verdict_s: float, detector_s: float | None) -> None:
        self.verdicts.labels(kind=kind).inc()
        self.time_to_verdict.observe(time_to_verdict_s)
        if detector_s is not None:
            self.detector.observe(detector_s)

    def phase(self, phase: str) -> None:
        if phase in PHASES:
            self.state.state(phase)

    def sent(self, ok: bool) -> None:
        self.committed.labels(result="ok" if ok else "refused").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
