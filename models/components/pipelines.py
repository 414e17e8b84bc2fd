"""Data pipelines and dataloaders of our configs, built from a few numbers per model.

A config calls one of these builders with its clip length, sizes and batch size, so that a tiny variant
(`models/configs/tiny/`) gets exactly the same transforms as its full config with smaller numbers. The
heatmap step of the pose pipelines is passed in whole from `_base_/pose_heatmaps.py`, the one place that
says how heatmaps are made; builders never look inside it.

Every dataset dict carries `data_root`, the prepared dataset (docs/prepared-dataset.md); paths inside are
relative to it. `models.runner.config.load_config` sets all of them from the config's top-level `data_root`.
Datasets: PoseConv3D, RGBPoseConv3D and ST-GCN++ read `pose/imigue36.npz` through `PreparedPoseDataset`
(splits by name); video models read `<modality>/clips/<clip_id>.mp4` listed in `<modality>/<split>.txt`.
"""
from models.components.skeleton import index_list, refuse_base_placeholder

RGB_MEAN = [123.675, 116.28, 103.53]
RGB_STD = [58.395, 57.12, 57.375]
POSE_DATASET = "PreparedPoseDataset"
POSE_ANN = "pose/imigue36.npz"
# Clip sizes of the tiny video configs: 8 frames, 32 px, 2 clips x 3 crops at test, no worker processes.
TINY_VIDEO = dict(clip_len=8, frame_interval=1, resize=40, crop=32, test_clips=2, test_crops=3, batch_size=8,
                  test_batch_size=8, workers=0)
# ... of the tiny PoseConv3D, RGBPoseConv3D and ST-GCN++ configs.
TINY_POSE = dict(clip_len=8, resize=32, crop=28, test_size=32, test_clips=2, batch_size=8, test_batch_size=8,
                 workers=0, repeat=1)
TINY_RGBPOSE = dict(rgb_len=4, pose_len=16, resize=40, crop=32, test_clips=2, batch_size=8, test_batch_size=8,
                    workers=0)
TINY_GCN = dict(clip_len=16, test_clips=2, batch_size=8, test_batch_size=8, workers=0, repeat=1)


def _loader(dataset, batch_size, workers, shuffle):
    return dict(batch_size=batch_size, num_workers=workers, persistent_workers=workers > 0,
                sampler=dict(type="DefaultSampler", shuffle=shuffle), dataset=dataset)


def _dataloaders(make_dataset, pipelines, batch_size, test_batch_size, workers, repeat):
    """(train, val, test) dataloaders; `make_dataset(split, pipeline, test_mode)` gives a dataset dict."""
    train_pipeline, val_pipeline, test_pipeline = pipelines
    # Always wrapped, so that a tiny config's dataloaders merge key by key over its full config's.
    train = dict(type="RepeatDataset", times=repeat, dataset=make_dataset("train", train_pipeline, False))
    return (_loader(train, batch_size, workers, True),
            _loader(make_dataset("val", val_pipeline, True), batch_size, workers, False),
            _loader(make_dataset("test", test_pipeline, True), test_batch_size, workers, False))


def _pose_dataset(data_root, ann_file=POSE_ANN, video_prefix=None, coordinates=None):
    def make(split, pipeline, test_mode):
        dataset = dict(type=POSE_DATASET, data_root=data_root, ann_file=ann_file, split=split,
                       pipeline=pipeline, test_mode=test_mode)
        if video_prefix is not None:
            dataset["data_prefix"] = dict(video=video_prefix)
        if coordinates is not None:
            dataset["coordinates"] = coordinates
        return dataset
    return make


def _video_dataset(data_root, modality):
    def make(split, pipeline, test_mode):
        return dict(type="VideoDataset", data_root=data_root, ann_file=f"{modality}/{split}.txt",
                    data_prefix=dict(video=f"{modality}/clips"), pipeline=pipeline, test_mode=test_mode)
    return make


def pose_file(layout):
    """The prepared dataset's pose file of a layout (a registered name): pose/<layout>.npz."""
    refuse_base_placeholder(layout, "layout")
    if not isinstance(layout, str):
        raise ValueError(f"name the layout (its pose file is pose/<name>.npz), got {layout!r}")
    return f"pose/{layout}.npz"


