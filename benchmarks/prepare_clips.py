"""Cutting the labelled clips out of full-scale videos: `miga prepare` against the decoder's ceiling and the
two things a user would otherwise write, side by side in one run on the same videos.

Rows, each over the same full-scale synthetic videos (720×1280, ~10,500 frames, ~53 clips each; made with
`miga synth --full-scale` unless --raw names such a download):

  (a) the decoder's ceiling: PyAV decoding every frame with FFmpeg's threads, nothing else; and the same
      decoder on only the frames `prepare` must decode (from the keyframe before each run of clips to its
      last frame): the fair ceiling for `prepare`, which also scales and encodes;
  (b) the ffmpeg command line once per clip (`-ss` before `-i`, `-frames:v`, a scale filter, the same
      encoder settings), if an `ffmpeg` binary is on PATH; OpenCV reading every frame with VideoCapture,
      resizing with INTER_AREA and writing each clip with VideoWriter (mp4v);
  (c) the toolkit's clip cutter (`competition.data.video.cut_clips`, what `prepare` runs per video) with all
      cores on one video, and the whole `miga prepare` (skeleton spreadsheets too) with one job per core.

Rates are frames of source video per second (all frames of the videos, whether decoded or not) and clips per
second, with the projection for the real download (3.77 M frames, 18,232 clips) on this machine's cores and,
scaled linearly per core (videos are independent jobs), on 16. The run also checks what it measures: every
tool's clips have the right frame count, and the toolkit's clips match the source within the stated error.

    python benchmarks/prepare_clips.py [--raw FULL_SCALE_DOWNLOAD] [--videos 3] [--no-ffmpeg] [--no-opencv]
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from competition.data import layout
from competition.data.prepare import Problems, default_threads, prepare, read_clip_labels
from competition.data.synth import SynthConfig, synthesize
from competition.data.video import (
    CLIP_ENCODING,
    SCALING,
    clip_frames,
    cut_clips,
    decode_run,
    frame_index,
    frames_to_decode,
    plan_runs,
    read_frames,
    scaled_size,
)

REAL_FRAMES, REAL_CLIPS = 3_770_000, 18_232
SHORT_SIDE = 256


def videos_of(raw, limit):
    found = []
    for split in ("train", "val", "test"):
        for vid in layout.video_ids(raw, split):
            path = layout.rgb_video(raw, split, vid)
            index = frame_index(path)
            rows = read_clip_labels(layout.clip_label_csv(raw, split, vid), split, index.frames, Problems(False))
            found.append(dict(path=path, index=index, segments=[(s, e) for *_, s, e in rows]))
    return found[:limit]


def decode_all(video, threads):
    import av

    with av.open(str(video["path"])) as container:
        stream = container.streams.video[0]
        stream.thread_type, stream.thread_count = "AUTO", threads
        return sum(1 for _ in container.decode(stream))


def decode_needed(video, threads):
    """Decode only (no scaling, no encoding) what the cutter decodes: each run from its keyframe, non-reference
    frames outside the clips dropped by the decoder (competition.data.video.decode_run)."""
    import av

    index, delivered = video["index"], 0
    in_clip = clip_frames(video["segments"], index.frames)
    with av.open(str(video["path"])) as container:
        stream = container.streams.video[0]
        stream.thread_type, stream.thread_count = "AUTO", threads
        for run in plan_runs(video["segments"], index):
            delivered += sum(1 for _ in decode_run(container, stream, index, run, in_clip))
    return delivered


def cut_with_ffmpeg(video, folder):
    fps = video["index"].fps
    options = CLIP_ENCODING["options"]
    for k, (start, end) in enumerate(video["segments"]):
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-y", "-ss", f"{start / fps:.6f}", "-i", str(video["path"]),
             "-frames:v", str(end - start + 1), "-vf", f"scale=-2:{SHORT_SIDE}:flags=area", "-an",
             "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", options["preset"], "-crf", options["crf"],
             "-bf", options["bf"], str(folder / f"{k}.mp4")], check=True)


def cut_with_opencv(video, folder):
    import cv2

    index = video["index"]
    height, width = scaled_size(index.height, index.width, SHORT_SIDE)
    capture = cv2.VideoCapture(str(video["path"]))
    by_start = sorted(range(len(video["segments"])), key=lambda k: video["segments"][k])
    writers, pending, number = {}, list(by_start), 0
    last = max(end for _, end in video["segments"])
    while number <= last:
        ok, image = capture.read()
        if not ok:
            break
        while pending and video["segments"][pending[0]][0] == number:
            k = pending.pop(0)
            writers[k] = cv2.VideoWriter(str(folder / f"{k}.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), index.fps,
                                         (width, height))
        if writers:
            small = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            for k in list(writers):
                writers[k].write(small)
                if video["segments"][k][1] == number:
                    writers.pop(k).release()
        number += 1
    capture.release()


def cut_with_miga(video, folder, threads):
    outputs = [folder / f"{k}.mp4" for k in range(len(video["segments"]))]
    cut_clips(video["path"], video["segments"], outputs, short_side=SHORT_SIDE, threads=threads,
              index=video["index"])


def count_frames(folder, videos):
    """Each clip's frame count, checked against its segment (every tool must cut exactly the clip)."""
    import av

    bad = 0
    for v, video in enumerate(videos):
        for k, (start, end) in enumerate(video["segments"]):
            with av.open(str(folder / f"{v}" / f"{k}.mp4")) as container:
                frames = sum(1 for _ in container.decode(video=0))
            bad += frames != end - start + 1
    return bad


