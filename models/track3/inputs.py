"""Model inputs for a list of videos, read from the prepared dataset and the files a video model needs.

- `gesture-profile`: Track 1 clip probability files, several models averaged per clip: a folder's `oof.npz`
  and `test.npz` when it has them (`miga train --folds`: every labelled clip predicted by a model that did not
  see its video), else its `val.npz`, `test.npz` (and `train.npz`). A training clip's probabilities from a
  model trained on it (`train.npz`, or its one-hot label for a clip no file covers: `clip_fill="labels"`) are
  in-sample: near-perfect at fit time, unlike the test videos' at predict time. They are refused unless
  `allow_in_sample` (then with a warning).
- `skeleton-dynamics`: `skeleton/<video_id>.npz` of the prepared dataset.
- `interfusion`: a context and a face chunk-embedding file whose chunks start at the same frames; each video's
  two sequences are cut to their common length.
"""
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from competition.core.constants import OOF, SPLITS, TRACK1_CLASSES
from competition.core.errors import DataError
from competition.core.probabilities import load_probabilities
from competition.data.tables import read_clips
from models.track3.embeddings.files import load_chunk_embeddings

CLIP_FILLS = ("labels", "none")


@dataclass(frozen=True)
class InputOptions:
    """Where a video model's inputs come from (the `model inputs` options of train-video and tune-video)."""
    data: Path                                           # the prepared dataset
    clip_predictions: tuple = field(default_factory=tuple)  # gesture-profile: Track 1 prediction folders
    clip_fill: str = "labels"                            # gesture-profile: labelled clips without probabilities
    allow_in_sample: bool = False                        # gesture-profile: accept in-sample train predictions
    context: Path | None = None                          # interfusion: context chunk embeddings
    face: Path | None = None                             # interfusion: face chunk embeddings
    min_score: float = 0.2                               # skeleton-dynamics: OpenPose score of a seen keypoint

    def files(self):
        """Every input file the options name (their content decides a cross-validation's scores)."""
        files = [Path(self.data) / "videos.csv"] + [Path(p) for p in (self.context, self.face) if p]
        return files + [p for d in self.clip_predictions for p in sorted(Path(d).glob("*.npz"))]


def _clip_files(directory):
    """A Track 1 prediction folder's files: out-of-fold and test when it has oof.npz, else its split files."""
    directory = Path(directory)
    names = [OOF, "test"] if (directory / f"{OOF}.npz").is_file() else list(SPLITS)
    files = [directory / f"{name}.npz" for name in names if (directory / f"{name}.npz").is_file()]
    if not files:
        raise DataError(directory, "holds no oof.npz, train.npz, val.npz or test.npz clip probability file")
    return files


def _clip_probabilities(prediction_dirs, clips):
    """[n_clips, 32] mean probabilities of the Track 1 models (NaN rows where no file covers a clip), and per clip
    the folders whose probabilities are in-sample (a model's own training clips: train.npz)."""
    total = np.zeros((len(clips), TRACK1_CLASSES))
    count = np.zeros(len(clips))
    in_sample = [[] for _ in range(len(clips))]
    row_of = {clip_id: i for i, clip_id in enumerate(clips["clip_id"])}
    for directory in prediction_dirs:
        for path in _clip_files(directory):
            probabilities = load_probabilities(path, num_classes=TRACK1_CLASSES, track=1)
            rows = [row_of.get(str(i)) for i in probabilities.ids]
            unknown = [str(i) for i, r in zip(probabilities.ids, rows) if r is None]
            if unknown:
                raise DataError(path, f"{len(unknown)} clip id(s) are not in clips.csv, e.g. {unknown[:3]}")
            total[rows] += probabilities.probs
            count[rows] += 1
            if probabilities.split == "train":
                for row in rows:
                    in_sample[row].append(str(directory))
    with np.errstate(invalid="ignore"):
        return total / count[:, None], in_sample


