"""The unit's config file (TOML), checked at start: a wrong key or value is named with its place in the file.

Example (``docs/unit.example.toml`` is the full one)::

    credentials = "var/unit/credentials.json"   # written by 'basketcheck unit register'
    [scale]
    url = "/dev/ttyACM0"                        # any pyserial URL
    kind = "firmware"                           # or "mtsics"
    [camera]
    url = "0"                                   # a device index or a cv2.VideoCapture URL (MJPEG/RTSP…)
    [policy]
    confidence = 0.999

Several cameras are a list instead of ``[camera] url`` (the first is the primary view; ``[camera]`` keeps the
settings they share)::

    [[cameras]]
    id = "top"
    url = "http://station:8081/top.mjpg"
    tray_homography = [[2.1, 0, 40], [0, 2.1, 30], [0, 0, 1]]   # optional: tray mm (z = 0) → pixels
    [[cameras]]
    id = "left"
    url = "http://station:8081/left.mjpg"
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from validation_unit.basket import BasketType, Policy
from validation_unit.state_machine import Timing


class ConfigError(ValueError):
    """The config file is missing, not TOML, or has a wrong value (the message names the key)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScaleConfig(_Section):
    url: str = Field(default="", description="pyserial URL of the scale (a device path, socket://host:port …)")
    kind: Literal["firmware", "mtsics"] = "firmware"
    calibration: Path | None = None  # firmware scales: the calibration file (default: the bridge's default path)
    # firmware scales: where the scale keeps its zero across restarts (default: scale-zero.json beside the
    # credentials), so a unit restarted with a basket on the tray weighs it instead of zeroing it
    zero_file: Path | None = None
    # firmware scales: trust the weight of a load that still rings once the fit of its damped ringing is certain
    # to ±1 e (firmware_bridge.dynamic_weighing); false: wait until the load is at rest (the classic rule alone)
    dynamic_weighing: bool = True


class CameraConfig(_Section):
    url: str = Field(default="", description="cv2.VideoCapture source: a device index or a URL; '' = no camera")
    frozen_diff: float = Field(
        default=1.0, ge=0.0, description="mean pixel change below which a loaded tray looks frozen"
    )
    association: Literal["count", "place"] = Field(
        default="count",
        description="several cameras: an item counts as often as the one view that saw it most ('count'), or "
        "views are related by their tray homographies ('place': counts twins each view sees apart, but may count "
        "a partly hidden item twice)",
    )
    frame_timeout_s: float = Field(default=1.0, gt=0.0, le=10.0)


CAMERA_ID = r"^[a-z0-9_]{1,20}$"
# "photo_annotated" is the primary camera's annotated photo: a camera named "annotated" would clash with it.
RESERVED_CAMERA_IDS = ("annotated",)


class CameraEntry(_Section):
    """One camera of several (``[[cameras]]``): its id names its photo in the evidence (``photo_<id>``)."""

    id: str = Field(description="lower-case letters, digits and _, at most 20")
    url: str = Field(min_length=1, description="cv2.VideoCapture source: a device index or a URL")
    # tray millimetres on the tray plane (z = 0) → this camera's pixels; without it the views are merged by
    # count (see validation_unit.views)
    tray_homography: list[list[float]] | None = None
    # which point of a box stands for the item's place: "centre" (looking straight down), "bottom" (oblique);
    # default: "centre" for the first camera (the top view), "bottom" for the others
    anchor: Literal["centre", "bottom"] | None = None
    # false: the view is evidence only (photographed, shown to staff, never detected on); for a detector that
    # was not trained on this camera's angle
    detect: bool = True

    @field_validator("id")
    @classmethod
    def _camera_id(cls, value: str) -> str:
        if not re.match(CAMERA_ID, value):
            raise ValueError(f"camera id {value!r}: 1 to 20 lower-case letters, digits or _")
        if value in RESERVED_CAMERA_IDS:
            raise ValueError(f"camera id {value!r} is reserved (photo_{value} is the primary camera's photo)")
        return value

    @field_validator("tray_homography")
    @classmethod
    def _homography(cls, value: list[list[float]] | None) -> list[list[float]] | None:
        if value is not None:
            from validation_unit.views import check_homography

            check_homography(value)
        return value


