"""Scenario files: a shopper's scans, what really goes in the basket and when, faults, and the expected verdict.

The format is documented in ``hardware_sim/SCENARIOS.md``; the shipped suite is ``hardware_sim/data/scenarios``
(one scenario a file) and the decision benchmark's generated baskets are in ``hardware_sim/data/bench`` (many
scenarios a file, as YAML documents separated by ``---``). :func:`parse_scenarios` turns YAML text into validated
:class:`Scenario` objects (pure: the catalog is a parameter); every problem is reported as
``file:line: field.path: message`` in a :class:`ScenarioError` (``file:line: doc N: field.path: message`` in a
file of several scenarios).

GTINs and barcodes are read as the text written in the file, never as YAML numbers: YAML would turn an
unquoted ``0123`` into the octal number 83.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from backend.domain.gs1 import GS1Error, parse_scanned, validate_gtin
from hardware_sim import catalog_baskets, distractors
from hardware_sim.catalog import Catalog, load_demo_catalog
from hardware_sim.views import VIEWS

VERDICTS = ("pass", "recheck", "flag")
FAULTS = (
    "camera_off",  # the camera stream goes down
    "camera_frozen",  # the stream keeps showing one old picture
    "scale_unplugged",  # the scale's serial device disappears
    "scale_garbage",  # noise bytes on the serial line (``bytes``: how many)
    "scale_reboot",  # the scale's MCU restarts
    "dead_cell",  # one load cell stops answering (``cell``: 0–3)
    "bump",  # someone knocks the tray: a short load spike
)
CAMERA_FAULTS = ("camera_off", "camera_frozen")  # these may name the camera they hit (``camera``; default: all)
# What a scenario tests, for the benchmark's rates: honest baskets give the false-alarm rate, the four fraud
# kinds each a catch rate; ``fault`` is hardware trouble, ``other`` anything else (e.g. a produce label swap).
CATEGORIES = ("honest", "unscanned", "switch", "underscan", "personal_item", "fault", "other")
FRAUD_CATEGORIES = ("unscanned", "switch", "underscan", "personal_item")
_REASON_CATEGORY = (  # the first reason code found decides, in this order
    ("unscanned_item", "unscanned"),
    ("product_mismatch", "switch"),
    ("quantity_mismatch", "underscan"),
    ("missing_item", "underscan"),
    ("personal_items", "personal_item"),
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_REASON = re.compile(r"^[a-z][a-z0-9_]*$")


class ScenarioError(ValueError):
    """A scenario file that cannot be used; ``problems`` lists every ``file:line: field: message``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True, slots=True)
class Scan:
    """One scan in the shopper's app: a product GTIN, or a variable-measure label (by-weight item + weight)."""

    gtin14: str
    qty: int = 1
    barcode: str = ""  # the variable-measure code as printed, "" for plain GTIN scans
    weight_g: int | None = None  # from the barcode
    at_s: float = 0.0  # when during the trip (seconds from its start); informative


@dataclass(frozen=True, slots=True)
class Placement:
    """Something that physically goes in the basket: ``qty`` pieces of a product, or a personal item."""

    kind: str  # "product" | "distractor"
    ref: str  # GTIN-14 or distractor name
    qty: int = 1
    weight_g: float | None = None  # by-weight produce: the bag's true weight
    at_s: float = 0.0  # seconds after the basket lands (0: it is in the basket when it lands)


