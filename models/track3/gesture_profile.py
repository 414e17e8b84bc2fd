"""Gesture profile of a video: what the Track 1 models see it do, summarised in one feature row.

Per video: the mean clip probability per class, the histogram of predicted classes (fractions), the number
of clips and clips per minute, clip duration statistics in seconds, and the share of the video covered by
clips. Winners and losers differ in the mix of micro-gestures they make; these features carry that mix.
"""
import numpy as np


def feature_names(num_classes):
    return ([f"mean_prob_{c}" for c in range(num_classes)] + [f"predicted_share_{c}" for c in range(num_classes)]
            + ["log_clips", "clips_per_minute", "duration_mean_s", "duration_std_s", "duration_median_s",
               "duration_max_s", "clip_coverage"])


def gesture_profile_features(video_ids, clip_video_ids, clip_probs, clip_frames, video_frames, video_fps):
    """Feature matrix [len(video_ids), 2*C + 7].

    `clip_video_ids` [n_clips] says which video each row of `clip_probs` [n_clips, C] and `clip_frames`
    [n_clips] belongs to; `video_frames` and `video_fps` are aligned with `video_ids`. A video without clips
    gets zero shares and NaN duration statistics (imputed by the classifier).
    """
    clip_probs = np.asarray(clip_probs, dtype=np.float64)
    num_classes = clip_probs.shape[1]
    clip_video_ids = np.asarray(clip_video_ids).astype(str)
    clip_frames = np.asarray(clip_frames, dtype=np.float64)
    order = np.argsort(clip_video_ids, kind="stable")
    sorted_ids = clip_video_ids[order]
    rows = []
    for video_id, frames, fps in zip(video_ids, video_frames, video_fps):
        lo, hi = np.searchsorted(sorted_ids, str(video_id), "left"), np.searchsorted(sorted_ids, str(video_id), "right")
        members = order[lo:hi]
        probs = clip_probs[members]
        fps = float(fps) if fps and fps > 0 else 25.0
        minutes = max(float(frames), 1.0) / fps / 60.0
        durations = clip_frames[members] / fps
        if len(members):
            mean_prob = probs.mean(axis=0)
            predicted_share = np.bincount(probs.argmax(axis=1), minlength=num_classes) / len(members)
            duration_stats = [durations.mean(), durations.std(), np.median(durations), durations.max()]
        else:
            mean_prob = predicted_share = np.zeros(num_classes)
            duration_stats = [np.nan] * 4
        coverage = clip_frames[members].sum() / max(float(frames), 1.0)
        rows.append(np.concatenate([mean_prob, predicted_share,
                                    [np.log1p(len(members)), len(members) / minutes], duration_stats, [coverage]]))
    return np.asarray(rows, dtype=np.float64).reshape(len(video_ids), 2 * num_classes + 7)
