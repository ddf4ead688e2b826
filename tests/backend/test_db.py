from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from backend.domain.money import Money

metadata = MetaData()
accounts = Table("accounts", metadata, Column("id", Integer, primary_key=True), Column("name", String(40)))
entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
)


def test_integer_cents_sum_exactly_beyond_32_bits(db_engine) -> None:
    metadata.create_all(db_engine)
    amounts = [Money(2**31 - 1, "EUR"), Money(2**31 - 1, "EUR"), Money(-1, "EUR"), Money(1, "EUR")] * 250
    with db_engine.begin() as conn:
        conn.execute(insert(accounts).values(id=1, name="sales"))
        conn.execute(
            insert(entries),
            [{"account_id": 1, "amount_minor": m.minor, "currency": m.currency} for m in amounts],
        )
        total = conn.execute(select(func.sum(entries.c.amount_minor))).scalar_one()
    assert Money(int(total), "EUR") == Money.sum(amounts, "EUR")


def test_foreign_keys_are_enforced(db_engine) -> None:
    metadata.create_all(db_engine)
    with pytest.raises(IntegrityError), db_engine.begin() as conn:
        conn.execute(insert(entries).values(account_id=999, amount_minor=1, currency="EUR"))
