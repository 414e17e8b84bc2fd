"""Options of the Track 3 commands (features, face-features, train-video, tune-video), defined once."""
from pathlib import Path

from competition.core.constants import SPLITS


def add_chunk_source(parser):
    """The videos to embed and how (models.track3.embeddings.extraction.ChunkSource), and the output file."""
    from models.track3.embeddings.frames import CHUNK_FRAMES

    parser.add_argument("--data", type=Path, required=True, help="prepared dataset (miga prepare)")
    parser.add_argument("--out", type=Path, required=True, help="chunk-embedding file to write (.npz)")
    parser.add_argument("--videos", type=Path, help="folder searched for whole interview videos <video_id>.mp4 "
                                                    "(default: read the prepared clips)")
    parser.add_argument("--split", choices=SPLITS, action="append",
                        help="only these splits (repeatable; default all videos)")
    parser.add_argument("--chunk-frames", type=int, default=CHUNK_FRAMES, help="frames per chunk")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    parser.add_argument("--batch-size", type=int, default=8, help="chunks per forward pass")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def chunk_source(args):
    from models.track3.embeddings.extraction import ChunkSource

    return ChunkSource(data=args.data, videos=args.videos, splits=tuple(args.split or ()),
                       chunk_frames=args.chunk_frames, device=args.device, batch_size=args.batch_size,
                       progress=not args.quiet)


def add_experiment(parser):
    """The video model, its cross-validation and its inputs (models.track3.inputs.InputOptions)."""
    from models.track3 import ESTIMATORS

    parser.add_argument("model", choices=sorted(ESTIMATORS), metavar="MODEL",
                        help=f"video model: {', '.join(sorted(ESTIMATORS))}")
    parser.add_argument("--data", type=Path, required=True, help="prepared dataset (miga prepare)")
    parser.add_argument("--folds", type=int, default=5, help="K of the grouped K-fold cross-validation")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fold assignment and the models")
    parser.add_argument("--device", help="torch device of the interfusion model, e.g. cuda (default cpu)")
    parser.add_argument("--params", help="estimator parameters: a JSON object or a .json file "
                                         "(e.g. the best parameters `miga tune-video` wrote)")
    group = parser.add_argument_group("model inputs")
    group.add_argument("--clip-predictions", nargs="+", type=Path, default=[], metavar="DIR",
                       help="gesture-profile: Track 1 prediction folders (predictions/<model>) holding oof.npz and "
                            "test.npz (`miga train --folds`), else val/test(/train).npz clip probability files; "
                            "several are averaged per clip")
    group.add_argument("--allow-in-sample", action="store_true",
                       help="gesture-profile: accept in-sample probabilities of training clips (train.npz of a "
                            "model trained on them, or their labels: see --clip-fill), with a warning; the fit "
                            "then sees sharper profiles than the test videos give")
    group.add_argument("--clip-fill", choices=("labels", "none"), default="labels",
                       help="gesture-profile, with --allow-in-sample: labelled clips without probabilities use "
                            "their one-hot label (labels) or are an error (none)")
    group.add_argument("--context", type=Path, help="interfusion: context chunk-embedding file (miga features)")
    group.add_argument("--face", type=Path, help="interfusion: face chunk-embedding file (miga face-features)")
    group.add_argument("--min-score", type=float, default=0.2,
                       help="skeleton-dynamics: keypoints with a lower OpenPose score count as missing")


def input_options(args):
    from models.track3.inputs import InputOptions

    return InputOptions(data=args.data, clip_predictions=tuple(args.clip_predictions), clip_fill=args.clip_fill,
                        allow_in_sample=args.allow_in_sample,
                        context=args.context, face=args.face, min_score=args.min_score)
