"""The station's camera models: the top camera is render.py's, the side cameras look obliquely from the ends."""

from __future__ import annotations

import numpy as np
import pytest

from hardware_sim.render import tray_to_pixel
from hardware_sim.views import (
    VIEWS,
    CameraView,
    get_view,
    pixel_to_tray,
    project,
    project_points,
    ray_directions,
    tray_homography,
)

CORNERS = [(0.0, 0.0), (600.0, 0.0), (0.0, 400.0), (600.0, 400.0)]


@pytest.mark.parametrize(
    ("x", "y", "z"), [(300, 200, 0), (0, 0, 0), (600, 400, 0), (100, 50, 80), (550, 380, 300), (300, 200, 500)]
)
def test_top_view_is_render_tray_to_pixel(x: float, y: float, z: float) -> None:
    assert project(VIEWS["top"], x, y, z) == pytest.approx(tray_to_pixel(x, y, z), abs=1e-9)


@pytest.mark.parametrize("view_id", list(VIEWS))
def test_tray_homography_maps_the_corners(view_id: str) -> None:
    view = VIEWS[view_id]
    h = tray_homography(view)
    assert h.shape == (3, 3)
    for x, y in CORNERS:
        u, v, w = h @ np.array([x, y, 1.0])
        assert (u / w, v / w) == pytest.approx(project(view, x, y, 0.0), abs=1e-6)
        assert pixel_to_tray(view, *project(view, x, y, 0.0)) == pytest.approx((x, y), abs=1e-6)
    if view_id == "top":
        assert [tuple(project(view, x, y)) for x, y in CORNERS] == [(160, 40), (1120, 40), (160, 680), (1120, 680)]


@pytest.mark.parametrize("view_id", ["left", "right"])
def test_side_views_see_the_whole_tray_obliquely(view_id: str) -> None:
    view = VIEWS[view_id]
    assert 12 <= view.depression_deg <= 25
    assert view.position[2] == 250
    w, h = view.size
    pts = project_points(view, np.array([(x, y, z) for x, y in CORNERS for z in (0.0, 150.0)]))
    assert (pts[:, 0] > 0).all() and (pts[:, 0] < w).all() and (pts[:, 1] > 0).all() and (pts[:, 1] < h).all()


def test_side_pictures_are_not_mirrored() -> None:
    left, right = VIEWS["left"], VIEWS["right"]
    # Left looks towards +x: the shopper's side (y = 400) is on its right, the far end (x = 600) higher up.
    assert project(left, 300, 400)[0] > project(left, 300, 0)[0]
    assert project(left, 600, 200)[1] < project(left, 0, 200)[1]
    assert project(right, 300, 400)[0] < project(right, 300, 0)[0]
    assert project(right, 0, 200)[1] < project(right, 600, 200)[1]
    # The same camera turned half round the tray's centre: a point and its turned twin land on the same pixel.
    assert project(right, 600 - 120, 400 - 90, 40) == pytest.approx(project(left, 120, 90, 40))


def test_ray_directions_go_through_their_pixels() -> None:
    view = VIEWS["left"]
    rays = ray_directions(view)
    assert rays.shape == (720, 1280, 3) and rays.dtype == np.float32
    for row, col in ((0, 0), (360, 640), (719, 1279), (100, 900)):
        point = np.asarray(view.position) + 500.0 * rays[row, col]
        assert project(view, *point) == pytest.approx((col + 0.5, row + 0.5), abs=1e-3)


def test_bad_cameras_are_refused() -> None:
    with pytest.raises(ValueError, match="parallel"):
        CameraView("down", (0, 0, 1000), (0, 0, 0), 1000.0)  # 'up' (z) along the line of sight
    with pytest.raises(ValueError, match="focal length"):
        CameraView("x", (0, 0, 1000), (0, 1, 0), 0.0)
    with pytest.raises(KeyError, match="known are top, left, right"):
        get_view("back")
    with pytest.raises(ValueError, match="behind the camera"):
        project(VIEWS["left"], -600, 200, 900)


def test_camera_lists_are_parsed_once_for_every_command() -> None:
    from hardware_sim.views import parse_cameras

    assert parse_cameras(" top, left ,right") == ("top", "left", "right")
    with pytest.raises(ValueError, match="unknown camera 'front'"):
        parse_cameras("top,front")
    with pytest.raises(ValueError, match="names a camera twice"):
        parse_cameras("top,top")
    with pytest.raises(ValueError, match="unknown camera none"):
        parse_cameras(" , ")
