"""The shopper's screens: start a trip, scan, basket, checkout with the verdict, receipts history.

Screens only draw what :class:`scanner_app.session.ShopperSession` and :mod:`scanner_app.basket_view` say and
turn taps into session calls through the app; none of them talks to the network or the camera itself.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

from scanner_app.app_i18n import clock, day, money, tr
from scanner_app.basket_view import BasketView, VerdictView, weight
from scanner_app.receipt_view import receipt_rows
from scanner_app.ui.widgets import GREY, RED, CameraPreview, Toast, button, label, paint_background

if TYPE_CHECKING:
    from scanner_app.ui.app import ScannerApp


class KeepBasketDialog:
    """Asked when the store's code is scanned mid-trip: keep the basket (the default, also on dismiss) or start
    a new trip (only on an explicit tap)."""

    def __init__(self, question: str, on_answer: Any) -> None:
        from kivy.uix.popup import Popup

        self._on_answer, self._answered = on_answer, False
        body = BoxLayout(orientation="vertical", spacing=8, padding=8)
        body.add_widget(label(question, halign="center"))
        self.keep = button(tr("ui.keep_basket"), lambda: self.answer(False))
        self.new = button(tr("ui.new_trip_yes"), lambda: self.answer(True), background_color=GREY)
        body.add_widget(self.keep)
        body.add_widget(self.new)
        self.popup = Popup(title=tr("ui.already_shopping"), content=body, size_hint=(0.9, 0.5), auto_dismiss=True)
        self.popup.bind(on_dismiss=lambda *_: self.answer(False))

    def open(self) -> KeepBasketDialog:
        self.popup.open()
        return self

    def answer(self, start_new: bool) -> None:
        if self._answered:
            return
        self._answered = True
        self.popup.dismiss()
        self._on_answer(start_new)


def _paid_at(iso: str) -> str:
    """When a receipt was paid, in the phone's time zone, the shopper's way: 03.12.2026 14:05."""
    try:
        moment = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso[:16].replace("T", " ")
    return f"{day(moment.date())} {clock(moment)}"


def _title(text: str) -> Any:
    return label(text, font_size="22sp", bold=True, size_hint_y=None, height=56, halign="center")


class StartScreen(Screen):
    """Scan the store's QR code at the entrance, or type the store's id."""

    def __init__(self, app: ScannerApp, **kwargs: Any) -> None:
        super().__init__(name="start", **kwargs)
        self.app = app
        root = BoxLayout(orientation="vertical", padding=12, spacing=8)
        paint_background(root)
        root.add_widget(_title(tr("ui.start_title")))
        self.preview = CameraPreview()
        root.add_widget(self.preview)
        self.toast = Toast(text=tr("ui.start_hint"))
        root.add_widget(self.toast)
        row = BoxLayout(size_hint_y=None, height=52, spacing=8)
        self.store_input = TextInput(hint_text=tr("ui.store_id_hint"), multiline=False, font_size="18sp")
        row.add_widget(self.store_input)
        row.add_widget(button(tr("ui.start"), lambda: app.start_trip(self.store_input.text.strip()), size_hint_x=0.35))
        root.add_widget(row)
        root.add_widget(button(tr("ui.receipts"), app.show_receipts, background_color=GREY))
        self.add_widget(root)


class ScanScreen(Screen):
    """Camera with the aim box, the last item as a toast, manual code entry, and the basket total."""

    def __init__(self, app: ScannerApp, **kwargs: Any) -> None:
        super().__init__(name="scan", **kwargs)
        self.app = app
        root = BoxLayout(orientation="vertical", padding=12, spacing=8)
        paint_background(root)
        root.add_widget(_title(tr("ui.scan_title")))
        self.preview = CameraPreview()
        root.add_widget(self.preview)
        self.toast = Toast(text=tr("ui.scan_hint"))
        root.add_widget(self.toast)
        row = BoxLayout(size_hint_y=None, height=52, spacing=8)
        self.code_input = TextInput(hint_text=tr("ui.code_hint"), multiline=False, input_filter="int", font_size="18sp")
        row.add_widget(self.code_input)
        row.add_widget(button(tr("ui.add"), self._add_typed, size_hint_x=0.3))
        root.add_widget(row)
        row = BoxLayout(size_hint_y=None, height=52, spacing=8)
        self.basket_button = button(tr("ui.basket"), app.show_basket, background_color=GREY)
        row.add_widget(self.basket_button)
        row.add_widget(button(tr("ui.check_out"), app.show_checkout))
        root.add_widget(row)
        self.add_widget(root)

    def _add_typed(self) -> None:
        code = self.code_input.text.strip()
        if code:
            self.app.add_typed(code)
            self.code_input.text = ""

    def update(self, view: BasketView) -> None:
        pending = tr("ui.to_sync", count=view.pending) if view.pending else ""
        self.basket_button.text = tr("ui.basket_button", count=view.item_count, total=view.total, pending=pending)


class BasketScreen(Screen):
    """The lines with quantity +/−, remove, totals, and what has not reached the store yet."""

    def __init__(self, app: ScannerApp, **kwargs: Any) -> None:
        super().__init__(name="basket", **kwargs)
        self.app = app
        root = BoxLayout(orientation="vertical", padding=12, spacing=8)
        paint_background(root)
        root.add_widget(_title(tr("ui.basket_title")))
        scroll = ScrollView()
        self.rows = GridLayout(cols=1, spacing=6, size_hint_y=None)
        self.rows.bind(minimum_height=self.rows.setter("height"))
        scroll.add_widget(self.rows)
        root.add_widget(scroll)
        self.pending = label("", size_hint_y=None, height=40, color=RED)
        root.add_widget(self.pending)
        self.total = label("", font_size="20sp", bold=True, size_hint_y=None, height=44, halign="right")
        root.add_widget(self.total)
        row = BoxLayout(size_hint_y=None, height=52, spacing=8)
        row.add_widget(button(tr("ui.scan_more"), app.show_scan, background_color=GREY))
        row.add_widget(button(tr("ui.check_out"), app.show_checkout))
        root.add_widget(row)
        self.add_widget(root)

    def update(self, view: BasketView) -> None:
        self.rows.clear_widgets()
        if not view.lines:
            self.rows.add_widget(label(tr("ui.nothing_yet"), size_hint_y=None, height=48))
        for line in view.lines:
            row = BoxLayout(size_hint_y=None, height=60, spacing=6)
            text = f"[b]{line.name}[/b]\n{line.detail}"
            row.add_widget(label(text, markup=True, size_hint_x=0.5))
            if line.can_change_quantity:
                row.add_widget(button("−", lambda k=line.line_key: self.app.change_quantity(k, -1), size_hint_x=0.1))
                row.add_widget(label(str(line.quantity), size_hint_x=0.08, halign="center"))
                row.add_widget(button("+", lambda k=line.line_key: self.app.change_quantity(k, +1), size_hint_x=0.1))
            else:
                row.add_widget(label("", size_hint_x=0.28))
            row.add_widget(label(line.total, size_hint_x=0.14, halign="right"))
            row.add_widget(
                button("×", lambda k=line.line_key: self.app.remove(k), size_hint_x=0.08, background_color=RED)
            )
            self.rows.add_widget(row)
        self.pending.text = view.pending_note
        self.total.text = f"{view.item_count} items · Total {view.total}"


class CheckoutScreen(Screen):
    """Scan the unit's QR code, then follow the unit's verdict: paid, re-check, or wait for staff."""

    def __init__(self, app: ScannerApp, **kwargs: Any) -> None:
        super().__init__(name="checkout", **kwargs)
        self.app = app
        root = BoxLayout(orientation="vertical", padding=12, spacing=8)
        paint_background(root)
        self.heading = _title(tr("ui.unit_title"))
        root.add_widget(self.heading)
        self.preview = CameraPreview()
        root.add_widget(self.preview)
        self.toast = Toast(text=tr("ui.unit_hint"))
        root.add_widget(self.toast)
        self.message = label("", size_hint_y=None, height=90)
        root.add_widget(self.message)
        self.details = GridLayout(cols=1, spacing=4, size_hint_y=None)
        self.details.bind(minimum_height=self.details.setter("height"))
        # The verdict's details take the camera's place once the unit has the basket.
        self.details_scroll = ScrollView(size_hint_y=0.001)
        self.details_scroll.add_widget(self.details)
        root.add_widget(self.details_scroll)
        row = BoxLayout(size_hint_y=None, height=52, spacing=8)
        self.back = button(tr("ui.back_to_basket"), app.show_basket, background_color=GREY)
        row.add_widget(self.back)
        self.next = button(tr("ui.receipts"), app.show_receipts)
        row.add_widget(self.next)
        root.add_widget(row)
        self.add_widget(root)

    def show_camera(self, visible: bool) -> None:
        """The preview while the unit's code is to be scanned; hidden once the unit has the basket."""
        self.preview.opacity = 1 if visible else 0
        self.preview.size_hint_y = 1 if visible else 0.001
        self.details_scroll.size_hint_y = 0.001 if visible else 1

    def show_verdict(self, view: VerdictView, receipt: dict[str, Any] | None, basket: BasketView) -> None:
        self.show_camera(False)
        self.toast.say(view.title, view.stage in ("waiting", "pass"))
        self.heading.text = view.title
        self.message.text = view.message
        self.details.clear_widgets()
        if view.stage == "pass" and receipt is not None:
            currency = str(receipt["currency"])
            for line in receipt["lines"]:
                what = weight(line["weight_g"]) if line.get("weight_g") else f"{line['quantity']} ×"
                self.details.add_widget(
                    label(f"{what} {line['name']}  {money(line['total_minor'], currency)}", size_hint_y=None, height=30)
                )
            self.details.add_widget(
                label(
                    f"[b]{tr('ui.paid', total=money(receipt['total_minor'], currency))}[/b]",
                    markup=True,
                    size_hint_y=None,
                    height=34,
                )
            )
            self.details.add_widget(button(tr("ui.show_receipt"), lambda: self.app.show_receipt(receipt)))
        if view.stage == "recheck":
            if view.prompts:
                self.details.add_widget(
                    label(f"[b]{tr('ui.please_fix')}[/b]", markup=True, size_hint_y=None, height=30)
                )
                for prompt in view.prompts:
                    self.details.add_widget(label(f"• {prompt}", size_hint_y=None, height=28))
            self.details.add_widget(label(f"[b]{tr('ui.what_scanned')}[/b]", markup=True, size_hint_y=None, height=30))
            for line in basket.lines:
                self.details.add_widget(
                    label(f"{line.quantity} × {line.name} ({line.detail})", size_hint_y=None, height=28)
                )
            self.back.text = tr("ui.fix_basket")
        self.details.add_widget(label("", size_hint_y=None, height=8))


