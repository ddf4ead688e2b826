from __future__ import annotations

import datetime as dt
from contextlib import nullcontext as does_not_raise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain import gs1
from backend.domain.gs1 import (
    DEFAULT_STORE_SCHEME,
    CheckDigitError,
    ElementStringError,
    GtinError,
    VariableMeasureError,
    VariableMeasureScheme,
)


# Published examples: GS1 General Specifications §7.9.1 (629104150021 → 3; GTIN-8 9501234 → 6;
# GTIN-13 950110153100 → 0; SSCC 37610425002123456 → 9), the EAN-13, UPC-A and EAN-8 examples of the
# GS1 barcode literature (4006381333931, 036000291452, 73513537).
@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("629104150021", 3),
        ("9501234", 6),
        ("950110153100", 0),
        ("37610425002123456", 9),
        ("400638133393", 1),
        ("03600029145", 2),
        ("7351353", 7),
        ("0950110153000", 3),
    ],
)
def test_published_check_digits(body: str, digit: int) -> None:
    assert gs1.check_digit(body) == digit


@pytest.mark.parametrize(
    ("code", "gtin14", "expectation"),
    [
        ("4006381333931", "04006381333931", does_not_raise()),
        ("036000291452", "00036000291452", does_not_raise()),
        ("73513537", "00000073513537", does_not_raise()),
        ("09501101530003", "09501101530003", does_not_raise()),
        (" 4006381333931\n", "04006381333931", does_not_raise()),
        ("4006381333932", None, pytest.raises(CheckDigitError, match="expected 1, got 2")),
        ("400638133393", None, pytest.raises(CheckDigitError, match="expected 0, got 3")),
        ("40063813339", None, pytest.raises(GtinError, match="11 digits")),
        ("40063813A931", None, pytest.raises(GtinError, match="non-digit at position 9")),
        ("", None, pytest.raises(GtinError)),
        ("٤006381333931", None, pytest.raises(GtinError, match="non-digit at position 1")),
    ],
)
def test_validate_gtin(code: str, gtin14: str | None, expectation) -> None:
    with expectation:
        assert gs1.validate_gtin(code) == gtin14


@pytest.mark.parametrize(
    ("upce", "upca", "expectation"),
    [
        ("04252614", "042100005264", does_not_raise()),  # d6 = 1: manufacturer 42 1 00
        ("01234565", "012345000065", does_not_raise()),  # d6 = 5..9
        ("01234531", "012300000451", does_not_raise()),  # d6 = 3
        ("01234543", "012340000053", does_not_raise()),  # d6 = 4
        ("04252615", None, pytest.raises(CheckDigitError, match="expected 4, got 5")),
        ("24252614", None, pytest.raises(GtinError, match="number system 0 or 1")),
        ("0425261", None, pytest.raises(GtinError, match="8 digits")),
    ],
)
def test_expand_upce(upce: str, upca: str | None, expectation) -> None:
    with expectation:
        upc_a = gs1.expand_upce(upce)
        assert upc_a == upca
        assert gs1.normalize_gtin(upce, "upc-e") == upca.zfill(14)


@pytest.mark.parametrize(
    ("pattern", "code", "weight_g", "price_minor", "expectation"),
    [
        ("20 IIIII WWWWW K", "2000123012506", 1250, None, does_not_raise()),
        ("22 IIIII PPPPP K", "2200123004994", None, 499, does_not_raise()),
        # GS1 General Specifications §7.9.3/7.9.4 verifier examples: 2875 → 9 and 14685 → 6.
        ("23 IIIII V PPPP K", "2312345928757", None, 2875, does_not_raise()),
        ("21 IIII V WWWWW K", "2112346146859", 14685, None, does_not_raise()),
        ("21 IIII V WWWWW K", "2112345146850", None, None, pytest.raises(VariableMeasureError, match="verifier")),
        ("20 IIIII WWWWW K", "2000123012507", None, None, pytest.raises(CheckDigitError)),
        ("20 IIIII WWWWW K", "2100123012503", None, None, pytest.raises(VariableMeasureError, match="prefix 20")),
    ],
)
def test_variable_measure_parse(pattern, code, weight_g, price_minor, expectation) -> None:
    with expectation:
        vm = VariableMeasureScheme(pattern).parse(code)
        assert (vm.weight_g, vm.price_minor) == (weight_g, price_minor)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("20 IIIII WWWW K", "12 positions"),
        ("30 IIIII WWWWW K", "prefix 2x"),
        ("20 IIIII WWWWK W", "end with the check digit"),
        ("20 IIIII WWPPP K", "exactly one measure"),
        ("20 IIIII WWIWW K", "contiguous"),
        ("20 III V WWWWWW K", "4- or 5-digit"),
        ("2000000WWWWW K", "no item reference"),
    ],
)
def test_bad_schemes_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(VariableMeasureError, match=message):
        VariableMeasureScheme(pattern)


