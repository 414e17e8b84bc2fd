"""Skeleton spreadsheet reading: the toolkit's reader against pandas.read_excel(engine="openpyxl").

Both read the same generated `<vid>_openpose.xlsx` files (OpenPose-like values, 411 columns). The toolkit's
reader runs on one core and, as `miga prepare --jobs N` does, on N videos at once. Prints frames/s, the
ratios, and the projected time for the real data's 3.77 M frames.

    python benchmarks/xlsx_reader.py [--frames 3000] [--files 4] [--jobs 2]
"""
import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from competition.data.synth import SynthConfig, body_template, openpose_detections, render_skeleton
from competition.data.xlsx import read_openpose_xlsx, write_xlsx

REAL_FRAMES = 3_770_000


def make_file(path, frames, seed):
    rng = np.random.default_rng(seed)
    clips = [(int(rng.integers(0, 31)), s, s + 40) for s in range(20, frames - 60, 120)]
    style = dict(amplitude=1.0, frequency=1.0, angle=0.0, phase=0.0)
    points = render_skeleton(body_template(), clips, rng, frames, style)
    config = SynthConfig.full_scale()
    write_xlsx(path, openpose_detections(points, rng, config.height, config.width))


def read_with_openpyxl(path):
    import pandas as pd

    return pd.read_excel(path, header=None, engine="openpyxl").to_numpy(dtype=np.float32)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=3000, help="frames (rows) per file")
    parser.add_argument("--files", type=int, default=4, help="files (videos) read by the parallel reader")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{i:04d}_openpose.xlsx" for i in range(args.files)]
        for i, path in enumerate(paths):
            make_file(path, args.frames, seed=i)
        size_mb = paths[0].stat().st_size / 1e6
        print(f"file: {args.frames} frames × 411 columns, {size_mb:.1f} MB; {args.files} files; {args.jobs} jobs")

        openpyxl_seconds, reference = timed(read_with_openpyxl, paths[0])
        ours_seconds, ours = timed(read_openpose_xlsx, paths[0])
        np.testing.assert_allclose(ours, reference, atol=1e-3)  # same numbers
        start = time.perf_counter()
        with ProcessPoolExecutor(args.jobs) as pool:
            total = sum(len(table) for table in pool.map(read_openpose_xlsx, paths))
        parallel_seconds = time.perf_counter() - start

    rates = {
        "pandas.read_excel(openpyxl), 1 core": args.frames / openpyxl_seconds,
        "miga reader (calamine), 1 core": args.frames / ours_seconds,
        f"miga reader, {args.jobs} videos at once": total / parallel_seconds,
    }
    base = rates["pandas.read_excel(openpyxl), 1 core"]
    print(f"{'reader':<42}{'frames/s':>10}{'ratio':>8}{'3.77 M frames':>16}")
    for name, rate in rates.items():
        hours = REAL_FRAMES / rate / 3600
        print(f"{name:<42}{rate:>10,.0f}{rate / base:>7.1f}×{hours:>13.2f} h")


if __name__ == "__main__":
    main()
