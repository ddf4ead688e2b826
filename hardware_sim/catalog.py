"""The demo store's product catalog: parse and validate the ERP export CSV that the simulator and backend share.

The CSV format is documented in ``hardware_sim/CATALOG.md``. Parsing is a pure function of the text
(:func:`parse_catalog`); :func:`load_demo_catalog` reads the shipped file. A bad row raises
:class:`CatalogError` whose message names the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

from backend.domain.gs1 import DEFAULT_STORE_SCHEME, GS1Error, StoreScheme, validate_gtin

DEMO_CATALOG = "demo_catalog.csv"

COLUMNS = (
    "gtin",
    "plu",
    "name",
    "brand",
    "category",
    "price_minor",
    "currency",
    "sold_by",
    "weight_mean_g",
    "weight_sd_g",
    "packaging",
    "shape",
    "width_mm",
    "depth_mm",
    "height_mm",
    "colour_1",
    "colour_2",
    "colour_text",
    "lookalike_group",
)
REQUIRED_COLUMNS = COLUMNS

PACKAGINGS = ("can", "bottle", "carton", "box", "bag", "jar", "tub", "blister", "produce")
# Shapes refine the look: bottles are PET or glass; produce has a fruit/vegetable form.
SHAPES = {
    "bottle": ("pet", "glass"),
    "produce": ("round", "oval", "elongated", "banana", "leafy", "tuber"),
}
# Packagings that can stand upright in a basket (the rest always lie flat).
CAN_STAND = frozenset({"can", "bottle", "carton", "jar", "tub", "box"})

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_GROUP = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class CatalogError(ValueError):
    """A catalog file that cannot be used, with every problem as ``file:line: column: message``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """One product as the store sells it. Sizes describe the product standing as on the shelf."""

    gtin: str  # GTIN-13; for by-weight items the item key of its variable-measure code (measure zeroed)
    plu: str  # price look-up number of by-weight produce, else ""
    name: str
    brand: str
    category: str
    price_minor: int  # per piece, or per kg for by-weight items
    currency: str
    sold_by: str  # "piece" | "weight"
    weight_mean_g: float  # a piece, or a typical weighed bag for by-weight items
    weight_sd_g: float
    packaging: str
    shape: str
    width_mm: float
    depth_mm: float
    height_mm: float
    colour_1: str  # "#rrggbb": main body/print colour
    colour_2: str  # second colour: band, cap, lid, leaves
    colour_text: str  # brand text, "" for unbranded produce
    lookalike_group: str  # products that look nearly the same from above, "" if none
    line: int = field(default=0, compare=False)  # where the row came from, for error messages

    @property
    def gtin14(self) -> str:
        """The key :class:`hardware_sim.scene.PlacedItem.ref` and the backend use."""
        return self.gtin.zfill(14)

    @property
    def by_weight(self) -> bool:
        return self.sold_by == "weight"

    @property
    def can_stand(self) -> bool:
        return self.packaging in CAN_STAND

    def variable_measure_code(self, weight_g: int, scheme: StoreScheme = DEFAULT_STORE_SCHEME) -> str:
        """The barcode the store's scale prints on a bag of this by-weight item weighing ``weight_g``."""
        if not self.by_weight:
            raise ValueError(f"{self.name} is sold by piece: it has no variable-measure code")
        vm_scheme = scheme.scheme_for(self.gtin)
        assert vm_scheme is not None  # validated when the row was parsed
        return vm_scheme.encode(self.plu.zfill(vm_scheme.layout.count("I")), weight_g)


@dataclass(frozen=True)
class Catalog:
    """All products, looked up by GTIN (13 or 14 digits)."""

    rows: tuple[CatalogRow, ...]
    source: str = "<catalog>"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_gtin", {r.gtin14: r for r in self.rows})

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[CatalogRow]:
        return iter(self.rows)

    def __contains__(self, gtin: object) -> bool:
        return isinstance(gtin, str) and gtin.zfill(14) in self._by_gtin  # type: ignore[attr-defined]

    def get(self, gtin: str) -> CatalogRow:
        """The product with this GTIN; ``KeyError`` naming the GTIN if the store does not sell it."""
        try:
            return self._by_gtin[gtin.zfill(14)]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"GTIN {gtin} is not in the catalog {self.source}") from None

    def lookalike_groups(self) -> dict[str, tuple[CatalogRow, ...]]:
        groups: dict[str, list[CatalogRow]] = {}
        for row in self.rows:
            if row.lookalike_group:
                groups.setdefault(row.lookalike_group, []).append(row)
        return {name: tuple(rows) for name, rows in groups.items()}

    def lookalike_pairs(self) -> list[tuple[CatalogRow, CatalogRow]]:
        """Every pair of products that share a look-alike group."""
        pairs: list[tuple[CatalogRow, CatalogRow]] = []
        for rows in self.lookalike_groups().values():
            pairs.extend(itertools.combinations(rows, 2))
        return pairs

    def weight_twins(self, tolerance_g: float = 30.0) -> list[tuple[CatalogRow, CatalogRow]]:
        """Pairs sold by piece that weigh about the same but look different: the barcode-switch case."""
        pieces = [r for r in self.rows if not r.by_weight]
        return [
            (a, b)
            for a, b in itertools.combinations(pieces, 2)
            if abs(a.weight_mean_g - b.weight_mean_g) <= tolerance_g
            and (not a.lookalike_group or a.lookalike_group != b.lookalike_group)
            and a.price_minor != b.price_minor
        ]


