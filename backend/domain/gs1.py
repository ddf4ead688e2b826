"""GS1 barcodes: GTIN check digits and normalisation, UPC-E, variable-measure EAN-13, GS1 element strings.

Pure functions on the text a scanner returns. Validation of check digits and the GS1 Application Identifier
table come from `biip`; the store's variable-measure scheme (which digits of a 20–29 code hold the item,
the price or the weight) is store configuration and lives here.

Every failure raises a :class:`GS1Error` subclass whose message names what is wrong (which digit, which AI).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from biip import ParseError
from biip.checksums import gs1_price_weight_check_digit, gs1_standard_check_digit
from biip.gs1_messages import GS1Message
from biip.upc import Upc

from backend.domain.money import Money, MoneyError

GROUP_SEPARATOR = "\x1d"  # FNC1 inside a GS1-128 / DataBar element string, as scanners transmit it

# Symbology identifiers (ISO/IEC 15424) that a scanner may put before the data.
_SYMBOLOGY_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


class GS1Error(ValueError):
    """A barcode text that is not a valid GS1 code, with the reason."""


class GtinError(GS1Error):
    """Wrong length or characters for a GTIN."""


class CheckDigitError(GtinError):
    """The last digit does not match the GS1 check digit of the others."""

    def __init__(self, code: str, expected: int, got: int) -> None:
        super().__init__(f"invalid check digit in {code!r}: expected {expected}, got {got}")
        self.code = code
        self.expected = expected
        self.got = got


class ElementStringError(GS1Error):
    """A GS1 element string (GS1-128, DataBar, GS1 QR) that cannot be parsed."""

    def __init__(self, message: str, ai: str | None = None) -> None:
        super().__init__(message)
        self.ai = ai


class VariableMeasureError(GS1Error):
    """A 20–29 code that does not fit the store's variable-measure scheme."""


# --------------------------------------------------------------------------------------------------
# GTIN


def check_digit(body: str) -> int:
    """GS1 standard (mod 10, weights 3-1 from the right) check digit for the digits ``body``."""
    if not body.isdigit() or not body.isascii():
        raise GtinError(f"expected digits only, got {body!r}")
    return gs1_standard_check_digit(body)


def with_check_digit(body: str) -> str:
    """``body`` followed by its check digit: ``with_check_digit("400638133393") == "4006381333931"``."""
    return body + str(check_digit(body))


def validate_gtin(code: str) -> str:
    """Check a GTIN-8/12/13/14 and return it normalised to GTIN-14 (zero-padded on the left)."""
    code = code.strip()
    if not code.isdigit() or not code.isascii():
        bad = next((i for i, c in enumerate(code) if not (c.isascii() and c.isdigit())), 0)
        raise GtinError(f"GTIN {code!r} has a non-digit at position {bad + 1}")
    if len(code) not in (8, 12, 13, 14):
        raise GtinError(f"GTIN {code!r} has {len(code)} digits: expected 8, 12, 13 or 14")
    expected = check_digit(code[:-1])
    if expected != int(code[-1]):
        raise CheckDigitError(code, expected, int(code[-1]))
    return code.zfill(14)


def expand_upce(code: str) -> str:
    """Expand an 8-digit UPC-E (number system 0 or 1, six digits, check digit) to its 12-digit UPC-A."""
    code = code.strip()
    if len(code) != 8 or not code.isdigit():
        raise GtinError(f"UPC-E {code!r} must be 8 digits (number system, 6 digits, check digit)")
    if code[0] not in "01":
        raise GtinError(f"UPC-E {code!r} must start with number system 0 or 1, got {code[0]}")
    try:
        upc_a = Upc.parse(code).as_upc_a()
    except ParseError as exc:
        expected = check_digit(Upc.parse(code[:7]).as_upc_a()[:-1])
        raise CheckDigitError(code, expected, int(code[-1])) from exc
    return upc_a


def normalize_gtin(code: str, symbology: str | None = None) -> str:
    """GTIN-14 of a scanned product code; ``symbology="upc-e"`` expands an 8-digit UPC-E first."""
    if symbology is not None and symbology.lower().replace("_", "-") in ("upc-e", "upce"):
        code = expand_upce(code)
    return validate_gtin(code)


