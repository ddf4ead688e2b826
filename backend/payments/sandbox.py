"""A sandbox payment provider with test cards, keeping its own records like a remote provider would.

Its operations live in their own table and are committed on their own connection, independently of the
backend's transaction: a backend crash after the provider call but before the backend's commit leaves the
provider's side done, as with a real provider. Every operation is deduplicated by idempotency key.

Test card tokens (what a provider's SDK gives the app; card numbers never reach the backend): ``tok_visa``
and ``tok_mastercard`` approve; ``tok_declined`` declines; ``tok_insufficient_funds`` has too little money;
``tok_timeout`` times out on authorisation although the hold is made, as a slow provider would: a retry with
the same key returns it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    CursorResult,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from backend.payments.provider import (
    Authorization,
    Capture,
    PaymentDeclined,
    PaymentError,
    ProviderUnavailable,
    Refund,
)

TEST_CARDS = {
    "tok_visa": "approve",
    "tok_mastercard": "approve",
    "tok_declined": "declined",
    "tok_insufficient_funds": "insufficient_funds",
    "tok_timeout": "timeout",
}


class _HoldChanged(Exception):
    pass


metadata = MetaData()
operations = Table(
    "sandbox_provider_operations",
    metadata,
    Column("idempotency_key", String(200), primary_key=True),
    Column("operation", String(20), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("result", Text, nullable=False),
)
holds = Table(
    "sandbox_provider_holds",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("authorized_minor", Integer, nullable=False),
    Column("captured_minor", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False),
)

# Refunded so far per captured authorisation (its own table, so existing sandbox databases gain it).
refund_totals = Table(
    "sandbox_provider_refund_totals",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("refunded_minor", Integer, nullable=False),
)


def _insert_hold(conn: Connection, reference: str, currency: str, amount_minor: int) -> None:
    conn.execute(
        insert(holds).values(
            reference=reference, currency=currency, authorized_minor=amount_minor, captured_minor=0, status="authorized"
        )
    )


class SandboxProvider:
    """Test-card provider whose state survives backend restarts (it is stored in the given database)."""

    name = "sandbox"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    def _replay(self, key: str, operation: str) -> dict[str, object] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(operations).where(operations.c.idempotency_key == key)).first()
        if row is None:
            return None
        if row.operation != operation:
            raise PaymentError(f"idempotency key {key!r} was used for a {row.operation}, not a {operation}")
        result: dict[str, object] = json.loads(row.result)
        return result

    def _record(
        self,
        key: str,
        operation: str,
        reference: str,
        result: dict[str, object],
        hold: Callable[[Connection], CursorResult[Any] | None] | None = None,
    ) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(operations).values(
                        idempotency_key=key, operation=operation, reference=reference, result=json.dumps(result)
                    )
                )
                changed = hold(conn) if hold is not None else None
                # An UPDATE of the hold must hit exactly one row: otherwise someone else changed it first.
                if changed is not None and changed.rowcount != 1:
                    raise _HoldChanged
        except IntegrityError:
            pass  # a concurrent call with the same key won; its result is the one that stands
        except _HoldChanged:
            raise PaymentError(f"authorisation {reference} changed under a concurrent {operation}") from None

    def authorize(self, *, card_token: str, amount_minor: int, currency: str, idempotency_key: str) -> Authorization:
        result = self._replay(idempotency_key, "authorize")
        behaviour = TEST_CARDS.get(card_token.replace(" ", ""), "declined")
        if result is None:
            if behaviour in ("declined", "insufficient_funds"):
                result = {"declined": behaviour}
                self._record(idempotency_key, "authorize", "", result)
            else:
                reference = "auth_" + uuid.uuid4().hex[:20]
                result = {"reference": reference, "amount_minor": amount_minor, "currency": currency}
                self._record(
                    idempotency_key,
                    "authorize",
                    reference,
                    result,
                    lambda conn: _insert_hold(conn, reference, currency, amount_minor),
                )
                result = self._replay(idempotency_key, "authorize")
                assert result is not None
                if behaviour == "timeout":
                    raise ProviderUnavailable("the sandbox provider timed out (test card)")
        if "declined" in result:
            raise PaymentDeclined(str(result["declined"]))
        return Authorization(str(result["reference"]), int(result["amount_minor"]), str(result["currency"]))  # type: ignore[call-overload]

    def capture(self, *, reference: str, amount_minor: int, idempotency_key: str) -> Capture:
        result = self._replay(idempotency_key, "capture")
        if result is None:
            with self.engine.connect() as conn:
                hold = conn.execute(select(holds).where(holds.c.reference == reference)).first()
            if hold is None:
                raise PaymentError(f"no authorisation {reference}")
            if hold.status != "authorized":
                raise PaymentError(f"authorisation {reference} is {hold.status}")
            if amount_minor > hold.authorized_minor:
                raise PaymentError(f"cannot capture {amount_minor}: only {hold.authorized_minor} authorised")
            result = {"reference": reference, "amount_minor": amount_minor, "currency": hold.currency}
            self._record(
                idempotency_key,
                "capture",
                reference,
                result,
                lambda conn: conn.execute(
                    update(holds)
                    .where(holds.c.reference == reference, holds.c.status == "authorized")
                    .values(status="captured", captured_minor=amount_minor)
                ),
            )
            result = self._replay(idempotency_key, "capture")
            assert result is not None
        return Capture(str(result["reference"]), int(result["amount_minor"]), str(result["currency"]))  # type: ignore[call-overload]

    def void(self, *, reference: str, idempotency_key: str) -> None:
        if self._replay(idempotency_key, "void") is not None:
            return
        with self.engine.connect() as conn:
            hold = conn.execute(select(holds).where(holds.c.reference == reference)).first()
        if hold is None:
            raise PaymentError(f"no authorisation {reference}")
        if hold.status == "captured":
            raise PaymentError(f"authorisation {reference} is already captured")
        self._record(
            idempotency_key,
            "void",
            reference,
            {"reference": reference},
            lambda conn: conn.execute(update(holds).where(holds.c.reference == reference).values(status="voided")),
        )

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str) -> Refund:
        result = self._replay(idempotency_key, "refund")
        if result is None:
            if amount_minor <= 0:
                raise PaymentError("a refund must be positive")
            with self.engine.connect() as conn:
                hold = conn.execute(select(holds).where(holds.c.reference == reference)).first()
            if hold is None:
                raise PaymentError(f"no authorisation {reference}")
            if hold.status != "captured":
                raise PaymentError(f"authorisation {reference} is {hold.status}, not captured")
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(refund_totals).values(reference=reference, refunded_minor=0))
            except IntegrityError:
                pass  # the row exists already
            captured = hold.captured_minor
            left = captured - self.refunded(reference)
            if amount_minor > left:
                raise PaymentError(f"cannot refund {amount_minor}: only {left} of the capture {reference} is left")
            result = {"reference": reference, "amount_minor": amount_minor, "currency": hold.currency}
            # The conditional UPDATE refuses (0 rows) a refund that would take back more than the capture, also
            # when two refunds with different keys race.
            self._record(
                idempotency_key,
                "refund",
                reference,
                result,
                lambda conn: conn.execute(
                    update(refund_totals)
                    .where(
                        refund_totals.c.reference == reference,
                        refund_totals.c.refunded_minor + amount_minor <= captured,
                    )
                    .values(refunded_minor=refund_totals.c.refunded_minor + amount_minor)
                ),
            )
            result = self._replay(idempotency_key, "refund")
            if result is None:
                raise PaymentError(f"cannot refund {amount_minor}: more than is left of the capture {reference}")
        return Refund(str(result["reference"]), int(result["amount_minor"]), str(result["currency"]))  # type: ignore[call-overload]

    def refunded(self, reference: str) -> int:
        """How much the provider has refunded on an authorisation (for tests and reconciliation)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(refund_totals.c.refunded_minor).where(refund_totals.c.reference == reference)
            ).scalar()
        return int(value or 0)

    def captures(self, reference: str) -> int:
        """How many captures the provider made on an authorisation (for tests and reconciliation)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(operations).where(operations.c.reference == reference, operations.c.operation == "capture")
            ).all()
        return len(rows)