def _number(value: str, column: str, *, integer: bool = False, positive: bool = True) -> int | float:
    try:
        number: int | float = int(value) if integer else float(value)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{column}: {value!r} is not {kind}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{column}: {value!r} is not a finite number")
    if positive and number <= 0:
        raise ValueError(f"{column}: {value!r} must be greater than 0")
    return number


def _parse_row(raw: dict[str, str], scheme: StoreScheme) -> CatalogRow:
    """One CSV row → a validated row; ``ValueError("column: message")`` on the first bad field."""
    v = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    for column in ("gtin", "name", "currency", "sold_by", "packaging", "colour_1", "colour_2"):
        if not v[column]:
            raise ValueError(f"{column}: is empty")
    if v["sold_by"] not in ("piece", "weight"):
        raise ValueError(f"sold_by: {v['sold_by']!r} must be 'piece' or 'weight'")
    gtin = v["gtin"]
    if len(gtin) != 13:
        raise ValueError(f"gtin: {gtin!r} must be a GTIN-13 (13 digits)")
    try:
        validate_gtin(gtin)
    except GS1Error as exc:
        raise ValueError(f"gtin: {exc}") from None
    vm = scheme.scheme_for(gtin) if gtin.startswith("2") else None
    if v["sold_by"] == "weight":
        if vm is None or "W" not in vm.layout:
            raise ValueError(f"gtin: {gtin!r} of a by-weight item must use a weight-embedded prefix of the store")
        if not v["plu"].isdigit():
            raise ValueError(f"plu: {v['plu']!r} must be the item's digits (PLU) for a by-weight item")
        parsed = vm.parse(gtin)
        if parsed.weight_g != 0 or int(parsed.item_reference) != int(v["plu"]):
            raise ValueError(f"gtin: {gtin!r} must be the code of PLU {v['plu']} with the weight digits zero")
    else:
        if gtin.startswith("2"):
            raise ValueError(f"gtin: {gtin!r} is in the store's variable-measure range 20–29: not for a piece")
        if v["plu"]:
            raise ValueError("plu: only by-weight items have a PLU")
    if len(v["currency"]) != 3 or not v["currency"].isupper():
        raise ValueError(f"currency: {v['currency']!r} must be an ISO 4217 code such as EUR")
    if v["packaging"] not in PACKAGINGS:
        raise ValueError(f"packaging: {v['packaging']!r} must be one of {', '.join(PACKAGINGS)}")
    shapes = SHAPES.get(v["packaging"], ())
    if shapes and v["shape"] not in shapes:
        raise ValueError(f"shape: {v['shape']!r} must be one of {', '.join(shapes)} for {v['packaging']}")
    if not shapes and v["shape"]:
        raise ValueError(f"shape: {v['packaging']} has no shapes, leave it empty")
    for column in ("colour_1", "colour_2", "colour_text"):
        if v[column] and not _HEX_COLOUR.match(v[column]):
            raise ValueError(f"{column}: {v[column]!r} must be a colour like #d0121b")
    if v["lookalike_group"] and not _GROUP.match(v["lookalike_group"]):
        raise ValueError(f"lookalike_group: {v['lookalike_group']!r} must be lowercase letters, digits and '-'")
    sd = _number(v["weight_sd_g"], "weight_sd_g", positive=False)
    if sd < 0:
        raise ValueError(f"weight_sd_g: {v['weight_sd_g']!r} must not be negative")
    return CatalogRow(
        gtin=gtin,
        plu=v["plu"],
        name=v["name"],
        brand=v["brand"],
        category=v["category"],
        price_minor=int(_number(v["price_minor"], "price_minor", integer=True)),
        currency=v["currency"],
        sold_by=v["sold_by"],
        weight_mean_g=float(_number(v["weight_mean_g"], "weight_mean_g")),
        weight_sd_g=float(sd),
        packaging=v["packaging"],
        shape=v["shape"],
        width_mm=float(_number(v["width_mm"], "width_mm")),
        depth_mm=float(_number(v["depth_mm"], "depth_mm")),
        height_mm=float(_number(v["height_mm"], "height_mm")),
        colour_1=v["colour_1"].lower(),
        colour_2=v["colour_2"].lower(),
        colour_text=v["colour_text"].lower(),
        lookalike_group=v["lookalike_group"],
    )


def parse_catalog(text: str, source: str = "<catalog>", scheme: StoreScheme = DEFAULT_STORE_SCHEME) -> Catalog:
    """Validate catalog CSV text; raises :class:`CatalogError` listing every bad line and column."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CatalogError([f"{source}:1: header: missing column(s) {', '.join(missing)}"])
    problems: list[str] = []
    rows: list[CatalogRow] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if None in raw:  # DictReader puts surplus cells under the key None
            problems.append(f"{source}:{line}: row: more cells than the header has columns")
            continue
        try:
            row = _parse_row(raw, scheme)
        except ValueError as exc:
            problems.append(f"{source}:{line}: {exc}")
            continue
        if row.gtin in seen:
            problems.append(f"{source}:{line}: gtin: {row.gtin} already on line {seen[row.gtin]}")
            continue
        seen[row.gtin] = line
        rows.append(replace(row, line=line))
    if not rows and not problems:
        problems.append(f"{source}:2: row: the catalog has no products")
    if problems:
        raise CatalogError(problems)
    return Catalog(tuple(rows), source)


@cache
def load_demo_catalog() -> Catalog:
    """The catalog shipped in ``hardware_sim/data/demo_catalog.csv`` (parsed once per process)."""
    text = resources.files("hardware_sim").joinpath("data", DEMO_CATALOG).read_text(encoding="utf-8")
    return parse_catalog(text, f"hardware_sim/data/{DEMO_CATALOG}")
