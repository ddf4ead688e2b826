"""The unit's screen during a staff age check (#19): "please wait, staff will check your age" while it is open
(whatever the tray does, and no QR code for another shopper), then the decision, in German and English."""

from __future__ import annotations

import time

from firmware_bridge.reading import Reading
from validation_unit.screen_state import screen_state
from validation_unit.state_machine import Machine, Phase, Timing


def machine(grams: float) -> Machine:
    m = Machine(Timing())
    m.reading(Reading(timestamp=0.0, grams=grams, stable=True, faults=frozenset()))
    return m


def test_an_open_age_check_asks_the_shopper_to_wait_in_german_and_english() -> None:
    for grams in (0.0, 2400.0):  # the basket lifted already, or still on the tray
        m = machine(grams)
        german = screen_state(m, None, qr_text="QR", has_trip=False, camera_ok=True, lang="de", age_check="open")
        assert german.phase == "age_check" and german.qr_text is None
        assert german.headline == "Bitte warten: Ein Mitarbeiter prüft Ihr Alter."
        english = screen_state(m, None, qr_text=None, has_trip=False, camera_ok=True, lang="en", age_check="open")
        assert english.headline == "Please wait: staff will check your age."


def test_the_decision_is_shown_then_the_unit_serves_the_next_shopper() -> None:
    on_tray = machine(2400.0)
    assert on_tray.phase is Phase.SETTLING
    confirmed = screen_state(
        on_tray, None, qr_text=None, has_trip=False, camera_ok=True, lang="de", age_check="confirmed"
    )
    assert (confirmed.phase, confirmed.headline) == ("age_check", "Alter bestätigt – vielen Dank!")
    refused = screen_state(on_tray, None, qr_text=None, has_trip=False, camera_ok=True, lang="en", age_check="refused")
    assert refused.headline == "The age-restricted items stay here."
    assert "rest of your basket is paid" in refused.detail
    # The basket is gone: the decision stays in the headline, with the QR code for the next shopper.
    empty = machine(0.0)
    ready = screen_state(empty, None, qr_text="QR", has_trip=False, camera_ok=True, lang="de", age_check="refused")
    assert (ready.phase, ready.qr_text, ready.headline) == ("ready", "QR", "Die Artikel mit Altersgrenze bleiben hier.")
    # A new shopper bound to the unit: their trip, not the old check.
    bound = screen_state(empty, None, qr_text=None, has_trip=True, camera_ok=True, lang="de", age_check="confirmed")
    assert bound.phase == "ready" and bound.headline == "Stellen Sie Ihren Korb auf die Waage"
    none = screen_state(empty, None, qr_text="QR", has_trip=False, camera_ok=True, lang="de", age_check=None)
    assert none.headline == "Scannen Sie diesen Code mit der App"


class WaitingSource:
    """A basket source whose backend says this unit's age check is open (then decided)."""

    def __init__(self) -> None:
        self.status: str | None = "open"
        self.qr_asked = 0

    def current(self) -> None:
        return None

    def age_check(self) -> str | None:
        return self.status

    def bind_qr(self) -> str:
        self.qr_asked += 1
        return "BASKETCHECK-UNIT:u1:n1"

    def heartbeat(self, state: str, health: dict[str, object]) -> None:
        pass


def test_the_station_shows_the_wait_from_its_source_and_offers_no_code_meanwhile(monkeypatch) -> None:
    import threading

    from validation_unit.screen import ScreenStateHolder
    from validation_unit.screen_i18n import LANG_ENV
    from validation_unit.station import Station

    monkeypatch.setenv(LANG_ENV, "de")
    source, holder = WaitingSource(), ScreenStateHolder()
    station = Station(scale=None, camera=None, detector=None, source=source, unit_id="u1", screen=holder, poll_s=0.01)  # type: ignore[arg-type]
    station.machine.reading(Reading(timestamp=0.0, grams=0.0, stable=True, faults=frozenset()))
    watcher = threading.Thread(target=station._watch, daemon=True)
    watcher.start()
    try:
        deadline = time.monotonic() + 5
        while station._age_check != "open" and time.monotonic() < deadline:
            station._stop.wait(0.01)
        station._show()
        assert holder.get().headline == "Bitte warten: Ein Mitarbeiter prüft Ihr Alter."
        assert source.qr_asked == 0  # no code for another shopper while this one waits
        source.status = "confirmed"
        while source.qr_asked == 0 and time.monotonic() < deadline:
            station._stop.wait(0.01)
        station._show()
        assert holder.get().headline == "Alter bestätigt – vielen Dank!" and holder.get().qr_text
    finally:
        station._stop.set()
        watcher.join(2)