# --------------------------------------------------------------------------------------------------
# Variable-measure EAN-13 (GS1 prefixes 20–29, "restricted circulation numbers")

_SCHEME_LETTERS = set("IWPVK")


@dataclass(frozen=True, slots=True)
class VariableMeasure:
    """What a variable-measure code says: which item, and its weight or price."""

    code: str
    item_gtin14: str  # the code with its measure digits zeroed: the catalog's key for the item
    item_reference: str
    weight_g: int | None = None
    price_minor: int | None = None


@dataclass(frozen=True, slots=True)
class VariableMeasureScheme:
    """Layout of one variable-measure prefix, a 13-character pattern (spaces ignored).

    Digits are the fixed prefix; ``I`` item reference (PLU); ``W`` weight in grams; ``P`` price in minor
    units; ``V`` the GS1 price/weight verifier digit over the 4- or 5-digit measure; ``K`` the EAN-13 check
    digit. Example: ``"20 IIIII WWWWW K"`` (weight in grams) or ``"23 IIII V PPPPP K"`` (price with
    verifier). A pattern ``"2 IIIII V WWWWW K"`` style with a one-digit prefix is allowed too.
    """

    pattern: str

    def __post_init__(self) -> None:
        p = self.layout
        if len(p) != 13:
            raise VariableMeasureError(f"scheme {self.pattern!r} has {len(p)} positions: expected 13")
        if not p[0] == "2" or not all(c.isdigit() or c in _SCHEME_LETTERS for c in p):
            raise VariableMeasureError(
                f"scheme {self.pattern!r}: starts with prefix 2x and uses only digits and I, W, P, V, K"
            )
        if p[-1] != "K" or p.count("K") != 1:
            raise VariableMeasureError(f"scheme {self.pattern!r} must end with the check digit K")
        if ("W" in p) == ("P" in p):
            raise VariableMeasureError(f"scheme {self.pattern!r} needs exactly one measure: W or P")
        measure = self._measure_span
        if "".join(p[i] for i in range(*measure)) not in (
            "W" * (measure[1] - measure[0]),
            "P" * (measure[1] - measure[0]),
        ):
            raise VariableMeasureError(f"scheme {self.pattern!r}: measure digits must be contiguous")
        if "V" in p and (p.count("V") != 1 or measure[1] - measure[0] not in (4, 5)):
            raise VariableMeasureError(f"scheme {self.pattern!r}: one verifier V over a 4- or 5-digit measure")
        if "I" not in p:
            raise VariableMeasureError(f"scheme {self.pattern!r} has no item reference I")

    @property
    def layout(self) -> str:
        return self.pattern.replace(" ", "")

    @property
    def prefix(self) -> str:
        layout = self.layout
        n = 0
        while n < len(layout) and layout[n].isdigit():
            n += 1
        return layout[:n]

    @property
    def _measure_span(self) -> tuple[int, int]:
        p = self.layout
        letter = "W" if "W" in p else "P"
        return p.index(letter), p.rindex(letter) + 1

    def _positions(self, letter: str) -> list[int]:
        return [i for i, c in enumerate(self.layout) if c == letter]

    def matches(self, code: str) -> bool:
        return len(code) == 13 and code.startswith(self.prefix)

    def parse(self, code: str) -> VariableMeasure:
        """Split a 13-digit code by this scheme, checking the check digit and the verifier."""
        validate_gtin(code)
        if not self.matches(code):
            raise VariableMeasureError(f"{code!r} does not start with this scheme's prefix {self.prefix}")
        start, end = self._measure_span
        measure = code[start:end]
        for v in self._positions("V"):
            expected = gs1_price_weight_check_digit(measure)
            if int(code[v]) != expected:
                raise VariableMeasureError(
                    f"invalid price/weight verifier digit in {code!r} at position {v + 1}: "
                    f"expected {expected}, got {code[v]}"
                )
        item_reference = "".join(code[i] for i in self._positions("I"))
        is_weight = "W" in self.layout
        return VariableMeasure(
            code=code,
            item_gtin14=self.item_gtin14(item_reference),
            item_reference=item_reference,
            weight_g=int(measure) if is_weight else None,
            price_minor=None if is_weight else int(measure),
        )

    def item_gtin14(self, item_reference: str) -> str:
        """The catalog key of an item: its code with measure and verifier digits set to zero."""
        return self.encode(item_reference, 0).zfill(14)

    def encode(self, item_reference: str, measure: int) -> str:
        """Build the 13-digit code for ``item_reference`` with ``measure`` (grams or minor units)."""
        positions = self._positions("I")
        if len(item_reference) != len(positions) or not item_reference.isdigit():
            raise VariableMeasureError(
                f"item reference {item_reference!r} must be {len(positions)} digits for scheme {self.pattern!r}"
            )
        start, end = self._measure_span
        width = end - start
        if not 0 <= measure < 10**width:
            raise VariableMeasureError(f"measure {measure} does not fit {width} digits of scheme {self.pattern!r}")
        digits = list(self.layout)
        for pos, ch in zip(positions, item_reference, strict=True):
            digits[pos] = ch
        digits[start:end] = f"{measure:0{width}d}"
        for v in self._positions("V"):
            digits[v] = str(gs1_price_weight_check_digit("".join(digits[start:end])))
        return with_check_digit("".join(digits[:-1]))


