"""miga face-features: embed face crops per 16-frame chunk with a timm image model (Track 3)."""
import sys
from pathlib import Path

from competition.cli.track3_options import add_chunk_source, chunk_source


def add_arguments(parser):
    add_chunk_source(parser)
    parser.add_argument("--model", default="resnet18", help="timm model name")
    parser.add_argument("--weights", type=Path, help="local weights file of that model (default: random init)")
    parser.add_argument("--size", type=int, default=112, help="face crop size in pixels")
    parser.add_argument("--min-score", type=float, default=0.3, help="OpenPose score of a usable face keypoint")
    parser.add_argument("--margin", type=float, default=1.4, help="box side / face keypoint extent")


def run(args):
    from models.track3.embeddings.face import embed_faces

    found, embedded = embed_faces(chunk_source(args), args.out, model=args.model, weights=args.weights,
                                  size=args.size, min_score=args.min_score, margin=args.margin)
    if embedded:
        print(f"faces found in {found} of {embedded} chunks embedded in this run", file=sys.stderr)
    print(f"wrote {args.out}")
    return 0
