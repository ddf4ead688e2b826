"""Bodies of the staff API (pydantic)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from backend.schemas import BasketOut, LineOut, Strict
from backend.schemas_units import DetectionOut


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class StaffOut(BaseModel):
    username: str
    display_name: str
    role: str
    store_id: str | None
    csrf_token: str | None = None


class FlagSummary(BaseModel):
    flag_id: int
    trip_id: str
    store_id: str
    unit_id: str | None
    status: str
    priority: int
    owner: str | None
    version: int
    opened_at: dt.datetime
    waiting_s: float
    kind: str
    explanation: str  # the unit's explanation (English)
    headline: str = ""  # the verdict's reasons in the staff member's language
    total_minor: int


class EvidenceRef(BaseModel):
    evidence_id: int
    name: str
    content_type: str
    url: str


class FlagView(BaseModel):
    """One camera's view of the basket on the flag page (#17): its photo, when it gave one, with its own boxes."""

    camera: str  # "top", "left", …; "photo" for a one-camera unit's photo
    primary: bool  # the view the unit's detections without a camera belong to (the attachment "photo")
    ok: bool
    problem: str  # why the camera gave no (trustworthy) picture
    attachment: str | None
    url: str | None  # the photo (GET, signed-in staff), None when the camera gave none
    content_type: str | None
    detections: list[DetectionOut]  # in this photo's pixels


class FlagHistoryItem(BaseModel):
    action: str
    staff: str | None
    reason: str
    details: dict[str, Any]
    version: int
    at: dt.datetime


class ShopperSummary(BaseModel):
    trust_score: float
    baskets_passed: int
    baskets_flagged: int
    member_since: dt.datetime


class FlagDetail(FlagSummary):
    reasons: list[dict[str, Any]]
    score: float
    audit: bool
    verdict: dict[str, Any]
    basket: BasketOut  # now, with staff corrections
    scanned: list[LineOut]  # as the shopper scanned it
    evidence: list[EvidenceRef]
    views: list[FlagView] = []  # every camera's view, the primary one marked
    shopper: ShopperSummary
    history: list[FlagHistoryItem]
    resolution: str | None


class VersionIn(Strict):
    version: int = Field(ge=1, le=2**31 - 1)


class AddItem(Strict):
    code: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1, le=99)


class RemoveItem(Strict):
    line_key: str = Field(min_length=1, max_length=80)
    quantity: int = Field(default=1, ge=1, le=999)


class ResolveIn(Strict):
    version: int = Field(ge=1, le=2**31 - 1)
    resolution: Literal["approve", "add_items", "remove_items", "send_to_cashier"]
    reason: str = Field(min_length=1, max_length=1000)
    add: list[AddItem] = Field(default_factory=list, max_length=50)
    remove: list[RemoveItem] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _items(self) -> ResolveIn:
        if self.resolution == "add_items" and not self.add:
            raise ValueError("'add_items' needs the items to 'add'")
        if self.resolution == "remove_items" and not self.remove:
            raise ValueError("'remove_items' needs the lines to 'remove'")
        if self.resolution not in ("add_items", "remove_items") and (self.add or self.remove):
            raise ValueError(f"'{self.resolution}' takes no items")
        return self


class ResolveOut(BaseModel):
    flag: FlagSummary
    trip_status: str
    payment_status: str | None
    charged_minor: int


class UnitStatus(BaseModel):
    unit_id: str
    name: str
    store_id: str
    active: bool
    online: bool
    last_seen_at: dt.datetime | None
    state: str | None  # what the unit last said in its heartbeat
    faults: dict[str, Any]
    heartbeat_age_s: float | None = None  # seconds since the unit was last heard from
    # The truth from the database, whatever the unit says: the trip holding the unit, its state and since when.
    trip_id: str | None = None
    trip_status: str | None = None
    trip_version: int | None = None  # for "free unit" (a stale version is refused)
    bound_since: dt.datetime | None = None  # the trip's last change: the time-out counts from it
    last_release: str | None = None  # e.g. "timed_out 2026-12-03T11:40:00+00:00 (trip …)"


class FreeUnitIn(Strict):
    trip_id: str = Field(min_length=1, max_length=32)
    trip_version: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(default="freed by staff", min_length=1, max_length=1000)


class Stats(BaseModel):
    date: dt.date
    baskets: int
    passed: int
    rechecked: int
    flagged: int
    open_flags: int
    resolve_median_s: float | None
    resolve_p90_s: float | None


class RefundLineIn(Strict):
    line_key: str = Field(min_length=1, max_length=80)
    quantity: int = Field(default=1, ge=1, le=999)


class RefundIn(Strict):
    """A staff refund or void: ``amount_minor``, or ``lines`` (what is given back), or neither (everything
    left; an uncaptured hold is always voided whole)."""

    amount_minor: int | None = Field(default=None, ge=1, le=2**53)
    lines: list[RefundLineIn] = Field(default_factory=list, max_length=50)
    reason: str = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _one_way(self) -> RefundIn:
        if self.amount_minor is not None and self.lines:
            raise ValueError("give either 'amount_minor' or 'lines', not both")
        return self


class RefundItem(BaseModel):
    refund_id: str
    kind: str  # "void" | "refund"
    amount_minor: int
    currency: str
    status: str  # "requested" | "done" | "failed"
    reason: str
    staff: str | None
    lines: dict[str, int] | None
    failure: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PaymentView(BaseModel):
    trip_id: str
    trip_status: str
    payment_status: str | None
    currency: str
    authorized_minor: int
    captured_minor: int
    refunded_minor: int
    pending_minor: int  # refunds asked for, not yet confirmed by the provider
    refundable_minor: int
    voidable: bool
    lines: list[LineOut]
    refunds: list[RefundItem]


class RefundOut(BaseModel):
    refund: RefundItem
    payment: PaymentView


class AgeCheckLine(BaseModel):
    gtin14: str
    name: str
    quantity: int
    total_minor: int
    age_min: int | None


class AgeCheckItem(BaseModel):
    """A staff age check (#19): a shopper at a unit waits for staff to check their age."""

    age_check_id: int
    trip_id: str
    store_id: str
    unit_id: str | None
    required_age: int
    status: str  # open | confirmed | refused | cancelled
    version: int
    lines: list[AgeCheckLine]  # the restricted lines
    total_minor: int  # the basket's total now
    created_at: dt.datetime
    waiting_s: float
    decided_at: dt.datetime | None
    staff: str | None
    reason: str


class AgeCheckDecisionIn(Strict):
    version: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(default="", max_length=500)


class AgeCheckDecisionOut(BaseModel):
    age_check: AgeCheckItem
    trip_status: str
    payment_status: str | None
    charged_minor: int
