"""Write a synthetic dataset in the exact raw layout of the competition download.

The real iMiGUE data is licensed, so everything in this toolkit is tested on data made here. It is made to be
worth learning from:
- clip classes follow the real long-tailed training distribution (competition.data.labels.TRAIN_CLASS_COUNTS);
- each class moves particular keypoints in its own way (region, path, direction, frequency), varied per
  subject and jittered with noise; the non-gesture class only idles;
- the RGB frames draw the same body, so a video model can learn the same classes;
- OpenPose-style gaps: legs out of frame, random dropped points, hands lost for stretches (all (0, 0, 0));
- subjects are disjoint across splits; a Track 3 win shifts the mix of gestures.
Deterministic for a seed.
"""
import json
import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from competition.core.atomic import atomic_path, write_csv, write_text
from competition.core.constants import SPLITS, TRACK1_CLASSES
from competition.core.errors import DataError
from competition.core.ids import clip_id
from competition.data import keypoints as kp
from competition.data import layout
from competition.data.labels import TRAIN_CLASS_COUNTS, label_to_raw
from competition.data.xlsx import write_xlsx

REFERENCE_SIZE = (720, 1280)  # (height, width) the body template is drawn in; scaled to the video size
FPS = 25
WIN_RATE = 192 / 245  # Track 3 training set: 192 wins, 53 losses
CLASS_SEED = 20250712  # class motions are the same whatever the dataset seed


# Share of the videos in each split: a small default that gives every split a few videos, and the real
# download's (Track 1 skeleton folders: 241 train, 10 validation, 104 test videos) for --full-scale.
SPLIT_SHARES = {"test": 0.2, "val": 0.15}
REAL_SPLIT_SHARES = {"test": 104 / 355, "val": 10 / 355}
# How the synthetic download's long videos are encoded: x264's defaults at a fast preset (CABAC, 3 B-frames,
# a keyframe at most every 250 frames), like a typical H.264 download, so that decoding and seeking cost what
# they cost on real files.
SOURCE_ENCODING = {"crf": "20", "preset": "veryfast"}
FRAME_CHUNK = 16  # RGB frames drawn at once; the only pictures held in memory while a video is written


@dataclass(frozen=True)
class SynthConfig:
    videos: int = 12
    seed: int = 0
    height: int = 144
    width: int = 256
    clips_per_video: tuple = (8, 16)  # inclusive range
    clip_frames: tuple = (16, 40)  # inclusive range
    gap_frames: tuple = (4, 20)  # frames before each clip and after the last: low inclusive, high exclusive
    class_power: float = 1.0  # class probability ∝ real count ** power (1 = the real long tail, 0 = uniform)
    track3_shift: float = 1.0  # strength of the win/lose shift of the gesture mix
    rgb: bool = True
    split_shares: tuple = tuple(SPLIT_SHARES.items())

    def __post_init__(self):
        problems = []
        if self.videos < 3:
            problems.append(f"videos must be at least 3 (one per split), got {self.videos}")
        for name in ("height", "width"):
            value = getattr(self, name)
            if value < 16 or value % 2:
                problems.append(f"{name} must be an even number of pixels of at least 16 (H.264 4:2:0), "
                                f"got {value}")
        for name, low in (("clips_per_video", 1), ("clip_frames", 1), ("gap_frames", 1)):
            first, last = getattr(self, name)
            if first < low or last < first or (name == "gap_frames" and last == first):
                problems.append(f"{name} must be a range low..high with {low} <= low <= high, got {first}..{last}")
        for name in ("class_power", "track3_shift"):
            if not math.isfinite(getattr(self, name)):
                problems.append(f"{name} must be a finite number, got {getattr(self, name)}")
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def full_scale(cls, **overrides):
        """The real data's shape: 720×1280 video, about 53 clips of 8 to 120 frames a video, gaps of about 130
        frames between them: about 10,500 frames a video, a third of them in clips (the real download: 3.77 M
        frames in 359 videos, 18,232 clips), and the real share of videos per split."""
        values = dict(height=720, width=1280, clips_per_video=(35, 70), clip_frames=(8, 120),
                      gap_frames=(30, 234), split_shares=tuple(REAL_SPLIT_SHARES.items()))
        values.update(overrides)
        return cls(**values)


