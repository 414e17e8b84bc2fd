"""miga modality: make Taylor-video, optical-flow or depth clip videos for the video models."""
import os
from pathlib import Path

from competition.data.modalities import MODALITIES, make_modality


def add_arguments(parser):
    parser.add_argument("modality", choices=MODALITIES, help="taylor: Taylor video; flow: DIS optical flow; "
                                                             "depth: link your own depth videos (--source)")
    parser.add_argument("prepared", help="the prepared dataset (docs/prepared-dataset.md)")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) - 1), help="parallel processes")
    parser.add_argument("--terms", type=int, default=3, help="Taylor terms summed per window")
    parser.add_argument("--bound", type=float, default=20.0, help="flow: pixels of motion mapped to full scale")
    parser.add_argument("--source", help="depth: folder of <clip_id>.mp4 depth videos")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args):
    written = make_modality(args.prepared, args.modality, jobs=args.jobs, terms=args.terms, bound=args.bound,
                            source=args.source, progress=not args.no_progress)
    print(f"{args.modality}: {written} clip videos written to {Path(args.prepared) / args.modality / 'clips'}")
    return 0
