"""The decision benchmark: scoring from plain rows, and a short real run through the station."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from validation_unit.bench import expected_from_scans, score


def row(category: str, fused: str, weight: str = "PASS", vision: str | None = "PASS", ms: float = 500.0) -> dict:
    return {
        "scenario": "s",
        "category": category,
        "expect": "PASS",
        "fused": fused,
        "weight_only": weight,
        "vision_only": vision,
        "ms": {"fused": ms, "weight_only": ms - 50, "vision_only": 100.0 if vision else None},
    }


def test_score_counts_false_alarms_catches_and_times() -> None:
    rows = [
        row("honest", "PASS"),
        row("honest", "RECHECK", "RECHECK"),
        row("honest", "PASS", ms=1500.0),
        row("honest", "PASS"),
        row("unscanned", "RECHECK", "RECHECK", "PASS"),
        row("unscanned", "PASS"),
        row("switch", "FLAG", "PASS", "FLAG"),
        row("personal_item", "RECHECK", "RECHECK", None),
        {**row("fault", "PASS"), "expect": "PASS"},
    ]
    figures = score(rows)
    fused = figures["fused"]
    assert fused["false_alarm_rate"] == 0.25
    assert fused["catch_rate"] == {"unscanned": 0.5, "switch": 1.0, "underscan": None, "personal_item": 1.0}
    assert fused["time_to_verdict_ms"]["p50"] == 500.0 and fused["time_to_verdict_ms"]["p95"] > 1000
    assert figures["weight_only"]["catch_rate"]["switch"] == 0.0
    assert figures["vision_only"]["fraud_baskets"]["personal_item"] == 0  # no camera verdict for that basket
    assert figures["faults"] == {"baskets": 1, "as_expected": 1}


def test_in_view_counts_only_the_frauds_the_final_picture_shows() -> None:
    from hardware_sim.scenario import find_scenario
    from validation_unit.bench import fraud_in_view

    ids = iter(range(1000))

    def item(ref: str, visible: float, kind: str = "product", item_id: int | None = None) -> dict:
        return {
            "item_id": next(ids) if item_id is None else item_id,
            "kind": kind,
            "ref": ref,
            "visible_fraction": visible,
        }

    water, rice, pickles = "08712345000110", "04007003000163", "04009007000538"
    heavy = find_scenario("unscanned-heavy")
    assert fraud_in_view(heavy, [item(rice, 0.9), item(pickles, 0.0), item(water, 0.5)])
    assert not fraud_in_view(heavy, [item(rice, 0.9), item(pickles, 0.9), item(water, 0.29)])
    cans = find_scenario("quantity-underscan")  # six cans, one scanned: two must show
    cola = "04006381001014"
    assert not fraud_in_view(cans, [item(cola, 1.0)] + [item(cola, 0.1)] * 5)
    assert fraud_in_view(cans, [item(cola, 1.0), item(cola, 0.4)] + [item(cola, 0.1)] * 4)
    personal = find_scenario("personal-items")
    assert not fraud_in_view(personal, [item("phone", 0.2, "distractor")])
    assert fraud_in_view(personal, [item("phone", 0.2, "distractor"), item("keys", 0.6, "distractor")])
    # Several views: an item counts when some view shows it enough, and once however many views show it.
    hidden = item(cola, 0.1, item_id=500)
    seen_aside = {**hidden, "visible_fraction": 0.7}
    assert fraud_in_view(cans, {"top": [item(cola, 1.0, item_id=501), hidden], "left": [seen_aside]})
    twice = [item(cola, 1.0, item_id=502)]
    assert not fraud_in_view(cans, {"top": twice, "left": twice, "right": [hidden]})
    shares = score([{**row("switch", "FLAG"), "in_view_primary": False}, row("switch", "FLAG")])["in_view_share"]
    assert shares["primary_view"]["switch"] == 0.5 and shares["all_views"]["switch"] == 1.0
    # Rows recorded before in_view existed count as in view; rows out of view leave the in-view rate alone.
    figures = score([row("unscanned", "PASS"), {**row("unscanned", "PASS"), "in_view": False}])
    assert figures["fused"]["catch_rate_in_view"]["unscanned"] == 0.0
    assert figures["fused"]["fraud_baskets_in_view"]["unscanned"] == 1
    caught = score([row("switch", "FLAG"), {**row("switch", "PASS"), "in_view": False}])["fused"]
    assert caught["catch_rate"]["switch"] == 0.5 and caught["catch_rate_in_view"]["switch"] == 1.0


def test_expected_basket_folds_repeated_scans_and_keeps_label_weights() -> None:
    from hardware_sim.catalog import load_demo_catalog
    from hardware_sim.scenario import find_scenario

    catalog = load_demo_catalog()
    double = expected_from_scans(find_scenario("double-scan"), catalog, "t")
    assert {line.gtin14: line.quantity for line in double.lines} == {"04008123000521": 2, "04001000010293": 1}
    produce = expected_from_scans(find_scenario("honest-produce-by-weight"), catalog, "t")
    assert any(line.variable for line in produce.lines)


@pytest.mark.slow
def test_a_short_benchmark_run_through_the_real_station(tmp_path: Path) -> None:
    from validation_unit import bench

    record = tmp_path / "obs.jsonl"
    args = argparse.Namespace(
        scenarios=None, limit=3, model=None, variant="int8", fps=10.0, details=True, record=record, replay=None
    )
    figures = bench.run(args)
    problems = [(r["scenario"], r.get("problem")) for r in figures["details"] if r.get("problem")]
    assert figures["baskets"] == 3 and figures["no_verdict"] == [], problems
    assert all(r["fused"] in ("PASS", "RECHECK", "FLAG") for r in figures["details"])
    assert figures["fused"]["time_to_verdict_ms"]["p50"] is not None
    # The recorded observations decided again offline give the same verdicts in every mode.
    replayed = bench.run(argparse.Namespace(replay=[record], config=None, details=True))
    for live, again in zip(figures["details"], replayed["details"], strict=True):
        assert [live[m] for m in bench.MODES] == [again[m] for m in bench.MODES], live["scenario"]
        assert again["ms"] == live["ms"]


def test_a_replay_of_a_damaged_or_foreign_file_says_what_is_wrong(tmp_path: Path) -> None:
    from backend.cli import CliError
    from validation_unit import bench

    def replay(text: str | None) -> str:
        path = tmp_path / "obs.jsonl"
        if text is not None:
            path.write_text(text)
        with pytest.raises(CliError) as caught:
            bench.run(argparse.Namespace(replay=path, config=None, details=False))
        return str(caught.value)

    assert "no such observations file" in replay(None)
    assert "not a decision observations file" in replay('{"format": "other"}\n')
    header = '{"format": "basketcheck-decision-observations/1", "baskets": 1}\n'
    assert ":2: not JSON" in replay(header + "{oops\n")
    damaged = header + '{"category": "honest", "observation": {"expected": {"lines": []}}}\n'
    assert ":2: damaged observation" in replay(damaged)


def test_the_cameras_benchmark_runs_oracle_then_model_on_three_cameras(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from validation_unit import bench, bench_cameras

    calls: list[tuple[str, str]] = []

    def fake_run(args: argparse.Namespace) -> dict:
        calls.append((args.vision, args.cameras))
        return {"fused": {"false_alarm_rate": 0.0}, "cameras": ["top", "left", "right"]}

    monkeypatch.setattr(bench, "run", fake_run)
    parser = argparse.ArgumentParser()
    bench_cameras.configure(parser)
    figures = bench_cameras.run(parser.parse_args([]))
    assert calls == [("oracle", "top,left,right"), ("model", "top,left,right")]
    assert figures["cameras"] == ["top", "left", "right"] and set(figures) == {"cameras", "oracle", "model"}
    bench_cameras.run(parser.parse_args(["--vision", "oracle", "--cameras", "top,left"]))
    assert calls[-1] == ("oracle", "top,left")


def _recorded(tmp_path: Path) -> Path:
    """A tiny --record file: an honest basket and one with an unscanned bread, both with the truth."""
    from validation_unit import bench_replay
    from validation_unit.basket import ExpectedBasket, ExpectedLine, SeenObject, VisionObservation, WeightObservation

    cola = ExpectedLine("04006381001014", "Fizz Cola 0.33 L can", 2, 345.0, 3.0)
    expected = ExpectedBasket("t", 1, (cola,))
    seen = tuple(SeenObject(cola.gtin14, "cola", 0.95, (10.0 * i, 0.0, 10.0 * i + 9, 9.0)) for i in range(2))
    tare = 0.0  # no basket: the tray alone
    rows = []
    for category, extra_g, extra_seen, placed in (
        ("honest", 0.0, (), {cola.gtin14: 2}),
        ("unscanned", 345.0, (SeenObject(cola.gtin14, "cola", 0.9, (40.0, 0.0, 49.0, 9.0)),), {cola.gtin14: 3}),
    ):
        weight = WeightObservation(tare + 690.0 + extra_g, 2.5)
        vision = VisionObservation(seen + extra_seen, basket_type="none", basket_tare_g=0.0)
        rows.append(
            {
                **row(category, "PASS"),
                "observation": bench_replay.observation(expected, weight, vision),
                "truth": {"placed": placed, "personal": 0, "personal_visible": 0, "visible": placed, "basket": None},
            }
        )
    path = tmp_path / "obs.jsonl"
    bench_replay.write(path, rows)
    return path


def test_a_replay_compares_the_deciders_side_by_side_and_fits_the_camera(tmp_path: Path) -> None:
    from validation_unit import bench
    from validation_unit.fusion.camera import Calibration

    record = _recorded(tmp_path)
    both = bench.run(argparse.Namespace(replay=[record, record], config=None, details=True, decider="both"))
    assert both["deciders"] == ["cascade", "model"]
    for decider in ("cascade", "model"):
        figures = both["replayed"][str(record)][decider]
        verdicts = {r["category"]: r["fused"] for r in figures["details"]}
        assert verdicts["honest"] == "PASS", (decider, figures["details"])
        assert verdicts["unscanned"] == "RECHECK", (decider, figures["details"])
    one = bench.run(argparse.Namespace(replay=[record], config=None, details=False, decider="model"))
    assert one["decider"] == "model" and one["fused"]["false_alarm_rate"] == 0.0
    out = tmp_path / "cal" / "camera.json"
    fitted = bench.run(argparse.Namespace(replay=[record], config=None, details=False, fit_camera=out))
    assert fitted["baskets"] == 2
    calibration = Calibration.load(out)
    assert calibration.baskets == 2 and calibration.source == "obs.jsonl"


def test_fitting_the_camera_needs_recorded_pictures_and_truth(tmp_path: Path) -> None:
    from backend.cli import CliError
    from validation_unit import bench, bench_replay

    path = tmp_path / "obs.jsonl"
    bench_replay.write(path, [row("honest", "PASS")])  # no observation, no truth
    with pytest.raises(CliError, match="no recorded decision with a picture and the truth"):
        bench.run(argparse.Namespace(replay=[path], config=None, details=False, fit_camera=tmp_path / "c.json"))
    assert not (tmp_path / "c.json").exists()


def test_decider_both_needs_recorded_observations() -> None:
    from backend.cli import CliError
    from validation_unit import bench

    with pytest.raises(CliError, match="use it with --replay"):
        bench.run(argparse.Namespace(replay=None, config=None, details=False, decider="both"))
