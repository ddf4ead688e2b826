"""``basketcheck vision`` commands: data set generation and the user errors of train/export/eval."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.cli import main


def test_dataset_command_writes_a_yolo_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ds"
    code = main(
        [
            "vision",
            "dataset",
            "--out",
            str(out),
            "--train",
            "1",
            "--val",
            "1",
            "--test",
            "0",
            "--seed",
            "2",
            "--max-side",
            "320",
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out / "data.yaml")
    assert "rendering" in captured.err and "2/2" in captured.err  # progress on stderr
    assert len(list((out / "labels" / "train").iterdir())) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["vision", "eval", "--model", "{tmp}/none", "--json"], "no such model folder"),
        (["vision", "train", "--data", "{tmp}"], "no data.yaml"),
        (["vision", "export", "--weights", "{tmp}/w.pt", "--data", "{tmp}"], "no data.yaml"),
        (["vision", "dataset", "--out", "{tmp}"], "exists and is not empty"),
    ],
)
def test_user_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "something").write_text("x")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_vision_package_and_cli_import_nothing_heavy() -> None:
    import subprocess
    import sys

    heavy = ("numpy", "cv2", "onnxruntime", "torch")
    code = f"import sys, vision, vision.cli, vision.bench; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
