from __future__ import annotations

import pytest

from backend.catalog_csv import CatalogError, Dialect, decode_catalog, detect_dialect, parse_catalog
from backend.domain.gs1 import DEFAULT_STORE_SCHEME

HEADER = "gtin,name,brand,price_minor,currency,sold_by,weight_mean_g,weight_sd_g,plu,packaging\n"
GOOD = "4006381333931,Cola 1.5 L,Fizz,199,EUR,piece,1580,12,,bottle\n"


def test_good_file_keeps_extra_columns_as_attributes() -> None:
    rows = parse_catalog(
        HEADER + GOOD + "2000123000008,Bananas,,229,EUR,weight,180,30,00123,produce\n",
        store_scheme=DEFAULT_STORE_SCHEME,
    )
    assert [r.gtin14 for r in rows] == ["04006381333931", "02000123000008"]
    assert rows[0].attributes == {"packaging": "bottle"}
    assert rows[0].price_minor == 199 and rows[1].sold_by == "weight"


@pytest.mark.parametrize(
    ("row", "line", "column", "reason"),
    [
        ("4006381333932,Cola,,199,EUR,piece,1580,12,,", 2, "gtin", "expected 1, got 2"),
        ("4006381333931,,,199,EUR,piece,1580,12,,", 2, "name", "empty"),
        ("4006381333931,Cola,,1.99,EUR,piece,1580,12,,", 2, "price_minor", "whole number"),
        ("4006381333931,Cola,,-5,EUR,piece,1580,12,,", 2, "price_minor", "negative"),
        ("4006381333931,Cola,,199,EURO,piece,1580,12,,", 2, "currency", "unknown currency"),
        ("4006381333931,Cola,,199,EUR,kg,1580,12,,", 2, "sold_by", "expected 'piece' or 'weight'"),
        ("4006381333931,Cola,,199,EUR,piece,heavy,12,,", 2, "weight_mean_g", "not a non-negative number"),
        ("4006381333931,Cola,,199,EUR,piece,0,12,,", 2, "weight_mean_g", "needs its mean weight"),
        ("4006381333931,Cola,,199,EUR,weight,1580,12,,", 2, "gtin", "variable-measure item key"),
        ("2000123012506,Bananas,,229,EUR,weight,180,30,,", 2, "gtin", "measure digits set to zero"),
        ("4006381333931,Cola,,199,EUR,piece,1580,12,,,extra", 2, "-", "more field(s)"),
    ],
)
def test_each_bad_row_is_reported_with_line_and_column(row: str, line: int, column: str, reason: str) -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog(HEADER + row + "\n", store_scheme=DEFAULT_STORE_SCHEME)
    error = info.value.errors[0]
    assert (error.line, error.column) == (line, column)
    assert reason in error.reason


def test_all_problems_are_reported_not_just_the_first() -> None:
    text = HEADER + GOOD + GOOD + "123,x,,1,EUR,piece,1,1,,\n"
    with pytest.raises(CatalogError) as info:
        parse_catalog(text)
    assert [(e.line, e.column) for e in info.value.errors] == [(3, "gtin"), (4, "gtin")]
    assert "duplicate of line 2" in info.value.errors[0].reason


@pytest.mark.parametrize("text", ["", "gtin,name\n", HEADER])
def test_missing_columns_or_rows(text: str) -> None:
    with pytest.raises(CatalogError):
        parse_catalog(text)


def test_the_simulators_demo_catalog_imports() -> None:
    from pathlib import Path

    import hardware_sim

    text = (Path(hardware_sim.__file__).parent / "data" / "demo_catalog.csv").read_text()
    rows = parse_catalog(text, store_scheme=DEFAULT_STORE_SCHEME)
    assert len(rows) >= 40
    assert {r.sold_by for r in rows} == {"piece", "weight"}


# German Excel: "CSV (Trennzeichen-getrennt)" — semicolons, decimal commas, dots between thousands, Windows-1252.
GERMAN = (
    "GTIN;Name;Brand;price_minor;currency;sold_by;weight_mean_g;weight_sd_g;plu;packaging;note\r\n"
    "4006381333931;Cola 1,5 L;Fizz;199;EUR;piece;1.580,5;12,25;;bottle;Mehrweg, 0,25 € Pfand\r\n"
    "5000112637922;Kaugummi Süß;Minty;129;EUR;piece;28;1,5;;blister;0,5\r\n"
)


