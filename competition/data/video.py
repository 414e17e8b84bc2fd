"""Reading and writing RGB videos (PyAV), and cutting clips out of a long video at the decoder's speed.

Cutting decodes only what the clips need: one pass over the container's packets (no decoding) gives every
frame's timestamp and the keyframes; each run of nearby clips is decoded from the keyframe at or before its
first frame up to its last frame, the decoder dropping the non-reference frames outside the clips; frames
are scaled in C by FFmpeg's swscale (PyAV's reformatter) and encoded straight from the decoder's YUV planes.
The slow reference, decoding every frame from the start, is
`read_frames`; tests check that the fast path gives the same frames.
"""
import contextlib
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from competition.core.atomic import atomic_path
from competition.core.errors import DataError

# How clips are encoded for training (docs/prepared-dataset.md). H.264 in yuv420p, which every decoder
# reads (decord, PyAV, OpenCV); CRF 18, visually lossless at this size (a decoded clip stays within a mean
# of 3 grey levels of the scaled source, PSNR over 35 dB: tests/test_video_cut.py); no B-frames, so that decoders that
# seek (decord) land on the exact frame; x264's default keyframe interval (250) puts one keyframe at the
# start of every clip (clips are at most a few hundred frames).
CLIP_ENCODING = dict(codec="libx264", pix_fmt="yuv420p",
                     options={"crf": "18", "preset": "superfast", "bf": "0"})
# swscale's area averaging: the right filter for shrinking (no aliasing), and among its fastest.
SCALING = "AREA"
# Decoding on from where a run ends beats a seek unless the seek skips at least this many frames (a seek
# restarts the decoder, whose frame threads then refill their pipeline).
MIN_FRAMES_SKIPPED_BY_SEEK = 16


@dataclass(frozen=True)
class VideoInfo:
    frames: int
    fps: float
    height: int
    width: int


def _av_error_types():
    import av

    return (av.error.FFmpegError, OSError)


def _open(path):
    import av

    try:
        return av.open(str(path))
    except _av_error_types() as error:
        raise DataError(path, f"cannot open the video ({error})") from error


def _video_stream(container, path):
    if not container.streams.video:
        raise DataError(path, "the file has no video stream")
    return container.streams.video[0]


def video_info(path, count_frames=True):
    """Frame count, fps and size from the container header (frames counted by decoding if absent, or left 0
    without `count_frames`)."""
    with _open(path) as container:
        stream = _video_stream(container, path)
        try:
            frames = stream.frames or (sum(1 for _ in container.decode(stream)) if count_frames else 0)
        except _av_error_types() as error:
            raise DataError(path, f"cannot decode the video ({error})") from error
        return VideoInfo(frames=frames, fps=_fps(stream), height=stream.codec_context.height,
                         width=stream.codec_context.width)


def _fps(stream):
    return float(stream.average_rate or stream.guessed_rate or 30)


def scaled_size(height, width, short_side):
    """(height, width) with the short side brought down to `short_side` (never up), both even for H.264."""
    if short_side and min(height, width) > short_side:
        scale = short_side / min(height, width)
        height, width = round(height * scale), round(width * scale)
    return height - height % 2, width - width % 2


class VideoWriter:
    """H.264 writer of frames; the file appears atomically when closed without error.

    `write` takes RGB uint8 arrays [H, W, 3] (scaled by OpenCV if their size differs) or PyAV frames of the
    writer's size. `options` are libx264's (default: ultrafast at CRF 20); `threads` 0 lets x264 choose.
    """

    def __init__(self, path, fps, height, width, options=None, threads=0):
        import av

        self._atomic = atomic_path(path)
        self._tmp = self._atomic.__enter__()
        try:
            self._container = av.open(str(self._tmp), mode="w", format="mp4")
            rate = Fraction(fps).limit_denominator(1001)
            self._stream = self._container.add_stream("libx264", rate=rate)
            self._stream.height, self._stream.width = height, width
            self._stream.pix_fmt = "yuv420p"
            self._stream.thread_count = threads
            self._stream.options = dict(options or {"crf": "20", "preset": "ultrafast"})
        except BaseException as error:
            self._atomic.__exit__(type(error), error, error.__traceback__)
            raise
        self._time_base = 1 / rate
        self._count = 0
        self.size = (height, width)

    def write(self, frame):
        import av

        if isinstance(frame, np.ndarray):
            if frame.shape[:2] != self.size:
                import cv2

                frame = cv2.resize(frame, self.size[::-1], interpolation=cv2.INTER_AREA)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        # The encoder copies the frame's fields when it takes it, so one decoded frame can go to several clips.
        frame.pts, frame.time_base = self._count, self._time_base
        self._count += 1
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self, error=None):
        try:
            if error is None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
        except BaseException as failure:
            error = failure
            raise
        finally:
            self._container.close()
            if error is None:
                self._atomic.__exit__(None, None, None)
            else:
                with contextlib.suppress(Exception):
                    self._atomic.__exit__(type(error), error, error.__traceback__)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(exc)
        return False


