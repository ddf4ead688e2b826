"""The product list a validation unit uses to name unscanned items."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.backend.conftest import BANANAS, COLA, GUM, UnitActor


def test_a_unit_gets_the_catalog_with_weights(unit: UnitActor) -> None:
    response = unit.request("GET", "/v1/units/me/products")
    assert response.status_code == 200, response.text
    by_gtin = {p["gtin14"]: p for p in response.json()["products"]}
    assert set(by_gtin) == {COLA, GUM, BANANAS}
    assert by_gtin[COLA] == {
        "gtin14": COLA,
        "name": "Cola 1.5 L",
        "sold_by": "piece",
        "weight_mean_g": 1580.0,
        "weight_sd_g": 12.0,
        "lookalike_group": "",
    }
    assert by_gtin[BANANAS]["sold_by"] == "weight"


def test_the_product_list_needs_a_signed_unit_request(client: TestClient) -> None:
    assert client.get("/v1/units/me/products").status_code == 401
