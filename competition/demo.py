"""Run the whole workflow on synthetic data, step by step, through the same commands a user types."""
import shlex
import sys
import time
from pathlib import Path


def steps(out, videos, seed):
    raw, prepared = out / "raw", out / "prepared"
    return [
        ("synthesize a small download", ["synth", str(raw), "--videos", str(videos), "--seed", str(seed),
                                         "--class-power", "0.5", "--jobs", "2"]),
        ("prepare it", ["prepare", str(raw), str(prepared), "--jobs", "2"]),
    ]


def add_arguments(parser):
    parser.add_argument("--out", default="demo", help="folder for everything the demo writes")
    parser.add_argument("--videos", type=int, default=16, help="synthetic videos")
    parser.add_argument("--seed", type=int, default=0)


def run(args):
    from competition.cli import main

    out = Path(args.out)
    started = time.perf_counter()
    for number, (title, argv) in enumerate(steps(out, args.videos, args.seed), start=1):
        print(f"\n== step {number}: {title}\n$ miga {shlex.join(argv)}", flush=True)
        step_start = time.perf_counter()
        status = main(argv)
        if status:
            print(f"demo: step {number} failed (exit {status})", file=sys.stderr)
            return status
        print(f"   ({time.perf_counter() - step_start:.1f} s)")
    print(f"\ndemo finished in {time.perf_counter() - started:.0f} s. Artefacts:")
    for name, path in [("synthetic download", out / "raw"), ("prepared dataset", out / "prepared"),
                       ("clip table", out / "prepared" / "clips.csv"),
                       ("video table", out / "prepared" / "videos.csv"),
                       ("pose annotations", out / "prepared" / "pose")]:
        print(f"  {name:<22}{path}")
    return 0
