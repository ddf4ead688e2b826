"""Scan feedback the shopper hears and feels: a short beep for a scan, a low double tone for a problem, and a
vibration on a phone. The tones are written as WAV files once (no binary assets in the repo)."""

from __future__ import annotations

import math
import struct
import tempfile
import wave
from pathlib import Path
from typing import Any

_RATE = 22050
_sounds: dict[bool, Any] = {}


def tone_wav(path: Path, tones: list[tuple[float, float]], volume: float = 0.4) -> Path:
    """Write ``tones`` [(frequency Hz, seconds), …] as a 16-bit mono WAV (5 ms fades so it does not click)."""
    frames = bytearray()
    for frequency, seconds in tones:
        count = int(_RATE * seconds)
        fade = int(_RATE * 0.005)
        for i in range(count):
            envelope = min(1.0, i / fade, (count - i) / fade) if fade else 1.0
            sample = volume * envelope * (math.sin(2 * math.pi * frequency * i / _RATE) if frequency else 0.0)
            frames += struct.pack("<h", int(sample * 32767))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(_RATE)
        out.writeframes(bytes(frames))
    return path


def _sound(ok: bool) -> Any:
    if ok not in _sounds:
        from kivy.core.audio import SoundLoader

        folder = Path(tempfile.gettempdir()) / "basketcheck-app-sounds"
        folder.mkdir(exist_ok=True)
        tones = [(1760.0, 0.08)] if ok else [(330.0, 0.12), (0.0, 0.05), (330.0, 0.12)]
        path = tone_wav(folder / ("ok.wav" if ok else "problem.wav"), tones)
        _sounds[ok] = SoundLoader.load(str(path))
    return _sounds[ok]


def feedback(ok: bool) -> None:
    """Beep (and vibrate where there is a vibrator) for a scan (``ok``) or a problem."""
    try:
        sound = _sound(ok)
        if sound is not None:
            sound.play()
    except Exception:
        pass
    try:
        from plyer import vibrator

        vibrator.vibrate(0.05 if ok else 0.3)
    except Exception:
        return