def gesture_profile_inputs(options, videos):
    from models.track3.gesture_profile import gesture_profile_features

    if not options.clip_predictions:
        raise DataError("--clip-predictions", "gesture-profile needs at least one Track 1 prediction folder")
    clips = read_clips(options.data)
    probs, in_sample = _clip_probabilities(options.clip_predictions, clips)
    wanted = clips["video_id"].isin(set(videos["video_id"])).to_numpy()
    in_sample = [sources for sources, keep in zip(in_sample, wanted) if keep]
    clips, probs = clips[wanted].reset_index(drop=True), probs[wanted]
    missing = np.isnan(probs).any(axis=1)
    labels = clips["label"].to_numpy(dtype=np.int64)
    fillable = missing & (labels >= 0)
    if fillable.any() and not options.allow_in_sample:
        example = clips["clip_id"][fillable].head(3).tolist()
        raise DataError(options.clip_predictions[0], f"no clip probabilities for {int(fillable.sum())} labelled "
                                                  f"clip(s), e.g. {example}: train the Track 1 models out of fold "
                                                  "(`miga train CONFIG --folds K --out DIR`: oof.npz predicts every "
                                                  "labelled clip), or accept their one-hot labels with "
                                                  "--allow-in-sample (in-sample: an optimistic fit)")
    if options.clip_fill == "labels" and fillable.any():
        probs[fillable] = np.eye(TRACK1_CLASSES)[labels[fillable]]
        for row in np.flatnonzero(fillable):
            in_sample[row].append("their one-hot labels")
        missing &= ~fillable
    if missing.any():
        example = clips["clip_id"][missing].head(3).tolist()
        raise DataError(options.clip_predictions[0], f"no clip probabilities for {int(missing.sum())} clip(s) of the "
                                                  f"videos, e.g. {example}; predict those splits with `miga predict`")
    _check_in_sample(in_sample, options.allow_in_sample)
    return gesture_profile_features(videos["video_id"].tolist(), clips["video_id"].to_numpy(), probs,
                                    clips["frames"].to_numpy(), videos["frames"].to_numpy(),
                                    videos["fps"].to_numpy(dtype=float))


def _check_in_sample(in_sample, allowed):
    """Refuse in-sample clip probabilities unless allowed; warn when they are used."""
    clips = sum(bool(sources) for sources in in_sample)
    if not clips:
        return
    sources = sorted({source for per_clip in in_sample for source in per_clip})
    what = (f"{clips} labelled clip(s) have in-sample probabilities (from {', '.join(sources)}: predictions of a "
            "Track 1 model on its own training clips, or labels)")
    if not allowed:
        raise DataError("--clip-predictions", f"{what}; their profile is near-perfect at fit time and noisier at test "
                                              "time. Give out-of-fold files (`miga train CONFIG --folds K --out DIR` "
                                              "writes oof.npz), or --allow-in-sample to fit on them anyway")
    print(f"warning: gesture-profile: {what}; the fit sees sharper profiles than the test videos give, and the "
          "out-of-fold score is optimistic (--allow-in-sample)", file=sys.stderr)


def skeleton_dynamics_inputs(options, videos):
    from models.track3.skeleton_dynamics import skeleton_dynamics_features

    rows = []
    for video_id, fps in zip(videos["video_id"], videos["fps"].astype(float)):
        path = Path(options.data) / "skeleton" / f"{video_id}.npz"
        if not path.is_file():
            raise DataError(path, f"skeleton of video {video_id} not found")
        with np.load(path, allow_pickle=False) as npz:
            if "keypoint" not in npz.files or "keypoint_score" not in npz.files:
                raise DataError(path, f"needs arrays keypoint and keypoint_score, found {npz.files}")
            rows.append(skeleton_dynamics_features(npz["keypoint"], npz["keypoint_score"], fps, options.min_score))
    return np.asarray(rows)


def interfusion_inputs(options, videos):
    if options.context is None or options.face is None:
        raise DataError("--context/--face", "interfusion needs a context and a face chunk-embedding file")
    context, face = load_chunk_embeddings(options.context), load_chunk_embeddings(options.face)
    pairs = []
    for video_id in videos["video_id"]:
        c, c_start = context.sequence(video_id)
        f, f_start = face.sequence(video_id)
        length = min(len(c), len(f))
        if (c_start[:length] != f_start[:length]).any():
            raise DataError(options.face, f"the chunks of video {video_id} start at other frames than in "
                                       f"{options.context}; extract both streams from the same frames "
                                       "(same --chunk-frames and --videos)")
        pairs.append((c[:length], f[:length]))
    return pairs


INPUTS = {"gesture-profile": gesture_profile_inputs, "skeleton-dynamics": skeleton_dynamics_inputs,
          "interfusion": interfusion_inputs}


def model_inputs(model, options, videos):
    """Inputs of `model` for the rows of `videos` (a slice of videos.csv), in row order."""
    return INPUTS[model](options, videos)
