"""The cameras' views of a verdict as the flag page shows them (#17): each camera's photo with its own boxes.

A unit with several cameras lists them in the document's ``views``; a detection belongs to the view of its
``camera``, and one without a camera to the primary view (the attachment "photo"). A unit with one camera
sends no views: its photo, if it sent one, is the only view and every detection is on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.schemas_staff import EvidenceRef, FlagView
from backend.schemas_units import PRIMARY_PHOTO, DetectionOut

LEGACY_CAMERA = "photo"  # the camera id given to a one-camera unit's photo


def flag_views(document: dict[str, Any], evidence: Sequence[EvidenceRef]) -> list[FlagView]:
    """The views of a stored verdict document, in the unit's order, with the evidence URL of each photo."""
    by_name = {e.name: e for e in evidence}
    detections = [DetectionOut.model_validate(d) for d in document.get("detections") or []]
    views = document.get("views") or []
    if not views:
        if PRIMARY_PHOTO not in by_name:
            return []
        views = [{"camera": LEGACY_CAMERA, "attachment": PRIMARY_PHOTO, "ok": True}]
    attachments = [v.get("attachment") for v in views]
    primary = attachments.index(PRIMARY_PHOTO) if PRIMARY_PHOTO in attachments else 0
    out = []
    for index, view in enumerate(views):
        camera = str(view["camera"])
        ref = by_name.get(view.get("attachment") or "")
        out.append(
            FlagView(
                camera=camera,
                primary=index == primary,
                ok=bool(view.get("ok", True)),
                problem=str(view.get("problem") or ""),
                attachment=view.get("attachment"),
                url=ref.url if ref else None,
                content_type=ref.content_type if ref else None,
                detections=[d for d in detections if d.camera == camera or (d.camera is None and index == primary)],
            )
        )
    return out