@dataclass(frozen=True)
class StoreScheme:
    """A store's variable-measure layouts, by prefix. Prefixes 20–29 without a layout are rejected."""

    schemes: tuple[VariableMeasureScheme, ...]

    @classmethod
    def from_patterns(cls, patterns: list[str] | tuple[str, ...]) -> StoreScheme:
        return cls(tuple(VariableMeasureScheme(p) for p in patterns))

    def scheme_for(self, code: str) -> VariableMeasureScheme | None:
        candidates = [s for s in self.schemes if s.matches(code)]
        return max(candidates, key=lambda s: len(s.prefix)) if candidates else None


#: The demo store's layout: 20 = weight in grams, 21 = weight with verifier, 22 = price in cents,
#: 23 = price with verifier. A store sets its own in configuration.
DEFAULT_STORE_SCHEME = StoreScheme.from_patterns(
    ["20 IIIII WWWWW K", "21 IIII V WWWWW K", "22 IIIII PPPPP K", "23 IIII V PPPPP K"]
)


def is_variable_measure(code: str) -> bool:
    """True for a 13-digit code in the GS1 restricted-circulation range 20–29."""
    return len(code) == 13 and code.isdigit() and code[0] == "2"


# --------------------------------------------------------------------------------------------------
# GS1 element strings (GS1-128, GS1 DataBar, GS1 QR / DataMatrix)


@dataclass(frozen=True)
class ElementStrings:
    """The Application Identifiers a GS1 element string carries, with the ones we use decoded."""

    values: Mapping[str, str]
    gtin14: str | None = None
    batch: str | None = None
    expiry: dt.date | None = None
    net_weight_g: int | None = None
    price: tuple[int, int] | None = None  # (amount, decimals) of AI 392n: money with n decimals


def _strip_symbology(text: str) -> str:
    return _SYMBOLOGY_PREFIX.sub("", text, count=1)


def parse_element_string(text: str) -> ElementStrings:
    """Parse a GS1 element string: raw with FNC1 as <GS> (and an optional ``]C1``/``]e0``/``]Q3``
    symbology identifier) or human-readable with parentheses, ``(01)09501101530003(3103)001250``."""
    body = _strip_symbology(text.strip())
    if not body:
        raise ElementStringError("empty GS1 element string")
    try:
        message = GS1Message.parse_hri(body) if body.startswith("(") else GS1Message.parse(body)
    except ParseError as exc:
        raise ElementStringError(f"not a valid GS1 element string: {exc}") from None
    values: dict[str, str] = {}
    gtin14 = batch = None
    expiry = None
    net_weight_g = None
    price = None
    for es in message.element_strings:
        ai = es.ai.ai
        if ai in values:
            raise ElementStringError(f"AI ({ai}) appears twice", ai)
        values[ai] = es.value
        if ai == "01":
            if es.gtin_error:
                raise ElementStringError(f"AI (01): {es.gtin_error}", ai)
            gtin14 = validate_gtin(es.value)
        elif ai == "10":
            batch = es.value
        elif ai == "17":
            if es.date is None:
                raise ElementStringError(f"AI (17): {es.value!r} is not a date YYMMDD", ai)
            expiry = es.date
        elif ai.startswith("310") and ai[3] in "012345":
            kilograms = Decimal(es.value).scaleb(-int(ai[3]))
            grams = kilograms * 1000
            if grams != grams.to_integral_value():
                raise ElementStringError(f"AI ({ai}): {kilograms} kg is not a whole number of grams", ai)
            net_weight_g = int(grams)
        elif ai.startswith("392") and ai[3] in "0123":
            price = (int(es.value), int(ai[3]))
    return ElementStrings(values, gtin14, batch, expiry, net_weight_g, price)


