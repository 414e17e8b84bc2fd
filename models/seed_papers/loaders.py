"""Dataloader configs of the seed-paper models, derived from the shared builders in `models.components.pipelines`.

CLIP-MG and the token-fusion model read the same RGB + pose samples as RGBPoseConv3D
(`rgbpose_dataloaders`), but their models also need the keypoints themselves: `repack` ends every pipeline
with extra steps and a `PackActionInputs` that collects the given keys. The RGB-only stage of MM-Gesture's
two-stage RGBPoseConv3D reads the same samples without the pose stream (`rgb_only`). The GAIE ViT reads clip
videos like the other video models (`video_dataloaders`) with its paper's sampling and crops
(`gaie_dataloaders`).
"""
import copy

# The model inputs each pipeline packs.
CLIP_MG_INPUTS = ("imgs", "heatmap_imgs", "keypoint", "keypoint_score")
TOKEN_FUSION_INPUTS = ("imgs", "keypoint")
# What the token-fusion model's skeleton branch reads: (x, y, score) per joint, one person, GCN layout (the
# model derives the bones itself).
GCN_STEPS = (dict(type="SkeletonFeature", feature="joint"), dict(type="FormatGCNInput", num_person=1))


# MM-Gesture's RGB normalisation for RGBPoseConv3D and its RGB-only stage: mean and std of its iMiGUE clips
# (RGB order), from its released PYSKL configs.
IMIGUE_RGB_MEAN = [66.15693065312055, 59.39387486980162, 67.08884259986877]
IMIGUE_RGB_STD = [62.46999995594521, 57.96686051956861, 58.18312924970111]
HEATMAP_STEPS = ("GeneratePoseHeatmaps", "GeneratePoseTarget")


def _leaf(dataset):
    while "pipeline" not in dataset:
        dataset = dataset["dataset"]
    return dataset


def repack(loaders, collect_keys, extra_steps=()):
    """Copies of dataloader configs whose pipelines run `extra_steps`, then pack `collect_keys` as inputs."""
    repacked = []
    for loader in loaders:
        loader = copy.deepcopy(loader)
        dataset = _leaf(loader["dataset"])
        pipeline = list(dataset["pipeline"])
        if not pipeline or pipeline[-1]["type"] != "PackActionInputs":
            raise ValueError(f"expected a pipeline ending in PackActionInputs; it ends in {pipeline[-1:]}")
        dataset["pipeline"] = pipeline[:-1] + [copy.deepcopy(step) for step in extra_steps] + [
            dict(type="PackActionInputs", collect_keys=tuple(collect_keys))]
        repacked.append(loader)
    return tuple(repacked)


def rgb_only(loaders, test_resize):
    """Copies of RGBPoseConv3D's (train, val, test) dataloader configs for the RGB stream alone.

    Only RGB frames are sampled, no heatmaps are drawn and only `imgs` is packed; evaluation frames are
    resized to `test_resize` × `test_resize` (MM-Gesture's rgb_only config evaluates at the training crop).
    The keypoints are still read: the frames are cropped to the box around the person (MMCompact) as in the
    two-stream model.
    """
    train, val, test = (copy.deepcopy(loader) for loader in loaders)
    for loader in (train, val, test):
        dataset = _leaf(loader["dataset"])
        pipeline = []
        for step in dataset["pipeline"]:
            # A heatmap step given as `{{_base_.…}}` is still mmengine's placeholder string while the config
            # is read: it is the only step that is not a dict.
            if not isinstance(step, dict) or step["type"] in HEATMAP_STEPS:
                continue
            step = copy.deepcopy(step)
            if step["type"] == "MMUniformSampleFrames":
                step["clip_len"] = dict(RGB=step["clip_len"]["RGB"])
            elif step["type"] == "PackActionInputs":
                step = dict(type="PackActionInputs")
            elif step["type"] == "Resize" and loader is not train:
                step["scale"] = (test_resize, test_resize)
            pipeline.append(step)
        dataset["pipeline"] = pipeline
    return train, val, test


def gaie_dataloaders(data_root, modality="rgb", *, clip_len=16, resize=256, crop=224, batch_size=4,
                     test_batch_size=1, workers=8, train_splits=("train",)):
    """The GAIE ViT paper's data: `clip_len` frames, one drawn at random from each of `clip_len` equal segments
    of the clip in training and the middle of each at test (mmaction2's UniformSample); frames resized to
    `resize` × `resize`; a random `crop` in training, one centre crop at test (one view per clip).

    `train_splits=("train", "val")` trains on every labelled clip (the paper's final model).
    """
    from models.components.pipelines import video_dataloaders

    loaders = copy.deepcopy(video_dataloaders(data_root, modality, clip_len=clip_len, resize=resize, crop=crop,
                                              test_clips=1, test_crops=1, batch_size=batch_size,
                                              test_batch_size=test_batch_size, workers=workers))

    def pipeline(test_mode):
        return [dict(type="DecordInit"), dict(type="UniformSample", clip_len=clip_len, num_clips=1,
                                              test_mode=test_mode),
                dict(type="DecordDecode"), dict(type="Resize", scale=(resize, resize), keep_ratio=False),
                dict(type="CenterCrop", crop_size=crop) if test_mode else dict(type="RandomCrop", size=crop),
                *([] if test_mode else [dict(type="Flip", flip_ratio=0.5)]),
                dict(type="FormatShape", input_format="NCTHW"), dict(type="PackActionInputs")]

    for loader, test_mode in zip(loaders, (False, True, True)):
        _leaf(loader["dataset"])["pipeline"] = pipeline(test_mode)
    train = _leaf(loaders[0]["dataset"])
    if list(train_splits) != ["train"]:
        first, *extra = train_splits
        train.update(type="MultiListVideoDataset", ann_file=f"{modality}/{first}.txt",
                     extra_ann_files=[f"{modality}/{split}.txt" for split in extra])
    return loaders


def keypoint_only(loaders, steps):
    """Copies of PoseConv3D's (train, val, test) dataloader configs that pack keypoints instead of heatmaps.

    Called with a keypoint step (e.g. PreNormalize2D) in the heatmap's place, the samples get the same crops,
    resizes and flips as RGB + pose samples (PoseCompact and MMCompact cut the same box around the person),
    so a graph network trained on them sees the keypoints the token-fusion model sees. The heatmap format
    step is dropped and `steps` (feature, GCN layout) run before a plain `PackActionInputs`.
    """
    loaders = tuple(copy.deepcopy(loader) for loader in loaders)
    for loader in loaders:
        dataset = _leaf(loader["dataset"])
        pipeline = [step for step in dataset["pipeline"]
                    if not (isinstance(step, dict) and step["type"] == "FormatShape")]
        if pipeline[-1]["type"] != "PackActionInputs":
            raise ValueError(f"expected a pipeline ending in PackActionInputs; it ends in {pipeline[-1:]}")
        dataset["pipeline"] = pipeline[:-1] + [copy.deepcopy(step) for step in steps] + [
            dict(type="PackActionInputs")]
    return loaders
