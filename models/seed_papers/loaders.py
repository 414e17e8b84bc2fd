"""Dataloader configs of the seed-paper models, derived from the shared builders in `models.components.pipelines`.

CLIP-MG and the token-fusion model read the same RGB + pose samples as RGBPoseConv3D
(`rgbpose_dataloaders`), but their models also need the keypoints themselves: `repack` ends every pipeline
with extra steps and a `PackActionInputs` that collects the given keys.
"""
import copy

# The model inputs each pipeline packs.
CLIP_MG_INPUTS = ("imgs", "heatmap_imgs", "keypoint", "keypoint_score")
TOKEN_FUSION_INPUTS = ("imgs", "keypoint")
# What the token-fusion model's skeleton branch reads: (x, y, score) per joint, one person, GCN layout.
GCN_STEPS = (dict(type="GenSkeFeat", dataset="coco", feats=["j"]), dict(type="FormatGCNInput", num_person=1))


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
