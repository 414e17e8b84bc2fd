"""Face embeddings for Track 3: one vector per 16-frame chunk, from a face crop of the chunk's middle frame.

The crop is located with the skeleton's face keypoints (`skeleton/<video_id>.npz`, rescaled to the frame
size) and embedded by a timm image model (its pooled features, no classifier). Weights come from a local
file (`--weights`, .safetensors or .pth, loaded weights-only); without one the model keeps its random
initialisation (for tests and demos only). A chunk whose face is not found gets a zero vector. Any face
embedding computed elsewhere (e.g. SwinFace, as the 2nd-place solution used) can be stored with
`competition.track3.embeddings.save_chunk_embeddings` and passed to `miga train-video interfusion --face`.
"""
import sys
from pathlib import Path

import numpy as np
import torch

from competition.errors import DataError
from competition.track3.extraction import (add_source_arguments, embed_in_batches, extract_embeddings,
                                          selected_videos)
from competition.track3.face_crops import crop_square, face_box
from competition.track3.frames import chunked, numbered_frames


def add_arguments(parser):
    add_source_arguments(parser)
    parser.add_argument("--model", default="resnet18", help="timm model name")
    parser.add_argument("--weights", type=Path, help="local weights file of that model (default: random init)")
    parser.add_argument("--size", type=int, default=112, help="face crop size in pixels")
    parser.add_argument("--min-score", type=float, default=0.3, help="OpenPose score of a usable face keypoint")
    parser.add_argument("--margin", type=float, default=1.4, help="box side / face keypoint extent")


def load_image_model(name, weights, device):
    import timm

    try:
        if weights is None:
            print(f"miga face-features: no --weights, {name} keeps its random initialisation", file=sys.stderr)
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


def middle_face_crops(chunks, keypoint, score, video_size, args):
    """One crop per chunk (or None when no face is found) from the chunk's middle frame."""
    crops = []
    for chunk in chunks:
        middle = len(chunk.frame_numbers) // 2
        frame, number = chunk.frames[middle], min(chunk.frame_numbers[middle], len(keypoint) - 1)
        scale = np.array([frame.shape[1] / video_size[1], frame.shape[0] / video_size[0]])
        box = face_box(keypoint[number] * scale, score[number], args.min_score, args.margin)
        crops.append(None if box is None else crop_square(frame, box, args.size))
    return crops


def run(args):
    videos, clips, whole = selected_videos(args)
    model, mean, std = load_image_model(args.model, args.weights, args.device)
    size_of = {v: (int(h), int(w)) for v, h, w in zip(videos["video_id"], videos["height"], videos["width"])}
    found = [0, 0]

    @torch.no_grad()
    def embed_batch(chunks, keypoint, score, video_size):
        crops = middle_face_crops(chunks, keypoint, score, video_size, args)
        present = [i for i, crop in enumerate(crops) if crop is not None]
        found[0], found[1] = found[0] + len(present), found[1] + len(crops)
        out = np.zeros((len(crops), model.num_features), np.float32)
        if present:
            images = torch.from_numpy(np.stack([crops[i] for i in present])).to(args.device)
            images = (images.permute(0, 3, 1, 2).float() / 255.0 - mean) / std
            out[present] = model(images).float().cpu().numpy()
        return out

    def embed_video(video_id):
        path = Path(args.data) / "skeleton" / f"{video_id}.npz"
        if not path.is_file():
            raise DataError(path, f"skeleton of video {video_id} not found; faces are located with it")
        with np.load(path, allow_pickle=False) as npz:
            keypoint, score = npz["keypoint"], npz["keypoint_score"]
        chunks = chunked(numbered_frames(video_id, clips, args.data, whole), args.chunk_frames)
        return embed_in_batches(chunks, lambda batch: embed_batch(batch, keypoint, score, size_of[video_id]),
                                args.batch_size)

    meta = {"stream": "face", "extractor": "timm", "model": args.model,
            "weights": None if args.weights is None else str(args.weights), "chunk_frames": args.chunk_frames,
            "size": args.size, "min_score": args.min_score}
    extract_embeddings(videos["video_id"].tolist(), embed_video, args.out, meta, progress=not args.quiet)
    if found[1]:
        print(f"faces found in {found[0]} of {found[1]} chunks embedded in this run", file=sys.stderr)
    print(f"wrote {args.out}")
    return 0
