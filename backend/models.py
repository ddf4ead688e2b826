"""The backend's tables (SQLAlchemy 2). Money columns are integer minor units; times are UTC."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite (no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC times")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Store(Base):
    __tablename__ = "stores"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    audit_policy: Mapped[dict[str, Any]] = mapped_column(default=dict)  # see backend.audit_policy.AuditPolicy
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Printed on receipts: the address (lines separated by newlines) and the VAT id (USt-IdNr.).
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The last receipt number given out in this store (incremented atomically, see backend.receipt_store).
    last_receipt_number: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Product(Base):
    """A catalog item, keyed by GTIN-14 (variable-measure items: their code with the measure zeroed)."""

    __tablename__ = "products"
    gtin14: Mapped[str] = mapped_column(String(14), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(100), default="")
    price_minor: Mapped[int] = mapped_column(BigInteger)  # per piece, or per kg when sold by weight
    currency: Mapped[str] = mapped_column(String(3))
    sold_by: Mapped[str] = mapped_column(String(10))  # "piece" | "weight"
    weight_mean_g: Mapped[float] = mapped_column(Float)
    weight_sd_g: Mapped[float] = mapped_column(Float)
    plu: Mapped[str | None] = mapped_column(String(10), default=None)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # packaging, size, look hints…
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # VAT rate in basis points (1900 = 19 %); None: the catalog did not say (older imports).
    vat_rate_bp: Mapped[int | None] = mapped_column(Integer, default=None)
    # Deposit (Pfand) per piece in minor units, charged on top of the price; 0 for none.
    deposit_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Minimum age to buy it (16 beer and wine, 18 spirits and tobacco); None for no limit.
    age_min: Mapped[int | None] = mapped_column(Integer, default=None)


class ProductWeightStats(Base):
    """Weights learned from passed baskets (Welford running mean and variance)."""

    __tablename__ = "product_weight_stats"
    gtin14: Mapped[str] = mapped_column(ForeignKey("products.gtin14"), primary_key=True)
    n: Mapped[float] = mapped_column(Float, default=0.0)  # weighted count: staff-confirmed weighings count more
    mean_g: Mapped[float] = mapped_column(Float, default=0.0)
    m2: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Shopper(Base):
    __tablename__ = "shoppers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    trust_score: Mapped[float] = mapped_column(Float, default=0.5)
    baskets_passed: Mapped[int] = mapped_column(Integer, default=0)
    baskets_flagged: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class Trip(Base):
    __tablename__ = "trips"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    shopper_id: Mapped[str] = mapped_column(ForeignKey("shoppers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="shopping")
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScanEvent(Base):
    """One scan, removal or quantity change, as the app made it (its own event id makes retries harmless)."""

    __tablename__ = "scan_events"
    __table_args__ = (UniqueConstraint("trip_id", "event_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))  # "add" | "remove" | "set_quantity"
    line_key: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(200))
    gtin14: Mapped[str] = mapped_column(ForeignKey("products.gtin14"))
    quantity: Mapped[int] = mapped_column(Integer)
    weight_g: Mapped[int | None] = mapped_column(Integer, default=None)
    price_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    client_time: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(100))  # Ed25519, base64
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[dict[str, Any]] = mapped_column(default=dict)  # last heartbeat's faults and state
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UnitEvent(Base):
    """Append-only history of a unit being freed from a trip: by the bound-trip time-out or by staff."""

    __tablename__ = "unit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"))
    action: Mapped[str] = mapped_column(String(20))  # "timed_out" | "freed"
    trip_status: Mapped[str] = mapped_column(String(20))  # the state the trip was left in
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BindNonce(Base):
    """A short-lived code the unit shows as a QR code; scanning it binds a trip to the unit."""

    __tablename__ = "bind_nonces"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    expires_at: Mapped[dt.datetime]
    trip_id: Mapped[str | None] = mapped_column(ForeignKey("trips.id"), default=None)


class Verdict(Base):
    __tablename__ = "verdicts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # made by the unit: replay protection
    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(10))  # "PASS" | "RECHECK" | "FLAG"
    audit: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the signed verdict as sent
    signature: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    verdict_id: Mapped[str] = mapped_column(ForeignKey("verdicts.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))  # "photo", "weight_trace", …
    content_type: Mapped[str] = mapped_column(String(80))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    captured_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))  # authorizing|authorized|capturing|captured|voided|declined
    # … and, by staff (backend.payments.refunding): voiding, partially_refunded, refunded
    provider: Mapped[str] = mapped_column(String(40))
    provider_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    card_token: Mapped[str] = mapped_column(String(100))
    failure: Mapped[str | None] = mapped_column(String(200), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LedgerEntry(Base):
    """Append-only double-entry ledger: every transaction's entries sum to zero."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transaction_id: Mapped[str] = mapped_column(String(64), index=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    account: Mapped[str] = mapped_column(String(40))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("transaction_id", "account"),)


class IdempotencyRecord(Base):
    """The stored response to a money-moving request, replayed for a retry with the same key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(200))  # endpoint and principal
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)  # None while in progress
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffUser(Base):
    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # "staff" | "manager"
    store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffLoginFailures(Base):
    """Wrong staff passwords per account or client address, for sign-in throttling (``login_throttle``)."""

    __tablename__ = "staff_login_failures"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # "user:<name>" | "ip:<address>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None] = mapped_column(default=None)


class Flag(Base):
    """A basket waiting for staff, with one owner at a time and a version for stale-action checks."""

    __tablename__ = "flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"), index=True)
    verdict_id: Mapped[str] = mapped_column(ForeignKey("verdicts.id"), unique=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | claimed | resolved
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), default=None)
    resolution: Mapped[str | None] = mapped_column(String(40), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class FlagEvent(Base):
    """Append-only history of who did what to a flag."""

    __tablename__ = "flag_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), default=None)
    action: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer)  # the flag's version this action produced
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_flags_open", Flag.store_id, Flag.status, Flag.priority)


class Refund(Base):
    """A staff refund (of a capture) or void (of an uncaptured hold), and its audit record: who asked, when,
    for how much and why. Written as ``requested`` before the provider is called (the provider's key is made
    from the row's id), then ``done`` or ``failed``; the reconciler finishes one a crash left ``requested``."""

    __tablename__ = "refunds"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "void" | "refund"
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # 0 for a void (nothing was taken)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="requested")  # requested | done | failed
    idempotency_key: Mapped[str] = mapped_column(String(250), unique=True)  # "staff:<id>:<Idempotency-Key>"
    reason: Mapped[str] = mapped_column(Text)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    lines: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # line key → quantity refunded
    provider_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    failure: Mapped[str | None] = mapped_column(String(200), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AgeCheck(Base):
    """The staff age check of a trip whose basket holds age-restricted items (#19): payment waits for it.

    ``open`` → ``confirmed`` / ``refused`` by staff, ``cancelled`` when the trip was abandoned; ``version`` for
    stale-action checks; ``lines``: the restricted lines as they were when it opened (for the dashboard)."""

    __tablename__ = "age_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"), unique=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), default=None)
    required_age: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | confirmed | refused | cancelled
    version: Mapped[int] = mapped_column(Integer, default=1)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)


Index("ix_age_checks_open", AgeCheck.store_id, AgeCheck.status)


class Receipt(Base):
    """The receipt of a captured trip: one per trip, numbered per store without gaps or doubles. Its content
    (store details, lines, VAT summary, totals) is frozen when it is issued, so later catalog or store changes
    do not alter it."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("store_id", "number"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"), unique=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    number: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
