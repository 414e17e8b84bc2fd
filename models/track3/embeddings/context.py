"""Context embeddings for Track 3: one vector per 16-frame chunk of every video from an mmaction2 backbone.

Any mmaction2 RGB recognizer whose data preprocessor formats clips as NCTHW (Video Swin, MViT, SlowOnly,
X3D, …) works: each chunk is resized (short side) and centre-cropped to `--size`, normalised by the config's
data preprocessor, passed through the backbone, and average-pooled over time and space. The checkpoint is
loaded weights-only; `none` keeps the random initialisation (for tests and demos only).
"""
import contextlib
import sys

import numpy as np
import torch

from competition.core.errors import DataError
from models.track3.embeddings.extraction import embed_in_batches, extract_embeddings
from models.track3.embeddings.frames import chunked, numbered_frames


def resize_and_crop(frames, size):
    """[T, H, W, 3] → [T, size, size, 3]: short side to `size`, then the centre square."""
    import cv2

    height, width = frames.shape[1:3]
    scale = size / min(height, width)
    new_h, new_w = max(size, round(height * scale)), max(size, round(width * scale))
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return np.stack([cv2.resize(f, (new_w, new_h), interpolation=cv2.INTER_AREA)[top:top + size, left:left + size]
                     for f in frames])


def pooled(features):
    """Backbone output (a tensor [N, C, ...] or a tuple of them) → [N, ΣC] by averaging all other axes."""
    if isinstance(features, (tuple, list)):
        return torch.cat([pooled(f) for f in features], dim=1)
    return features.flatten(2).mean(dim=2) if features.ndim > 2 else features


def load_backbone(config, checkpoint, device):
    from mmaction.apis import init_recognizer
    from mmaction.utils import register_all_modules

    from models.openmmlab import checkpoint_loading
    from models.runner.checkpoints import named_load_errors
    from models.runner.config import load_config

    register_all_modules()
    cfg = load_config(config)
    preprocessor = cfg.model.get("data_preprocessor", {})
    if preprocessor.get("format_shape") != "NCTHW":
        raise DataError(config, f"needs an RGB 3D recognizer whose data_preprocessor has format_shape='NCTHW', "
                                f"got {preprocessor.get('format_shape')!r}")
    in_channels = cfg.model.get("backbone", {}).get("in_channels", 3)
    if in_channels != 3:
        raise DataError(config, f"the backbone takes {in_channels} input channels; chunk embeddings need an RGB "
                                "(3-channel) video backbone")
    if str(checkpoint).lower() == "none":
        print("context embeddings: no checkpoint, the backbone keeps its random initialisation", file=sys.stderr)
        checkpoint = None
    with checkpoint_loading(), (named_load_errors(checkpoint) if checkpoint else contextlib.nullcontext()):
        model = init_recognizer(cfg, checkpoint, device=device)
    model.eval()
    return model


@torch.no_grad()
def embed_chunks(model, chunks, size):
    """[len(chunks), D] backbone embeddings of RGB chunks."""
    inputs = [torch.from_numpy(resize_and_crop(c.frames, size)).permute(3, 0, 1, 2)[None] for c in chunks]
    data = model.data_preprocessor({"inputs": inputs, "data_samples": None}, training=False)
    features, _ = model.extract_feat(data["inputs"], stage="backbone")
    return pooled(features).float().cpu().numpy()


def embed_context(source, out, config, checkpoint, *, size=224):
    """Write the context chunk-embedding file `out` for the videos of `source` (an extraction.ChunkSource)."""
    videos, clips, whole = source.select()
    model = load_backbone(config, checkpoint, source.device)

    def embed_video(video_id):
        chunks = chunked(numbered_frames(video_id, clips, source.data, whole), source.chunk_frames)
        return embed_in_batches(chunks, lambda batch: embed_chunks(model, batch, size), source.batch_size)

    meta = {"stream": "context", "extractor": "mmaction2", "config": str(config),
            "checkpoint": str(checkpoint), "chunk_frames": source.chunk_frames, "size": size}
    extract_embeddings(videos["video_id"].tolist(), embed_video, out, meta, progress=source.progress)
    return out
