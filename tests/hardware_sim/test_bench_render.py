"""``basketcheck bench render`` gives the figures the issue asks for."""

from __future__ import annotations

import argparse

from hardware_sim import bench_render


def test_bench_render_figures() -> None:
    parser = argparse.ArgumentParser()
    bench_render.configure(parser)
    figures = bench_render.run(parser.parse_args(["--frames", "3", "--passes", "1"]))
    assert figures["products"] >= 40
    assert figures["invalid_gtins"] == 0
    assert figures["lookalike_pairs"] >= 5
    assert figures["distractors"] >= 6
    assert figures["fps_1280x720"] > 0


def test_bench_render_times_a_side_camera() -> None:
    parser = argparse.ArgumentParser()
    bench_render.configure(parser)
    figures = bench_render.run(
        parser.parse_args(["--frames", "2", "--passes", "1", "--view", "left", "--products", "5"])
    )
    assert figures["view"] == "left" and figures["fps_1280x720"] > 0
