"""The verdict document: accepted by the backend's schema and verifiable with the unit's public key."""

from __future__ import annotations

import datetime as dt
import json

from backend.schemas_units import VerdictDocument
from backend.signing import canonical_json, generate_keys, sign_document, verify_document
from validation_unit.basket import Decision, ExpectedBasket, ExpectedLine, Reason, SeenObject
from validation_unit.verdict import verdict_document


def test_a_document_the_backend_accepts_and_can_verify() -> None:
    expected = ExpectedBasket("trip1", 3, (ExpectedLine("04006381001014", "Cola can", 2, 345.0, 4.0),))
    decision = Decision(
        "RECHECK",
        (Reason("unscanned_item", "1× Razor Blades not scanned", "04012345000018", 1, (10.0, 20.0, 50.0, 60.0)),),
        0.7,
        "The camera saw razor blades that were not scanned.",
        expected_g=1340.0,
        sigma_g=8.1234,
        measured_g=1392.04,
        tare_g=650.0,
        seen={"04006381001014": 2, "04012345000018": 1},
    )
    objects = (SeenObject("04012345000018", "Razor Blades", 0.91234, (10.0, 20.0, 50.0, 60.0)),)
    trace = [(i * 0.0125, 100.0 + i) for i in range(8000)]
    document = verdict_document(
        verdict_id="v" * 32,
        unit_id="unit-1",
        expected=expected,
        decision=decision,
        objects=objects,
        trace=trace,
        attachments={"photo": ("image/jpeg", b"jpeg")},
        signed_at=dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC),
    )
    parsed = VerdictDocument.model_validate(document)
    assert parsed.kind == "RECHECK" and parsed.measured_net_g == 742.0
    assert parsed.weight is not None and parsed.weight.tare_g == 650.0
    assert len(parsed.weight_trace) == 5000 and parsed.weight_trace[-1] == [99.988, 8099.0]
    assert document["reasons"][0]["gtin14"] == "04012345000018"
    keys = generate_keys()
    signature = sign_document(keys.private_key, document)
    verify_document(keys.public_key, json.loads(json.dumps(document)), signature)  # as the backend receives it
    assert canonical_json(document) == canonical_json(json.loads(json.dumps(document)))


def test_detections_name_their_camera_and_views_name_their_photo() -> None:
    expected = ExpectedBasket("trip1", 1, (ExpectedLine("04006381001014", "Cola can", 1, 345.0, 4.0),))
    decision = Decision("PASS", (), 0.01, "ok", seen={"04006381001014": 1})
    objects = (
        SeenObject("04006381001014", "Cola can", 0.9, (10.0, 20.0, 50.0, 60.0), "top"),
        SeenObject("04006381001014", "Cola can", 0.8, (300.0, 20.0, 350.0, 90.0), "right"),
    )
    document = verdict_document(
        verdict_id="v" * 32,
        unit_id="unit-1",
        expected=expected,
        decision=decision,
        objects=objects,
        trace=[],
        attachments={"photo": ("image/jpeg", b"a"), "photo_right": ("image/jpeg", b"b")},
        signed_at=dt.datetime(2026, 12, 4, 3, tzinfo=dt.UTC),
        views=[("top", True, ""), ("left", False, "no picture from the camera"), ("right", True, "")],
    )
    assert [d["camera"] for d in document["detections"]] == ["top", "right"]
    unknown = verdict_document(
        verdict_id="v" * 32,
        unit_id="unit-1",
        expected=expected,
        decision=decision,
        objects=(SeenObject("04006381001014", "Cola can", 0.9, (10.0, 20.0, 50.0, 60.0)),),
        trace=[],
        attachments={},
        signed_at=dt.datetime(2026, 12, 4, 3, tzinfo=dt.UTC),
    )
    assert unknown["detections"][0]["camera"] is None and unknown["views"] == []  # a camera not known: None
    assert document["views"] == [
        {"camera": "top", "attachment": "photo", "ok": True, "problem": ""},
        {"camera": "left", "attachment": None, "ok": False, "problem": "no picture from the camera"},
        {"camera": "right", "attachment": "photo_right", "ok": True, "problem": ""},
    ]
    assert json.loads(json.dumps(document)) == document
