"""Record what the station observed in a decision benchmark, and decide it again offline with another policy.

``basketcheck bench decision --record obs.jsonl`` writes one JSON line per basket: the benchmark's row plus the
final decision's observations (expected basket, weight, what the camera saw). ``basketcheck bench decision
--replay obs.jsonl [--config unit.toml]`` re-runs only the fusion on them: seconds instead of the real-time
run's minutes, so thresholds and rules can be compared on identical observations. The times in a replay are
the recorded ones (the fusion's own cost is negligible next to the camera's and the scale's).

A replay answers "what would this policy have decided on what this detector saw", not "what would the station
have done": a different verdict could have changed what happened next on the tray (a re-check, a late item).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from validation_unit.basket import (
    ExpectedBasket,
    ExpectedLine,
    Policy,
    Product,
    SeenObject,
    VisionObservation,
    WeightObservation,
)

FORMAT = "basketcheck-decision-observations/1"


class ReplayError(ValueError):
    """The observations file is missing, not this format, or damaged (the message says where)."""


def observation(
    expected: ExpectedBasket, weight: WeightObservation, vision: VisionObservation | None
) -> dict[str, Any]:
    """The observations of one decision as plain JSON data."""
    return {
        "expected": asdict(expected),
        "weight": asdict(weight),
        "vision": None if vision is None else asdict(vision),
    }


def _expected(data: Mapping[str, Any]) -> ExpectedBasket:
    lines = tuple(ExpectedLine(**line) for line in data["lines"])
    return ExpectedBasket(**{**data, "lines": lines})


def _vision(data: Mapping[str, Any] | None) -> VisionObservation | None:
    if data is None:
        return None
    objects = tuple(SeenObject(**{**o, "box": tuple(o["box"])}) for o in data["objects"])
    return VisionObservation(**{**data, "objects": objects})


def write(path: Path, rows: list[dict[str, Any]]) -> None:
    """The rows (each with an ``observation`` where the station decided) as JSON lines, after a header line."""
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, "baskets": len(rows)}) + "\n")
        for row in rows:
            out.write(json.dumps(row) + "\n")


def read(path: Path) -> Iterator[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such observations file (write one with --record)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReplayError(f"{path}: cannot read it ({exc})") from None
    if not lines:
        raise ReplayError(f"{path}: empty")
    for number, text in enumerate(lines, 1):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReplayError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if number == 1:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ReplayError(f"{path}: not a decision observations file (expected format {FORMAT})")
            continue
        if not isinstance(data, dict) or "category" not in data:
            raise ReplayError(f"{path}:{number}: not a basket row")
        yield data


def replay(path: Path, policy: Policy, products: Mapping[str, Product]) -> list[dict[str, Any]]:
    """The recorded rows with the three modes decided again under ``policy``."""
    from validation_unit.fusion import decide

    rows = []
    for number, row in enumerate(read(path), 2):
        row = dict(row)
        obs = row.pop("observation", None)
        if obs is not None:
            try:
                expected = _expected(obs["expected"])
                weight = WeightObservation(**obs["weight"])
                vision = _vision(obs["vision"])
            except (KeyError, TypeError) as exc:
                raise ReplayError(f"{path}:{number}: damaged observation ({exc})") from None
            decision = decide(expected, weight, vision, policy, products)
            row.update(
                fused=decision.kind,
                reasons=list(decision.codes),
                explanation=decision.explanation,
                z=None if decision.z is None else round(decision.z, 2),
                seen=decision.seen,
                weight_only=decide(expected, weight, None, policy, products).kind,
            )
            vision_ok = vision is not None and vision.camera_ok
            row["vision_only"] = decide(expected, None, vision, policy, products).kind if vision_ok else None
        rows.append(row)
    return rows
