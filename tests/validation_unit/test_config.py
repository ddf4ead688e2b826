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
