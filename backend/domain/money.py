"""Money as integer minor units with an ISO 4217 currency: no floats where money is stored or summed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

# Minor-unit exponents (ISO 4217) of the currencies a store might price in.
CURRENCY_EXPONENTS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "RON": 2,
    "BGN": 2,
    "TRY": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "BRL": 2,
    "MXN": 2,
    "INR": 2,
    "CNY": 2,
    "ZAR": 2,
    "AED": 2,
    "SAR": 2,
    "ILS": 2,
    "SGD": 2,
    "HKD": 2,
    "THB": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "KWD": 3,
    "BHD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


class MoneyError(ValueError):
    """A money value or operation that cannot be represented exactly."""


class CurrencyMismatchError(MoneyError):
    """Two amounts in different currencies were combined."""


def currency_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (2 for EUR: 1 EUR = 100 cents)."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}: expected an ISO 4217 code such as 'EUR'") from None


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``minor`` units (cents) of ``currency``."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise MoneyError(
                f"Money.minor must be an int number of minor units, got {type(self.minor).__name__} {self.minor!r}"
            )
        currency_exponent(self.currency)

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, amount: Decimal | str, currency: str) -> Money:
        """Exact conversion of a decimal amount ("12.34") to minor units; more decimals than the currency has
        are an error, never rounded away."""
        exponent = currency_exponent(currency)
        try:
            value = Decimal(amount) if isinstance(amount, str) else amount
            if not isinstance(value, Decimal):
                raise InvalidOperation
        except InvalidOperation:
            raise MoneyError(f"not a decimal amount: {amount!r}") from None
        if not value.is_finite():
            raise MoneyError(f"not a finite amount: {amount!r}")
        scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{amount} has more than {exponent} decimal places, the minor unit of {currency}")
        return cls(int(scaled), currency)

    @classmethod
    def sum(cls, amounts: Iterable[Money], currency: str) -> Money:
        """Sum of amounts, all in ``currency`` (an empty sum is zero)."""
        total = cls.zero(currency)
        for amount in amounts:
            total = total + amount
        return total

    # -- arithmetic ---------------------------------------------------------------------------------
    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same_currency(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same_currency(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise MoneyError(f"Money can only be multiplied by an int quantity, got {quantity!r}")
        return Money(self.minor * quantity, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same_currency(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same_currency(other).minor

    def scaled(self, numerator: int, denominator: int, *, rounding: str = ROUND_HALF_UP) -> Money:
        """This amount × numerator / denominator, rounded once to a whole minor unit.

        Used for prices per unit of measure: ``price_per_kg.scaled(grams, 1000)``."""
        if denominator <= 0:
            raise MoneyError("denominator must be positive")
        exact = Decimal(self.minor) * numerator / denominator
        return Money(int(exact.to_integral_value(rounding=rounding)), self.currency)

    def allocate(self, weights: Iterable[int]) -> list[Money]:
        """Split into parts proportional to ``weights`` that add up exactly to this amount."""
        ws = list(weights)
        if not ws or any(w < 0 for w in ws) or sum(ws) == 0:
            raise MoneyError("allocation weights must be non-negative and not all zero")
        total = sum(ws)
        parts = [self.minor * w // total for w in ws]
        remainder = self.minor - sum(parts)
        for i in range(remainder):
            parts[i % len(parts)] += 1
        return [Money(p, self.currency) for p in parts]

    # -- presentation -------------------------------------------------------------------------------
    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-currency_exponent(self.currency))

    def __str__(self) -> str:
        exponent = currency_exponent(self.currency)
        quantum = Decimal(1).scaleb(-exponent)
        return f"{self.to_decimal().quantize(quantum, rounding=ROUND_HALF_EVEN)} {self.currency}"