@dataclass(frozen=True, slots=True)
class Fault:
    """A hardware fault during the checkout."""

    fault: str
    at_s: float = 0.0
    duration_s: float | None = None  # None: until the end
    cell: int | None = None  # dead_cell
    bytes: int | None = None  # scale_garbage
    camera: str | None = None  # camera_off / camera_frozen: one camera of hardware_sim.views.VIEWS; None = all


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the validation unit should decide."""

    verdict: str
    reasons: tuple[str, ...] = ()
    note: str = ""


def derive_category(expect: Expectation, has_faults: bool) -> str:
    """The category of a scenario that does not name one, from its expected verdict, reasons and faults.

    A fraud reason code decides first (``unscanned_item`` → unscanned, ``product_mismatch`` → switch,
    ``quantity_mismatch``/``missing_item`` → underscan, ``personal_items`` → personal_item); otherwise a scenario
    with faults is ``fault`` (an honest basket under a camera or scale fault measures the fault handling, not the
    false-alarm rate), a passing one ``honest``, and the rest ``other``."""
    for reason, category in _REASON_CATEGORY:
        if reason in expect.reasons:
            return category
    if has_faults:
        return "fault"
    return "honest" if expect.verdict == "pass" else "other"


@dataclass(frozen=True)
class Scenario:
    """One shopper at the validation unit. ``category`` left empty is derived (:func:`derive_category`)."""

    name: str
    description: str
    scans: tuple[Scan, ...]
    placed: tuple[Placement, ...]
    expect: Expectation
    seed: int = 0
    basket: str = "basket-red"
    clutter: float = 0.25
    faults: tuple[Fault, ...] = ()
    category: str = ""
    source: str = field(default="<scenario>", compare=False)

    def __post_init__(self) -> None:
        if not self.category:
            object.__setattr__(self, "category", derive_category(self.expect, bool(self.faults)))
        elif self.category not in CATEGORIES:
            raise ValueError(f"category {self.category!r} must be one of {', '.join(CATEGORIES)}")


# --------------------------------------------------------------------------------------------------
# Reading YAML nodes with their line numbers


class _Reader:
    """Walks the YAML node tree, collecting problems with the line each one is on."""

    def __init__(self, source: str, document: str = "") -> None:
        self.source = source
        self.document = document  # "doc 3: " in a file of several scenarios, else ""
        self.problems: list[str] = []
        self._constructor = SafeConstructor()

    def problem(self, node: yaml.Node | None, path: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"{self.source}:{line}: {self.document}{path}: {message}")

    def mapping(
        self, node: yaml.Node, path: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, path, f"must be a mapping with {', '.join(required + optional)}")
            return None
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            where = f"{path}.{key}" if path else key
            if key in out:
                self.problem(key_node, where, "appears twice")
            elif key not in required and key not in optional:
                self.problem(key_node, where, f"unknown field (known: {', '.join(required + optional)})")
            else:
                out[key] = value_node
        for key in required:
            if key not in out:
                self.problem(node, f"{path}.{key}" if path else key, "is required")
        return out

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        self.problem(node, path, "must be a list")
        return []

    def value(self, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, path, "must be a single value")
            return None
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.problem(node, path, f"unreadable value: {exc}")
            return None

    def text(self, node: yaml.Node, path: str, pattern: re.Pattern[str] | None = None, what: str = "") -> str | None:
        value = self.value(node, path)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(node, path, "must be text")
            return None
        if pattern is not None and not pattern.match(value):
            self.problem(node, path, f"{value!r} must be {what}")
            return None
        return value

    def digits(self, node: yaml.Node, path: str) -> str | None:
        """A code as written in the file (YAML would turn an unquoted ``0123`` into octal 83)."""
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, path, "must be a barcode's digits")
            return None
        return str(node.value).strip()

    def number(
        self, node: yaml.Node, path: str, *, integer: bool = False, low: float | None = None, high: float | None = None
    ) -> Any:
        value = self.value(node, path)
        if value is None:
            return None
        ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type:
            self.problem(node, path, f"{value!r} must be {'a whole number' if integer else 'a number'}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{low if low is not None else '-∞'}…{high if high is not None else '∞'}"
            self.problem(node, path, f"{value} is out of range {bounds}")
            return None
        return value


# --------------------------------------------------------------------------------------------------
# The scenario's sections


def _scan(r: _Reader, node: yaml.Node, path: str, catalog: Catalog) -> Scan | None:
    m = r.mapping(node, path, (), ("gtin", "barcode", "qty", "at_s"))
    if m is None:
        return None
    qty = r.number(m["qty"], f"{path}.qty", integer=True, low=1, high=99) if "qty" in m else 1
    at_s = r.number(m["at_s"], f"{path}.at_s", low=0) if "at_s" in m else 0.0
    if ("gtin" in m) == ("barcode" in m):
        r.problem(node, path, "needs exactly one of gtin (a product) or barcode (a variable-measure label)")
        return None
    if "gtin" in m:
        code = r.digits(m["gtin"], f"{path}.gtin")
        if code is None:
            return None
        try:
            gtin14 = validate_gtin(code)
        except GS1Error as exc:
            r.problem(m["gtin"], f"{path}.gtin", str(exc))
            return None
        if gtin14 not in catalog:
            r.problem(m["gtin"], f"{path}.gtin", f"{code} is not in the catalog")
            return None
        if catalog.get(gtin14).by_weight:
            r.problem(m["gtin"], f"{path}.gtin", f"{code} is sold by weight: scan its label with barcode:")
            return None
        return Scan(gtin14, qty or 1, at_s=at_s or 0.0) if qty is not None and at_s is not None else None
    code = r.digits(m["barcode"], f"{path}.barcode")
    if code is None:
        return None
    try:
        scanned = parse_scanned(code)
    except GS1Error as exc:
        r.problem(m["barcode"], f"{path}.barcode", str(exc))
        return None
    if scanned.gtin14 not in catalog:
        r.problem(m["barcode"], f"{path}.barcode", f"{code}: item {scanned.gtin14} is not in the catalog")
        return None
    if scanned.kind != "variable_measure":
        r.problem(m["barcode"], f"{path}.barcode", f"{code} is a plain GTIN: write it as gtin:")
        return None
    if qty is None or at_s is None:
        return None
    return Scan(scanned.gtin14, qty, barcode=code, weight_g=scanned.weight_g, at_s=at_s)


def _placement(r: _Reader, node: yaml.Node, path: str, catalog: Catalog) -> Placement | None:
    m = r.mapping(node, path, (), ("gtin", "distractor", "qty", "weight_g", "at_s"))
    if m is None:
        return None
    qty = r.number(m["qty"], f"{path}.qty", integer=True, low=1, high=99) if "qty" in m else 1
    at_s = r.number(m["at_s"], f"{path}.at_s", low=0) if "at_s" in m else 0.0
    if ("gtin" in m) == ("distractor" in m):
        r.problem(node, path, "needs exactly one of gtin (a product) or distractor (a personal item)")
        return None
    if "distractor" in m:
        name = r.text(m["distractor"], f"{path}.distractor")
        if name is None:
            return None
        if name not in distractors.DISTRACTORS:
            r.problem(
                m["distractor"],
                f"{path}.distractor",
                f"unknown {name!r}: known are {', '.join(distractors.DISTRACTORS)}",
            )
            return None
        if "weight_g" in m:
            r.problem(m["weight_g"], f"{path}.weight_g", "only by-weight products take a weight")
            return None
        return Placement("distractor", name, qty, None, at_s) if qty is not None and at_s is not None else None
    code = r.digits(m["gtin"], f"{path}.gtin")
    if code is None:
        return None
    try:
        gtin14 = validate_gtin(code)
    except GS1Error as exc:
        r.problem(m["gtin"], f"{path}.gtin", str(exc))
        return None
    if gtin14 not in catalog:
        r.problem(m["gtin"], f"{path}.gtin", f"{code} is not in the catalog")
        return None
    row = catalog.get(gtin14)
    weight = None
    if row.by_weight:
        if "weight_g" not in m:
            r.problem(node, f"{path}.weight_g", f"{row.name} is sold by weight: give the bag's weight_g")
            return None
        weight = r.number(m["weight_g"], f"{path}.weight_g", low=1, high=30000)
        if weight is None:
            return None
    elif "weight_g" in m:
        r.problem(m["weight_g"], f"{path}.weight_g", f"{row.name} is sold by piece: its weight comes from the catalog")
        return None
    if qty is None or at_s is None:
        return None
    return Placement("product", gtin14, qty, None if weight is None else float(weight), at_s)


def _fault(r: _Reader, node: yaml.Node, path: str) -> Fault | None:
    m = r.mapping(node, path, ("fault",), ("at_s", "duration_s", "cell", "bytes", "camera"))
    if m is None or "fault" not in m:
        return None
    name = r.text(m["fault"], f"{path}.fault")
    if name is None:
        return None
    if name not in FAULTS:
        r.problem(m["fault"], f"{path}.fault", f"unknown fault {name!r}: known are {', '.join(FAULTS)}")
        return None
    at_s = r.number(m["at_s"], f"{path}.at_s", low=0) if "at_s" in m else 0.0
    duration = r.number(m["duration_s"], f"{path}.duration_s", low=0.01) if "duration_s" in m else None
    cell = None
    if name == "dead_cell":
        if "cell" not in m:
            r.problem(node, f"{path}.cell", "dead_cell needs the cell (0–3)")
            return None
        cell = r.number(m["cell"], f"{path}.cell", integer=True, low=0, high=3)
        if cell is None:
            return None
    elif "cell" in m:
        r.problem(m["cell"], f"{path}.cell", "only dead_cell takes a cell")
        return None
    count = None
    if "bytes" in m:
        if name != "scale_garbage":
            r.problem(m["bytes"], f"{path}.bytes", "only scale_garbage takes bytes")
            return None
        count = r.number(m["bytes"], f"{path}.bytes", integer=True, low=1, high=100000)
        if count is None:
            return None
    camera = None
    if "camera" in m:
        if name not in CAMERA_FAULTS:
            r.problem(m["camera"], f"{path}.camera", f"only {' and '.join(CAMERA_FAULTS)} take a camera")
            return None
        camera = r.text(m["camera"], f"{path}.camera")
        if camera is None:
            return None
        if camera not in VIEWS:
            r.problem(m["camera"], f"{path}.camera", f"unknown camera {camera!r}: known are {', '.join(VIEWS)}")
            return None
    if at_s is None or ("duration_s" in m and duration is None):
        return None
    return Fault(name, at_s, duration, cell, count, camera)


def _expect(r: _Reader, node: yaml.Node) -> Expectation | None:
    m = r.mapping(node, "expect", ("verdict",), ("reasons", "note"))
    if m is None or "verdict" not in m:
        return None
    verdict = r.text(m["verdict"], "expect.verdict")
    if verdict is None:
        return None
    if verdict not in VERDICTS:
        r.problem(m["verdict"], "expect.verdict", f"{verdict!r} must be one of {', '.join(VERDICTS)}")
        return None
    reasons: list[str] = []
    for i, item in enumerate(r.sequence(m["reasons"], "expect.reasons") if "reasons" in m else []):
        reason = r.text(item, f"expect.reasons[{i}]", _REASON, "a reason code like unscanned_item")
        if reason is not None:
            reasons.append(reason)
    note = r.text(m["note"], "expect.note") if "note" in m else ""
    return Expectation(verdict, tuple(reasons), note or "")


_TOP_REQUIRED = ("name", "description", "scans", "placed", "expect")
_TOP_OPTIONAL = ("category", "seed", "basket", "clutter", "faults")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there: the bench file has 500 documents


def _documents(text: str, source: str) -> list[yaml.Node]:
    """The file's YAML documents as node trees (empty documents, e.g. after a trailing ``---``, left out)."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.MarkedYAMLError:
        try:  # again with the pure-Python parser: its messages and lines are the clearer ones
            nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise ScenarioError([f"{source}:{line}: yaml: {exc.problem or exc}"]) from None
    docs = [n for n in nodes if not (isinstance(n, yaml.ScalarNode) and n.tag.endswith(":null") and n.value == "")]
    if not docs:
        raise ScenarioError([f"{source}:1: scenario: the file is empty"])
    return docs