def test_variable_measure_item_key_ignores_the_measure() -> None:
    scheme = VariableMeasureScheme("21 IIII V WWWWW K")
    a = scheme.parse(scheme.encode("4711", 350))
    b = scheme.parse(scheme.encode("4711", 1995))
    assert a.item_gtin14 == b.item_gtin14 == scheme.item_gtin14("4711")
    gs1.validate_gtin(a.item_gtin14)  # the catalog key is itself a valid GTIN


@given(
    scheme=st.sampled_from(DEFAULT_STORE_SCHEME.schemes),
    item=st.integers(min_value=0, max_value=99999),
    measure=st.integers(min_value=0, max_value=99999),
)
def test_variable_measure_round_trip(scheme: VariableMeasureScheme, item: int, measure: int) -> None:
    n_item = scheme.layout.count("I")
    item_ref = f"{item % 10**n_item:0{n_item}d}"
    code = scheme.encode(item_ref, measure)
    scanned = gs1.parse_scanned(code)
    assert scanned.kind == "variable_measure"
    assert scanned.gtin14 == scheme.item_gtin14(item_ref)
    assert measure in (scanned.weight_g, scanned.price_minor)


@given(body=st.text(alphabet="0123456789", min_size=7, max_size=13).filter(lambda s: len(s) in (7, 11, 12, 13)))
def test_gtin_round_trip(body: str) -> None:
    code = gs1.with_check_digit(body)
    assert gs1.validate_gtin(code) == code.zfill(14)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(CheckDigitError):
        gs1.validate_gtin(wrong)


@pytest.mark.parametrize(
    ("text", "expected", "expectation"),
    [
        (
            "]C10109501101530003310300125039220299",
            {"gtin14": "09501101530003", "weight_g": 1250, "price_minor": 299},
            does_not_raise(),
        ),
        (
            "]e0010950110153000317260131" + "10LOT-7\x1d" + "3102000455",
            {"gtin14": "09501101530003", "batch": "LOT-7", "expiry": dt.date(2026, 1, 31), "weight_g": 4550},
            does_not_raise(),
        ),
        ("(01)09501101530003(10)AB12", {"batch": "AB12"}, does_not_raise()),
        ("0109501101530004", {}, pytest.raises(ElementStringError, match=r"AI \(01\).*check digit")),
        ("0109501101530003310", {}, pytest.raises(ElementStringError, match="'310'")),
        ("10ABC", {}, pytest.raises(ElementStringError, match="no GTIN")),
        ("]C1", {}, pytest.raises(gs1.GS1Error, match="empty")),
        ("0109501101530003392312345", {}, pytest.raises(ElementStringError, match=r"AI \(3923\)")),
    ],
)
def test_parse_scanned_element_strings(text: str, expected: dict, expectation) -> None:
    with expectation:
        scanned = gs1.parse_scanned(text)
        assert scanned.kind == "gs1"
        for key, value in expected.items():
            assert getattr(scanned, key) == value


def test_parse_scanned_plain_and_unconfigured_prefix() -> None:
    assert gs1.parse_scanned("]E04006381333931").gtin14 == "04006381333931"
    assert gs1.parse_scanned("04252614", symbology="UPC-E").gtin14 == "00042100005264"
    with pytest.raises(VariableMeasureError, match="no layout"):
        gs1.parse_scanned(gs1.with_check_digit("290012301250"))


ai_values = st.fixed_dictionaries(
    {"01": st.text(alphabet="0123456789", min_size=13, max_size=13).map(lambda s: gs1.with_check_digit(s))},
    optional={
        "10": st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=20),
        "3103": st.integers(min_value=0, max_value=999999).map(lambda n: f"{n:06d}"),
        "3922": st.integers(min_value=0, max_value=99999).map(lambda n: str(n)),
    },
)


@given(values=ai_values)
def test_element_string_round_trip(values: dict[str, str]) -> None:
    text = gs1.encode_element_string(values)
    parsed = gs1.parse_element_string(text)
    assert dict(parsed.values) == values
    hri = "".join(f"({ai}){v}" for ai, v in values.items())
    assert dict(gs1.parse_element_string(hri).values) == values
    assert gs1.parse_scanned(text).gtin14 == values["01"]