class BackendConfig(_Section):
    url: str = ""  # default: the URL in the credentials file
    timeout_s: float = Field(default=5.0, gt=0.0, le=60.0)
    poll_s: float = Field(default=0.5, gt=0.0, le=10.0)
    heartbeat_s: float = Field(default=10.0, gt=0.0, le=300.0)


class VisionConfig(_Section):
    model: Path = Path(__file__).resolve().parent.parent / "vision" / "models"
    variant: Literal["fp32", "int8"] = "int8"
    threads: int = Field(default=2, ge=1, le=64)


class BasketTypeConfig(_Section):
    name: str = Field(min_length=1, max_length=40)
    tare_g: float = Field(ge=0.0, le=5000.0)
    tare_sd_g: float = Field(default=5.0, ge=0.0, le=500.0)


_POLICY, _TIMING = Policy(), Timing()  # the defaults live in the dataclasses; the file only overrides them


class PolicyConfig(_Section):
    confidence: float = Field(default=_POLICY.confidence, gt=0.5, lt=1.0)
    weight_only_confidence: float = Field(default=_POLICY.weight_only_confidence, gt=0.5, lt=1.0)
    light_item_e: float = Field(default=_POLICY.light_item_e, ge=0.0, le=100.0)
    vision_strong: float = Field(default=_POLICY.vision_strong, gt=0.0, le=1.0)
    vision_weak: float = Field(default=_POLICY.vision_weak, gt=0.0, le=1.0)
    vision_personal: float = Field(default=_POLICY.vision_personal, gt=0.0, le=1.0)
    vision_switch: float = Field(default=_POLICY.vision_switch, gt=0.0, le=1.0)
    vision_switch_small: float = Field(default=_POLICY.vision_switch_small, gt=0.0, le=1.0)
    small_basket_pieces: int = Field(default=_POLICY.small_basket_pieces, ge=0, le=100)
    corroborate_z: float = Field(default=_POLICY.corroborate_z, ge=0.0, le=10.0)
    vision_corroborate: float = Field(default=_POLICY.vision_corroborate, gt=0.0, le=1.0)
    corroborate_fit: float = Field(default=_POLICY.corroborate_fit, gt=0.0, le=10.0)
    sigma_floor_g: float = Field(default=_POLICY.sigma_floor_g, ge=0.0, le=1000.0)
    basket_types: list[BasketTypeConfig] | None = None
    # The decider: "cascade" (the rules above) or "model" (one probability model; the three keys below).
    decision: Literal["cascade", "model"] = "cascade"
    pass_probability: float = Field(default=_POLICY.pass_probability, gt=0.5, lt=1.0)
    prior_not_as_scanned: float = Field(default=_POLICY.prior_not_as_scanned, gt=0.0, lt=0.5)
    # the camera's fitted likelihoods (`basketcheck bench decision --replay obs.jsonl --fit-camera FILE`);
    # unset: the one shipped for the shipped detector
    camera_calibration: Path | None = None

    @field_validator("camera_calibration")
    @classmethod
    def _readable_calibration(cls, path: Path | None) -> Path | None:
        if path is not None and path.is_absolute():
            _check_calibration(path)
        return path

    @model_validator(mode="after")
    def _order(self) -> PolicyConfig:
        if self.vision_weak > self.vision_strong:
            raise ValueError("vision_weak must not exceed vision_strong")
        if self.weight_only_confidence > self.confidence:
            raise ValueError("weight_only_confidence must not exceed confidence (weight-only is the stricter test)")
        return self