def _parse_root(r: _Reader, root: yaml.Node, catalog: Catalog) -> Scenario | None:
    """One document → a Scenario, or None with the problems in ``r``."""
    m = r.mapping(root, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    if m is None:
        return None
    name = r.text(m["name"], "name", _NAME, "lowercase letters, digits and '-'") if "name" in m else None
    description = r.text(m["description"], "description") if "description" in m else None
    category = r.text(m["category"], "category") if "category" in m else ""
    if category and category not in CATEGORIES:
        r.problem(m["category"], "category", f"{category!r} must be one of {', '.join(CATEGORIES)}")
        category = None
    seed = r.number(m["seed"], "seed", integer=True, low=0) if "seed" in m else 0
    basket = r.text(m["basket"], "basket") if "basket" in m else "basket-red"
    if basket is not None and basket != catalog_baskets.NO_BASKET and basket not in catalog_baskets.BASKETS:
        known = ", ".join([*catalog_baskets.BASKETS, catalog_baskets.NO_BASKET])
        r.problem(m["basket"], "basket", f"unknown basket type {basket!r}: known are {known}")
    clutter = r.number(m["clutter"], "clutter", low=0, high=1) if "clutter" in m else 0.25
    scans = (
        [_scan(r, n, f"scans[{i}]", catalog) for i, n in enumerate(r.sequence(m["scans"], "scans"))]
        if "scans" in m
        else []
    )
    placed = (
        [_placement(r, n, f"placed[{i}]", catalog) for i, n in enumerate(r.sequence(m["placed"], "placed"))]
        if "placed" in m
        else []
    )
    faults = (
        [_fault(r, n, f"faults[{i}]") for i, n in enumerate(r.sequence(m["faults"], "faults"))] if "faults" in m else []
    )
    expect = _expect(r, m["expect"]) if "expect" in m else None
    if r.problems:
        return None
    assert name is not None and description is not None and expect is not None and basket is not None
    assert category is not None
    return Scenario(
        name=name,
        description=description,
        scans=tuple(s for s in scans if s is not None),
        placed=tuple(p for p in placed if p is not None),
        expect=expect,
        seed=int(seed),
        basket=basket,
        clutter=float(clutter),
        faults=tuple(f for f in faults if f is not None),
        category=category,
        source=r.source,
    )


def parse_scenarios(text: str, source: str = "<scenarios>", catalog: Catalog | None = None) -> list[Scenario]:
    """Validate YAML text of one or several scenarios (documents separated by ``---``), in file order.

    Every problem of every document is listed, with ``doc N:`` (1-based, counting scenarios) when the text holds
    more than one; names must be unique within the text."""
    catalog = catalog if catalog is not None else load_demo_catalog()
    docs = _documents(text, source)
    problems: list[str] = []
    scenarios: list[Scenario] = []
    first: dict[str, int] = {}  # name → its document number
    for number, root in enumerate(docs, 1):
        r = _Reader(source, f"doc {number}: " if len(docs) > 1 else "")
        scenario = _parse_root(r, root, catalog)
        problems.extend(r.problems)
        if scenario is None:
            continue
        if scenario.name in first:
            name_node = next(v for k, v in root.value if k.value == "name")
            r.problem(name_node, "name", f"{scenario.name!r} is also the name of doc {first[scenario.name]}")
            problems.extend(r.problems)
            continue
        first[scenario.name] = number
        scenarios.append(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenarios


def parse_scenario(text: str, source: str = "<scenario>", catalog: Catalog | None = None) -> Scenario:
    """Validate one scenario's YAML text; :class:`ScenarioError` lists every problem with its line."""
    scenarios = parse_scenarios(text, source, catalog)
    if len(scenarios) != 1:
        raise ScenarioError(
            [f"{source}:1: scenario: holds {len(scenarios)} scenarios where one is expected (use load_scenarios)"]
        )
    return scenarios[0]


def _read(path: str | Path) -> tuple[str, str]:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8"), str(p)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{p}:1: file: cannot read it: {exc}"]) from None


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read and validate a file of one scenario; a missing or unreadable file is a :class:`ScenarioError` too."""
    text, source = _read(path)
    return parse_scenario(text, source, catalog)


def load_scenarios(path: str | Path, catalog: Catalog | None = None) -> list[Scenario]:
    """Read and validate a file of one or several scenarios (YAML documents separated by ``---``)."""
    text, source = _read(path)
    return parse_scenarios(text, source, catalog)


def shipped_scenario_files() -> list[Path]:
    """The suite in ``hardware_sim/data/scenarios``, sorted by name."""
    folder = resources.files("hardware_sim").joinpath("data", "scenarios")
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith((".yaml", ".yml")))


def load_shipped_scenarios(catalog: Catalog | None = None) -> dict[str, Scenario]:
    """Every shipped scenario, by name."""
    scenarios = [load_scenario(p, catalog) for p in shipped_scenario_files()]
    return {s.name: s for s in scenarios}


def bench_suite_files() -> list[Path]:
    """The generated benchmark files in ``hardware_sim/data/bench``, sorted by name."""
    folder = resources.files("hardware_sim").joinpath("data", "bench")
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith((".yaml", ".yml")))


DEFAULT_BENCH_FILE = "decision-500.yaml"  # made by ``basketcheck sim scenarios generate --n 500 --seed 7``


@cache
def _default_bench_suite(catalog: Catalog | None) -> tuple[Scenario, ...]:
    shipped = [load_scenario(p, catalog) for p in shipped_scenario_files()]
    bench = resources.files("hardware_sim").joinpath("data", "bench", DEFAULT_BENCH_FILE)
    return (*shipped, *load_scenarios(Path(str(bench)), catalog))


def default_bench_suite(catalog: Catalog | None = None) -> list[Scenario]:
    """The decision benchmark's default baskets: the hand-written shipped scenarios, then the 500 generated ones.

    Parsed once per process and catalog (the 500 take a moment); every call returns a new list."""
    return list(_default_bench_suite(catalog))


def find_scenario(name_or_path: str, catalog: Catalog | None = None) -> Scenario:
    """A shipped scenario by name (also a generated one of the default bench suite), or a scenario file by path."""
    if name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path:
        return load_scenario(name_or_path, catalog)
    for p in shipped_scenario_files():
        if p.stem == name_or_path:
            return load_scenario(p, catalog)
    if name_or_path.startswith("gen-"):
        for scenario in _default_bench_suite(catalog):
            if scenario.name == name_or_path:
                return scenario
    names = ", ".join(p.stem for p in shipped_scenario_files())
    generated = f"gen-0000-… of {DEFAULT_BENCH_FILE}"
    raise ScenarioError([f"{name_or_path}:1: name: no shipped scenario of that name (known: {names}, {generated})"])


def scanned_counts(scenario: Scenario) -> dict[str, int]:
    """How many of each product the shopper scanned."""
    counts: dict[str, int] = {}
    for scan in scenario.scans:
        counts[scan.gtin14] = counts.get(scan.gtin14, 0) + scan.qty
    return counts


def placed_counts(scenario: Scenario) -> dict[str, int]:
    """How many of each product really went in the basket."""
    counts: dict[str, int] = {}
    for p in scenario.placed:
        if p.kind == "product":
            counts[p.ref] = counts.get(p.ref, 0) + p.qty
    return counts


def iter_problems_counted(
    paths: Sequence[Path], catalog: Catalog | None = None
) -> Iterator[tuple[Path, list[str], int]]:
    """Validate several files of one or several scenarios each: each path, its problems, its scenarios' count.

    Names must be unique across the files too."""
    names: dict[str, Path] = {}
    for path in paths:
        try:
            scenarios = load_scenarios(path, catalog)
        except ScenarioError as exc:
            yield path, list(exc.problems), 0
            continue
        problems = [
            f"{path}:1: name: {s.name!r} is also the name of {names[s.name]}" for s in scenarios if s.name in names
        ]
        names.update((s.name, path) for s in scenarios if s.name not in names)
        yield path, problems, len(scenarios)


def iter_problems(paths: Sequence[Path], catalog: Catalog | None = None) -> Iterator[tuple[Path, list[str]]]:
    """Validate several files: each path with its problems (empty when it is fine)."""
    for path, problems, _ in iter_problems_counted(paths, catalog):
        yield path, problems
