"""``basketcheck bench render``: how fast the simulated camera renders on one core, and what the catalog holds.

The frames are random training-style baskets (1–15 products, sometimes personal items, every basket type,
all camera imperfections drawn from the seed), the workload the vision dataset builder puts on the renderer.
``--view left`` (or ``right``) times a side camera's renderer instead of the top camera's; ``--products 30``
fills every basket.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=int, default=40, help="frames per timed pass (default 40)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes; the fastest counts (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="first basket seed (default 0)")
    parser.add_argument("--view", default="top", help="the camera: top, left or right (default top)")
    parser.add_argument("--products", type=int, help="products per basket (default: 1–15 drawn from the seed)")


def _one_thread() -> None:
    """Pin OpenCV and the BLAS behind numpy to one thread: the figure is per core."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    import cv2

    cv2.setNumThreads(1)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # numpy's element-wise work is single-threaded anyway; only BLAS could fan out
        pass


def run(args: argparse.Namespace) -> dict[str, Any]:
    from backend.cli import CliError
    from hardware_sim.views import VIEWS

    if args.view not in VIEWS:
        raise CliError(f"--view: unknown camera {args.view!r}: known are {', '.join(VIEWS)}")
    _one_thread()
    import cv2

    from backend.domain.gs1 import GS1Error, validate_gtin
    from hardware_sim import catalog_baskets, distractors
    from hardware_sim.catalog import load_demo_catalog
    from hardware_sim.looks import product_texture
    from hardware_sim.render import IMAGE_H, IMAGE_W
    from hardware_sim.render_layout import random_basket
    from hardware_sim.render_views import ViewRenderer

    catalog = load_demo_catalog()
    render = ViewRenderer(args.view, catalog).render
    invalid = 0
    for row in catalog:
        try:
            validate_gtin(row.gtin)
        except GS1Error:
            invalid += 1
    frames = max(1, args.frames)
    baskets = [random_basket(args.seed + i, n_products=args.products, catalog=catalog) for i in range(frames)]
    print(f"bench render: painting textures, then {frames} frames …", file=sys.stderr, flush=True)
    for i in range(min(frames, 10)):  # warm-up: paint the textures (cached once per process)
        render(baskets[i], args.seed + i)
    for row in catalog:  # every product's look, so the timed loop never paints
        for pose in ("lying", "standing"):
            for variant in range(3):
                product_texture(row, pose, variant)
    # Several passes over the same frames; the fastest counts, as with timeit: on a shared machine the slower
    # passes measure the neighbours, not the renderer.
    times: list[float] = []
    cpu_times: list[float] = []
    items = 0
    for _ in range(max(1, args.passes)):
        started, cpu_started = time.perf_counter(), time.process_time()
        items = 0
        for i, basket in enumerate(baskets):
            frame, truth = render(basket, args.seed + i)
            items += len(truth)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    assert frame.shape == (IMAGE_H, IMAGE_W, 3)
    best, slowest = min(times), max(times)
    return {
        "view": args.view,
        "fps_1280x720": round(frames / best, 1),
        "fps_1280x720_slowest_pass": round(frames / slowest, 1),
        # Frames per second of this process's own CPU time: what one core does when no one else wants it.
        "fps_1280x720_cpu_time": round(frames / min(cpu_times), 1),
        "ms_per_frame": round(1000 * best / frames, 1),
        "frames": frames,
        "passes": len(times),
        "items_per_frame": round(items / frames, 1),
        "threads": cv2.getNumThreads(),
        "products": len(catalog),
        "products_by_weight": sum(1 for r in catalog if r.by_weight),
        "distractors": len(distractors.DISTRACTORS),
        "basket_types": len(catalog_baskets.BASKETS),
        "invalid_gtins": invalid,
        "lookalike_pairs": len(catalog.lookalike_pairs()),
        "weight_twins_15g": len(catalog.weight_twins(15.0)),
    }
