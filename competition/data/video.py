"""Reading and writing RGB videos (PyAV), and cutting clips out of a long video in one decoding pass."""
import contextlib
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from competition.core.atomic import atomic_path
from competition.core.errors import DataError


@dataclass(frozen=True)
class VideoInfo:
    frames: int
    fps: float
    height: int
    width: int


def _open(path):
    import av

    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError) as error:
        raise DataError(path, f"cannot open the video ({error})") from error


def video_info(path):
    """Frame count, fps and size from the container header (frames counted by decoding if absent)."""
    with _open(path) as container:
        if not container.streams.video:
            raise DataError(path, "the file has no video stream")
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for _ in container.decode(stream))
        fps = float(stream.average_rate or stream.guessed_rate or 30)
        return VideoInfo(frames=frames, fps=fps, height=stream.codec_context.height,
                         width=stream.codec_context.width)


def scaled_size(height, width, short_side):
    """(height, width) with the short side brought down to `short_side` (never up), both even for H.264."""
    if short_side and min(height, width) > short_side:
        scale = short_side / min(height, width)
        height, width = round(height * scale), round(width * scale)
    return height - height % 2, width - width % 2


class VideoWriter:
    """H.264 writer of RGB uint8 frames [H, W, 3]; the file appears atomically when closed without error."""

    def __init__(self, path, fps, height, width, crf=20):
        import av

        self._atomic = atomic_path(path)
        self._tmp = self._atomic.__enter__()
        self._container = av.open(str(self._tmp), mode="w", format="mp4")
        self._stream = self._container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        self._stream.height, self._stream.width = height, width
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": "ultrafast"}
        self.size = (height, width)

    def write(self, frame):
        import av

        if frame.shape[:2] != self.size:
            import cv2

            frame = cv2.resize(frame, self.size[::-1], interpolation=cv2.INTER_AREA)
        for packet in self._stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")):
            self._container.mux(packet)

    def close(self, error=None):
        try:
            if error is None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
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


def write_video(path, frames, fps):
    frames = list(frames)
    height, width = frames[0].shape[:2]
    with VideoWriter(path, fps, height, width) as writer:
        for frame in frames:
            writer.write(frame)


def read_frames(path):
    """All frames of a video as RGB uint8 arrays (for tests and small clips)."""
    with _open(path) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def cut_clips(path, segments, outputs, short_side=None):
    """Write frames start..end (inclusive, 0-based) of the long video to each output, in one decoding pass.

    Segments may overlap. Raises DataError if the video ends before a segment does; finished outputs stay
    (they are complete), unfinished ones are removed.
    """
    info = video_info(path)
    height, width = scaled_size(info.height, info.width, short_side)
    order = sorted(range(len(segments)), key=lambda i: segments[i][0])
    open_writers = {}
    next_segment = 0
    last_end = max((end for _, end in segments), default=-1)
    index = -1
    try:
        with _open(path) as container:
            for index, frame in enumerate(container.decode(video=0)):
                while next_segment < len(order) and segments[order[next_segment]][0] == index:
                    i = order[next_segment]
                    open_writers[i] = VideoWriter(outputs[i], info.fps, height, width)
                    next_segment += 1
                if open_writers:
                    image = frame.to_ndarray(format="rgb24")
                    for i in list(open_writers):
                        open_writers[i].write(image)
                        if segments[i][1] == index:
                            open_writers.pop(i).close()
                if index >= last_end:
                    break
        if index < last_end:
            raise DataError(path, f"the video has {index + 1} frames but a clip ends at frame {last_end}")
    except BaseException as error:
        for writer in open_writers.values():
            writer.close(error)
        raise
