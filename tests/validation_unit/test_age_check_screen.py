"""The unit's screen during a staff age check (#19): "please wait, staff will check your age" while it is open
(whatever the tray does, and no QR code for another shopper), then the decision, in German and English."""

from __future__ import annotations

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
