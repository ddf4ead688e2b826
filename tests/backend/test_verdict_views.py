"""Several cameras in a verdict (#17): the document's views and per-camera detections, what the staff API makes
of them (every view with its photo's URL and its own boxes), and old one-photo verdicts as before."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from backend.evidence_views import flag_views
from backend.schemas_staff import EvidenceRef
from backend.schemas_units import VerdictDocument, VerdictIn
from tests.backend.conftest import COLA, COLA_CODE, UnitActor, checked_out_trip, staff_login

JPEG = b"\xff\xd8\xff\xe0"


def document(**extra: Any) -> dict[str, Any]:
    return {
        "verdict_id": "verdict-0001",
        "unit_id": "demo-unit-1",
        "trip_id": "t1",
        "trip_version": 2,
        "kind": "FLAG",
        "score": 0.9,
        "signed_at": dt.datetime(2026, 12, 4, 10, tzinfo=dt.UTC).isoformat(),
        **extra,
    }


def box(label: str, camera: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"label": label, "gtin14": COLA, "box": [10, 20, 110, 220], "confidence": 0.9}
    if camera is not None:
        found["camera"] = camera
    return found


THREE_VIEWS = [
    {"camera": "top", "attachment": "photo", "ok": True},
    {"camera": "left", "attachment": "photo_left", "ok": True},
    {"camera": "right", "attachment": None, "ok": False, "problem": "no frame for 2.0 s"},
]
HASHES = {"photo": "0" * 64, "photo_left": "1" * 64}


@pytest.mark.parametrize(
    ("extra", "outcome"),
    [
        ({}, nullcontext()),  # an old unit: no views
        ({"views": THREE_VIEWS, "evidence": HASHES}, nullcontext()),
        (
            {"views": [{"camera": "top", "attachment": "photo", "ok": True}]},
            pytest.raises(ValidationError, match=r"attachment photo is not among the verdict's evidence \(none\)"),
        ),
        (
            {
                "views": [*THREE_VIEWS[:2], {"camera": "right", "attachment": "photo_right", "ok": True}],
                "evidence": HASHES,
            },
            pytest.raises(ValidationError, match=r"attachment photo_right is not among .*\(photo, photo_left\)"),
        ),
        (
            {"views": [{"camera": "Left", "attachment": None, "ok": False}]},
            pytest.raises(ValidationError, match="pattern"),
        ),
        (
            {"views": [{"camera": "a" * 21, "attachment": None, "ok": False}]},
            pytest.raises(ValidationError, match="pattern"),
        ),
        (
            {"views": [{"camera": "top", "ok": False, "problem": "x" * 301}]},
            pytest.raises(ValidationError, match="300"),
        ),
        (
            {"views": [{"camera": "top", "ok": False}, {"camera": "top", "ok": False}]},
            pytest.raises(ValidationError, match="top is listed more than once"),
        ),
        (
            {"views": [{"camera": f"c{i}", "ok": False} for i in range(9)]},
            pytest.raises(ValidationError, match="at most 8"),
        ),
        ({"views": [{"camera": f"c{i}", "ok": False} for i in range(8)]}, nullcontext()),
        ({"detections": [box("Cola", "left"), box("Cola")]}, nullcontext()),
        ({"detections": [box("Cola", "left-1")]}, pytest.raises(ValidationError, match="pattern")),
        ({"detections": [box("Cola", "")]}, pytest.raises(ValidationError, match="pattern")),
    ],
)
def test_views_and_cameras_in_the_document(extra: dict[str, Any], outcome: AbstractContextManager[Any]) -> None:
    with outcome:
        VerdictDocument.model_validate(document(**extra))


@pytest.mark.parametrize(
    ("count", "outcome"), [(16, nullcontext()), (17, pytest.raises(ValidationError, match="at most 16"))]
)
def test_a_verdict_carries_up_to_16_attachments(count: int, outcome: AbstractContextManager[Any]) -> None:
    attachments = [{"name": f"photo_c{i}", "content_type": "image/jpeg", "data_b64": ""} for i in range(count)]
    with outcome:
        VerdictIn.model_validate({"document": document(), "signature": "s", "attachments": attachments})


def refs(*names: str) -> list[EvidenceRef]:
    return [
        EvidenceRef(evidence_id=i, name=n, content_type="image/jpeg", url=f"/v1/staff/evidence/{i}")
        for i, n in enumerate(names, 1)
    ]


def test_each_view_gets_its_photo_and_its_own_boxes() -> None:
    doc = document(views=THREE_VIEWS, detections=[box("top cola", "top"), box("unnamed"), box("left cola", "left")])
    views = flag_views(doc, refs("photo", "photo_left", "weight_trace"))
    assert [(v.camera, v.primary, v.ok, v.url) for v in views] == [
        ("top", True, True, "/v1/staff/evidence/1"),
        ("left", False, True, "/v1/staff/evidence/2"),
        ("right", False, False, None),
    ]
    assert [[d.label for d in v.detections] for v in views] == [["top cola", "unnamed"], ["left cola"], []]
    assert views[2].problem == "no frame for 2.0 s"


def test_detections_without_a_camera_go_to_the_photo_view_wherever_it_is_listed() -> None:
    views = [
        {"camera": "left", "attachment": "photo_left", "ok": True},
        {"camera": "top", "attachment": "photo", "ok": True},
    ]
    out = flag_views(document(views=views, detections=[box("plain")]), refs("photo_left", "photo"))
    assert [(v.camera, v.primary, len(v.detections)) for v in out] == [("left", False, 0), ("top", True, 1)]


@pytest.mark.parametrize(
    ("names", "expected"),
    [(("photo", "weight_trace"), [("photo", True, "/v1/staff/evidence/1", 2)]), (("weight_trace",), [])],
)
def test_an_old_unit_has_its_one_photo_as_the_only_view(names: tuple[str, ...], expected: list[Any]) -> None:
    views = flag_views(document(detections=[box("a"), box("b")]), refs(*names))
    assert [(v.camera, v.primary, v.url, len(v.detections)) for v in views] == expected


# -- through the API ---------------------------------------------------------------------------------------


def three_view_verdict(unit: UnitActor, **extra: Any) -> dict[str, Any]:
    return unit.verdict_body(
        unit.session(),
        "FLAG",
        attachments={"photo": JPEG + b"top", "photo_left": JPEG + b"left", "weight_trace": b"\x89PNG"},
        views=THREE_VIEWS,
        detections=[box("Cola", "top"), box("Cola from the left", "left")],
        seen={COLA: 1},
        **extra,
    )


def test_a_flag_with_three_views_returns_them_with_urls(client: TestClient, unit: UnitActor) -> None:
    checked_out_trip(client, unit, COLA_CODE)
    response = unit.send_verdict(three_view_verdict(unit))
    assert response.status_code == 200, response.text
    flag_id = response.json()["flag_id"]
    staff_login(client, "alice")
    detail = client.get(f"/v1/staff/flags/{flag_id}").json()
    views = detail["views"]
    assert [(v["camera"], v["attachment"], v["ok"], v["primary"]) for v in views] == [
        ("top", "photo", True, True),
        ("left", "photo_left", True, False),
        ("right", None, False, False),
    ]
    assert views[2] == {**views[2], "url": None, "problem": "no frame for 2.0 s", "detections": []}
    assert [d["label"] for d in views[1]["detections"]] == ["Cola from the left"]
    for view, content in zip(views[:2], (b"top", b"left"), strict=True):
        photo = client.get(view["url"])
        assert photo.status_code == 200 and photo.content == JPEG + content
    assert detail["verdict"]["views"] == THREE_VIEWS  # the signed document, as the unit sent it


def test_a_view_naming_a_missing_attachment_is_refused_clearly(client: TestClient, unit: UnitActor) -> None:
    checked_out_trip(client, unit, COLA_CODE)
    body = three_view_verdict(unit)
    body["document"]["views"] = [*THREE_VIEWS[:2], {"camera": "right", "attachment": "photo_right", "ok": True}]
    response = unit.send_verdict(body)  # the signature is checked later: the schema refuses first
    assert response.status_code == 422
    assert "attachment photo_right is not among the verdict's evidence" in response.json()["detail"]


def test_an_old_one_photo_flag_shows_as_one_view(client: TestClient, unit: UnitActor) -> None:
    checked_out_trip(client, unit, COLA_CODE)
    body = unit.verdict_body(unit.session(), "FLAG", attachments={"photo": JPEG}, detections=[box("Cola")])
    flag_id = unit.send_verdict(body).json()["flag_id"]
    staff_login(client, "alice")
    detail = client.get(f"/v1/staff/flags/{flag_id}").json()
    assert [(v["camera"], v["primary"], len(v["detections"])) for v in detail["views"]] == [("photo", True, 1)]
    assert detail["views"][0]["url"] == detail["evidence"][0]["url"]