# --- the body --------------------------------------------------------------------------------------------

def _face_template(cx, cy, fw, fh):
    points = []
    for i in range(17):  # jaw, image-left to image-right over the chin
        a = math.pi - i * math.pi / 16
        points.append((cx + fw * math.cos(a), cy + fh * math.sin(a)))
    for side in (-1, 1):  # eyebrows
        for i in range(5):
            points.append((cx + side * fw * (0.8 - 0.15 * i) if side < 0 else cx + fw * (0.2 + 0.15 * i),
                           cy - 0.45 * fh - 0.05 * fh * math.sin(math.pi * i / 4)))
    for i in range(4):  # nose bridge
        points.append((cx, cy - 0.35 * fh + 0.15 * fh * i))
    for i in range(5):  # nostrils
        points.append((cx + fw * (-0.2 + 0.1 * i), cy + 0.2 * fh))
    for side in (-1, 1):  # eyes
        ex, ey = cx + side * 0.4 * fw, cy - 0.25 * fh
        for i in range(6):
            a = math.pi + i * 2 * math.pi / 6
            points.append((ex + 0.15 * fw * math.cos(a), ey + 0.05 * fh * math.sin(a)))
    mx, my = cx, cy + 0.55 * fh
    for count, rx, ry in ((12, 0.35, 0.12), (8, 0.25, 0.06)):  # outer and inner lips
        for i in range(count):
            a = math.pi + i * 2 * math.pi / count
            points.append((mx + rx * fw * math.cos(a), my + ry * fh * math.sin(a)))
    points += [(cx - 0.4 * fw, cy - 0.25 * fh), (cx + 0.4 * fw, cy - 0.25 * fh)]  # pupils
    return points


def _hand_template(wx, wy, direction, length):
    points = [(wx, wy)]
    for finger in range(5):
        angle = direction + (finger - 2) * 0.28
        for joint in range(4):
            r = length * (0.35 + 0.2 * joint) * (0.8 if finger in (0, 4) else 1.0)
            points.append((wx + r * math.cos(angle), wy + r * math.sin(angle)))
    return points


def body_template():
    """137 keypoints [137, 2] of a seated interviewee in the 1280×720 reference frame; NaN = never visible."""
    body = np.full((kp.NUM_BODY, 2), np.nan)
    for index, xy in {0: (640, 215), 1: (640, 330), 2: (530, 350), 3: (480, 500), 4: (545, 610),
                      5: (750, 350), 6: (800, 500), 7: (735, 610), 8: (640, 700), 9: (590, 700),
                      12: (690, 700), 15: (622, 195), 16: (658, 195), 17: (600, 205), 18: (680, 205)}.items():
        body[index] = xy
    face = np.array(_face_template(640, 212, 55, 70))
    left_hand = np.array(_hand_template(735, 610, math.radians(110), 70))  # the subject's left: image right
    right_hand = np.array(_hand_template(545, 610, math.radians(70), 70))
    return np.concatenate([body, face, left_hand, right_hand])


REGIONS = {
    "right_hand": (kp.RIGHT_HAND_137 + (4,), (3,)),  # (moving fully, moving halfway)
    "left_hand": (kp.LEFT_HAND_137 + (7,), (6,)),
    "both_hands": (kp.RIGHT_HAND_137 + kp.LEFT_HAND_137 + (4, 7), (3, 6)),
    "head": ((0, 15, 16, 17, 18) + kp.FACE_137, ()),
    "mouth": (tuple(kp.FACE_START + i for i in range(48, 68)), ()),
    "brows": (tuple(kp.FACE_START + i for i in range(17, 27)), ()),
    "shoulders": ((2, 5), (3, 6)),
    "torso": ((0, 1, 2, 5, 15, 16, 17, 18) + kp.FACE_137, (3, 6)),
}
# Where a reaching hand goes (reference pixels): face, chin, head top, chest, the other shoulder.
TARGETS = {"face": (640, 212), "chin": (640, 280), "head": (640, 130), "chest": (640, 430),
           "cross": (700, 380)}


