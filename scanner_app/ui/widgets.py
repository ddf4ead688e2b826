"""Small widgets the screens share: camera preview with an aim box, toast, buttons and row labels."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget

GREEN = (0.13, 0.55, 0.33, 1)
RED = (0.75, 0.2, 0.2, 1)
GREY = (0.25, 0.27, 0.3, 1)
BACKGROUND = (0.96, 0.96, 0.95, 1)
TEXT = (0.1, 0.1, 0.12, 1)


class CameraPreview(Widget):
    """The camera frame scaled to fit, with the aim box the shopper holds a code in."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._texture: Texture | None = None
        self._size: tuple[int, int] = (0, 0)
        with self.canvas:
            Color(0.08, 0.08, 0.1, 1)
            self._background = Rectangle(pos=self.pos, size=self.size)
            Color(1, 1, 1, 1)
            self._image = Rectangle(pos=self.pos, size=(0, 0))
            self._aim_colour = Color(0.2, 0.9, 0.4, 1)
            self._aim = Line(rectangle=(0, 0, 0, 0), width=2)
        self.bind(pos=self._layout, size=self._layout)

    def show(self, frame: Any) -> None:
        """Display a BGR numpy frame (OpenCV's layout: rows top to bottom, so it is flipped for OpenGL)."""
        height, width = frame.shape[:2]
        if self._texture is None or self._size != (width, height):
            self._texture = Texture.create(size=(width, height), colorfmt="bgr")
            self._texture.flip_vertical()
            self._size = (width, height)
            self._image.texture = self._texture
        self._texture.blit_buffer(frame.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        self._layout()
        self.canvas.ask_update()

    def flash(self, ok: bool) -> None:
        """Colour the aim box for a moment: green for a scan, red for a problem."""
        self._aim_colour.rgba = (0.2, 0.9, 0.4, 1) if ok else (0.95, 0.3, 0.3, 1)

    def _layout(self, *_args: Any) -> None:
        self._background.pos, self._background.size = self.pos, self.size
        w, h = self._size
        if w and h:
            scale = min(self.width / w, self.height / h)
            dw, dh = w * scale, h * scale
            self._image.pos = (self.x + (self.width - dw) / 2, self.y + (self.height - dh) / 2)
            self._image.size = (dw, dh)
        aim_w, aim_h = self.width * 0.7, self.height * 0.4
        self._aim.rectangle = (self.center_x - aim_w / 2, self.center_y - aim_h / 2, aim_w, aim_h)


class Toast(Label):
    """The last scan or problem, in a coloured bar."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", 48)
        kwargs.setdefault("color", (1, 1, 1, 1))
        super().__init__(**kwargs)
        with self.canvas.before:
            self._colour = Color(*GREY)
            self._rect = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._sync, size=self._sync)

    def say(self, text: str, ok: bool = True) -> None:
        self.text = text
        self._colour.rgba = GREEN if ok else RED

    def _sync(self, *_args: Any) -> None:
        self._rect.pos, self._rect.size = self.pos, self.size
        self.text_size = (self.width - 16, None)


def button(text: str, on_press: Any, **kwargs: Any) -> Button:
    kwargs.setdefault("size_hint_y", None)
    kwargs.setdefault("height", 52)
    kwargs.setdefault("background_normal", "")
    kwargs.setdefault("background_color", GREEN)
    widget = Button(text=text, **kwargs)
    widget.bind(on_press=lambda *_: on_press())
    return widget


def label(text: str, **kwargs: Any) -> Label:
    kwargs.setdefault("color", TEXT)
    kwargs.setdefault("halign", "left")
    kwargs.setdefault("valign", "middle")
    widget = Label(text=text, **kwargs)
    widget.bind(size=lambda w, s: setattr(w, "text_size", s))
    return widget


def paint_background(widget: Widget, rgba: tuple[float, float, float, float] = BACKGROUND) -> None:
    with widget.canvas.before:
        Color(*rgba)
        rect = Rectangle(pos=widget.pos, size=widget.size)
    widget.bind(pos=lambda w, p: setattr(rect, "pos", p), size=lambda w, s: setattr(rect, "size", s))
