"""Prometheus metrics at ``/metrics``: requests, latencies, verdicts, open flags, payment outcomes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from backend.models import Flag, Payment, Verdict


def install(app: FastAPI) -> None:
    registry = CollectorRegistry()
    requests = Counter("basketcheck_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram(
        "basketcheck_http_request_seconds",
        "HTTP request latency",
        ["route"],
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        registry=registry,
    )
    verdicts = Gauge("basketcheck_verdicts", "verdicts recorded, by kind", ["kind"], registry=registry)
    open_flags = Gauge("basketcheck_open_flags", "flags waiting for staff", registry=registry)
    payments = Gauge("basketcheck_payments", "payments, by status", ["status"], registry=registry)

    @app.middleware("http")
    async def _measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")  # the template, never ids: bounded label values
        latency.labels(path).observe(time.perf_counter() - started)
        requests.labels(request.method, path, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    def _metrics() -> Response:
        with app.state.sessionmaker() as session:
            for kind, count in session.execute(select(Verdict.kind, func.count()).group_by(Verdict.kind)):
                verdicts.labels(kind).set(count)
            open_flags.set(session.scalar(select(func.count(Flag.id)).where(Flag.status != "resolved")) or 0)
            for status, count in session.execute(select(Payment.status, func.count()).group_by(Payment.status)):
                payments.labels(status).set(count)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
