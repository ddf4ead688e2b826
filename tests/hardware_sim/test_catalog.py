"""The demo catalog: the shipped file is valid and rich enough; bad rows are named by line and column."""

from __future__ import annotations

import pytest

from backend.domain.gs1 import parse_scanned, validate_gtin
from hardware_sim.catalog import COLUMNS, CatalogError, load_demo_catalog, parse_catalog

GOOD = "4006381001014,,Fizz Cola 0.33 L can,Fizz,drinks,89,EUR,piece,345,3,can,,66,66,115,#d0121b,#ffffff,#ffffff,fizz"
WEIGHT = "2004011000002,4011,Bananas,,produce,179,EUR,weight,950,260,produce,banana,200,150,60,#f2d22e,#8a7a2a,,"
HEADER = ",".join(COLUMNS)


def _csv(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def _with(row: str, column: str, value: str) -> str:
    cells = row.split(",")
    cells[COLUMNS.index(column)] = value
    return ",".join(cells)


def test_demo_catalog_is_valid_and_covers_the_issue() -> None:
    catalog = load_demo_catalog()
    assert len(catalog) >= 40
    for row in catalog:
        validate_gtin(row.gtin)
    packagings = {r.packaging for r in catalog}
    assert {"can", "bottle", "box", "bag", "jar", "tub", "produce", "blister"} <= packagings
    by_weight = [r for r in catalog if r.by_weight]
    assert len(by_weight) >= 3
    assert any(r.packaging == "produce" and not r.by_weight for r in catalog)
    assert len(catalog.lookalike_pairs()) >= 5
    assert catalog.weight_twins(15.0), "the barcode-switch case needs products of similar weight"
    small_dear = [r for r in catalog if r.weight_mean_g < 150 and r.price_minor >= 500]
    assert len(small_dear) >= 2


def test_by_weight_items_round_trip_through_the_store_scheme() -> None:
    catalog = load_demo_catalog()
    for row in (r for r in catalog if r.by_weight):
        code = row.variable_measure_code(812)
        scanned = parse_scanned(code)
        assert scanned.gtin14 == row.gtin14
        assert scanned.weight_g == 812


def test_lookup_accepts_13_and_14_digits_and_names_unknown_gtins() -> None:
    catalog = load_demo_catalog()
    assert catalog.get("4006381001014") is catalog.get("04006381001014")
    assert "4006381001014" in catalog
    with pytest.raises(KeyError, match="4006381333931"):
        catalog.get("4006381333931")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD, None),
        (WEIGHT, None),
        (_with(GOOD, "gtin", "4006381001015"), r":2: gtin: .*check digit"),
        (_with(GOOD, "gtin", "400638100101"), r":2: gtin: .*GTIN-13"),
        (_with(GOOD, "price_minor", "0.89"), r":2: price_minor: '0.89' is not a whole number"),
        (_with(GOOD, "price_minor", "-5"), r":2: price_minor: .*greater than 0"),
        (_with(GOOD, "sold_by", "litre"), r":2: sold_by:"),
        (_with(GOOD, "packaging", "crate"), r":2: packaging: 'crate'"),
        (_with(GOOD, "colour_1", "red"), r":2: colour_1: 'red'"),
        (_with(GOOD, "weight_sd_g", "-1"), r":2: weight_sd_g:"),
        (_with(GOOD, "name", ""), r":2: name: is empty"),
        (_with(GOOD, "currency", "eur"), r":2: currency:"),
        (_with(GOOD, "lookalike_group", "Fizz Cans"), r":2: lookalike_group:"),
        (_with(GOOD, "shape", "round"), r":2: shape: can has no shapes"),
        (_with(GOOD, "gtin", "2004011000002"), r":2: gtin: .*variable-measure range"),
        (_with(WEIGHT, "plu", "4012"), r":2: gtin: .*PLU 4012"),
        (_with(WEIGHT, "gtin", "4006381001014"), r":2: gtin: .*weight-embedded prefix"),
        (_with(WEIGHT, "shape", "cube"), r":2: shape: 'cube'"),
        (GOOD + ",extra", r":2: row: more cells"),
    ],
)
def test_row_validation_names_line_and_column(row: str, message: str | None) -> None:
    if message is None:
        assert len(parse_catalog(_csv(row), "t.csv")) == 1
        return
    with pytest.raises(CatalogError, match="^t.csv" + message):
        parse_catalog(_csv(row), "t.csv")


def test_every_problem_is_reported_with_its_line() -> None:
    bad = _with(GOOD, "price_minor", "x")
    with pytest.raises(CatalogError) as info:
        parse_catalog(_csv(GOOD, bad, GOOD, WEIGHT), "t.csv")
    assert info.value.problems == (
        "t.csv:3: price_minor: 'x' is not a whole number",
        "t.csv:4: gtin: 4006381001014 already on line 2",
    )


def test_missing_columns_are_named() -> None:
    with pytest.raises(CatalogError, match=r"t.csv:1: header: missing column\(s\) lookalike_group"):
        parse_catalog(",".join(COLUMNS[:-1]) + "\n", "t.csv")
