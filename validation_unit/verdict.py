"""The verdict document the unit signs and posts (the backend's ``VerdictDocument``), built from a decision.

Pure: the id and the time are passed in, so the same inputs give the same document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from validation_unit.basket import Decision, ExpectedBasket, SeenObject
from validation_unit.views import photo_name

MAX_TRACE = 5000
MAX_DETECTIONS = 500
MAX_VIEWS = 8


def verdict_document(
    *,
    verdict_id: str,
    unit_id: str,
    expected: ExpectedBasket,
    decision: Decision,
    objects: Sequence[SeenObject],
    trace: Sequence[tuple[float, float]],
    attachments: Mapping[str, tuple[str, bytes]],
    signed_at: dt.datetime,
    views: Sequence[tuple[str, bool, str]] = (),
) -> dict[str, Any]:
    """The JSON document, ready to sign (only JSON types: dicts, lists, str, int, float, bool, None).

    ``objects`` are the detections on the photos, each with its camera; ``views`` say per camera (camera id,
    usable, problem; the primary first) whether it gave a usable picture and which attachment is its photo."""
    measured_net = None
    if decision.measured_g is not None:
        measured_net = round(decision.measured_g - decision.tare_g, 1)
    weight = None
    if decision.expected_g is not None and decision.measured_g is not None:
        weight = {
            "expected_g": round(decision.expected_g, 1),
            "sigma_g": round(decision.sigma_g or 0.0, 2),
            "measured_g": round(decision.measured_g, 1),
            "tare_g": round(decision.tare_g, 1),
        }
    return {
        "verdict_id": verdict_id,
        "unit_id": unit_id,
        "trip_id": expected.trip_id,
        "trip_version": expected.trip_version,
        "kind": decision.kind,
        "reasons": [_reason(r.to_dict()) for r in decision.reasons[:50]],
        "score": round(min(1.0, max(0.0, decision.score)), 4),
        "audit": expected.audit,
        "measured_net_g": measured_net,
        "explanation": decision.explanation[:2000],
        "signed_at": signed_at.astimezone(dt.UTC).isoformat(),
        "evidence": {name: hashlib.sha256(data).hexdigest() for name, (_, data) in attachments.items()},
        "seen": dict(sorted(decision.seen.items())),
        "non_merchandise": decision.non_merchandise,
        "detections": [
            {
                "label": o.label[:200],
                "gtin14": o.gtin14,
                "box": [round(float(v), 1) for v in o.box],
                "confidence": round(float(o.confidence), 4),
                "camera": o.camera or None,  # None: not known (a unit with one camera gives "top")
            }
            for o in objects[:MAX_DETECTIONS]
        ],
        "views": views_field(views, attachments),
        "weight": weight,
        "weight_trace": [[round(t, 3), round(g, 1)] for t, g in _thin(trace, MAX_TRACE)],
    }


def views_field(
    views: Sequence[tuple[str, bool, str]], attachments: Mapping[str, tuple[str, bytes]]
) -> list[dict[str, Any]]:
    """The document's ``views``: per camera (the primary first) its id, the attachment holding its photo (None:
    it gave no picture), whether its picture was usable and, if not, why."""
    out = []
    for i, (camera, ok, problem) in enumerate(views[:MAX_VIEWS]):
        name = photo_name(camera, primary=i == 0)
        out.append(
            {
                "camera": camera,
                "attachment": name if name in attachments else None,
                "ok": bool(ok),
                "problem": "" if ok else str(problem)[:200],
            }
        )
    return out


def _reason(raw: dict[str, Any]) -> dict[str, Any]:
    raw["message"] = str(raw["message"])[:500]
    return raw


def _thin(trace: Sequence[tuple[float, float]], limit: int) -> Sequence[tuple[float, float]]:
    """At most ``limit`` points, evenly chosen, always keeping the last one."""
    if len(trace) <= limit:
        return trace
    step = len(trace) / (limit - 1)
    return [trace[int(i * step)] for i in range(limit - 1)] + [trace[-1]]
