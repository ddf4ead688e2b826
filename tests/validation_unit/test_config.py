"""The unit's config file: defaults, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation_unit.config import ConfigError, load_config, parse_config


def test_defaults_and_a_full_file(tmp_path: Path) -> None:
    config = parse_config(
        """
        credentials = "unit.json"
        [scale]
        url = "/dev/ttyACM0"
        kind = "mtsics"
        [camera]
        url = "0"
        [policy]
        confidence = 0.995
        basket_types = [{name = "cart-small", tare_g = 1800, tare_sd_g = 20}]
        [timing]
        pass_hold_s = 1.5
        """
    )
    assert config.scale.kind == "mtsics" and config.camera.url == "0"
    policy = config.to_policy(scale_e_g=10.0)
    assert policy.confidence == 0.995 and policy.scale_e_g == 10.0
    assert [b.name for b in policy.basket_types] == ["cart-small"]
    assert config.to_timing().pass_hold_s == 1.5
    assert policy.z() == pytest.approx(2.807, abs=0.001)  # 99.5 % two-sided
    (tmp_path / "unit.toml").write_text('credentials = "unit.json"\n')
    assert load_config(tmp_path / "unit.toml").credentials == tmp_path / "unit.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[policy]\nconfidence = 1.5\n", "policy.confidence: Input should be less than 1"),
        ("[scale]\nkind = 'hx'\n", "scale.kind: Input should be 'firmware' or 'mtsics'"),
        ("[scale]\nbaud = 9600\n", "scale.baud: unknown key (a typo?)"),
        ("[timing]\npass_hold_s = 'long'\n", "timing.pass_hold_s: Input should be a valid number"),
        ("[policy]\nvision_weak = 0.9\nvision_strong = 0.5\n", "policy: vision_weak must not exceed vision_strong"),
        ("[policy\n", "not valid TOML"),
        ("[policy]\ndecision = 'rules'\n", "policy.decision: Input should be 'cascade' or 'model'"),
        ("[policy]\npass_probability = 0.3\n", "policy.pass_probability: Input should be greater than 0.5"),
        ("[policy]\ncamera_calibration = '/nowhere/cal.json'\n", "no such camera calibration"),
    ],
)
def test_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "unit.toml")
    assert message in str(caught.value) and str(caught.value).startswith("unit.toml")


def test_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_the_documented_example_config_is_valid() -> None:
    example = Path(__file__).parents[2] / "docs" / "unit.example.toml"
    config = load_config(example)
    assert config.scale.url == "/dev/ttyACM0" and config.credentials == example.parent / "unit.json"
    assert [b.name for b in config.to_policy().basket_types][:2] == ["none", "basket-red"]


def test_several_cameras_are_a_list_and_one_camera_is_still_top() -> None:
    config = parse_config(
        """
        [camera]
        frame_timeout_s = 0.5
        [[cameras]]
        id = "top"
        url = "http://station:8081/top.mjpg"
        tray_homography = [[2.0, 0, 40], [0, 2.0, 30], [0, 0, 1]]
        [[cameras]]
        id = "left"
        url = "http://station:8081/left.mjpg"
        anchor = "bottom"
        detect = false
        """
    )
    cameras = config.camera_list()
    assert [(c.id, c.url) for c in cameras] == [
        ("top", "http://station:8081/top.mjpg"),
        ("left", "http://station:8081/left.mjpg"),
    ]
    assert cameras[0].tray_homography == [[2.0, 0, 40], [0, 2.0, 30], [0, 0, 1]] and cameras[1].tray_homography is None
    assert config.camera.frame_timeout_s == 0.5  # [camera] keeps the settings the cameras share
    assert [c.detect for c in cameras] == [True, False]  # the left view is evidence only
    assert config.camera.association == "count"  # the safe default: an item never counted twice
    assert parse_config('[camera]\nassociation = "place"\n').camera.association == "place"
    with pytest.raises(ValueError, match="association"):
        parse_config('[camera]\nassociation = "sum"\n')
    legacy = parse_config('[camera]\nurl = "0"\n').camera_list()
    assert [(c.id, c.url, c.tray_homography) for c in legacy] == [("top", "0", None)]
    assert parse_config("").camera_list() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[cameras]]\nid = "Top"\nurl = "0"\n', "cameras.0.id: camera id 'Top': 1 to 20 lower-case letters"),
        ('[[cameras]]\nid = "a_very_long_camera_name"\nurl = "0"\n', "cameras.0.id: camera id"),
        (
            '[[cameras]]\nid = "top"\nurl = "0"\n[[cameras]]\nid = "top"\nurl = "1"\n',
            "cameras: camera id 'top' is used",
        ),
        ('[[cameras]]\nid = "annotated"\nurl = "0"\n', "is reserved"),
        ('[[cameras]]\nid = "top"\n', "cameras.0.url: Field required"),
        ('[[cameras]]\nid = "top"\nurl = "0"\nzoom = 2\n', "cameras.0.zoom: unknown key"),
        ('[[cameras]]\nid = "top"\nurl = "0"\ntray_homography = [[1, 0], [0, 1]]\n', "3 rows of 3 numbers"),
        ('[[cameras]]\nid = "top"\nurl = "0"\ntray_homography = [[1, 2, 3], [2, 4, 6], [0, 0, 1]]\n', "invertible"),
        (
            '[camera]\nurl = "0"\n[[cameras]]\nid = "top"\nurl = "1"\n',
            "either [camera] url (one camera) or [[cameras]]",
        ),
    ],
)
def test_camera_list_errors_name_the_camera(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "unit.toml")
    assert message in str(caught.value)


def test_the_runner_gives_each_camera_its_geometry() -> None:
    from validation_unit.runner import view_geometry

    config = parse_config(
        """
        [[cameras]]
        id = "top"
        url = "0"
        tray_homography = [[2.0, 0, 40], [0, 2.0, 30], [0, 0, 1]]
        [[cameras]]
        id = "left"
        url = "1"
        [[cameras]]
        id = "right"
        url = "2"
        anchor = "centre"
        """
    )
    geometry = view_geometry(config.camera_list())
    assert list(geometry) == ["top", "left", "right"]
    assert geometry["top"].homography == ((2.0, 0.0, 40.0), (0.0, 2.0, 30.0), (0.0, 0.0, 1.0))
    assert [g.anchor for g in geometry.values()] == ["centre", "bottom", "centre"]
    assert geometry["left"].homography is None


def test_the_probability_model_is_chosen_in_the_policy(tmp_path: Path) -> None:
    from validation_unit.fusion.camera import load_default

    (tmp_path / "camera.json").write_text(load_default().to_json(), encoding="utf-8")
    (tmp_path / "unit.toml").write_text(
        '[policy]\ndecision = "model"\npass_probability = 0.95\ncamera_calibration = "camera.json"\n'
    )
    policy = load_config(tmp_path / "unit.toml").to_policy()
    assert (policy.decision, policy.pass_probability) == ("model", 0.95)
    assert policy.camera_calibration == str(tmp_path / "camera.json")  # relative to the config file
    assert load_config(None).to_policy().decision == "cascade"
    (tmp_path / "camera.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"unit.toml: policy.camera_calibration: .*not a camera calibration"):
        load_config(tmp_path / "unit.toml")