class TimingConfig(_Section):
    presence_g: float = Field(default=_TIMING.presence_g, gt=0.0, le=5000.0)
    change_g: float = Field(default=_TIMING.change_g, gt=0.0, le=5000.0)
    settle_timeout_s: float = Field(default=_TIMING.settle_timeout_s, gt=0.0, le=120.0)
    fault_grace_s: float = Field(default=_TIMING.fault_grace_s, ge=0.0, le=60.0)
    outage_s: float = Field(default=_TIMING.outage_s, gt=0.0, le=600.0)
    pass_hold_s: float = Field(default=_TIMING.pass_hold_s, ge=0.0, le=60.0)


class ScreenConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=0, le=65535)


class UnitConfig(_Section):
    credentials: Path | None = None
    scale: ScaleConfig = ScaleConfig()
    camera: CameraConfig = CameraConfig()
    cameras: list[CameraEntry] = Field(default_factory=list, max_length=8)
    backend: BackendConfig = BackendConfig()
    vision: VisionConfig = VisionConfig()
    policy: PolicyConfig = PolicyConfig()
    timing: TimingConfig = TimingConfig()
    screen: ScreenConfig = ScreenConfig()

    @field_validator("cameras")
    @classmethod
    def _unique_ids(cls, cameras: list[CameraEntry]) -> list[CameraEntry]:
        ids = [c.id for c in cameras]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"camera id {', '.join(map(repr, twice))} is used more than once")
        return cameras

    @model_validator(mode="after")
    def _one_way_to_name_cameras(self) -> UnitConfig:
        if self.cameras and self.camera.url:
            raise ValueError("set either [camera] url (one camera) or [[cameras]] (several), not both")
        return self

    def camera_list(self) -> list[CameraEntry]:
        """The unit's cameras, the primary first: ``[[cameras]]``, or ``[camera] url`` as one camera "top"."""
        if self.cameras:
            return list(self.cameras)
        return [CameraEntry(id="top", url=self.camera.url)] if self.camera.url else []

    def to_policy(self, scale_e_g: float = 5.0) -> Policy:
        fields = self.policy.model_dump(exclude={"basket_types", "camera_calibration"})
        if self.policy.camera_calibration is not None:
            fields["camera_calibration"] = str(self.policy.camera_calibration)
        if self.policy.basket_types is not None:
            fields["basket_types"] = tuple(BasketType(b.name, b.tare_g, b.tare_sd_g) for b in self.policy.basket_types)
        return Policy(scale_e_g=scale_e_g, **fields)

    def to_timing(self) -> Timing:
        return Timing(**self.timing.model_dump())


def parse_config(text: str, source: str = "<config>") -> UnitConfig:
    """Parse and check a config text; ConfigError names the file, the key and the problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return UnitConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "(top level)"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key (a typo?)"
            problems.append(f"{source}: {key}: {message}")
        raise ConfigError("; ".join(problems)) from None


def load_config(path: Path | None) -> UnitConfig:
    """The config from ``path`` (None: all defaults)."""
    if path is None:
        return UnitConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from None
    config = parse_config(text, str(path))
    # Relative paths in the file are relative to the file.
    if config.credentials is not None and not config.credentials.is_absolute():
        config = config.model_copy(update={"credentials": (path.parent / config.credentials)})
    scale = {
        key: path.parent / value
        for key in ("calibration", "zero_file")
        if (value := getattr(config.scale, key)) is not None and not value.is_absolute()
    }
    if scale:
        config = config.model_copy(update={"scale": config.scale.model_copy(update=scale)})
    calibration = config.policy.camera_calibration
    if calibration is not None and not calibration.is_absolute():
        calibration = path.parent / calibration
        _check_calibration(calibration, f"{path}: policy.camera_calibration: ")
        policy = config.policy.model_copy(update={"camera_calibration": calibration})
        config = config.model_copy(update={"policy": policy})
    return config


def _check_calibration(path: Path, where: str = "") -> None:
    """A camera calibration named in the config must load now, not at the first basket."""
    from validation_unit.fusion.camera import Calibration, CalibrationError

    try:
        Calibration.load(path)
    except CalibrationError as exc:
        if where:
            raise ConfigError(f"{where}{exc}") from None
        raise ValueError(str(exc)) from None
