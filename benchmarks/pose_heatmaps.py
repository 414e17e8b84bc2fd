"""Pose heatmaps: mmaction2's GeneratePoseTarget against ours, side by side in one run.

    python benchmarks/pose_heatmaps.py                    # one CPU core: clips/s of both transforms, and the ratio
    python benchmarks/pose_heatmaps.py --device cuda      # also: batch rendering on the GPU against a PoseConv3D
                                                          # training step, and end-to-end training clips/s
    python benchmarks/pose_heatmaps.py --training --batch 2 --gpu-size 16 --frames 8 --workers 1 --steps 2
                                                          # the GPU part's code path, small, on the CPU

CPU part: 48 frames x 36 keypoints x 64x64 with scores, joint and limb heatmaps, one thread (torch and
OpenMP). The clips are one synthetic seated interviewee as OpenPose sees it (dropped points included), made
compact and resized as in the PoseConv3D pipelines (`--keypoints uniform` for keypoints uniform over the
canvas: long limbs, a harder case). Each round times every clip with one transform, then with the other.
The figure is the median CPU time of the thread per clip, which other processes on a shared machine do not
inflate; the fastest wall-clock time is printed beside it.

GPU part (`--device cuda`; batch 32, train crop 56 px, PoseConv3D = SlowOnly ResNet3D in 36 / base 32 /
stages 4-6-3, built from models/configs/_base_/models/posec3d_slowonly.py through mmaction2's registry):
- drawing one batch in PoseHeatmapPreprocessor against one forward+backward+SGD step of the model;
- training throughput (clips/s) with heatmaps drawn in the data workers by mmaction2's transform, by ours,
  and on the GPU (the loader ships keypoints), from an in-memory set of keypoint clips.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import models  # noqa: E402,F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.data.keypoints import LIMBS_36  # noqa: E402
from tests.heatmap_clips import imigue_like_clip, random_clip  # noqa: E402

KINDS = {"joint": dict(with_kp=True, with_limb=False),
         "limb": dict(with_kp=False, with_limb=True, skeletons=[list(limb) for limb in LIMBS_36])}
MODEL_CONFIG = REPO / "models" / "configs" / "_base_" / "models" / "posec3d_slowonly.py"


def make_clips(kind_of_keypoints, count, frames, size, seed=0):
    rng = np.random.default_rng(seed)
    if kind_of_keypoints == "uniform":
        return [random_clip(rng, persons=1, frames=frames, keypoints=36, size=(size, size), outside=0)
                for _ in range(count)]
    return [imigue_like_clip(rng, frames=frames, size=size) for _ in range(count)]


def cpu_clips_per_second(args):
    from mmaction.datasets.transforms import GeneratePoseTarget

    from models.components.heatmaps import GeneratePoseHeatmaps

    torch.set_num_threads(1)
    clips = make_clips(args.keypoints, args.clips, args.frames, args.size)
    rows = []
    for kind, drawing in KINDS.items():
        transforms = {"mmaction2": GeneratePoseTarget(**drawing), "ours": GeneratePoseHeatmaps(**drawing)}
        cpu_seconds = {name: [] for name in transforms}
        wall_seconds = {name: [] for name in transforms}
        for transform in transforms.values():  # warm-up
            transform(dict(clips[0]))
        for _ in range(args.rounds):
            for name, transform in transforms.items():
                for clip in clips:
                    wall, cpu = time.perf_counter(), time.thread_time()
                    transform(dict(clip))
                    cpu_seconds[name].append(time.thread_time() - cpu)
                    wall_seconds[name].append(time.perf_counter() - wall)
        rows.append((kind, *((1 / statistics.median(cpu_seconds[name]), 1 / min(wall_seconds[name]))
                             for name in transforms)))
    print(f"CPU, one thread: {args.frames} frames x 36 keypoints x {args.size}x{args.size}, scores, "
          f"{args.keypoints} keypoints, {args.rounds} rounds x {args.clips} clips.\nclips/s from the median CPU "
          f"time of the thread per clip (what one core spends, whatever else runs), and from the fastest "
          f"wall-clock time")
    print(f"{'heatmaps':<10}{'mmaction2 cpu/wall':>21}{'ours cpu/wall':>18}{'ratio cpu/wall':>18}")
    for kind, theirs, ours in rows:
        print(f"{kind:<10}{theirs[0]:>12.1f} /{theirs[1]:>6.1f}{ours[0]:>10.1f} /{ours[1]:>6.1f}"
              f"{ours[0] / theirs[0]:>10.1f}x /{ours[1] / theirs[1]:>5.1f}x")
    return rows


# --- GPU ----------------------------------------------------------------------------------------------------

def heatmap_step(kind, on_device, mmaction2=False):
    return dict(type="GeneratePoseTarget" if mmaction2 else "GeneratePoseHeatmaps", sigma=0.6, use_score=True,
                **KINDS[kind], **({} if mmaction2 else dict(on_device=on_device)))


def build_model(kind, device, heatmap=None):
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.config import Config

    import models.components.heatmaps  # noqa: F401  (registers PoseHeatmapPreprocessor)

    register_all_modules()
    cfg = Config.fromfile(str(MODEL_CONFIG)).model
    cfg.backbone.in_channels = 36 if kind == "joint" else len(LIMBS_36)
    cfg.data_preprocessor = dict(type="PoseHeatmapPreprocessor", heatmap=heatmap)
    model = MODELS.build(cfg).to(device)
    return model


class ClipSet(torch.utils.data.Dataset):
    """In-memory keypoint clips through a pipeline: [heatmap step, FormatShape, PackActionInputs]."""

    def __init__(self, clips, heatmap, length):
        from mmengine.dataset import Compose

        import models.components.heatmaps  # noqa: F401

        self.clips, self.length = clips, length
        self.pipeline = Compose([heatmap, dict(type="FormatShape", input_format="NCTHW_Heatmap"),
                                 dict(type="PackActionInputs")])

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        clip = self.clips[index % len(self.clips)]
        return self.pipeline(dict(clip, num_clips=1, clip_len=clip["keypoint"].shape[1], label=index % 32))


def _synchronise(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _autocast(device, args):
    return torch.autocast(device.type, dtype=torch.float16, enabled=args.amp and device.type == "cuda")


def _synchronised_ms(function, device, repeats):
    times = []
    for _ in range(repeats):
        _synchronise(device)
        start = time.perf_counter()
        function()
        _synchronise(device)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def gpu_figures(args):
    from mmengine.dataset import pseudo_collate

    device = torch.device(args.device)
    torch.set_num_threads(max(os.cpu_count() // 2, 1))
    clips = make_clips(args.keypoints, 64, args.frames, args.gpu_size, seed=1)
    autocast = _autocast(device, args)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    amp = "on" if args.amp and device.type == "cuda" else "off"
    print(f"\n{args.device} ({name}): batch {args.batch}, {args.frames} frames x 36 x "
          f"{args.gpu_size}x{args.gpu_size}, PoseConv3D SlowOnly 36/32/4-6-3, AMP {amp}")
    print(f"{'heatmaps':<10}{'draw batch ms':>15}{'train step ms':>15}{'draw/step':>11}")
    for kind in KINDS:
        heatmap = heatmap_step(kind, on_device=True)
        model = build_model(kind, device, heatmap)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        shipped = pseudo_collate([ClipSet(clips, heatmap, args.batch)[i] for i in range(args.batch)])
        shipped = model.data_preprocessor.cast_data(shipped)
        draw = partial(model.data_preprocessor, shipped, training=True)
        batch = draw()
        step = partial(train_step, model, optimizer, batch, autocast)
        for warm in (draw, step, draw, step):
            warm()
        draw_ms = _synchronised_ms(draw, device, args.repeats)
        step_ms = _synchronised_ms(step, device, args.repeats)
        print(f"{kind:<10}{draw_ms:>15.2f}{step_ms:>15.1f}{draw_ms / step_ms:>10.1%}")

    print(f"\nEnd-to-end training, {args.workers} data workers, batch {args.batch}: clips/s")
    print(f"{'heatmaps':<10}{'mmaction2 in loader':>21}{'ours in loader':>16}{'ours on device':>16}")
    for kind in KINDS:
        rates = []
        for step in (heatmap_step(kind, False, mmaction2=True), heatmap_step(kind, False),
                     heatmap_step(kind, True)):
            try:
                rates.append(f"{training_clips_per_second(kind, clips, step, args):.1f}")
            except (RuntimeError, OSError) as error:  # e.g. too little shared memory for heatmap batches
                print(f"  {kind} with {step['type']}(on_device={step.get('on_device', False)}) failed: {error}")
                rates.append("failed")
        print(f"{kind:<10}{rates[0]:>21}{rates[1]:>16}{rates[2]:>16}")


def train_step(model, optimizer, batch, autocast):
    """Forward, backward and an SGD step on a preprocessed batch."""
    with autocast:
        losses = model(**batch, mode="loss")
    loss = sum(v for k, v in losses.items() if "loss" in k)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def training_clips_per_second(kind, clips, heatmap, args):
    from mmengine.dataset import pseudo_collate

    device = torch.device(args.device)
    model = build_model(kind, device, heatmap if heatmap["type"] == "GeneratePoseHeatmaps" else None)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    autocast = _autocast(device, args)
    steps = args.warmup + args.steps
    loader = torch.utils.data.DataLoader(ClipSet(clips, heatmap, steps * args.batch), batch_size=args.batch,
                                         num_workers=args.workers, collate_fn=pseudo_collate,
                                         persistent_workers=False, prefetch_factor=2 if args.workers else None)
    start = None
    for i, data in enumerate(loader):
        if i == args.warmup:
            _synchronise(device)
            start = time.perf_counter()
        train_step(model, optimizer, model.data_preprocessor(data, training=True), autocast)
    _synchronise(device)
    return args.steps * args.batch / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu: the CPU part only; cuda[:N]: also the GPU part")
    parser.add_argument("--keypoints", choices=("imigue", "uniform"), default="imigue")
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--size", type=int, default=64, help="heatmap side on the CPU")
    parser.add_argument("--clips", type=int, default=4, help="distinct clips per CPU round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gpu-size", type=int, default=56, help="heatmap side on the GPU (the train crop)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=20, help="timed repeats of drawing and of a step")
    parser.add_argument("--workers", type=int, default=8, help="data workers for end-to-end training")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per setting")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-amp", dest="amp", action="store_false", help="train in float32")
    parser.add_argument("--training", action="store_true",
                        help="run the rendering-vs-training part on --device even when it is the CPU (a dry "
                             "run with small --batch/--gpu-size/--frames checks the code path)")
    parser.add_argument("--skip-cpu", action="store_true", help="skip the one-core transform comparison")
    args = parser.parse_args(argv)
    if not args.skip_cpu:
        cpu_clips_per_second(args)
    if args.device != "cpu" or args.training:
        if args.device.startswith("cuda") and not torch.cuda.is_available():
            parser.error(f"--device {args.device}: no GPU is visible")
        gpu_figures(args)


if __name__ == "__main__":
    main()