def test_german_excel_files_are_read_with_their_dialect() -> None:
    assert detect_dialect(GERMAN) == Dialect(";", ",")
    rows = parse_catalog(decode_catalog(GERMAN.encode("cp1252")))
    assert [r.name for r in rows] == ["Cola 1,5 L", "Kaugummi Süß"]
    assert (rows[0].weight_mean_g, rows[0].weight_sd_g, rows[1].weight_sd_g) == (1580.5, 12.25, 1.5)
    # Text keeps its commas; a number-looking attribute becomes a number.
    assert rows[0].attributes["note"] == "Mehrweg, 0,25 € Pfand" and rows[1].attributes["note"] == 0.5


@pytest.mark.parametrize(
    ("text", "dialect"),
    [
        (HEADER + GOOD, Dialect(",", ".")),
        (HEADER.replace(",", ";") + GOOD.replace(",", ";"), Dialect(";", ".")),  # semicolons, no decimals
        (HEADER.replace(",", "\t") + "4006381333931\tCola\t\t199\tEUR\tpiece\t1580,5\t12\t\t\n", Dialect("\t", ",")),
        ("", Dialect(",", ".")),
    ],
)
def test_dialect_detection(text: str, dialect: Dialect) -> None:
    assert detect_dialect(text) == dialect


def test_decoding_utf8_with_bom_and_windows_1252() -> None:
    assert decode_catalog("\ufeffgtin;Süß".encode()) == "gtin;Süß"
    assert decode_catalog("gtin;Süß".encode("cp1252")) == "gtin;Süß"


def test_a_header_read_wrongly_says_how_it_was_read() -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog("gtin name price\n1 2 3\n")
    assert "read the header as 'gtin name price'" in info.value.errors[0].reason
    assert "separated by commas" in info.value.errors[0].reason


def test_a_gtin_excel_turned_into_a_number_is_named() -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog(GERMAN.replace("4006381333931;", "4,00638E+12;"))
    error = info.value.errors[0]
    assert (error.line, error.column) == (2, "gtin") and "format the column as text" in error.reason


def test_a_bad_decimal_number_is_quoted_as_written() -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog(GERMAN.replace("1,5;;blister", "1,5,5;;blister"))
    assert "'1,5,5' is not a non-negative number" in info.value.errors[0].reason


def test_vat_deposit_and_age_are_catalog_fields() -> None:
    text = (
        "gtin;name;price_minor;currency;sold_by;weight_mean_g;weight_sd_g;vat_rate;deposit_minor;age_min\n"
        "4009991000132;Pils 0,5 L;109;EUR;piece;790;12;19 %;8;16\n"
        "4008123000149;Milch 1 L;119;EUR;piece;1040;8;7,0;;\n"
    )
    beer, milk = parse_catalog(text)
    assert (beer.vat_rate_bp, beer.deposit_minor, beer.age_min) == (1900, 8, 16)
    assert (milk.vat_rate_bp, milk.deposit_minor, milk.age_min) == (700, 0, None)
    assert "vat_rate" not in beer.attributes and "age_min" not in beer.attributes


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [("vat_rate", "0.07x", "not a number"), ("deposit_minor", "-25", "non-negative"), ("age_min", "99", "between")],
)
def test_bad_vat_deposit_or_age_is_reported_with_its_column(column: str, value: str, reason: str) -> None:
    header = f"gtin,name,price_minor,currency,sold_by,weight_mean_g,weight_sd_g,{column}\n"
    text = header + f"4009991000132,Pils,109,EUR,piece,790,12,{value}\n"
    with pytest.raises(CatalogError) as info:
        parse_catalog(text)
    (error,) = info.value.errors
    assert (error.line, error.column) == (2, column) and reason in error.reason


def test_the_demo_catalog_has_vat_deposit_and_age() -> None:
    from pathlib import Path

    import hardware_sim

    text = (Path(hardware_sim.__file__).parent / "data" / "demo_catalog.csv").read_text()
    rows = {r.name: r for r in parse_catalog(text, store_scheme=DEFAULT_STORE_SCHEME)}
    assert all(r.vat_rate_bp in (700, 1900) for r in rows.values())
    assert rows["Hopfen Pils 0.5 L bottle"].age_min == 16 and rows["Highland Single Malt 0.7 L"].age_min == 18
    assert rows["Fizz Cola 0.33 L can"].deposit_minor == 25 and rows["Alpine Fresh Milk 1 L"].vat_rate_bp == 700
