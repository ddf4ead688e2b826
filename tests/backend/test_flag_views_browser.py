"""The flag page with several cameras (#17), in a real browser (Playwright driving Debian's Chromium).

A unit posts a verdict with three views; on a tablet the page shows one tab per camera (named in the page's
language), each view large with its own boxes and its own zoom, switched by tap, click, arrow keys or 1–8; a
camera that was down says why instead of a photo. The screenshot goes to docs/images/staff-flag-views.png.

The side views are stand-ins made from the top camera's frame (one smaller, one mirrored, the boxes moved
with them): what matters here is that each photo has its own size and its own boxes.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.backend.conftest import COLA_CODE, PASSWORD, UnitActor, checked_out_trip
from tests.backend.test_dashboard_browser import SCREENSHOTS, TABLET, evidence_photo

pytestmark = pytest.mark.browser

READABLE_PX = 16  # a box label's height on the tablet's screen at the least


def side_views(top: bytes, detections: list[dict[str, Any]]) -> dict[str, tuple[bytes, list[dict[str, Any]]]]:
    """A "left" photo at half the size and a mirrored "right" one, each with the top camera's boxes moved."""
    import cv2
    import numpy as np

    frame = cv2.imdecode(np.frombuffer(top, np.uint8), cv2.IMREAD_COLOR)
    height, width = frame.shape[:2]
    left = cv2.resize(frame, (width // 2, height // 2))
    right = cv2.flip(frame, 1)
    out = {}
    for camera, image, move in (
        ("left", left, lambda b: [v / 2 for v in b]),
        ("right", right, lambda b: [width - b[2], b[1], width - b[0], b[3]]),
    ):
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
        assert ok
        boxes = [{**d, "box": move(d["box"]), "camera": camera} for d in detections[: 2 if camera == "left" else 3]]
        out[camera] = (jpeg.tobytes(), boxes)
    return out


def post_flag(
    base: str,
    unit_credentials: Any,
    views: list[dict[str, Any]],
    photos: dict[str, bytes],
    detections: list[dict[str, Any]],
) -> int:
    with httpx.Client(base_url=base, timeout=30) as http:
        unit = UnitActor(http, unit_credentials)
        checked_out_trip(http, unit, COLA_CODE)
        body = unit.verdict_body(
            unit.session(),
            "FLAG",
            attachments=photos,
            views=views,
            detections=detections,
            reasons=[{"code": "unexplained_weight", "message": "890 g more than scanned: about one unscanned item"}],
            explanation="890 g more than scanned",
        )
        response = unit.send_verdict(body)
        assert response.status_code == 200, response.text
        flag_id: int = response.json()["flag_id"]
        return flag_id


def open_flag(browser: Any, base: str, flag_id: int) -> Any:
    # A tablet: touch, upright, German.
    context = browser.new_context(viewport=TABLET, locale="de-DE", has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/staff/login?next=/staff/flags/{flag_id}")
    page.get_by_label("Benutzername").fill("alice")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/staff/flags/{flag_id}")
    return page


def loaded(page: Any, suffix: str) -> None:
    page.locator(f"#photo-img{suffix}").wait_for(state="attached")
    page.wait_for_function(f"document.getElementById('photo-img{suffix}').naturalWidth > 0")
    page.locator(f"#photo-boxes{suffix} rect").first.wait_for(state="attached")


def label_height(page: Any, suffix: str) -> float:
    box = page.locator(f"#photo-boxes{suffix} text").first.bounding_box()
    assert box is not None
    return float(box["height"])


def test_every_view_is_shown_large_with_its_own_boxes_and_zoom(browser, live_server, unit_credentials) -> None:
    top, detections, _seen = evidence_photo()
    assert len(detections) >= 3
    sides = side_views(top, detections)
    top_boxes = [*[{**d, "camera": "top"} for d in detections[1:]], detections[0]]  # no camera: the primary view
    views = [
        {"camera": "top", "attachment": "photo", "ok": True},
        {"camera": "left", "attachment": "photo_left", "ok": True},
        {"camera": "right", "attachment": "photo_right", "ok": True},
    ]
    photos = {"photo": top, "photo_left": sides["left"][0], "photo_right": sides["right"][0]}
    flag_id = post_flag(
        live_server.url, unit_credentials, views, photos, top_boxes + sides["left"][1] + sides["right"][1]
    )
    page = open_flag(browser, live_server.url, flag_id)

    tabs = page.get_by_role("tab")
    tabs.first.wait_for()
    assert page.locator("#views .name").all_inner_texts() == ["Oben", "Links", "Rechts"]
    assert page.locator("#views kbd").all_inner_texts() == ["1", "2", "3"]
    assert page.get_by_role("tab", name="Oben").get_attribute("aria-selected") == "true"
    loaded(page, "")
    assert page.locator("#photo-boxes rect").count() == len(detections)  # its own and the one without a camera
    assert page.locator("#view-panel-left").is_hidden() and page.locator("#view-panel-right").is_hidden()
    photo = page.locator("#photo-img").bounding_box()
    assert photo is not None and photo["width"] >= 900, photo  # large on the tablet
    top_label = label_height(page, "")
    assert top_label >= READABLE_PX
    page.locator("#photo-title").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "staff-flag-views.png"))

    page.get_by_role("tab", name="Links").tap()  # a finger
    loaded(page, "-left")
    assert page.locator("#view-panel-left").is_visible() and page.locator("#view-panel-top").is_hidden()
    assert page.locator("#photo-boxes-left rect").count() == 2
    # Half the pixels, the same label size on screen.
    assert label_height(page, "-left") == pytest.approx(top_label, rel=0.15)
    left = page.locator("#photo-viewport-left")
    left.click(position={"x": 200, "y": 150})  # a click zooms this view in there
    assert left.get_attribute("data-scale") == "2.50"
    assert page.locator("#zoom-level").inner_text().replace("\u00a0", " ") == "250 %"

    page.keyboard.press("3")  # the third view
    loaded(page, "-right")
    assert page.get_by_role("tab", name="Rechts").get_attribute("aria-selected") == "true"
    assert page.locator("#photo-boxes-right rect").count() == 3
    right = page.locator("#photo-viewport-right")
    assert right.get_attribute("data-scale") == "1.00"  # each view has its own zoom
    assert page.locator("#zoom-level").inner_text().replace("\u00a0", " ") == "100 %"
    page.keyboard.press("+")
    assert right.get_attribute("data-scale") == "1.50"
    assert left.get_attribute("data-scale") == "2.50"

    page.get_by_role("tab", name="Rechts").focus()
    page.keyboard.press("ArrowLeft")  # the tabs pattern: arrows move and show
    assert page.get_by_role("tab", name="Links").get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "view-tab-left"
    assert page.locator("#zoom-level").inner_text().replace("\u00a0", " ") == "250 %"  # kept while away
    page.keyboard.press("0")
    assert left.get_attribute("data-scale") == "1.00"
    page.keyboard.press("b")  # boxes off on every view
    assert page.locator("#photo-boxes-left").is_hidden()
    page.keyboard.press("End")
    assert page.locator("#photo-boxes-right").is_hidden()
    page.context.close()


def test_a_camera_that_was_down_says_why(browser, live_server, unit_credentials) -> None:
    top, detections, _seen = evidence_photo()
    views = [
        {"camera": "top", "attachment": "photo", "ok": True},
        {"camera": "left", "attachment": None, "ok": False, "problem": "no frame for 2.0 s"},
        {"camera": "back2", "attachment": None, "ok": False},
    ]
    flag_id = post_flag(live_server.url, unit_credentials, views, {"photo": top}, detections)
    page = open_flag(browser, live_server.url, flag_id)
    loaded(page, "")
    tabs = page.get_by_role("tab")
    assert tabs.count() == 3
    assert "back2" in tabs.nth(2).inner_text()  # a camera without a name of its own: its id
    tabs.nth(1).tap()
    panel = page.locator("#view-panel-left")
    assert panel.inner_text() == "Kamera links: no frame for 2.0 s"
    assert panel.locator("img").count() == 0
    assert page.locator("#zoom-in").is_disabled()
    tabs.nth(2).click()
    assert page.locator("#view-panel-back2").inner_text() == "Kamera back2: kein Bild"
    page.context.close()


def test_an_old_one_photo_flag_looks_as_before(browser, live_server, unit_credentials) -> None:
    top, detections, _seen = evidence_photo()
    flag_id = post_flag(live_server.url, unit_credentials, [], {"photo": top}, detections)
    page = open_flag(browser, live_server.url, flag_id)
    loaded(page, "")
    assert page.locator("#views").is_hidden()  # no tabs for one photo
    assert page.locator("#photo-boxes rect").count() == len(detections)
    assert page.locator("#photo-img").get_attribute("alt") == "Der Korb auf der Prüfstation, wie die Kamera ihn sah"
    page.context.close()
