"""The dataloader of the pretraining configs: the unlabeled corpus through VideoMAE's augmentation.

VideoMAE pretrains on `clip_len` frames every `frame_interval` from videos whose short side was brought to
320 px, cropped by `GroupMultiScaleCrop` (a square of the short side times one of (1, .875, .75, .66), at
one of 13 fixed places, sides drawn independently within one scale step) and resized to `crop`; no flip.
Here frames come to a short side of `resize` first (the prepared clips' 256 by default, so long-video
windows and cut clips look alike), then mmaction2's `MultiScaleCrop` with the same scales and 13 fixed
places, then `crop`×`crop`. Long videos are scaled inside the decoder (`VideoFileInit(short_side=...)`).
"""
from competition.data.corpus import CORPUS_FILE

VIDEOMAE_SCALES = (1, 0.875, 0.75, 0.66)


def corpus_pipeline(clip_len=16, frame_interval=4, resize=256, crop=224, scales=VIDEOMAE_SCALES):
    return [dict(type="SpanSampleFrames", clip_len=clip_len, frame_interval=frame_interval),
            dict(type="VideoFileInit", short_side=resize), dict(type="DecordDecode"),
            dict(type="Resize", scale=(-1, resize)),
            dict(type="MultiScaleCrop", input_size=crop, scales=tuple(scales), random_crop=False,
                 max_wh_scale_gap=1, num_fixed_crops=13),
            dict(type="Resize", scale=(crop, crop), keep_ratio=False),
            dict(type="FormatShape", input_format="NCTHW"), dict(type="PackActionInputs")]


def corpus_dataloader(data_root, raw_root, *, clip_len=16, frame_interval=4, window_len=96, window_stride=32,
                      resize=256, crop=224, batch_size=32, workers=8, include_clips=True,
                      splits=("train", "val", "test")):
    """The training dataloader over `UnlabeledVideoCorpus` (see models.pretrain.corpus for the windows)."""
    if window_len < (clip_len - 1) * frame_interval + 1:
        raise ValueError(f"a window of {window_len} frames cannot hold {clip_len} frames every {frame_interval}")
    dataset = dict(type="UnlabeledVideoCorpus", data_root=data_root, raw_root=raw_root,
                   ann_file=CORPUS_FILE, window_len=window_len, window_stride=window_stride,
                   include_clips=include_clips, splits=tuple(splits),
                   pipeline=corpus_pipeline(clip_len, frame_interval, resize, crop))
    return dict(batch_size=batch_size, num_workers=workers, persistent_workers=workers > 0, drop_last=True,
                sampler=dict(type="DefaultSampler", shuffle=True), dataset=dataset)
