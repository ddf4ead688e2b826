"""Request and response bodies of the HTTP API (pydantic)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

EventId = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Strict(BaseModel):
    """A request body: unknown fields and NUL characters (no database stores them) are refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text must not contain NUL characters")
        return data


class ProductOut(BaseModel):
    gtin14: str
    name: str
    brand: str
    price_minor: int
    currency: str
    sold_by: str
    weight_mean_g: float
    weight_sd_g: float
    plu: str | None


class LookupOut(BaseModel):
    """What a scanned code is: the product, and what the code itself says (weight, price)."""

    code: str
    kind: str
    line_key: str
    product: ProductOut
    weight_g: int | None
    unit_price_minor: int


class ShopperOut(BaseModel):
    shopper_id: str
    token: str
    expires_at: dt.datetime


class TripIn(Strict):
    store_id: str = Field(min_length=1, max_length=40)


class ScanEventIn(Strict):
    event_id: str = EventId
    action: Literal["add", "remove", "set_quantity"]
    code: str | None = Field(default=None, min_length=1, max_length=200)
    symbology: str | None = Field(default=None, max_length=40)
    line_key: str | None = Field(default=None, min_length=1, max_length=80)
    quantity: int = Field(default=1, ge=0, le=999)
    client_time: AwareDatetime

    @model_validator(mode="after")
    def _target(self) -> ScanEventIn:
        if self.action == "add" and not self.code:
            raise ValueError("an 'add' event needs the scanned 'code'")
        if self.action != "add" and not (self.code or self.line_key):
            raise ValueError(f"a '{self.action}' event needs the 'line_key' (or the 'code') of the line")
        if self.action == "add" and self.quantity < 1:
            raise ValueError("an 'add' event adds at least 1")
        return self


class ScanBatchIn(Strict):
    events: list[ScanEventIn] = Field(min_length=1, max_length=500)


class LineOut(BaseModel):
    line_key: str
    gtin14: str
    name: str
    quantity: int
    sold_by: str
    unit_price_minor: int
    total_minor: int  # the goods; the deposit comes on top
    weight_g: int | None
    deposit_minor: int = 0  # deposit (Pfand) per piece


class BasketOut(BaseModel):
    lines: list[LineOut]
    item_count: int
    total_minor: int  # what is charged: goods plus deposit
    currency: str
    deposit_total_minor: int = 0  # the deposit part of total_minor


class Prompt(BaseModel):
    """What the validation unit asks the shopper to fix (a re-check): scan an item, or take one out. ``message``
    is English; the app words ``key`` with ``params`` in the shopper's language
    (:func:`backend.domain.reasons.word`)."""

    code: str
    message: str
    gtin14: str | None = None
    quantity: int | None = None
    key: str = ""
    params: dict[str, Any] = {}


class TripOut(BaseModel):
    trip_id: str
    store_id: str
    status: str
    unit_id: str | None
    version: int
    created_at: dt.datetime
    basket: BasketOut
    prompts: list[Prompt] = []  # while the trip is in re-check: the unit's requests, in plain words


class EventResult(BaseModel):
    event_id: str
    status: Literal["applied", "duplicate"]


class ScanBatchOut(BaseModel):
    results: list[EventResult]
    trip: TripOut