_FIXED_LENGTH_AIS = (
    "00",
    "01",
    "02",
    "03",
    "04",
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "20",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "41",
)


def encode_element_string(values: Mapping[str, str]) -> str:
    """Raw element string (as a scanner transmits it, no symbology identifier) for ``{ai: value}``.

    Variable-length fields are followed by <GS> unless last, as GS1-128 requires."""
    parts: list[str] = []
    items = list(values.items())
    for index, (ai, value) in enumerate(items):
        parts.append(ai + value)
        if not ai.startswith(_FIXED_LENGTH_AIS) and index < len(items) - 1:
            parts.append(GROUP_SEPARATOR)
    text = "".join(parts)
    parse_element_string(text)  # refuse to produce what we would not accept
    return text


# --------------------------------------------------------------------------------------------------
# Any scanned code


@dataclass(frozen=True)
class ScannedCode:
    """A validated scan: the catalog key and whatever measure the code itself carries."""

    raw: str
    kind: str  # "gtin" | "variable_measure" | "gs1"
    gtin14: str
    weight_g: int | None = None
    price_minor: int | None = None
    batch: str | None = None
    expiry: dt.date | None = None
    ais: Mapping[str, str] = field(default_factory=dict)


def parse_scanned(
    text: str,
    *,
    symbology: str | None = None,
    store_scheme: StoreScheme = DEFAULT_STORE_SCHEME,
    currency: str = "EUR",
) -> ScannedCode:
    """Validate the text a scanner read and say which catalog item it is.

    Plain GTINs (EAN-8/13, UPC-A/E, ITF-14), the store's variable-measure EAN-13s (20–29), and GS1 element
    strings (AI 01 with optional weight 310n, price 392n, batch 10, expiry 17) are accepted. Prices come
    back in minor units of ``currency``."""
    raw = text
    body = _strip_symbology(text.strip())
    if not body:
        raise GS1Error("empty barcode")
    if body.isdigit() and len(body) in (8, 12, 13, 14):
        if symbology is not None and symbology.lower().replace("_", "-") in ("upc-e", "upce"):
            return ScannedCode(raw, "gtin", normalize_gtin(body, symbology))
        if is_variable_measure(body):
            scheme = store_scheme.scheme_for(body)
            if scheme is None:
                raise VariableMeasureError(
                    f"{body!r} is a variable-measure code (prefix {body[:2]}) but the store has no layout for it"
                )
            vm = scheme.parse(body)
            return ScannedCode(raw, "variable_measure", vm.item_gtin14, vm.weight_g, vm.price_minor)
        return ScannedCode(raw, "gtin", validate_gtin(body))
    es = parse_element_string(text)
    if es.gtin14 is None:
        raise ElementStringError(f"GS1 element string {body!r} has no GTIN (AI 01)")
    price_minor = None
    if es.price is not None:
        amount, decimals = es.price
        try:
            price_minor = Money.from_decimal(Decimal(amount).scaleb(-decimals), currency).minor
        except MoneyError as exc:
            raise ElementStringError(f"AI (392{decimals}): {exc}", f"392{decimals}") from None
    return ScannedCode(raw, "gs1", es.gtin14, es.net_weight_g, price_minor, es.batch, es.expiry, dict(es.values))
