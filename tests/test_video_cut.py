"""Clip cutting: the fast path (seek to a keyframe, decode only what the clips need, scale in C) gives the same
frames as decoding the whole video from the start, at keyframe edges and for overlapping clips."""
import av
import numpy as np
import pytest

from competition.core.errors import DataError
from competition.data.video import (
    CLIP_ENCODING,
    SCALING,
    VideoWriter,
    clip_frames,
    cut_clips,
    decode_run,
    frame_index,
    frames_to_decode,
    plan_runs,
    read_frames,
)

FRAMES, HEIGHT, WIDTH, KEYINT = 240, 96, 160, 25
BITS, BLOCK_H, BLOCK_W = 8, 24, WIDTH // 8  # the frame number, as 8 black or white blocks along the top


def numbered_frame(number):
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)  # a moving pattern, so P- and B-frames carry real changes
    image[..., 0] = (x * 2 + number * 3) % 256
    image[..., 1] = (y * 3 + number * 5) % 256
    image[..., 2] = 128 + 100 * np.sin((x + y + number * 4) / 9)
    image[:BLOCK_H] = 0
    for bit in range(BITS):
        if number >> bit & 1:
            image[:BLOCK_H, bit * BLOCK_W:(bit + 1) * BLOCK_W] = 255
    return image


def number_of(image):
    """The frame number drawn by `numbered_frame`, read back from a decoded frame of any size."""
    block_h, block_w = image.shape[0] * BLOCK_H // HEIGHT, image.shape[1] * BLOCK_W // WIDTH
    centres = [image[block_h // 2, bit * block_w + block_w // 2].mean() for bit in range(BITS)]
    return sum(1 << bit for bit, value in enumerate(centres) if value > 128)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A video with B-frames and a keyframe every 25 frames, like a camera or download H.264 file."""
    path = tmp_path_factory.mktemp("cut") / "long.mp4"
    options = {"crf": "18", "preset": "veryfast", "g": str(KEYINT), "keyint_min": str(KEYINT),
               "sc_threshold": "0", "bf": "3"}
    with VideoWriter(path, 25, HEIGHT, WIDTH, options=options) as writer:
        for number in range(FRAMES):
            writer.write(numbered_frame(number))
    return path


@pytest.fixture(scope="module")
def reference(source):
    return read_frames(source)  # the slow reference: every frame, decoded from the start


def scaled_reference(source, height, width):
    """Every frame decoded from the start and scaled as the cutter scales (swscale, same filter): what a clip
    holds before encoding, so the difference is the encoding's loss alone."""
    from av.video.reformatter import VideoReformatter

    scaler = VideoReformatter()
    with av.open(str(source)) as container:
        return [scaler.reformat(frame, width, height, CLIP_ENCODING["pix_fmt"], interpolation=SCALING)
                .to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def test_the_source_has_b_frames_and_the_index_finds_every_keyframe(source, reference):
    index = frame_index(source)
    assert index.frames == FRAMES == len(reference)
    assert list(index.keyframes) == list(range(0, FRAMES, KEYINT))
    with av.open(str(source)) as container:
        packets = [p for p in container.demux(video=0) if p.pts is not None]
    assert any(b.pts < a.pts for a, b in zip(packets, packets[1:]))  # decode order ≠ display order
    assert [number_of(frame) for frame in reference] == list(range(FRAMES))


K = 2 * KEYINT  # a keyframe
SEGMENTS = [
    (0, 9),  # the first frame
    (K, K + 10),  # starts on a keyframe
    (K + 1, K + 30),  # starts just after it
    (K - 1, K + 4),  # starts just before it
    (100, 140), (120, 125), (138, 160),  # overlapping
    (190, 190),  # one frame, after a gap a seek skips
    (FRAMES - 6, FRAMES - 1),  # the last frame
]


@pytest.mark.parametrize("short_side", [None, 48])
def test_clips_are_frame_exact_against_the_slow_decode(source, reference, tmp_path, short_side):
    """Same frames (read from the numbers they show), and within the stated encoding error: a mean absolute
    difference under 3 grey levels in every frame and a PSNR over 35 dB (on this busy pattern CRF 18 gives
    about 1.9 and 39 dB)."""
    outputs = [tmp_path / f"clip{i}.mp4" for i in range(len(SEGMENTS))]
    shuffled = list(reversed(range(len(SEGMENTS))))  # any order in, each clip to its own output
    cut_clips(source, [SEGMENTS[i] for i in shuffled], [outputs[i] for i in shuffled], short_side=short_side,
              threads=2)
    scaled = None
    for (start, end), path in zip(SEGMENTS, outputs):
        clip = np.stack(read_frames(path))
        assert [number_of(frame) for frame in clip] == list(range(start, end + 1)), (start, end)
        scaled = scaled or scaled_reference(source, *clip.shape[1:3])
        error = np.abs(clip.astype(float) - np.stack(scaled[start:end + 1]))
        assert error.mean(axis=(1, 2, 3)).max() < 3.0, (start, end)
        assert 10 * np.log10(255 ** 2 / (error ** 2).mean()) > 35, (start, end)
    assert not list(tmp_path.glob(".*"))  # no temporary files left


def test_clips_read_by_decord_give_the_same_frames(source, tmp_path):
    decord = pytest.importorskip("decord")
    out = tmp_path / "clip.mp4"
    cut_clips(source, [(K + 1, K + 30)], [out], short_side=48)
    reader = decord.VideoReader(str(out))
    assert len(reader) == 30
    assert number_of(reader[0].asnumpy()) == K + 1 and number_of(reader[29].asnumpy()) == K + 30
    assert number_of(reader[17].asnumpy()) == K + 18  # random access lands on the frame (no B-frames)
    with av.open(str(out)) as container:
        stamps = [p.pts for p in container.demux(video=0) if p.pts is not None]
    assert stamps == sorted(stamps)  # no B-frames: decode order is display order


def test_runs_seek_over_long_gaps_and_decode_on_over_short_ones(source):
    index = frame_index(source)
    runs = plan_runs([(30, 40), (45, 60), (200, 210)], index)
    assert [(r.seek_to, r.end, r.clips) for r in runs] == [(25, 60, [0, 1]), (200, 210, [2])]
    assert frames_to_decode(runs) == (60 - 25 + 1) + (210 - 200 + 1)


def test_non_reference_frames_before_a_clip_are_not_decoded(source):
    index = frame_index(source)
    segments = [(K + 20, K + 24)]
    [run] = plan_runs(segments, index)
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        delivered = [n for n, _ in decode_run(container, stream, index, run, clip_frames(segments, FRAMES))]
    assert delivered[-5:] == list(range(K + 20, K + 25))  # every clip frame, in order
    lead_in = [n for n in delivered if n < K + 20]
    assert lead_in[0] == K and len(lead_in) < 20 * 0.75  # non-reference B-frames dropped (every other frame here)


def test_a_clip_past_the_end_names_the_video(source, tmp_path):
    with pytest.raises(DataError, match=f"has {FRAMES} frames but a clip ends at frame {FRAMES}") as error:
        cut_clips(source, [(FRAMES - 5, FRAMES)], [tmp_path / "x.mp4"])
    assert error.value.path == str(source)
