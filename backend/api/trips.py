"""Shoppers and their trips: start a trip, send scan events (idempotent), read the basket."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, status

from backend import trips
from backend.deps import SessionDep, SettingsDep, ShopperDep
from backend.models import Shopper, Store, Trip, utcnow
from backend.problems import Problem
from backend.schemas import ScanBatchIn, ScanBatchOut, ShopperOut, TripIn, TripOut
from backend.tokens import new_token, token_hash

router = APIRouter(prefix="/v1", tags=["trips"])


@router.post("/shoppers", status_code=status.HTTP_201_CREATED, response_model=ShopperOut)
def create_shopper(session: SessionDep, settings: SettingsDep) -> ShopperOut:
    """A new shopper account and its bearer token (shown once)."""
    token = new_token()
    expires_at = utcnow() + dt.timedelta(hours=settings.shopper_token_ttl_h)
    shopper = Shopper(token_hash=token_hash(token), expires_at=expires_at)
    session.add(shopper)
    session.commit()
    return ShopperOut(shopper_id=shopper.id, token=token, expires_at=expires_at)


def owned_trip(session: SessionDep, shopper: Shopper, trip_id: str, *, lock: bool = False) -> Trip:
    trip = session.get(Trip, trip_id, with_for_update=lock)
    # Someone else's trip is "not found", so trip ids cannot be probed.
    if trip is None or trip.shopper_id != shopper.id:
        raise Problem(404, "unknown-trip", f"no trip {trip_id} for this shopper")
    return trip


@router.post("/trips", status_code=status.HTTP_201_CREATED, response_model=TripOut)
def start_trip(body: TripIn, session: SessionDep, settings: SettingsDep, shopper: ShopperDep) -> TripOut:
    if session.get(Store, body.store_id) is None:
        raise Problem(404, "unknown-store", f"no store {body.store_id!r}")
    trip = Trip(store_id=body.store_id, shopper_id=shopper.id)
    session.add(trip)
    session.commit()
    return trips.trip_out(session, trip, settings.currency)


@router.get("/trips/{trip_id}", response_model=TripOut)
def get_trip(trip_id: str, session: SessionDep, settings: SettingsDep, shopper: ShopperDep) -> TripOut:
    return trips.trip_out(session, owned_trip(session, shopper, trip_id), settings.currency)


@router.post("/trips/{trip_id}/events", response_model=ScanBatchOut)
def post_events(
    trip_id: str, body: ScanBatchIn, session: SessionDep, settings: SettingsDep, shopper: ShopperDep
) -> ScanBatchOut:
    """Record scan events; each carries the app's own event id, so retries and offline syncs are harmless."""
    trip = owned_trip(session, shopper, trip_id, lock=True)
    results = trips.record_events(session, settings, trip, body.events)
    session.commit()
    return ScanBatchOut(results=results, trip=trips.trip_out(session, trip, settings.currency))
