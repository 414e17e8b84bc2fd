"""A small prepared dataset for Track 3 tests, following docs/prepared-dataset.md, where a win shifts the mix
of gestures: videos.csv (with a `subject` column), clips.csv, skeleton/<video_id>.npz, Track 1 clip
probability files and context/face chunk-embedding files.

Each gesture class moves one body part (head, left hand, right hand or torso) at its own frequency, so the
gesture mix reaches the skeleton; chunk embeddings are a class prototype plus noise.
"""
import csv
from pathlib import Path

import numpy as np

from competition.core.constants import TRACK1_CLASSES
from competition.core.probabilities import save_probabilities
from competition.data.keypoints import FACE_137, HEAD_137, LEFT_HAND_137, NUM_KEYPOINTS, RIGHT_HAND_137, TORSO_137
from models.track3.embeddings.files import save_chunk_embeddings

CHUNK = 16
FPS = 25
MOVING_PARTS = (HEAD_137 + FACE_137, LEFT_HAND_137, RIGHT_HAND_137, TORSO_137)


def _template(rng):
    points = np.zeros((NUM_KEYPOINTS, 2))
    points[:] = (320, 260)
    points[[1, 2, 5, 8]] = [(320, 200), (270, 200), (370, 200), (320, 350)]
    points[list(HEAD_137)] = (320, 140) + rng.normal(0, 12, (len(HEAD_137), 2))
    points[list(FACE_137)] = (320, 140) + rng.normal(0, 15, (len(FACE_137), 2))
    points[list(LEFT_HAND_137)] = (380, 330) + rng.normal(0, 10, (len(LEFT_HAND_137), 2))
    points[list(RIGHT_HAND_137)] = (260, 330) + rng.normal(0, 10, (len(RIGHT_HAND_137), 2))
    return points


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def make_track3_dataset(root, subjects=24, videos_per_subject=3, shift=1.2, seed=0, train_clip_probs=True,
                        subject_column=True, clip_files="oof"):
    """Write the dataset under `root`; returns a dict of the paths and the per-video labels.

    `clip_files`: the Track 1 clip probabilities as out-of-fold training writes them (`oof`: oof.npz over the
    labelled clips, 3 folds by subject, and test.npz) or as `miga predict` does (`splits`: train.npz, unless
    not `train_clip_probs`, val.npz and test.npz).
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    (root / "skeleton").mkdir(parents=True, exist_ok=True)
    # winners make more hand gestures and fewer head and torso ones (see MOVING_PARTS)
    sign = np.where(np.isin(np.arange(TRACK1_CLASSES) % 4, (1, 2)), 1.0, -1.0)
    context_proto, face_proto = rng.normal(0, 1, (TRACK1_CLASSES + 1, 24)), rng.normal(0, 1, (TRACK1_CLASSES + 1, 12))
    template = _template(rng)
    videos, clips, context, face = [], [], {}, {}
    probs = {"train": ([], [], []), "val": ([], [], []), "test": ([], [], [])}
    for subject in range(subjects):
        split = "test" if subject % 5 == 4 else "val" if subject % 10 == 3 else "train"
        for _ in range(videos_per_subject):
            video_id = f"{len(videos):04d}"
            win = int(rng.random() < 0.7)
            mix = np.exp(shift * sign * (1 if win else -1))
            mix /= mix.sum()
            timeline, frame, rows = [], 0, []
            for k in range(int(rng.integers(8, 14))):
                frame += int(rng.integers(2, 10))
                length = int(rng.integers(16, 40))
                label = int(rng.choice(TRACK1_CLASSES, p=mix))
                rows.append((f"{video_id}_{k}", label, frame, frame + length - 1))
                timeline.append((label, frame, frame + length - 1))
                frame += length
            total = frame + 5
            keypoint = np.repeat(template[None], total, axis=0) + rng.normal(0, 1.0, (total, NUM_KEYPOINTS, 2))
            active = np.full(total, TRACK1_CLASSES)
            for label, start, end in timeline:
                t = np.arange(end - start + 1) / FPS
                wave = 25 * np.sin(2 * np.pi * (1 + label // 4 % 3) * t)
                keypoint[start:end + 1, list(MOVING_PARTS[label % 4]), label % 2] += wave[:, None]
                active[start:end + 1] = label
            score = np.where(rng.random((total, NUM_KEYPOINTS)) < 0.05, 0.0, 0.9).astype(np.float32)
            keypoint[score == 0] = 0
            np.savez(root / "skeleton" / f"{video_id}.npz", keypoint=keypoint.astype(np.float32),
                     keypoint_score=score)
            label3 = -1 if split == "test" else win
            videos.append((video_id, split, label3, len(rows), total, 480, 640, FPS, f"S{subject:03d}"))
            for clip_id, label, start, end in rows:
                clip_label = -1 if split == "test" else label
                clips.append((clip_id, video_id, split, clip_label, -1 if split == "test" else label + 1, start, end,
                              end - start + 1))
                logits = rng.normal(0, 1, TRACK1_CLASSES)
                logits[label] += 2.5
                p = np.exp(logits - logits.max())
                probs[split][0].append(clip_id)
                probs[split][1].append(p / p.sum())
                probs[split][2].append(clip_label)
            starts = np.arange(0, total - CHUNK + 1, CHUNK)
            middle = active[starts + CHUNK // 2]
            context[video_id] = (context_proto[middle] + rng.normal(0, 1.0, (len(starts), 24)), starts)
            face[video_id] = (face_proto[middle] * 0.5 + rng.normal(0, 1.0, (len(starts), 12)), starts)
    header = ["video_id", "split", "label", "clips", "frames", "height", "width", "fps"]
    if subject_column:
        header.append("subject")
    _write_csv(root / "videos.csv", header, [row[:len(header)] for row in videos])
    _write_csv(root / "clips.csv", ["clip_id", "video_id", "split", "label", "raw_class", "start", "end", "frames"],
               clips)
    predictions = root / "predictions" / "track1"
    for split, (ids, p, labels) in probs.items():
        if split == "train" and not train_clip_probs or clip_files == "oof" and split != "test":
            continue
        save_probabilities(predictions / f"{split}.npz", ids, np.asarray(p, np.float32), np.asarray(labels),
                           model="track1", track=1, split=split)
    if clip_files == "oof":
        ids, p, labels = (list(probs["train"][i]) + list(probs["val"][i]) for i in range(3))
        subject_of = {row[0]: int(row[8][1:]) for row in videos}
        fold = np.array([subject_of[clip.rsplit("_", 1)[0]] % 3 for clip in ids], dtype=np.int64)
        save_probabilities(predictions / "oof.npz", ids, np.asarray(p, np.float32), np.asarray(labels),
                           model="track1", track=1, split="oof", fold=fold)
    save_chunk_embeddings(root / "context.npz", context, {"stream": "context"})
    save_chunk_embeddings(root / "face.npz", face, {"stream": "face"})
    return {"root": root, "clip_predictions": predictions, "context": root / "context.npz",
            "face": root / "face.npz", "videos": videos}