def clip_error(video, folder, clips=3):
    """Mean absolute error (grey levels) and PSNR of the toolkit's clips against the source frames scaled the
    same way: the loss the encoding adds."""
    import av
    from av.video.reformatter import VideoReformatter

    errors = []
    scaler = VideoReformatter()
    chosen = sorted(range(len(video["segments"])), key=lambda k: video["segments"][k])[:clips]
    with av.open(str(video["path"])) as container:
        source = {}
        last = max(video["segments"][k][1] for k in chosen)
        wanted = {n for k in chosen for n in range(video["segments"][k][0], video["segments"][k][1] + 1)}
        for number, frame in enumerate(container.decode(video=0)):
            if number in wanted:
                source[number] = frame
            if number >= last:
                break
    for k in chosen:
        clip = read_frames(folder / f"{k}.mp4")
        height, width = clip[0].shape[:2]
        start = video["segments"][k][0]
        for offset, image in enumerate(clip):
            reference = scaler.reformat(source[start + offset], width, height, CLIP_ENCODING["pix_fmt"],
                                        interpolation=SCALING).to_ndarray(format="rgb24")
            errors.append(np.abs(image.astype(float) - reference))
    error = np.stack(errors)
    return error.mean(), 10 * np.log10(255 ** 2 / (error ** 2).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", help="a full-scale synthetic download (`miga synth OUT --full-scale`); "
                                      "default: made in a temporary folder and deleted")
    parser.add_argument("--videos", type=int, default=3, help="videos to cut (the first ones of the download)")
    parser.add_argument("--cores", type=int, default=default_threads(1), help="cores to use (default: all)")
    parser.add_argument("--no-ffmpeg", action="store_true", help="leave out the ffmpeg-per-clip row")
    parser.add_argument("--no-opencv", action="store_true", help="leave out the OpenCV row")
    parser.add_argument("--tmp", default=tempfile.gettempdir(), help="where the clips (and videos) are written")
    args = parser.parse_args()
    cores = args.cores
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    work = Path(tempfile.mkdtemp(prefix="miga-prepare-bench-", dir=args.tmp))
    try:
        raw = Path(args.raw) if args.raw else work / "raw"
        if not args.raw:
            print(f"writing {max(3, args.videos)} full-scale synthetic videos to {raw} …", flush=True)
            synthesize(raw, SynthConfig.full_scale(videos=max(3, args.videos)), jobs=min(cores, 3))
        videos = videos_of(raw, args.videos)
        frames = sum(v["index"].frames for v in videos)
        clips = sum(len(v["segments"]) for v in videos)
        needed = sum(frames_to_decode(plan_runs(v["segments"], v["index"])) for v in videos)
        in_clips = sum(len({n for s, e in v["segments"] for n in range(s, e + 1)}) for v in videos)
        keyframes = np.mean([np.diff(v["index"].keyframes).mean() for v in videos if len(v["index"].keyframes) > 1])
        print(f"{len(videos)} videos, {frames:,} frames of {videos[0]['index'].height}×{videos[0]['index'].width}, "
              f"{clips} clips holding {in_clips / frames:.0%} of the frames; a keyframe every {keyframes:.0f} "
              f"frames on average; prepare must decode {needed:,} frames ({needed / frames:.0%}); {cores} cores")

        rows = {}  # name -> (seconds, frames decoded or None, note)

        def run(name, function, note=""):
            folder = work / name.split()[0]
            for v in range(len(videos)):
                (folder / str(v)).mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            decoded = function(folder)
            seconds = time.perf_counter() - start
            rows[name] = (seconds, decoded, note)
            print(f"  {name}: {seconds:.1f} s", flush=True)
            return folder

        run("decoder ceiling: every frame", lambda f: sum(decode_all(v, cores) for v in videos))
        run("decoder ceiling: frames prepare must decode", lambda f: sum(decode_needed(v, cores) for v in videos))
        if args.no_ffmpeg:
            print("  ffmpeg per clip: left out (--no-ffmpeg)")
        elif shutil.which("ffmpeg") is None:
            print("  ffmpeg per clip: no `ffmpeg` binary on PATH (Debian: apt-get install ffmpeg); row left out")
        else:
            folder = run("ffmpeg per clip", lambda f: [cut_with_ffmpeg(v, f / str(i)) for i, v in enumerate(videos)])
            rows["ffmpeg per clip"] += (count_frames(folder, videos),)
        if not args.no_opencv:
            folder = run("OpenCV read-resize-write", lambda f: [cut_with_opencv(v, f / str(i))
                                                                for i, v in enumerate(videos)])
            rows["OpenCV read-resize-write"] += (count_frames(folder, videos),)
        folder = run(f"miga cut_clips, {cores} threads", lambda f: [cut_with_miga(v, f / str(i), cores)
                                                                    for i, v in enumerate(videos)])
        rows[f"miga cut_clips, {cores} threads"] += (count_frames(folder, videos),)
        error, psnr = clip_error(videos[0], folder / "0")
        subset = work / "subset"
        for video in videos:  # `prepare` over exactly the benchmarked videos
            for split in ("train", "val", "test"):
                source = layout.skeleton_dir(raw, split, video["path"].stem)
                if source.is_dir():
                    shutil.copytree(source, layout.skeleton_dir(subset, split, source.name))
                    layout.rgb_video(subset, split, source.name).parent.mkdir(parents=True, exist_ok=True)
                    os.symlink(video["path"], layout.rgb_video(subset, split, source.name))
        for name in layout.TRACK3_LABELS.values():
            if (raw / name).is_file():
                shutil.copyfile(raw / name, subset / name)
        run(f"miga prepare --jobs {cores} (skeletons too)",
            lambda f: prepare(subset, f / "prepared", jobs=cores, progress=False))

        print(f"\n{'':<46}{'seconds':>9}{'source frames/s':>17}{'clips/s':>9}{'vs ceiling':>11}"
              f"{f'3.77 M frames, {cores} cores':>26}{'16 cores':>10}")
        ceiling = rows["decoder ceiling: frames prepare must decode"][0]
        for name, (seconds, _, note, *bad) in rows.items():
            rate = frames / seconds
            hours = REAL_FRAMES / rate / 3600
            flag = f"  ({bad[0]} clips with a wrong frame count)" if bad and bad[0] else ""
            print(f"{name:<46}{seconds:>9.1f}{rate:>17,.0f}{clips / seconds:>9.1f}{ceiling / seconds:>10.2f}×"
                  f"{hours:>24.2f} h{hours * cores / 16:>8.2f} h{flag}{note}")
        delivered = rows["decoder ceiling: frames prepare must decode"][1]
        print(f"\nthe cutter's decoder delivers {delivered:,} frames ({delivered / frames:.0%} of the video): of the "
              f"{needed:,} from each run's keyframe, those outside the clips that no frame refers to are dropped")
        print(f"projections: the real download's 3.77 M frames at each row's source frames/s ({REAL_CLIPS:,} clips "
              f"at its clips/s come within {abs(REAL_CLIPS / REAL_FRAMES * frames / clips - 1):.0%}: the synthetic "
              f"videos have the real clips per frame); 16 cores: this machine's rate per core × 16 (one video per job)")
        print(f"toolkit clips against the source scaled the same way: mean absolute error {error:.2f} grey levels, "
              f"PSNR {psnr:.1f} dB ({CLIP_ENCODING['codec']} {CLIP_ENCODING['options']}, {SCALING} scaling)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
