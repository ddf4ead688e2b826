"""The scan benchmark on a small set: figures present, both decoders, no wrong codes."""

from __future__ import annotations

import argparse

from scanner_app import bench


def test_bench_figures() -> None:
    parser = argparse.ArgumentParser()
    bench.configure(parser)
    figures = bench.run(parser.parse_args(["--count", "36", "--seed", "3"]))
    assert figures["photos"] == 36
    assert figures["wrong_codes"] == 0
    assert figures["zxing_only"]["wrong_codes"] == 0
    for key in ("decode_rate", "ms_per_frame_mean", "ms_per_frame_median", "by_condition", "by_symbology"):
        assert key in figures["app"] and key in figures["zxing_only"]
    assert figures["app"]["read"] >= figures["zxing_only"]["read"]


def test_same_code_compares_meaning_not_text() -> None:
    assert bench.same_code("0036000291452", "upc-a", "036000291452", "upc-a")
    assert bench.same_code("(01)09501101530003", "gs1-databar", "0109501101530003", "gs1-databar")
    assert not bench.same_code("4006381333931", "ean-13", "96385074", "ean-8")
    assert not bench.same_code("x", "qr", "y", "qr")
