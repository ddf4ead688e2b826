import pytest
from sqlalchemy import Engine

from backend.payments.provider import PaymentError
from backend.payments.sandbox import SandboxProvider


@pytest.fixture
def provider(db_engine: Engine) -> SandboxProvider:
    return SandboxProvider(db_engine)


def _captured(provider: SandboxProvider, amount: int = 1000) -> str:
    auth = provider.authorize(card_token="tok_visa", amount_minor=amount, currency="EUR", idempotency_key="a1")
    provider.capture(reference=auth.reference, amount_minor=amount, idempotency_key="c1")
    return auth.reference


def test_partial_refunds_never_exceed_the_capture(provider):
    ref = _captured(provider)
    assert provider.refund(reference=ref, amount_minor=600, idempotency_key="r1").amount_minor == 600
    with pytest.raises(PaymentError, match="only 400"):
        provider.refund(reference=ref, amount_minor=401, idempotency_key="r2")
    provider.refund(reference=ref, amount_minor=400, idempotency_key="r3")
    assert provider.refunded(ref) == 1000


def test_same_key_refunds_once(provider):
    ref = _captured(provider)
    for _ in range(3):
        provider.refund(reference=ref, amount_minor=300, idempotency_key="r1")
    assert provider.refunded(ref) == 300


def test_uncaptured_hold_cannot_be_refunded(provider):
    auth = provider.authorize(card_token="tok_visa", amount_minor=500, currency="EUR", idempotency_key="a1")
    with pytest.raises(PaymentError, match="not captured"):
        provider.refund(reference=auth.reference, amount_minor=100, idempotency_key="r1")
    assert provider.refunded(auth.reference) == 0
