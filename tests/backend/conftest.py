"""Backend fixtures: a migrated database, the app on it, and a demo catalog with one store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backend import migrate
from backend.app import create_app
from backend.catalog import import_rows
from backend.catalog_csv import parse_catalog
from backend.models import Store
from backend.settings import Settings

CATALOG = """gtin,name,brand,price_minor,currency,sold_by,weight_mean_g,weight_sd_g,plu,packaging
4006381333931,Cola 1.5 L,Fizz,199,EUR,piece,1580,12,,bottle
5000112637922,Chewing gum,Minty,129,EUR,piece,28,1.5,,blister
2000123000008,Bananas,,229,EUR,weight,180,30,00123,produce
"""
COLA, GUM, BANANAS = "04006381333931", "05000112637922", "02000123000008"


@pytest.fixture
def migrated_engine(db_engine: Engine) -> Engine:
    migrate.upgrade(db_engine)
    with Session(db_engine) as session, session.begin():
        session.add(Store(id="demo", name="Demo Store", currency="EUR"))
        import_rows(session, parse_catalog(CATALOG))
    return db_engine


@pytest.fixture
def client(migrated_engine: Engine) -> Iterator[TestClient]:
    app = create_app(Settings(environment="test", secret_key="test-secret-0123456789"), engine=migrated_engine)
    with TestClient(app) as test_client:
        yield test_client


def new_shopper(client: TestClient) -> dict[str, str]:
    response = client.post("/v1/shoppers")
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def new_trip(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post("/v1/trips", json={"store_id": "demo"}, headers=headers)
    assert response.status_code == 201, response.text
    trip_id: str = response.json()["trip_id"]
    return trip_id
