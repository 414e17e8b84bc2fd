"""miga corpus: index the unlabeled corpus of masked video pretraining (no RGB is copied, no label read)."""
from pathlib import Path


def add_arguments(parser):
    parser.add_argument("raw", help="the raw download (its long videos are read where they lie)")
    parser.add_argument("prepared", help="the prepared dataset (its cut clips; the index is written to "
                                         "PREPARED/pretrain/corpus.csv)")
    parser.add_argument("--config", default="pretrain/videomae_vit_b",
                        help="pretraining config whose window length and stride the printed sample count uses")
    parser.add_argument("--skip-bad", action="store_true",
                        help="leave unreadable or missing videos out with a warning instead of stopping")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args):
    from competition.core.errors import DataError
    from competition.data.corpus import CORPUS_FILE, build_corpus, corpus_samples
    from models.runner.config import leaf_dataset, load_config

    dataset = leaf_dataset(load_config(args.config, data_root=args.prepared).train_dataloader)
    if dataset.get("type") != "UnlabeledVideoCorpus":
        raise DataError(args.config, "not a pretraining config: its training data is not the unlabeled corpus "
                                     "(models/configs/pretrain/)")
    entries, problems = build_corpus(args.raw, args.prepared, skip_bad=args.skip_bad,
                                     progress=not args.no_progress)
    length, stride = dataset.window_len, dataset.window_stride
    windows, clips, frames = corpus_samples(entries, length, stride, dataset.get("include_clips", True))
    videos = sum(1 for e in entries if e.source == "video")
    print(f"corpus: {videos} long videos ({frames:,} frames) -> {windows:,} windows of {length} frames every "
          f"{stride} ({args.config}); {clips:,} cut clips; {windows + clips:,} samples an epoch"
          + (f"; {len(problems)} skipped" if problems else ""))
    print(f"written {Path(args.prepared) / CORPUS_FILE}")
    return 0