class ReceiptsScreen(Screen):
    """Receipts of past trips, kept on the phone."""

    def __init__(self, app: ScannerApp, **kwargs: Any) -> None:
        super().__init__(name="receipts", **kwargs)
        self.app = app
        root = BoxLayout(orientation="vertical", padding=12, spacing=8)
        paint_background(root)
        root.add_widget(_title(tr("ui.receipts")))
        scroll = ScrollView()
        self.rows = GridLayout(cols=1, spacing=6, size_hint_y=None)
        self.rows.bind(minimum_height=self.rows.setter("height"))
        scroll.add_widget(self.rows)
        root.add_widget(scroll)
        root.add_widget(button(tr("ui.new_trip"), app.show_start))
        self.add_widget(root)

    def update(self, receipts: list[dict[str, Any]]) -> None:
        self.rows.clear_widgets()
        if not receipts:
            self.rows.add_widget(label(tr("ui.no_receipts"), size_hint_y=None, height=48))
        for receipt in receipts:
            currency = str(receipt["currency"])
            items = ", ".join(
                f"{ln['quantity']}× {ln['name']}" for ln in receipt["lines"] if ln.get("kind", "item") == "item"
            )
            text = (
                f"[b]{receipt['store_id']} · {_paid_at(str(receipt['paid_at']))}[/b]"
                f"   {money(receipt['total_minor'], currency)}\n{items}"
            )
            self.rows.add_widget(label(text, markup=True, size_hint_y=None, height=64))


