"""The unlabeled corpus as an mmaction2 dataset, and the two pipeline steps it needs.

`UnlabeledVideoCorpus` reads `pretrain/corpus.csv` (competition.data.corpus) and yields one sample per
window along each long video (`window_len` frames every `window_stride`) and one per cut clip. A sample is
a file name and a frame range (`start_index`, `total_frames`); no label.

- `SpanSampleFrames` takes `clip_len` frames `frame_interval` apart from a random place inside the range;
  a range too short for that span gets the largest interval that fits, a range shorter than `clip_len`
  frames repeats frames spread evenly over it.
- `VideoFileInit` opens the video with decord by its path. mmaction2's `DecordInit` first reads the whole
  file into memory, which for a long interview video means hundreds of megabytes per sample. With
  `short_side`, frames are scaled down inside the decoder (for rows whose size the index records).
"""
import os.path as osp

import numpy as np
from mmaction.registry import DATASETS, TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset

from competition.core.errors import DataError
from competition.data.corpus import CORPUS_FILE, read_corpus, window_starts


@DATASETS.register_module()
class UnlabeledVideoCorpus(BaseDataset):
    """Args:
        ann_file: the corpus index, relative to `data_root` (default `pretrain/corpus.csv`).
        data_root: the prepared dataset (its clips); raw_root: the download (its long videos).
        window_len, window_stride: frames per window and between window starts along a long video.
        include_clips: also one sample per cut clip; splits: the splits whose videos and clips are used.
    """

    def __init__(self, ann_file=CORPUS_FILE, pipeline=(), data_root="", raw_root="", window_len=96,
                 window_stride=32, include_clips=True, splits=("train", "val", "test"), test_mode=False,
                 **kwargs):
        self.raw_root = raw_root
        self.window_len, self.window_stride = int(window_len), int(window_stride)
        self.include_clips = include_clips
        self.splits = tuple(splits)
        super().__init__(ann_file=ann_file, data_root=data_root, pipeline=list(pipeline), test_mode=test_mode,
                         **kwargs)

    def load_data_list(self):
        entries = [e for e in read_corpus(self.ann_file) if e.split in self.splits]
        samples = []
        for entry in entries:
            if entry.source == "video":
                filename = osp.join(self.raw_root, entry.path)
                size = dict(height=entry.height, width=entry.width)
                samples += [dict(filename=filename, start_index=start,
                                 total_frames=min(self.window_len, entry.frames - start), **size)
                            for start in window_starts(entry.frames, self.window_len, self.window_stride)]
            elif self.include_clips:
                samples.append(dict(filename=osp.join(self.data_root, entry.path), start_index=0,
                                    total_frames=entry.frames, height=0, width=0))
        if not samples:
            raise DataError(self.ann_file, f"no video of the splits {list(self.splits)} in the corpus index")
        return samples


@TRANSFORMS.register_module()
class SpanSampleFrames(BaseTransform):
    """`clip_len` frame indices `frame_interval` apart, placed at random inside [start_index,
    start_index + total_frames) (centred with `test_mode`); see the module doc for short ranges."""

    def __init__(self, clip_len, frame_interval=1, test_mode=False):
        self.clip_len, self.frame_interval, self.test_mode = int(clip_len), int(frame_interval), test_mode

    def transform(self, results):
        frames, start = int(results["total_frames"]), int(results.get("start_index", 0))
        interval = max(1, min(self.frame_interval, (frames - 1) // max(self.clip_len - 1, 1)))
        span = (self.clip_len - 1) * interval + 1
        if span <= frames:
            room = frames - span
            offset = room // 2 if self.test_mode else int(np.random.randint(room + 1))
            indices = offset + interval * np.arange(self.clip_len)
        else:
            indices = np.linspace(0, frames - 1, self.clip_len).round().astype(np.int64)
        results.update(frame_inds=indices + start, clip_len=self.clip_len, frame_interval=interval, num_clips=1)
        return results


@TRANSFORMS.register_module()
class VideoFileInit(BaseTransform):
    """A decord reader over the file at `filename` (see the module doc); checks the sampled frames exist."""

    def __init__(self, num_threads=1, short_side=None):
        self.num_threads, self.short_side = num_threads, short_side

    def _decode_size(self, results):
        height, width = int(results.get("height") or 0), int(results.get("width") or 0)
        if not self.short_side or not height or min(height, width) <= self.short_side:
            return {}
        scale = self.short_side / min(height, width)
        return dict(height=round(height * scale), width=round(width * scale))

    def transform(self, results):
        import decord

        filename = results["filename"]
        try:
            reader = decord.VideoReader(filename, num_threads=self.num_threads, **self._decode_size(results))
        except (decord.DECORDError, RuntimeError) as error:
            raise DataError(filename, f"cannot open the video ({error})") from None
        last = int(np.max(results["frame_inds"])) if "frame_inds" in results else -1
        if last >= len(reader):
            raise DataError(filename, f"has {len(reader)} frames, but frame {last} was asked for: the corpus index "
                                      "is out of date; rewrite it with `miga corpus RAW PREPARED`")
        results.update(video_reader=reader, avg_fps=reader.get_avg_fps())
        results.setdefault("total_frames", len(reader))
        return results
