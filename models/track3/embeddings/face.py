"""Face embeddings for Track 3: one vector per 16-frame chunk, from a face crop of the chunk's middle frame.

The crop is located with the skeleton's face keypoints (`skeleton/<video_id>.npz`, rescaled to the frame
size) and embedded by a timm image model (its pooled features, no classifier). Weights come from a local
file (.safetensors or .pth, loaded weights-only); without one the model keeps its random
initialisation (for tests and demos only). A chunk whose face is not found gets a zero vector. Any face
embedding computed elsewhere (e.g. SwinFace, as the 2nd-place solution used) can be stored with
`models.track3.embeddings.files.save_chunk_embeddings` and passed to `miga train-video interfusion --face`.
"""
import sys
from pathlib import Path

import numpy as np
import torch

from competition.core.errors import DataError
from models.track3.embeddings.extraction import embed_in_batches, extract_embeddings
from models.track3.embeddings.face_crops import crop_square, face_box
from models.track3.embeddings.frames import chunked, numbered_frames


def load_image_model(name, weights, device):
    import timm

    try:
        if weights is None:
            print(f"face embeddings: no weights file, {name} keeps its random initialisation", file=sys.stderr)
            model = timm.create_model(name, pretrained=False, num_classes=0)
        else:
            if not Path(weights).is_file():
                raise DataError(weights, "weights file not found")
            model = timm.create_model(name, pretrained=True, num_classes=0,
                                      pretrained_cfg_overlay={"file": str(weights)})
    except RuntimeError as error:
        raise DataError(name, f"cannot build timm model: {error}") from None
    config = model.pretrained_cfg
    mean = torch.tensor(config.get("mean", (0.485, 0.456, 0.406))).view(1, 3, 1, 1)
    std = torch.tensor(config.get("std", (0.229, 0.224, 0.225))).view(1, 3, 1, 1)
    return model.eval().to(device), mean.to(device), std.to(device)


def middle_face_crops(chunks, keypoint, score, video_size, size, min_score, margin):
    """One crop per chunk (or None when no face is found) from the chunk's middle frame."""
    crops = []
    for chunk in chunks:
        middle = len(chunk.frame_numbers) // 2
        frame, number = chunk.frames[middle], min(chunk.frame_numbers[middle], len(keypoint) - 1)
        scale = np.array([frame.shape[1] / video_size[1], frame.shape[0] / video_size[0]])
        box = face_box(keypoint[number] * scale, score[number], min_score, margin)
        crops.append(None if box is None else crop_square(frame, box, size))
    return crops


def embed_faces(source, out, *, model="resnet18", weights=None, size=112, min_score=0.3, margin=1.4):
    """Write the face chunk-embedding file `out` for the videos of `source` (an extraction.ChunkSource).

    Returns (chunks whose face was found, chunks embedded) in this run.
    """
    videos, clips, whole = source.select()
    network, mean, std = load_image_model(model, weights, source.device)
    size_of = {v: (int(h), int(w)) for v, h, w in zip(videos["video_id"], videos["height"], videos["width"])}
    found = [0, 0]

    @torch.no_grad()
    def embed_batch(chunks, keypoint, score, video_size):
        crops = middle_face_crops(chunks, keypoint, score, video_size, size, min_score, margin)
        present = [i for i, crop in enumerate(crops) if crop is not None]
        found[0], found[1] = found[0] + len(present), found[1] + len(crops)
        embedded = np.zeros((len(crops), network.num_features), np.float32)
        if present:
            images = torch.from_numpy(np.stack([crops[i] for i in present])).to(source.device)
            images = (images.permute(0, 3, 1, 2).float() / 255.0 - mean) / std
            embedded[present] = network(images).float().cpu().numpy()
        return embedded

    def embed_video(video_id):
        path = Path(source.data) / "skeleton" / f"{video_id}.npz"
        if not path.is_file():
            raise DataError(path, f"skeleton of video {video_id} not found; faces are located with it")
        with np.load(path, allow_pickle=False) as npz:
            keypoint, score = npz["keypoint"], npz["keypoint_score"]
        chunks = chunked(numbered_frames(video_id, clips, source.data, whole), source.chunk_frames)
        return embed_in_batches(chunks, lambda batch: embed_batch(batch, keypoint, score, size_of[video_id]),
                                source.batch_size)

    meta = {"stream": "face", "extractor": "timm", "model": model,
            "weights": None if weights is None else str(weights), "chunk_frames": source.chunk_frames,
            "size": size, "min_score": min_score}
    extract_embeddings(videos["video_id"].tolist(), embed_video, out, meta, progress=source.progress)
    return tuple(found)
