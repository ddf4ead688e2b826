"""Scenario files: the shipped suite validates and covers the cases; bad files are named by line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hardware_sim.scenario import (
    CATEGORIES,
    Expectation,
    Scenario,
    ScenarioError,
    derive_category,
    find_scenario,
    iter_problems,
    load_scenario,
    load_scenarios,
    load_shipped_scenarios,
    parse_scenario,
    parse_scenarios,
    placed_counts,
    scanned_counts,
    shipped_scenario_files,
)

GOOD = """\
name: t
description: a test
scans:
  - gtin: "4006381001014"
placed:
  - gtin: "4006381001014"
expect:
  verdict: pass
"""


def test_every_shipped_scenario_validates() -> None:
    files = shipped_scenario_files()
    assert len(files) >= 15
    assert [problems for _, problems in iter_problems(files) if problems] == []
    names = {p.stem for p in files}
    assert set(load_shipped_scenarios()) == names, "each file's name field matches its file name"


def test_the_suite_covers_the_issue() -> None:
    suite = load_shipped_scenarios()
    sizes = [sum(p.qty for p in s.placed if p.kind == "product") for s in suite.values()]
    assert min(sizes) == 1 and max(sizes) >= 30
    verdicts = {s.expect.verdict for s in suite.values()}
    assert verdicts == {"pass", "recheck", "flag"}
    reasons = {r for s in suite.values() for r in s.expect.reasons}
    assert {"unscanned_item", "product_mismatch", "quantity_mismatch", "personal_items"} <= reasons
    assert any(p.kind == "distractor" for s in suite.values() for p in s.placed)
    assert any(s.clutter >= 0.9 for s in suite.values()), "heavy occlusion"
    faults = {f.fault for s in suite.values() for f in s.faults}
    assert {"camera_off", "scale_unplugged", "bump"} <= faults
    assert any(scan.barcode for s in suite.values() for scan in s.scans), "variable-measure labels"


def test_counts_of_a_quantity_underscan() -> None:
    s = find_scenario("quantity-underscan")
    assert scanned_counts(s)["04006381001014"] == 1
    assert placed_counts(s)["04006381001014"] == 6


def test_variable_measure_scans_carry_their_weight() -> None:
    s = find_scenario("honest-produce-by-weight")
    bananas = s.scans[0]
    assert (bananas.gtin14, bananas.weight_g, bananas.barcode) == ("02004011000002", 812, "2004011008121")


def test_defaults() -> None:
    s = parse_scenario(GOOD)
    assert (s.seed, s.basket, s.clutter, s.faults, s.scans[0].qty) == (0, "basket-red", 0.25, (), 1)


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            _replace('  - gtin: "4006381001014"\nplaced', '  - gtin: "4006381001015"\nplaced'),
            r":4: scans\[0\]\.gtin: .*check",
        ),
        (
            _replace('  - gtin: "4006381001014"\nplaced', '  - gtin: "4006381333931"\nplaced'),
            r":4: scans\[0\].gtin: .*not in",
        ),
        (
            _replace('  - gtin: "4006381001014"\nplaced', "  - gtin: 2004011000002\nplaced"),
            r":4: scans\[0\].gtin: .*by weight",
        ),
        (_replace('  - gtin: "4006381001014"\nplaced', '  - barcode: "4006381001014"\nplaced'), r":4: .*plain GTIN"),
        (
            _replace('  - gtin: "4006381001014"\nplaced', '  - barcode: "2004011008122"\nplaced'),
            r":4: scans\[0\]\.barcode",
        ),
        (
            _replace('  - gtin: "4006381001014"\nplaced', '  - gtin: "4006381001014"\n    qty: 0\nplaced'),
            r":5: scans\[0\].qty: 0 is out",
        ),
        (
            _replace('  - gtin: "4006381001014"\nplaced', '  - gtin: "4006381001014"\n    qty: two\nplaced'),
            r":5: scans\[0\].qty: 'two'",
        ),
        (_replace('  - gtin: "4006381001014"\nplaced', "  - {}\nplaced"), r":4: scans\[0\]: needs exactly one"),
        (
            _replace("placed:\n  - gtin", "placed:\n  - distractor: umbrella\n  - gtin"),
            r":6: placed\[0\]\.distractor: unknown",
        ),
        (
            _replace("placed:\n  - gtin", "placed:\n  - gtin: 2004011000002\n  - gtin"),
            r":6: placed\[0\]\.weight_g: .*sold by weight",
        ),
        (
            _replace("placed:\n  - gtin", "placed:\n  - gtin: 2004011000002\n    weight_g: -3\n  - gtin"),
            r":7: placed\[0\]\.weight_g",
        ),
        (
            _replace('placed:\n  - gtin: "4006381001014"', 'placed:\n  - gtin: "4006381001014"\n    weight_g: 3'),
            r":7: placed\[0\]\.weight_g: .*by piece",
        ),
        (_replace("verdict: pass", "verdict: ok"), r":8: expect\.verdict: 'ok'"),
        (_replace("verdict: pass", "verdict: pass\n  reasons: [Bad Reason]"), r":9: expect\.reasons\[0\]"),
        (_replace("name: t", "name: T t"), r":1: name: 'T t'"),
        (_replace("name: t", "name: t\nbasket: trolley"), r":2: basket: unknown basket type"),
        (_replace("name: t", "name: t\nclutter: 2"), r":2: clutter: 2 is out of range"),
        (_replace("name: t", "name: t\ncolour: red"), r":2: colour: unknown field"),
        (_replace("name: t", "name: t\nfaults:\n  - fault: fire"), r":3: faults\[0\]\.fault: unknown fault"),
        (_replace("name: t", "name: t\nfaults:\n  - fault: dead_cell"), r":3: faults\[0\]\.cell: dead_cell needs"),
        (
            _replace("name: t", "name: t\nfaults:\n  - fault: bump\n    cell: 1"),
            r":4: faults\[0\]\.cell: only dead_cell",
        ),
        (
            _replace("name: t", "name: t\nfaults:\n  - fault: bump\n    bytes: 1"),
            r":4: faults\[0\]\.bytes: only scale_garbage",
        ),
        (_replace("name: t", "name: t\nfaults:\n  - at_s: 1"), r":3: faults\[0\]\.fault: is required"),
        (_replace("expect:\n  verdict: pass\n", ""), r":1: expect: is required"),
        (_replace("name: t\n", "name: t\nname: u\n"), r":2: name: appears twice"),
        ("name: [", r":1: yaml: "),
        ("", r":1: scenario: the file is empty"),
        ("- a\n- b\n", r":1: : must be a mapping"),
    ],
)
def test_problems_name_the_line_and_field(text: str, error: str) -> None:
    with pytest.raises(ScenarioError, match="^s.yaml" + error):
        parse_scenario(text, "s.yaml")


def test_all_problems_are_listed() -> None:
    text = textwrap.dedent(
        """\
        name: t
        description: two problems
        scans:
          - gtin: "4006381001015"
        placed:
          - distractor: umbrella
        expect:
          verdict: maybe
        """
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    assert [p.split(":")[1] for p in info.value.problems] == ["4", "6", "8"]


def test_unquoted_gtins_keep_their_leading_zero_and_digits() -> None:
    # YAML 1.1 reads 0123… as octal; the parser must use the text as written.
    text = _replace('  - gtin: "4006381001014"\nplaced', "  - gtin: 04006381001014\nplaced")
    assert parse_scenario(text).scans[0].gtin14 == "04006381001014"


def test_missing_file_and_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        find_scenario(str(tmp_path / "nope.yaml"))
    with pytest.raises(ScenarioError, match="no shipped scenario"):
        find_scenario("nope")
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(GOOD)
    b.write_text(GOOD)
    results = dict(iter_problems([a, b]))
    assert results[a] == [] and "also the name of" in results[b][0]


def test_the_format_example_in_scenarios_md_is_valid() -> None:
    from pathlib import Path

    import hardware_sim

    doc = (Path(hardware_sim.__file__).parent / "SCENARIOS.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    s = parse_scenario(example, "SCENARIOS.md")
    assert s.name == "unscanned-light" and len(s.faults) == 3 and s.placed[-1].at_s == 1.0


# --------------------------------------------------------------------------------------------------
# Categories


def test_every_shipped_file_names_its_category() -> None:
    for path in shipped_scenario_files():
        assert "\ncategory: " in path.read_text(), path.name
    suite = load_shipped_scenarios()
    assert suite["barcode-switch"].category == "switch" and suite["late-item"].category == "unscanned"
    assert suite["camera-off"].category == "fault" and suite["produce-label-swap"].category == "other"
    assert {s.category for s in suite.values()} == set(CATEGORIES)


def test_explicit_category_wins_and_absent_is_derived() -> None:
    assert parse_scenario(GOOD).category == "honest"
    assert parse_scenario(_replace("name: t", "name: t\ncategory: other")).category == "other"


@pytest.mark.parametrize(
    ("verdict", "reasons", "faults", "category"),
    [
        ("pass", (), False, "honest"),
        ("pass", ("camera_unavailable",), True, "fault"),
        ("recheck", ("unscanned_item",), False, "unscanned"),
        ("recheck", ("unscanned_item",), True, "unscanned"),
        ("flag", ("product_mismatch",), False, "switch"),
        ("recheck", ("quantity_mismatch",), False, "underscan"),
        ("recheck", ("missing_item",), False, "underscan"),
        ("recheck", ("personal_items",), False, "personal_item"),
        ("flag", ("scale_fault",), True, "fault"),
        ("flag", ("weight_mismatch",), True, "fault"),
        ("flag", ("weight_mismatch",), False, "other"),
        ("recheck", (), False, "other"),
    ],
)
def test_derive_category(verdict: str, reasons: tuple[str, ...], faults: bool, category: str) -> None:
    assert derive_category(Expectation(verdict, reasons), faults) == category


def test_a_scenario_made_in_code_gets_a_category() -> None:
    s = parse_scenario(GOOD)
    assert Scenario(s.name, s.description, s.scans, s.placed, Expectation("flag", ("product_mismatch",))).category == (
        "switch"
    )
    with pytest.raises(ValueError, match="category 'fraud'"):
        Scenario(s.name, s.description, s.scans, s.placed, s.expect, category="fraud")


def test_a_bad_category_is_named_by_line() -> None:
    with pytest.raises(ScenarioError, match=r"^s\.yaml:2: category: 'fraud' must be one of honest, unscanned"):
        parse_scenario(_replace("name: t", "name: t\ncategory: fraud"), "s.yaml")


# --------------------------------------------------------------------------------------------------
# Files of several scenarios


def _two(second: str = GOOD.replace("name: t", "name: u")) -> str:
    return GOOD + "---\n" + second


def test_several_scenarios_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text("# a comment\n---\n" + _two() + "---\n")  # a leading comment and a trailing '---' are fine
    scenarios = load_scenarios(path)
    assert [s.name for s in scenarios] == ["t", "u"] and all(s.source == str(path) for s in scenarios)
    one = tmp_path / "one.yaml"
    one.write_text(GOOD)
    assert [s.name for s in load_scenarios(one)] == ["t"] and load_scenario(one).name == "t"
    with pytest.raises(ScenarioError, match="holds 2 scenarios where one is expected"):
        load_scenario(path)
    assert dict(iter_problems([path])) == {path: []}


def test_problems_in_a_file_of_several_name_the_document_and_line() -> None:
    text = _two(GOOD.replace("name: t", "name: u").replace("verdict: pass", "verdict: ok"))
    with pytest.raises(ScenarioError) as info:
        parse_scenarios(text, "m.yaml")
    assert info.value.problems == ("m.yaml:17: doc 2: expect.verdict: 'ok' must be one of pass, recheck, flag",)


def test_names_are_unique_within_a_file() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenarios(_two(GOOD), "m.yaml")
    assert info.value.problems == ("m.yaml:10: doc 2: name: 't' is also the name of doc 1",)


def test_a_yaml_error_in_a_later_document_names_its_line() -> None:
    with pytest.raises(ScenarioError, match=r"^m\.yaml:11: yaml: "):
        parse_scenarios(_two(GOOD.replace("description: a test", "description: a: test")), "m.yaml")


def test_names_are_unique_across_files_of_several(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(_two())
    b.write_text(GOOD.replace("name: t", "name: u"))
    results = dict(iter_problems([a, b]))
    assert results[a] == [] and "'u' is also the name of" in results[b][0]
