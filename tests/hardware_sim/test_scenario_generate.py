"""Generated benchmark suites: deterministic, the mix asked for, valid baskets whose expectations match what was done.

The shipped ``data/bench/decision-500.yaml`` must stay exactly what the generator makes, so it cannot drift.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from backend.cli import main
from hardware_sim import catalog_baskets, distractors
from hardware_sim.catalog import load_demo_catalog
from hardware_sim.scenario import (
    DEFAULT_BENCH_FILE,
    Scenario,
    bench_suite_files,
    default_bench_suite,
    find_scenario,
    load_scenarios,
    load_shipped_scenarios,
    parse_scenarios,
    placed_counts,
    scanned_counts,
    shipped_scenario_files,
)
from hardware_sim.scenario_generate import (
    DEFAULT_MIX,
    category_counts,
    dump_scenarios,
    generate_suite,
    suite_header,
)
from hardware_sim.scenario_layout import basket_items


@cache
def _suite() -> tuple[Scenario, ...]:
    return tuple(generate_suite(500, 7))


def _products(s: Scenario) -> int:
    return sum(p.qty for p in s.placed if p.kind == "product")


def _differences(s: Scenario) -> dict[str, tuple[int, int]]:
    """Products whose scanned and placed counts differ: gtin → (scanned, placed)."""
    scanned, placed = scanned_counts(s), placed_counts(s)
    return {
        g: (scanned.get(g, 0), placed.get(g, 0))
        for g in scanned.keys() | placed.keys()
        if scanned.get(g, 0) != placed.get(g, 0)
    }


def test_the_same_seed_gives_the_same_suite_and_another_seed_another() -> None:
    assert generate_suite(40, 3) == generate_suite(40, 3)
    assert generate_suite(40, 3) != generate_suite(40, 4)
    assert generate_suite(0, 1) == []


def test_the_default_mix_is_exact() -> None:
    assert sum(DEFAULT_MIX.values()) == pytest.approx(1.0)
    expected = {"honest": 250, "unscanned": 75, "switch": 60, "underscan": 60, "personal_item": 55}
    assert category_counts(500) == expected
    assert Counter(s.category for s in _suite()) == expected
    assert sum(category_counts(7).values()) == 7


def test_a_custom_mix() -> None:
    suite = generate_suite(10, 1, mix={"honest": 3, "switch": 2})
    assert Counter(s.category for s in suite) == {"honest": 6, "switch": 4}
    with pytest.raises(ValueError, match="cannot generate fault"):
        generate_suite(10, 1, mix={"fault": 1.0})
    with pytest.raises(ValueError, match="above 0"):
        generate_suite(10, 1, mix={"honest": 0.0})
    with pytest.raises(ValueError, match="0 or more"):
        generate_suite(10, 1, mix={"honest": -1.0, "switch": 2.0})


def test_every_basket_is_valid_and_of_a_shoppers_size() -> None:
    suite = _suite()
    names = [s.name for s in suite]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(rf"gen-\d{{4}}-{s.category.replace('_', '-')}", s.name) for s in suite)
    sizes = [_products(s) for s in suite]
    assert min(sizes) == 1 and max(sizes) == 30
    assert sum(3 <= n <= 15 for n in sizes) / len(sizes) > 0.7, "skewed to 3–15"
    assert all(not s.faults for s in suite)
    assert all(0.1 <= s.clutter <= 0.6 for s in suite)
    assert {s.basket for s in suite} == {*catalog_baskets.BASKETS, catalog_baskets.NO_BASKET}
    assert all(s.description and s.expect.verdict in ("pass", "recheck", "flag") for s in suite)


def test_by_weight_produce_carries_its_true_label() -> None:
    catalog = load_demo_catalog()
    with_produce = 0
    for s in _suite():
        labels = {scan.gtin14: scan for scan in s.scans if scan.barcode}
        bags = {p.ref: p for p in s.placed if p.kind == "product" and catalog.get(p.ref).by_weight}
        assert labels.keys() == bags.keys(), s.name
        for gtin14, scan in labels.items():
            assert scan.weight_g == bags[gtin14].weight_g, s.name
            assert scan.barcode == catalog.get(gtin14).variable_measure_code(int(scan.weight_g or 0))
        with_produce += bool(labels)
    assert 0.12 < with_produce / len(_suite()) < 0.3


def test_expectations_match_what_was_placed_and_scanned() -> None:
    catalog = load_demo_catalog()
    twins = {(a.gtin14, b.gtin14) for a, b in catalog.weight_twins()}
    twins |= {(b, a) for a, b in twins}
    seen: Counter[str] = Counter()
    for s in _suite():
        diff = _differences(s)
        extras = [p for p in s.placed if p.kind == "distractor"]
        reasons = s.expect.reasons
        if s.category == "honest":
            assert (s.expect.verdict, reasons, diff, extras) == ("pass", (), {}, []), s.name
        elif s.category == "personal_item":
            assert (s.expect.verdict, reasons, diff) == ("recheck", ("personal_items",), {}), s.name
            assert 1 <= len(extras) <= 2 and all(p.ref in distractors.DISTRACTORS for p in extras)
        elif s.category == "unscanned":
            assert (s.expect.verdict, reasons, extras) == ("recheck", ("unscanned_item",), []), s.name
            [(gtin14, (scanned, placed))] = diff.items()
            assert scanned == 0 and placed >= 1
            [late] = [p for p in s.placed if p.ref == gtin14]
            assert late.at_s == 0 or 0.5 <= late.at_s <= 1.5
            seen["late" if late.at_s else "on time"] += 1
            seen["light" if catalog.get(gtin14).weight_mean_g < 200 else "heavy"] += 1
        elif s.category == "switch":
            assert (s.expect.verdict, reasons, extras) == ("flag", ("product_mismatch",), []), s.name
            [cheap] = [g for g, (scanned, placed) in diff.items() if (scanned, placed) == (1, 0)]
            [dear] = [g for g, (scanned, placed) in diff.items() if (scanned, placed) == (0, 1)]
            assert len(diff) == 2 and catalog.get(dear).price_minor > catalog.get(cheap).price_minor
            lookalike = (
                catalog.get(dear).lookalike_group
                and catalog.get(dear).lookalike_group == catalog.get(cheap).lookalike_group
            )
            assert lookalike or (cheap, dear) in twins
            seen["lookalike switch" if lookalike else "twin switch"] += 1
        elif s.category == "underscan":
            assert s.expect.verdict == "recheck" and not extras, s.name
            [(scanned, placed)] = diff.values()
            if reasons == ("quantity_mismatch",):
                assert placed >= 2 and 1 <= scanned < placed
            else:
                assert reasons == ("missing_item",) and (scanned, placed) == (2, 1)
            seen[reasons[0]] += 1
        else:
            pytest.fail(f"{s.name}: unexpected category {s.category}")
    assert seen["late"] >= 10 and seen["on time"] >= 30
    assert seen["light"] >= 20 and seen["heavy"] >= 20
    assert 0 < seen["lookalike switch"] < seen["twin switch"] / 2, "weight twins mostly, look-alikes rarely"
    assert seen["quantity_mismatch"] >= 20 and seen["missing_item"] >= 10


def test_dump_and_load_give_the_same_scenarios(tmp_path: Path) -> None:
    suite = list(_suite()[:120])
    path = tmp_path / "suite.yaml"
    path.write_text(dump_scenarios(suite, header="two\nlines"))
    assert path.read_text().startswith("# two\n# lines\n---\nname: gen-0000-")
    assert load_scenarios(path) == suite
    # the hand-written suite too: faults, notes, late items, quantities, labels
    shipped = list(load_shipped_scenarios().values())
    assert parse_scenarios(dump_scenarios(shipped), "x.yaml") == shipped
    assert dump_scenarios([]) == ""


def test_the_shipped_bench_file_is_what_the_generator_makes() -> None:
    [path] = bench_suite_files()
    assert path.name == DEFAULT_BENCH_FILE
    assert path.read_text(encoding="utf-8") == dump_scenarios(_suite(), header=suite_header(500, 7)), (
        "generate it again: basketcheck sim scenarios generate --n 500 --seed 7 "
        "--out hardware_sim/data/bench/decision-500.yaml"
    )


def test_the_default_bench_suite() -> None:
    suite = default_bench_suite()
    assert len(suite) == len(shipped_scenario_files()) + 500
    assert len({s.name for s in suite}) == len(suite)
    assert suite[-500:] == list(_suite())
    assert suite is not default_bench_suite() and suite == default_bench_suite()
    assert find_scenario("gen-0042-" + suite[22 + 42].name.split("-", 2)[2]) == suite[22 + 42]


def test_generated_baskets_can_be_laid_out() -> None:
    suite = _suite()
    picks = [max(suite, key=_products), next(s for s in suite if s.basket == catalog_baskets.NO_BASKET)]
    picks += [next(s for s in suite if s.category == c) for c in ("unscanned", "personal_item")]
    for s in picks:
        items = [item for _, item in basket_items(s)]
        pieces = sum(p.qty for p in s.placed) + (s.basket != catalog_baskets.NO_BASKET)
        assert len(items) == pieces, s.name


def test_cli_generate_to_stdout_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "scenarios", "generate", "--n", "20", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    assert out == dump_scenarios(generate_suite(20, 3), header=suite_header(20, 3))
    assert err.count("\n") == 1 and err.startswith("20 scenarios (seed 3): honest 10, unscanned 3")
    path = tmp_path / "s.yaml"
    assert main(["sim", "scenarios", "generate", "--n", "20", "--seed", "3", "--out", str(path)]) == 0
    assert path.read_text() == out
    assert main(["sim", "scenarios", "validate", str(path)]) == 0
    assert f"{path}: ok (20 scenarios)" in capsys.readouterr().out
    assert main(["sim", "scenarios", "generate", "--n", "0"]) == 2
