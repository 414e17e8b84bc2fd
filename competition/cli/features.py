"""miga features: extract per-16-frame-chunk video embeddings with any mmaction2 backbone (Track 3).

Any mmaction2 RGB recognizer whose data preprocessor formats clips as NCTHW (Video Swin, MViT, SlowOnly,
X3D, …) works; the checkpoint is loaded weights-only; `none` keeps the random initialisation (for tests and
demos only).
"""
from competition.cli.track3_options import add_chunk_source, chunk_source


def add_arguments(parser):
    parser.add_argument("config", help="mmaction2 config: a path, or a name under models/configs "
                                       "(e.g. swin_t_rgb, tiny/swin_t_rgb)")
    parser.add_argument("checkpoint", help="checkpoint file of that config, or `none` for random weights")
    add_chunk_source(parser)
    parser.add_argument("--size", type=int, default=224, help="square input size of the backbone")


def run(args):
    from models.track3.embeddings.context import embed_context

    embed_context(chunk_source(args), args.out, args.config, args.checkpoint, size=args.size)
    print(f"wrote {args.out}")
    return 0
