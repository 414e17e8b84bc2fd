"""miga synth: write a synthetic dataset in the exact raw layout of the competition download."""
import json
import sys
from dataclasses import asdict

from competition.cli.options import at_least
from competition.core.constants import SPLITS
from competition.data.synth import SynthConfig, synthesize


def add_arguments(parser):
    parser.add_argument("out", help="folder to write the synthetic download into")
    parser.add_argument("--videos", type=at_least(3), default=12, help="number of long videos (all splits together)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full-scale", action="store_true",
                        help="the real data's shape: 720×1280 frames, ~53 clips of up to 120 frames and ~10,500 "
                             "frames per video, the real share of videos per split; written as a stream, so "
                             "memory stays flat (about 0.5 GB a job)")
    parser.add_argument("--height", type=int, help="frame height (default 144, or 720 with --full-scale)")
    parser.add_argument("--width", type=int, help="frame width (default 256, or 1280 with --full-scale)")
    parser.add_argument("--class-power", type=float, default=1.0,
                        help="class probability ∝ real count ** power: 1 = the real long tail, 0 = uniform")
    parser.add_argument("--track3-shift", type=float, default=1.0,
                        help="how strongly a win shifts the mix of gestures (0 = no Track 3 signal)")
    parser.add_argument("--no-rgb", action="store_true", help="write skeletons and labels only, no RGB videos")
    parser.add_argument("--jobs", type=at_least(1), default=1, help="videos written in parallel")


def config_from_args(args):
    overrides = dict(videos=args.videos, seed=args.seed, class_power=args.class_power,
                     track3_shift=args.track3_shift, rgb=not args.no_rgb)
    if args.height:
        overrides["height"] = args.height
    if args.width:
        overrides["width"] = args.width
    return SynthConfig.full_scale(**overrides) if args.full_scale else SynthConfig(**overrides)


def run(args):
    try:
        config = config_from_args(args)
    except ValueError as error:
        print(f"miga synth: error: {error}", file=sys.stderr)
        return 2
    plan = synthesize(args.out, config, jobs=args.jobs)
    by_split = {s: sum(e["split"] == s for e in plan) for s in SPLITS}
    print(f"wrote {len(plan)} synthetic videos to {args.out} "
          f"({', '.join(f'{n} {s}' for s, n in by_split.items())}); settings: {json.dumps(asdict(config))}")
    return 0
