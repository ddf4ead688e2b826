"""Prometheus metrics at ``/metrics``: requests, latencies, verdicts, open flags, payment outcomes."""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.models import Flag, Payment, Verdict


class _Measure:
    """Counts every request and times it by route template (never ids: bounded label values). Plain ASGI: the
    ``@app.middleware("http")`` kind costs a task and a response stream per request."""

    def __init__(self, app: ASGIApp, latency: Histogram, requests: Counter) -> None:
        self.app, self.latency, self.requests = app, latency, requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception escaping the app becomes a 500 further out

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")  # the router stores the matched route
            self.latency.labels(path).observe(time.perf_counter() - started)
            self.requests.labels(scope["method"], path, str(status)).inc()


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

    app.add_middleware(_Measure, latency=latency, requests=requests)

    @app.get("/metrics", include_in_schema=False)
    def _metrics() -> Response:
        with app.state.sessionmaker() as session:
            for kind, count in session.execute(select(Verdict.kind, func.count()).group_by(Verdict.kind)):
                verdicts.labels(kind).set(count)
            open_flags.set(session.scalar(select(func.count(Flag.id)).where(Flag.status != "resolved")) or 0)
            for status, count in session.execute(select(Payment.status, func.count()).group_by(Payment.status)):
                payments.labels(status).set(count)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