def _flip(layout, left_kp, right_kp, flip_ratio=0.5):
    """A training flip: mmaction2's Flip with explicit left/right lists, else LayoutFlip with the layout's."""
    if left_kp is None and right_kp is None:
        return dict(type="LayoutFlip", flip_ratio=flip_ratio, layout=layout)
    left, right = index_list(left_kp, "left_kp"), index_list(right_kp, "right_kp")
    if len(left) != len(right) or not left:
        raise ValueError(f"left_kp and right_kp must pair up, got {len(left)} and {len(right)} indices; or give "
                         f"neither and the layout's pairs are used")
    return dict(type="Flip", flip_ratio=flip_ratio, left_kp=left, right_kp=right)


def pose_heatmap_dataloaders(data_root, heatmap, heatmap_test, *, clip_len=48, resize=64, crop=56,
                             test_size=64, test_clips=10, batch_size=16, test_batch_size=1, workers=8,
                             repeat=10, left_kp=None, right_kp=None, ann_file=None, layout="imigue36"):
    """PoseConv3D as in PYSKL: keypoints → heatmap volumes of x, y (a third coordinate is dropped).

    Train: the clip's keypoint box (PoseCompact), short side `resize`, a random crop of 56-100% of the area
    resized to `crop`², a horizontal flip half of the time (left/right from `layout`, or `left_kp`/`right_kp`).
    Val: the box resized to `test_size`². Test: `test_clips` clips, each also flipped (in `heatmap_test`).
    """
    ann_file = ann_file or pose_file(layout)
    start = [dict(type="UniformSampleFrames", clip_len=clip_len), dict(type="PoseDecode"),
             dict(type="PoseCompact", hw_ratio=1.0, allow_imgpad=True)]
    end = [dict(type="FormatShape", input_format="NCTHW_Heatmap"), dict(type="PackActionInputs")]
    train = start + [dict(type="Resize", scale=(-1, resize)),
                     dict(type="RandomResizedCrop", area_range=(0.56, 1.0)),
                     dict(type="Resize", scale=(crop, crop), keep_ratio=False),
                     _flip(layout, left_kp, right_kp), heatmap] + end

    def evaluation(num_clips, step):
        return [dict(type="UniformSampleFrames", clip_len=clip_len, num_clips=num_clips, test_mode=True),
                *start[1:], dict(type="Resize", scale=(test_size, test_size), keep_ratio=False), step] + end

    return _dataloaders(_pose_dataset(data_root, ann_file, coordinates=2), (train, evaluation(1, heatmap), evaluation(
        test_clips, heatmap_test)), batch_size, test_batch_size, workers, repeat)


def rgbpose_dataloaders(data_root, heatmap, *, rgb_len=8, pose_len=32, resize=256, crop=224, test_clips=10,
                        batch_size=6, test_batch_size=1, workers=8, repeat=1, left_kp=None, right_kp=None,
                        ann_file=POSE_ANN, layout="imigue36"):
    """RGBPoseConv3D: RGB frames and heatmaps of the same clip (videos under rgb/clips). The training flip's
    left/right keypoints: `left_kp`/`right_kp` when given, else the pairs of `layout`."""
    def sample(num_clips, test_mode):
        return dict(type="MMUniformSampleFrames", clip_len=dict(RGB=rgb_len, Pose=pose_len),
                    num_clips=num_clips, test_mode=test_mode)

    decode = [dict(type="MMDecode"), dict(type="MMCompact", hw_ratio=1.0, allow_imgpad=True),
              dict(type="Resize", scale=(resize, resize), keep_ratio=False)]
    end = [heatmap, dict(type="FormatShape", input_format="NCTHW"),
           dict(type="PackActionInputs", collect_keys=("imgs", "heatmap_imgs"))]
    train = [sample(1, False), *decode, dict(type="RandomResizedCrop", area_range=(0.56, 1.0)),
             dict(type="Resize", scale=(crop, crop), keep_ratio=False), _flip(layout, left_kp, right_kp), *end]
    val = [sample(1, True), *decode, *end]
    test = [sample(test_clips, True), *decode, *end]
    return _dataloaders(_pose_dataset(data_root, ann_file, video_prefix="rgb/clips"), (train, val, test),
                        batch_size, test_batch_size, workers, repeat)


