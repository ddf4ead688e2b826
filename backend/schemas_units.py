"""Bodies of the validation units' API and of checkout (pydantic)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from backend.schemas import Strict, TripOut


class HeartbeatIn(Strict):
    state: str = Field(max_length=40)
    faults: dict[str, Any] = Field(default_factory=dict)


class HeartbeatOut(BaseModel):
    server_time: dt.datetime


class BindCodeOut(BaseModel):
    nonce: str
    qr: str  # what the unit shows as a QR code and the app scans
    expires_at: dt.datetime


class ExpectedLine(BaseModel):
    line_key: str
    gtin14: str
    name: str
    quantity: int
    sold_by: str
    unit_price_minor: int
    weight_g: int | None  # from a variable-measure label
    weight_mean_g: float
    weight_sd_g: float


class AgeCheckBrief(BaseModel):
    """The staff age check of a basket, as the unit shows it (#19): ``open`` (please wait), then the decision."""

    age_check_id: int
    status: str  # open | confirmed | refused | cancelled
    required_age: int
    decided_at: dt.datetime | None = None


class SessionOut(BaseModel):
    """What the unit must validate: the bound trip's basket as the shopper scanned it."""

    trip_id: str | None
    trip_version: int | None = None
    status: str | None = None
    currency: str | None = None
    total_minor: int = 0
    lines: list[ExpectedLine] = []
    audit: bool = False
    shopper_trust: float | None = None
    age_check: AgeCheckBrief | None = None  # the unit's age check: open, or decided a moment ago


class UnitProduct(BaseModel):
    """A catalog product as a unit needs it: to name and weigh what the shopper did not scan."""

    gtin14: str
    name: str
    sold_by: str
    weight_mean_g: float
    weight_sd_g: float
    lookalike_group: str = ""  # products that look the same from above (the catalog's lookalike_group column)


class UnitProductsOut(BaseModel):
    products: list[UnitProduct]


class Reason(BaseModel):
    code: str = Field(max_length=60)
    message: str = Field(max_length=500)
    model_config = ConfigDict(extra="allow")


# A camera's id (#17): "top", "left", "right", …; its picture is the attachment "photo" (the primary camera)
# or "photo_<camera>" (the others).
CAMERA_PATTERN = r"^[a-z0-9_]{1,20}$"
PRIMARY_PHOTO = "photo"
MAX_VIEWS = 8


class DetectionOut(Strict):
    """One thing a camera saw, in the pixels of that camera's photo."""

    label: str = Field(max_length=200)
    gtin14: str | None = Field(default=None, max_length=14)  # None: not merchandise
    box: list[float] = Field(min_length=4, max_length=4)  # x1, y1, x2, y2
    confidence: float = Field(ge=0.0, le=1.0)
    camera: str | None = Field(default=None, pattern=CAMERA_PATTERN)  # None: the primary view ("photo")


class ViewOut(Strict):
    """One camera's view of the basket (#17): its picture among the attachments, or why there is none."""

    camera: str = Field(pattern=CAMERA_PATTERN)
    attachment: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    ok: bool  # False: the camera was down or its picture is not to be trusted; ``problem`` says why
    problem: str = Field(default="", max_length=300)


class WeightSummary(Strict):
    """The weighing the verdict rests on."""

    expected_g: float
    sigma_g: float = Field(ge=0.0)
    measured_g: float
    tare_g: float = 0.0


class VerdictDocument(Strict):
    """The verdict as the unit signed it, with what the staff dashboard shows of it.

    ``seen`` counts products by GTIN-14 as the cameras saw them; ``detections`` are the boxes on the photo
    evidence, each on its camera's photo; ``views`` lists the cameras and their pictures (empty from a unit with
    one camera: its photo is the attachment "photo"); ``weight_trace`` is [seconds, grams] pairs from the
    basket's arrival to the decision."""

    verdict_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    unit_id: str = Field(max_length=40)
    trip_id: str = Field(max_length=32)
    trip_version: int = Field(ge=0, le=2**31 - 1)
    kind: Literal["PASS", "RECHECK", "FLAG"]
    reasons: list[Reason] = Field(default_factory=list, max_length=50)
    score: float = Field(ge=0.0, le=1.0)
    audit: bool = False
    measured_net_g: float | None = None
    explanation: str = Field(default="", max_length=2000)
    signed_at: AwareDatetime
    evidence: dict[str, str] = Field(default_factory=dict)  # name → SHA-256 hex of the attachment
    seen: dict[str, int] = Field(default_factory=dict, max_length=500)
    non_merchandise: int = Field(default=0, ge=0)
    detections: list[DetectionOut] = Field(default_factory=list, max_length=500)
    weight: WeightSummary | None = None
    weight_trace: list[list[float]] = Field(default_factory=list, max_length=5000)
    views: list[ViewOut] = Field(default_factory=list, max_length=MAX_VIEWS)

    @model_validator(mode="after")
    def _views_name_their_pictures(self) -> VerdictDocument:
        cameras = [v.camera for v in self.views]
        twice = sorted({c for c in cameras if cameras.count(c) > 1})
        if twice:
            raise ValueError(f"views: camera {', '.join(twice)} is listed more than once")
        # The evidence digests name exactly the attachments that must come with the verdict (units.check_verdict).
        missing = [v.attachment for v in self.views if v.attachment is not None and v.attachment not in self.evidence]
        if missing:
            raise ValueError(
                f"views: attachment {', '.join(missing)} is not among the verdict's evidence "
                f"({', '.join(sorted(self.evidence)) or 'none'})"
            )
        return self


class EvidenceIn(Strict):
    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    content_type: str = Field(max_length=80)
    data_b64: str = Field(max_length=8_000_000)


class VerdictIn(Strict):
    document: VerdictDocument
    signature: str = Field(max_length=200)
    attachments: list[EvidenceIn] = Field(default_factory=list, max_length=16)  # photos of up to 8 cameras, charts


class VerdictOut(BaseModel):
    verdict_id: str
    kind: str
    trip_status: str
    payment_status: str | None
    flag_id: int | None = None
    age_check: AgeCheckBrief | None = None  # set when payment waits for (or passed) a staff age check


class CheckoutIn(Strict):
    unit_qr: str = Field(min_length=1, max_length=300)
    card_token: str = Field(min_length=4, max_length=100, pattern=r"^tok_[A-Za-z0-9_]+$")


class CheckoutOut(BaseModel):
    trip: TripOut
    payment_status: str
    authorized_minor: int


class ReceiptLine(BaseModel):
    name: str
    quantity: int
    weight_g: int | None
    total_minor: int
    kind: str = "item"  # "item", or "deposit" (the Pfand of the item above it)
    gtin14: str = ""
    unit_price_minor: int = 0
    vat_letter: str = ""  # the VAT rate's letter in vat_summary


class ReceiptStore(BaseModel):
    store_id: str
    name: str
    address_lines: list[str]
    vat_id: str  # USt-IdNr.


class ReceiptVatRow(BaseModel):
    """One VAT rate: the gross charged at it, the VAT contained and the net."""

    letter: str
    rate_bp: int  # basis points: 1900 = 19 %
    net_minor: int
    vat_minor: int
    gross_minor: int


class ReceiptRefund(BaseModel):
    amount_minor: int
    at: dt.datetime
    lines: dict[str, int] | None = None


class ReceiptOut(BaseModel):
    trip_id: str
    store_id: str
    paid_at: dt.datetime
    lines: list[ReceiptLine]
    total_minor: int  # goods plus deposit, as charged
    currency: str
    payment_reference: str | None
    number: int = 0  # per store, consecutive
    issued_at: dt.datetime | None = None  # UTC
    store: ReceiptStore | None = None
    goods_minor: int = 0
    deposit_minor: int = 0
    vat_summary: list[ReceiptVatRow] = []
    payment_method: str = "card"
    payment_status: str = "captured"  # or partially_refunded / refunded
    refunds: list[ReceiptRefund] = []
    refunded_minor: int = 0
