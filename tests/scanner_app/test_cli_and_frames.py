"""``basketcheck app`` argument handling and the image-folder camera."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import pytest

from backend.cli import CliError
from scanner_app import cli
from scanner_app.frames import FolderSource, ManualSource


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    ("make", "message"),
    [(lambda p: p / "missing", "not a folder"), (lambda p: p, "no images")],
)
def test_bad_frames_folder_is_a_user_error(tmp_path: Path, make: object, message: str) -> None:
    folder = make(tmp_path)  # type: ignore[operator]
    args = parse("--frames", str(folder), "--data-dir", str(tmp_path / "data"))
    with pytest.raises(CliError, match=message):
        args.handler(args)


def test_default_data_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cli.default_data_dir() == tmp_path / "basketcheck-app"


def test_folder_source_shows_images_in_name_order(tmp_path: Path) -> None:
    for name, value in (("b.png", 200), ("a.png", 100)):
        cv2.imwrite(str(tmp_path / name), np.full((4, 4, 3), value, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    source = FolderSource(tmp_path, seconds=0.0)
    seen = [source.latest() for _ in range(3)]
    assert [(number, int(frame[0, 0, 0])) for number, frame in seen if frame is not None] == [
        (1, 100),
        (2, 200),
        (3, 100),  # loops
    ]


def test_manual_source_numbers_frames() -> None:
    source = ManualSource()
    assert source.latest() == (0, None)
    source.show(np.zeros((2, 2, 3), np.uint8))
    assert source.latest()[0] == 1


def test_feedback_tones_are_valid_wav(tmp_path: Path) -> None:
    import wave

    pytest.importorskip("kivy")
    from scanner_app.ui.feedback import tone_wav

    path = tone_wav(tmp_path / "beep.wav", [(1760.0, 0.08), (0.0, 0.02)])
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        assert wav.getnframes() == int(22050 * 0.08) + int(22050 * 0.02)