# PYSKL's strong augmentation of ST-GCN++ (configs/strong_aug): RandomScale(0.1) and RandomRot(0.3).
GCN_AUGMENT = dict(scale=0.1, rotation=0.3, shear=0.0)


def gcn_dataloaders(data_root, feature, *, clip_len=100, test_clips=10, batch_size=16, test_batch_size=1,
                    workers=8, repeat=5, ann_file=None, layout="imigue36", augment=GCN_AUGMENT, flip_ratio=0.0,
                    drop_joints=0.0):
    """ST-GCN++: each clip centred and scaled (NormalizeSkeleton), then one stream (`feature`: 'joint',
    'bone', 'joint_motion', 'bone_motion', or a SkeletonFeature step), `clip_len` frames; 2 or 3 coordinates.

    Training augmentation: `augment` (RandomSkeletonAffine's scale/rotation/shear; None for none),
    `flip_ratio` (mirror with the layout's pairs), `drop_joints` (each joint dropped with this probability).
    Test: `test_clips` clips averaged.
    """
    ann_file = ann_file or pose_file(layout)
    if isinstance(feature, str):
        feature = dict(type="SkeletonFeature", feature=feature, layout=layout)
    normalize = dict(type="NormalizeSkeleton", layout=layout)
    augmentation = []
    if augment:
        augmentation.append(dict(type="RandomSkeletonAffine", **augment))
    if flip_ratio:
        augmentation.append(dict(type="RandomSkeletonFlip", layout=layout, flip_ratio=flip_ratio))
    if drop_joints:
        augmentation.append(dict(type="RandomJointDrop", p=drop_joints))

    def pipeline(num_clips, test_mode):
        sample = dict(type="UniformSampleFrames", clip_len=clip_len)
        if test_mode:
            sample.update(num_clips=num_clips, test_mode=True)
        steps = [normalize] + ([] if test_mode else augmentation)
        return steps + [feature, sample, dict(type="PoseDecode"), dict(type="FormatGCNInput", num_person=1),
                        dict(type="PackActionInputs")]

    return _dataloaders(_pose_dataset(data_root, ann_file), (pipeline(1, False), pipeline(1, True),
                        pipeline(test_clips, True)), batch_size, test_batch_size, workers, repeat)


def video_dataloaders(data_root, modality="rgb", *, clip_len=32, frame_interval=2, resize=256, crop=224,
                      test_clips=4, test_crops=3, batch_size=8, test_batch_size=1, workers=8, repeat=1, flip_ratio=0.5):
    """Video models on clip videos of one modality (rgb, taylor, flow, depth). Test: clips × three crops.

    `flip_ratio=0` for flow video, whose x channel would need negating under a flip.
    """
    def sample(num_clips, test_mode):
        return dict(type="SampleFrames", clip_len=clip_len, frame_interval=frame_interval, num_clips=num_clips,
                    test_mode=test_mode)

    end = [dict(type="FormatShape", input_format="NCTHW"), dict(type="PackActionInputs")]
    train = [dict(type="DecordInit"), sample(1, False), dict(type="DecordDecode"),
             dict(type="Resize", scale=(-1, resize)), dict(type="RandomResizedCrop"),
             dict(type="Resize", scale=(crop, crop), keep_ratio=False), dict(type="Flip", flip_ratio=flip_ratio), *end]
    val = [dict(type="DecordInit"), sample(1, True), dict(type="DecordDecode"),
           dict(type="Resize", scale=(-1, resize)), dict(type="CenterCrop", crop_size=crop), *end]
    test_crop = (dict(type="ThreeCrop", crop_size=crop) if test_crops == 3
                 else dict(type="CenterCrop", crop_size=crop))
    test = [dict(type="DecordInit"), sample(test_clips, True), dict(type="DecordDecode"),
            dict(type="Resize", scale=(-1, crop)), test_crop, *end]
    return _dataloaders(_video_dataset(data_root, modality), (train, val, test), batch_size, test_batch_size,
                        workers, repeat)


def video_preprocessor():
    return dict(type="ActionDataPreprocessor", mean=RGB_MEAN, std=RGB_STD, format_shape="NCTHW")
