"""The interface every payment provider implements: authorise, capture, void, refund, each idempotent by key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class PaymentError(Exception):
    """The provider refused or failed an operation."""


class PaymentDeclined(PaymentError):
    """The card was declined (``reason``: "declined", "insufficient_funds"…); retrying will not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(PaymentError):
    """The provider did not answer (timeout, network). The operation may or may not have happened: retry with
    the same idempotency key, which the provider deduplicates."""


@dataclass(frozen=True)
class Authorization:
    reference: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class Capture:
    reference: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class Refund:
    reference: str
    amount_minor: int
    currency: str


class PaymentProvider(Protocol):
    name: str

    def authorize(self, *, card_token: str, amount_minor: int, currency: str, idempotency_key: str) -> Authorization:
        """Hold ``amount_minor`` on the card. Raises :class:`PaymentDeclined` or :class:`ProviderUnavailable`."""
        ...

    def capture(self, *, reference: str, amount_minor: int, idempotency_key: str) -> Capture:
        """Take up to the authorised amount. The same key never captures twice."""
        ...

    def void(self, *, reference: str, idempotency_key: str) -> None:
        """Release the hold."""
        ...

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str) -> Refund:
        """Give back part or all of a capture; refunds on one capture never sum to more than it. The same key
        never refunds twice."""
        ...