def write_video(path, frames, fps, options=None):
    """Write RGB uint8 frames [H, W, 3] (any iterable: a generator keeps only one frame in memory)."""
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    with VideoWriter(path, fps, height, width, options=options) as writer:
        writer.write(first)
        for frame in frames:
            writer.write(frame)


def read_frames(path):
    """All frames of a video as RGB uint8 arrays, decoded from the start (tests, small clips, the reference
    the fast cutter is checked against)."""
    with _open(path) as container:
        try:
            return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
        except _av_error_types() as error:
            raise DataError(path, f"cannot decode the video ({error})") from error


# --- the frame index and clip cutting --------------------------------------------------------------------

@dataclass(frozen=True)
class FrameIndex:
    """Every frame of a video in display order: its timestamp, and which frames are keyframes."""

    pts: np.ndarray  # int64 [frames], increasing
    keyframes: np.ndarray  # int64, frame numbers of the keyframes, increasing
    fps: float
    height: int
    width: int

    @property
    def frames(self):
        return len(self.pts)

    def number(self, pts):
        """Frame number of a decoded frame's timestamp, or None if no frame has it."""
        at = int(np.searchsorted(self.pts, pts))
        return at if at < len(self.pts) and self.pts[at] == pts else None

    def keyframe_before(self, frame):
        """The last keyframe at or before `frame` (frame 0 when there is none: decoding starts there)."""
        at = int(np.searchsorted(self.keyframes, frame, side="right")) - 1
        return int(self.keyframes[at]) if at >= 0 else 0


def frame_index(path):
    """Read the packets' timestamps and keyframe flags, without decoding (about 1% of a decode's time)."""
    with _open(path) as container:
        stream = _video_stream(container, path)
        stamps, keys = [], []
        try:
            for packet in container.demux(stream):
                if packet.pts is None or packet.is_discard:  # flush packets; frames an edit list drops
                    continue
                stamps.append(packet.pts)
                keys.append(packet.is_keyframe)
        except _av_error_types() as error:
            raise DataError(path, f"cannot read the video's packets ({error})") from error
        if not stamps:
            raise DataError(path, "the video has no frames")
        order = np.argsort(np.asarray(stamps, dtype=np.int64), kind="stable")
        pts = np.asarray(stamps, dtype=np.int64)[order]
        if (np.diff(pts) <= 0).any():
            raise DataError(path, "two frames of the video have the same timestamp")
        keyframes = np.flatnonzero(np.asarray(keys)[order])
        return FrameIndex(pts=pts, keyframes=keyframes, fps=_fps(stream), height=stream.codec_context.height,
                          width=stream.codec_context.width)


@dataclass
class Run:
    """Clips decoded in one stretch: from `seek_to` (a keyframe) to the last frame of the last clip."""

    seek_to: int
    end: int
    clips: list  # indices into the segments, by start frame


def plan_runs(segments, index, min_skip=MIN_FRAMES_SKIPPED_BY_SEEK):
    """Group clips (start, end) into runs: a clip starts a new run when seeking to its keyframe skips at least
    `min_skip` frames that decoding on from the previous run would have to decode."""
    runs = []
    for i in sorted(range(len(segments)), key=lambda i: segments[i]):
        start, end = segments[i]
        keyframe = index.keyframe_before(start)
        if runs and keyframe - (runs[-1].end + 1) < min_skip:
            runs[-1].clips.append(i)
            runs[-1].end = max(runs[-1].end, end)
        else:
            runs.append(Run(seek_to=keyframe, end=end, clips=[i]))
    return runs


def frames_to_decode(runs):
    """How many frames cutting these runs decodes (each from its keyframe to its end)."""
    return sum(run.end - run.seek_to + 1 for run in runs)


def clip_frames(segments, frames):
    """Boolean mask [frames] of the frames inside any segment."""
    mask = np.zeros(frames, bool)
    for start, end in segments:
        mask[start:end + 1] = True
    return mask