class ReceiptScreen(Screen):
    """One trip's receipt, shown once it is paid: store, number, lines, Pfand, VAT summary, total."""

    def __init__(self, app: ScannerApp, **kwargs: Any) -> None:
        super().__init__(name="receipt", **kwargs)
        self.app = app
        root = BoxLayout(orientation="vertical", padding=12, spacing=8)
        paint_background(root)
        root.add_widget(_title(tr("ui.receipt_title")))
        scroll = ScrollView()
        self.rows = GridLayout(cols=2, spacing=4, size_hint_y=None)
        self.rows.bind(minimum_height=self.rows.setter("height"))
        scroll.add_widget(self.rows)
        root.add_widget(scroll)
        row = BoxLayout(size_hint_y=None, height=52, spacing=8)
        row.add_widget(button(tr("ui.receipts"), app.show_receipts, background_color=GREY))
        row.add_widget(button(tr("ui.new_trip"), app.show_start))
        root.add_widget(row)
        self.add_widget(root)

    def update(self, receipt: dict[str, Any]) -> None:
        self.rows.clear_widgets()
        for left, right, bold in receipt_rows(receipt):
            self.rows.add_widget(label(f"[b]{left}[/b]" if bold else left, markup=True, size_hint_y=None, height=28))
            self.rows.add_widget(
                label(f"[b]{right}[/b]" if bold else right, markup=True, size_hint_y=None, height=28, halign="right")
            )