@dataclass(frozen=True)
class ClassMotion:
    region: str
    path: str  # "line" oscillation, "circle", or "reach" towards a target then oscillate
    angle: float
    frequency: float  # cycles per clip
    amplitude: float  # reference pixels
    target: str = ""


def class_motions():
    """One motion per class, fixed across datasets. Class 31 (non-gesture) idles."""
    rng = np.random.default_rng(CLASS_SEED)
    regions = list(REGIONS)
    motions = []
    for label in range(TRACK1_CLASSES - 1):
        region = regions[label % len(regions)]
        hand = region.endswith("hand") or region == "both_hands"
        path = ("reach", "line", "circle")[label // len(regions) % 3] if hand else ("line", "circle")[label % 2]
        scale = {"mouth": 12, "brows": 10, "head": 30, "shoulders": 30, "torso": 45}.get(region, 45)
        motions.append(ClassMotion(
            region=region, path=path, angle=float(rng.uniform(0, math.pi)),
            frequency=float(rng.choice([1.0, 1.5, 2.0, 3.0, 4.0])), amplitude=float(scale * rng.uniform(0.8, 1.4)),
            target=str(rng.choice(list(TARGETS))) if path == "reach" else ""))
    motions.append(ClassMotion(region="torso", path="line", angle=0.0, frequency=0.5, amplitude=3.0))
    return motions


def track3_class_shift():
    """±1 per class: a win makes the + classes more frequent and the − classes rarer."""
    rng = np.random.default_rng(CLASS_SEED + 1)
    return rng.choice([-1.0, 1.0], size=TRACK1_CLASSES)


def class_probabilities(config, win):
    weights = np.asarray(TRAIN_CLASS_COUNTS, dtype=float) ** config.class_power
    if win is not None:
        weights = weights * np.exp(config.track3_shift * track3_class_shift() * (1 if win else -1) / 2)
    return weights / weights.sum()


def _displacement(motion, t, style):
    """Offset [T, 2] of a class motion over a clip's normalised time t ∈ [0, 1]."""
    freq = motion.frequency * style["frequency"]
    angle = motion.angle + style["angle"]
    amplitude = motion.amplitude * style["amplitude"]
    phase = 2 * math.pi * freq * t + style["phase"]
    envelope = np.clip(np.minimum(t, 1 - t) * 6, 0, 1)
    if motion.path == "circle":
        offset = np.stack([np.cos(phase) - 1, np.sin(phase)], axis=1) * amplitude
    else:
        offset = np.outer(np.sin(phase), [math.cos(angle), math.sin(angle)]) * amplitude
    return offset * envelope[:, None], envelope


def render_skeleton(template, motions_in_frames, rng, frames, style):
    """Per-frame true keypoints [frames, 137, 2] in reference pixels: idle sway plus each clip's motion."""
    t = np.arange(frames) / FPS
    points = np.repeat(template[None], frames, axis=0)
    sway = np.stack([3 * np.sin(2 * math.pi * 0.11 * t + style["phase"]), 2 * np.sin(2 * math.pi * 0.23 * t)], 1)
    upper = np.array([i for i in range(kp.NUM_KEYPOINTS) if i not in (8, 9, 12)])
    points[:, upper] += sway[:, None]
    for label, start, end in motions_in_frames:
        motion, clip_t = class_motions()[label], np.linspace(0, 1, end - start + 1)
        offset, envelope = _displacement(motion, clip_t, style)
        full, half = REGIONS[motion.region]
        if motion.path == "reach":
            for hand_root in [i for i in (4, 7) if i in full]:
                reach = (np.asarray(TARGETS[motion.target]) - template[hand_root]) * 0.85
                offset_reach = offset + envelope[:, None] * reach
                hand = kp.RIGHT_HAND_137 if hand_root == 4 else kp.LEFT_HAND_137
                points[start:end + 1, list(hand) + [hand_root]] += offset_reach[:, None]
                points[start:end + 1, hand_root - 1] += offset_reach * 0.5
        else:
            points[start:end + 1, list(full)] += offset[:, None]
            if half:
                points[start:end + 1, list(half)] += offset[:, None] * 0.5
    points += rng.normal(0, 1.5, points.shape)
    return points


def openpose_detections(points, rng, height, width):
    """OpenPose's view of the true points: [frames, 411] with (0, 0, 0) where a point was missed."""
    frames = len(points)
    scale = np.array([width / REFERENCE_SIZE[1], height / REFERENCE_SIZE[0]])
    xy = points * scale
    score = rng.uniform(0.45, 0.95, (frames, kp.NUM_KEYPOINTS))
    hands = list(kp.LEFT_HAND_137 + kp.RIGHT_HAND_137)
    score[:, hands] = rng.uniform(0.2, 0.9, (frames, len(hands)))
    visible = ~np.isnan(xy).any(axis=2)
    visible &= (xy[..., 0] >= 0) & (xy[..., 0] < width) & (xy[..., 1] >= 0) & (xy[..., 1] < height)
    visible &= rng.random((frames, kp.NUM_KEYPOINTS)) > 0.02
    for hand in (kp.LEFT_HAND_137, kp.RIGHT_HAND_137):  # a hand lost for a stretch now and then
        for _ in range(rng.poisson(frames / 200)):
            start = rng.integers(0, frames)
            visible[start:start + rng.integers(5, 30), list(hand)] = False
    out = np.zeros((frames, kp.NUM_KEYPOINTS, 3))
    out[..., :2] = np.where(visible[..., None], np.nan_to_num(xy), 0)
    out[..., 2] = np.where(visible, score, 0)
    return out.reshape(frames, -1)


# --- the picture -----------------------------------------------------------------------------------------

_BODY_LINES = [(1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (1, 8), (0, 1)]


def render_frames(points, look, height, width, out=None):
    """RGB frames [frames, H, W, 3] uint8 drawing the true body (not OpenPose's gappy view).

    `out`, a buffer of at least that many frames, is drawn into and reused: fresh memory costs a page fault
    per 4 KB, which at 720×1280 is slower than the drawing.
    """
    import cv2

    scale = np.array([width / REFERENCE_SIZE[1], height / REFERENCE_SIZE[0]])
    thick = max(1, round(height / 48))
    frames = np.empty((len(points), height, width, 3), np.uint8) if out is None else out[:len(points)]
    background = np.empty((height, width, 3), np.uint8)
    background[:] = look["background"]  # broadcast once; copying a whole frame is ~25× faster per frame
    face = kp.FACE_START
    for f, frame_points in enumerate(points):
        xy = np.nan_to_num(frame_points * scale, nan=-1000).astype(np.int32)
        image = frames[f]
        np.copyto(image, background)
        torso = xy[[2, 5, 12, 9]]
        cv2.fillConvexPoly(image, torso, look["shirt"])
        cv2.polylines(image, [xy[[a, b]] for a, b in _BODY_LINES], False, look["shirt"], 3 * thick)
        jaw = xy[face:face + 17]
        head_center = xy[face + 30]
        axes = (max(2, int(abs(jaw[16, 0] - jaw[0, 0]) / 2)), max(2, int(abs(jaw[8, 1] - xy[15, 1]) * 0.9)))
        cv2.ellipse(image, (int(head_center[0]), int(head_center[1])), axes, 0, 0, 360, look["skin"], -1)
        features = [xy[face + 17:face + 22], xy[face + 22:face + 27], xy[face + 36:face + 42],
                    xy[face + 42:face + 48], xy[face + 48:face + 60]]
        cv2.polylines(image, features, True, look["features"], thick)
        for hand in (kp.LEFT_HAND_137, kp.RIGHT_HAND_137):
            wrist = xy[hand[0]]
            fingers = [np.stack([wrist, *xy[hand[1 + 4 * i]:hand[1 + 4 * i] + 4]]) for i in range(5)]
            cv2.polylines(image, fingers, False, look["skin"], thick)
            cv2.circle(image, (int(wrist[0]), int(wrist[1])), 2 * thick, look["skin"], -1)
    return frames


# --- the dataset ------------------------------------------------------------------------------------------

def _subject_plan(config, rng):
    """Video ids, splits and subjects: about two videos a subject, subjects disjoint across splits."""
    counts = {split: max(1, round(config.videos * share)) for split, share in config.split_shares}
    counts["train"] = config.videos - counts["test"] - counts["val"]
    first_id = int(rng.integers(1, 50))
    plan, subject = [], 0
    for split in SPLITS:
        left = counts[split]
        while left:
            take = min(left, int(rng.integers(1, 3)))
            for _ in range(take):
                plan.append(dict(video_id=f"{first_id + len(plan):04d}", split=split, subject=f"S{subject:03d}"))
            subject, left = subject + 1, left - take
    return plan


def _subject_style(rng):
    return dict(
        amplitude=rng.uniform(0.7, 1.3), frequency=rng.uniform(0.85, 1.15), angle=rng.normal(0, 0.2),
        phase=rng.uniform(0, 2 * math.pi), scale=rng.uniform(0.85, 1.1),
        offset=np.array([rng.normal(0, 40), rng.normal(0, 15)]),
        look=dict(background=tuple(int(v) for v in rng.integers(20, 90, 3)),
                  shirt=tuple(int(v) for v in rng.integers(60, 230, 3)),
                  skin=tuple(int(v) for v in rng.integers(150, 240, 3)), features=(30, 20, 20)))


@dataclass
class SyntheticVideo:
    """One video: its clips (label, start, end), OpenPose rows [frames, 411] and the true body it draws."""

    clips: list
    rows: np.ndarray
    points: np.ndarray  # [frames, 137, 2] reference pixels
    look: dict
    height: int
    width: int

    def frames(self, chunk=FRAME_CHUNK):
        """The RGB frames in chunks [<= chunk, H, W, 3], drawn into one buffer that the next chunk reuses."""
        buffer = np.empty((min(chunk, len(self.points)), self.height, self.width, 3), np.uint8)
        for start in range(0, len(self.points), chunk):
            yield render_frames(self.points[start:start + chunk], self.look, self.height, self.width, out=buffer)


def make_video(config, entry, seed):
    """Everything about one video: clips, OpenPose rows, and the body its RGB frames draw."""
    rng = np.random.default_rng(seed)
    style_rng = np.random.default_rng([config.seed, int(entry["subject"][1:])])
    style = _subject_style(style_rng)
    template = body_template()
    center = np.array([640, 400])
    template = (template - center) * style["scale"] + center + style["offset"]
    template += style_rng.normal(0, 4, template.shape)
    win = entry.get("win")
    probabilities = class_probabilities(config, win)
    clips, cursor = [], int(rng.integers(*config.gap_frames))
    for _ in range(int(rng.integers(config.clips_per_video[0], config.clips_per_video[1] + 1))):
        length = int(rng.integers(config.clip_frames[0], config.clip_frames[1] + 1))
        label = int(rng.choice(TRACK1_CLASSES, p=probabilities))
        clips.append((label, cursor, cursor + length - 1))
        cursor += length + int(rng.integers(*config.gap_frames))
    frames = cursor
    points = render_skeleton(template, clips, rng, frames, style)
    rows = openpose_detections(points, rng, config.height, config.width)
    return SyntheticVideo(clips=clips, rows=rows, points=points, look=style["look"], height=config.height,
                          width=config.width)


def write_video_files(raw, config, entry, seed):
    """Write one video's skeleton folder (xlsx, labels, light files) and RGB video, streaming the frames."""
    from competition.data.video import VideoWriter

    video = make_video(config, entry, seed)
    clips, rows = video.clips, video.rows
    split, vid = entry["split"], entry["video_id"]
    folder = layout.skeleton_dir(raw, split, vid)
    write_xlsx(layout.openpose_xlsx(raw, split, vid), rows)
    label_rows = "".join(f"{label_to_raw(label)},{start},{end}\n" for label, start, end in clips)
    write_text(layout.clip_label_csv(raw, split, vid), label_rows)
    # The reduced skeletons (BODY_25 + 5 fingertips per hand); prepare does not read them.
    points = rows.reshape(len(rows), kp.NUM_KEYPOINTS, 3)
    tips = [hand + i for hand in (kp.LEFT_HAND_START, kp.RIGHT_HAND_START) for i in (4, 8, 12, 16, 20)]
    light = np.concatenate([points[:, :kp.NUM_BODY], points[:, tips]], 1).reshape(len(points), -1)
    for name in ("light", "light_hand"):
        with atomic_path(folder / f"{vid}_{name}.csv") as tmp:
            np.savetxt(tmp, light, fmt="%.3f", delimiter=",")
    if config.rgb:
        with VideoWriter(layout.rgb_video(raw, split, vid), FPS, config.height, config.width,
                         options=SOURCE_ENCODING) as writer:
            for chunk in video.frames():
                for frame in chunk:
                    writer.write(frame)
    return vid, len(clips), len(rows)


def synthesize(out, config=SynthConfig(), jobs=1, progress=True):
    """Write the synthetic download into `out`; returns the plan (video id, split, subject, Track 3 win)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(out, "is a file; give a folder to write the synthetic download into")
    rng = np.random.default_rng(config.seed)
    plan = _subject_plan(config, rng)
    for entry in plan:
        entry["win"] = bool(rng.random() < WIN_RATE)
    seeds = np.random.SeedSequence(config.seed).spawn(len(plan))
    seeds = [int(s.generate_state(1)[0]) for s in seeds]
    from tqdm import tqdm

    bar = tqdm(total=len(plan), desc="synth videos", unit="video", disable=not progress)
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            for _ in pool.map(write_video_files, [out] * len(plan), [config] * len(plan), plan, seeds):
                bar.update()
    else:
        for entry, seed in zip(plan, seeds):
            write_video_files(out, config, entry, seed)
            bar.update()
    bar.close()
    _write_tables(out, plan)
    return plan


def _write_tables(out, plan):
    # Track 3 labels: the ids written as plain integers (the padding is not confirmed; prepare matches either).
    for split in ("train", "val"):
        rows = [(int(e["video_id"]), int(e["win"])) for e in plan if e["split"] == split]
        write_csv(out / layout.TRACK3_LABELS[split], ["video_id", "label"], rows)
    test_videos = [e["video_id"] for e in plan if e["split"] == "test"]
    clip_ids = []
    for vid in test_videos:
        count = len(layout.clip_label_csv(out, "test", vid).read_text().splitlines())
        clip_ids += [clip_id(vid, k) for k in range(count)]
    write_csv(out / layout.SAMPLE_SUBMISSIONS[1], ["Id", "Target"], [(c, 0) for c in clip_ids])
    write_csv(out / layout.SAMPLE_SUBMISSIONS[3], ["video_id", "label"], [(int(v), 0) for v in test_videos])
    write_csv(out / layout.SUBJECTS, ["video_id", "subject"], [(e["video_id"], e["subject"]) for e in plan])
    write_text(out / "synth.json", json.dumps({"plan": plan}, indent=1))