def decode_run(container, stream, index, run, in_clip):
    """Yield (frame number, frame) from the run's keyframe to its last frame, in display order.

    Outside the clips (`in_clip`), the decoder drops frames that no other frame refers to (FFmpeg's
    skip_frame=NONREF, set per packet, which its frame threads take with the packet): they are neither
    wanted nor needed, and in a stream with B-frames they are about half of the frames before a clip.
    """
    container.seek(int(index.pts[run.seek_to]), stream=stream, backward=True, any_frame=False)
    context, skipping = stream.codec_context, None
    try:
        for packet in container.demux(stream):
            number = index.number(packet.pts) if packet.pts is not None else None
            skip = number is not None and not in_clip[number]
            if skip is not skipping:
                context.skip_frame = "NONREF" if skip else "DEFAULT"
                skipping = skip
            for frame in packet.decode():
                number = index.number(frame.pts)
                if number is None or number < run.seek_to:
                    continue  # before the run (a seek may land early), or leading pictures of an open GOP
                yield number, frame
                if number >= run.end:
                    return
    finally:
        context.skip_frame = "DEFAULT"


def cut_clips(path, segments, outputs, short_side=None, threads=0, index=None, encoding=CLIP_ENCODING):
    """Write frames start..end (inclusive, 0-based) of the long video to each output.

    Segments may overlap and come in any order. Each run of nearby segments (plan_runs) is decoded once,
    from the keyframe before it (decode_run); `threads` (0 = FFmpeg's choice) go to the decoder, the scaler
    and the encoder. A frame is identified by its timestamp, so the result does not depend on where a seek
    lands, and a clip frame the decoder does not deliver is an error, never a shifted clip. Raises DataError
    naming the video if it ends before a segment does or cannot be decoded; finished outputs stay (they are
    complete), unfinished ones are removed.
    """
    index = index or frame_index(path)
    last_end = max((end for _, end in segments), default=-1)
    if last_end >= index.frames:
        raise DataError(path, f"the video has {index.frames} frames but a clip ends at frame {last_end}")
    if any(start < 0 or end < start for start, end in segments):
        raise ValueError(f"segments must satisfy 0 <= start <= end, got {segments}")
    height, width = scaled_size(index.height, index.width, short_side)
    in_clip = clip_frames(segments, index.frames)
    with _open(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        stream.thread_count = threads
        cutter = _Cutter(path, index, segments, outputs, (height, width), threads, encoding)
        for run in plan_runs(segments, index):
            cutter.cut(container, stream, run, in_clip)


class _Cutter:
    """Decodes runs of clips and hands each frame, scaled once, to the clips open at that frame."""

    def __init__(self, path, index, segments, outputs, size, threads, encoding):
        from av.video.reformatter import VideoReformatter

        self.path, self.index, self.segments, self.outputs = path, index, segments, outputs
        self.size, self.threads, self.encoding = size, threads, encoding
        self.reformatter = VideoReformatter()

    def cut(self, container, stream, run, in_clip):
        writers, upcoming = {}, {}  # open clip -> its writer, and the frame it needs next
        pending = sorted(run.clips, key=lambda i: self.segments[i][0])
        number = run.seek_to
        try:
            try:
                for number, frame in decode_run(container, stream, self.index, run, in_clip):
                    missing = [upcoming[i] for i in writers if upcoming[i] != number]
                    missing += [self.segments[i][0] for i in pending if self.segments[i][0] < number]
                    if missing:
                        raise DataError(self.path, f"frame {min(missing)} could not be decoded "
                                                   f"(the decoder went on at frame {number})")
                    while pending and self.segments[pending[0]][0] == number:
                        i = pending.pop(0)
                        writers[i] = self._writer(i)
                    if writers:
                        picture = self._scale(frame)
                        for i in list(writers):
                            writers[i].write(picture)
                            upcoming[i] = number + 1
                            if self.segments[i][1] == number:
                                writers.pop(i).close()
            except _av_error_types() as error:
                raise DataError(self.path, f"cannot decode the video near frame {number} ({error})") from error
            if writers or pending:
                raise DataError(self.path, f"the video's frames end at frame {number} although it has "
                                           f"{self.index.frames} (frames missing or undecodable)")
        except BaseException as error:
            for writer in writers.values():
                writer.close(error)
            raise

    def _writer(self, i):
        height, width = self.size
        return VideoWriter(self.outputs[i], self.index.fps, height, width, options=self.encoding["options"],
                           threads=self.threads)

    def _scale(self, frame):
        height, width = self.size
        return self.reformatter.reformat(frame, width, height, self.encoding["pix_fmt"], interpolation=SCALING,
                                         threads=self.threads)
