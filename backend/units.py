"""Validation units: binding a trip to a unit, the basket it must check, and the verdicts it sends."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import random
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import age_checks, audit_policy, basket, weight_learning
from backend.models import (
    AgeCheck,
    BindNonce,
    Evidence,
    Flag,
    FlagEvent,
    Product,
    ProductWeightStats,
    Shopper,
    Store,
    Trip,
    Unit,
    Verdict,
    utcnow,
)
from backend.problems import Problem
from backend.schemas_units import AgeCheckBrief, ExpectedLine, SessionOut, UnitProduct, UnitProductsOut, VerdictIn
from backend.signing import SignatureError, verify_document
from backend.trips import basket_lines

QR_PREFIX = "BASKETCHECK-UNIT"
_rng = random.SystemRandom()


def new_bind_code(session: Session, unit: Unit, ttl_s: int) -> BindNonce:
    nonce = BindNonce(
        nonce=secrets.token_urlsafe(12), unit_id=unit.id, expires_at=utcnow() + dt.timedelta(seconds=ttl_s)
    )
    session.add(nonce)
    return nonce


def qr_text(unit_id: str, nonce: str) -> str:
    return f"{QR_PREFIX}:{unit_id}:{nonce}"


def parse_qr(text: str) -> tuple[str, str]:
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] != QR_PREFIX or not parts[1] or not parts[2]:
        raise Problem(422, "not-a-unit-code", "that QR code is not a basketcheck validation unit's code")
    return parts[1], parts[2]


def bind(session: Session, trip: Trip, qr: str) -> Unit:
    """Bind ``trip`` to the unit whose fresh code the shopper scanned (one trip per code)."""
    unit_id, nonce_text = parse_qr(qr)
    nonce = session.get(BindNonce, nonce_text, with_for_update=True)
    if nonce is None or nonce.unit_id != unit_id:
        raise Problem(404, "unknown-unit-code", "this unit code is unknown: scan the code on the unit's screen")
    if nonce.trip_id is not None and nonce.trip_id != trip.id:
        raise Problem(409, "unit-code-used", "this unit code was already used: the unit shows a new one")
    if nonce.expires_at < utcnow():
        raise Problem(410, "unit-code-expired", "this unit code has expired: scan the new one on the unit's screen")
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise Problem(409, "unit-out-of-service", "this unit is out of service")
    if unit.store_id != trip.store_id:
        raise Problem(409, "wrong-store", "this unit belongs to another store")
    busy = session.scalar(
        select(Trip).where(
            Trip.unit_id == unit.id, Trip.id != trip.id, Trip.status.in_(("checking_out", "recheck", "age_check"))
        )
    )
    if busy is not None:
        raise Problem(409, "unit-busy", "the unit is checking another basket")
    nonce.trip_id = trip.id
    trip.unit_id = unit.id
    return unit


def learned_stats(session: Session, gtins: set[str]) -> dict[str, weight_learning.Stats]:
    rows = session.scalars(select(ProductWeightStats).where(ProductWeightStats.gtin14.in_(gtins))).all()
    return {r.gtin14: weight_learning.Stats(r.n, r.mean_g, r.m2) for r in rows}


def unit_products(session: Session) -> UnitProductsOut:
    rows = session.scalars(select(Product).order_by(Product.gtin14)).all()
    learned = learned_stats(session, {r.gtin14 for r in rows})
    out = []
    for row in rows:
        mean, sd = weight_learning.effective(row.weight_mean_g, row.weight_sd_g, learned.get(row.gtin14))
        out.append(
            UnitProduct(
                gtin14=row.gtin14,
                name=row.name,
                sold_by=row.sold_by,
                weight_mean_g=mean,
                weight_sd_g=sd,
                lookalike_group=str((row.attributes or {}).get("lookalike_group") or ""),
            )
        )
    return UnitProductsOut(products=out)


def current_session(session: Session, unit: Unit, currency: str) -> SessionOut:
    trip = session.scalar(
        select(Trip)
        .where(Trip.unit_id == unit.id, Trip.status.in_(("checking_out", "recheck")))
        .order_by(Trip.updated_at.desc())
    )
    if trip is None:
        return SessionOut(trip_id=None, age_check=age_check_brief(age_checks.for_unit(session, unit.id)))
    lines = basket_lines(session, trip)
    learned = learned_stats(session, {line.gtin14 for line in lines})
    expected = []
    for line in lines:
        mean, sd = weight_learning.effective(line.weight_mean_g, line.weight_sd_g, learned.get(line.gtin14))
        expected.append(
            ExpectedLine(
                line_key=line.line_key,
                gtin14=line.gtin14,
                name=line.name,
                quantity=line.quantity,
                sold_by=line.sold_by,
                unit_price_minor=line.unit_price_minor,
                weight_g=line.weight_g,
                weight_mean_g=mean,
                weight_sd_g=sd,
            )
        )
    shopper = session.get(Shopper, trip.shopper_id)
    store = session.get(Store, trip.store_id)
    total = basket.charge_minor(lines)
    trust = shopper.trust_score if shopper else audit_policy.NEW_SHOPPER_TRUST
    # The audit draw is made once per trip version, so asking again does not re-roll the dice.
    seeded = random.Random(f"{trip.id}:{trip.version}:{_AUDIT_SALT}")
    policy = audit_policy.AuditPolicy.from_dict(store.audit_policy if store else None)
    return SessionOut(
        trip_id=trip.id,
        trip_version=trip.version,
        status=trip.status,
        currency=currency,
        total_minor=total,
        lines=expected,
        audit=audit_policy.should_audit(policy, trust, total, seeded),
        shopper_trust=trust,
    )


_AUDIT_SALT = secrets.token_hex(8)


def check_verdict(
    unit: Unit, trip: Trip | None, body: VerdictIn, raw_document: dict[str, Any], max_age_s: int
) -> dict[str, bytes]:
    """Everything that must hold before a verdict counts; returns the decoded attachments.

    The signature is checked over the document exactly as the unit sent it (canonical JSON of the received
    object), not over our parsed copy of it."""
    doc = body.document
    try:
        verify_document(unit.public_key, raw_document, body.signature)
    except SignatureError as exc:
        raise Problem(401, "bad-signature", f"verdict signature: {exc}") from None
    if doc.unit_id != unit.id:
        raise Problem(403, "wrong-unit", "the verdict names another unit")
    age = (utcnow() - doc.signed_at).total_seconds()
    if age > max_age_s or age < -30:
        raise Problem(401, "stale-verdict", f"the verdict was signed {age:.0f} s ago: only fresh verdicts count")
    if trip is None or trip.unit_id != unit.id:
        raise Problem(404, "unknown-trip", "no trip bound to this unit with that id")
    if trip.status not in ("checking_out", "recheck"):
        raise Problem(409, "trip-not-checking-out", f"the trip is {trip.status}")
    if doc.trip_version != trip.version:
        raise Problem(
            409,
            "basket-changed",
            "the basket changed since the unit read it: validate again",
            trip_version=trip.version,
        )
    attachments: dict[str, bytes] = {}
    for item in body.attachments:
        try:
            data = base64.b64decode(item.data_b64, validate=True)
        except (binascii.Error, ValueError):
            raise Problem(422, "bad-evidence", f"attachment {item.name!r} is not base64") from None
        if doc.evidence.get(item.name) != hashlib.sha256(data).hexdigest():
            raise Problem(422, "bad-evidence", f"attachment {item.name!r} does not match the signed digest")
        attachments[item.name] = data
    missing = set(doc.evidence) - set(attachments)
    if missing:
        raise Problem(422, "bad-evidence", f"signed evidence without attachment: {', '.join(sorted(missing))}")
    return attachments


def store_verdict(
    session: Session,
    unit: Unit,
    trip: Trip,
    body: VerdictIn,
    raw_document: dict[str, Any],
    attachments: dict[str, bytes],
) -> Verdict:
    doc = body.document
    verdict = Verdict(
        id=doc.verdict_id,
        trip_id=trip.id,
        unit_id=unit.id,
        kind=doc.kind,
        audit=doc.audit,
        score=doc.score,
        reasons=[r.model_dump() for r in doc.reasons],
        document=raw_document,
        signature=body.signature,
        signed_at=doc.signed_at,
    )
    session.add(verdict)
    session.flush()  # the evidence rows refer to it
    content_types = {a.name: a.content_type for a in body.attachments}
    for name, data in attachments.items():
        session.add(Evidence(verdict_id=verdict.id, name=name, content_type=content_types[name], content=data))
    return verdict


def open_flag(session: Session, trip: Trip, verdict: Verdict, total_minor: int) -> Flag:
    # Priority: how suspicious, and how much money is at stake.
    priority = int(verdict.score * 100) + min(50, total_minor // 1000)
    flag = Flag(trip_id=trip.id, verdict_id=verdict.id, store_id=trip.store_id, priority=priority)
    session.add(flag)
    session.flush()
    session.add(FlagEvent(flag_id=flag.id, action="opened", reason=verdict.document.get("explanation", ""), version=1))
    return flag


def learn_weights(session: Session, trip: Trip, net_g: float | None, weight: float = 1.0) -> None:
    """Feed a passed basket's weighing to the per-product statistics when it identifies one product."""
    if net_g is None:
        return
    lines = basket_lines(session, trip)
    found = weight_learning.identifiable_item_weight(
        [(ln.gtin14, ln.quantity, ln.sold_by == "piece") for ln in lines], net_g
    )
    if found is None:
        return
    gtin14, observed = found
    product = session.get(Product, gtin14)
    row = session.get(ProductWeightStats, gtin14)
    stats = weight_learning.Stats(row.n, row.mean_g, row.m2) if row else weight_learning.Stats()
    mean, sd = (
        weight_learning.effective(product.weight_mean_g, product.weight_sd_g, stats) if product else (observed, 0)
    )
    if weight_learning.is_outlier(observed, mean, sd):
        return
    new = weight_learning.update(stats, observed, weight)
    if row is None:
        session.add(ProductWeightStats(gtin14=gtin14, n=new.n, mean_g=new.mean_g, m2=new.m2))
    else:
        row.n, row.mean_g, row.m2 = new.n, new.mean_g, new.m2


def age_check_brief(row: AgeCheck | None) -> AgeCheckBrief | None:
    """An age check as the unit sees it (#19)."""
    if row is None:
        return None
    return AgeCheckBrief(
        age_check_id=row.id, status=row.status, required_age=row.required_age, decided_at=row.decided_at
    )
