"""The prepared dataset runs through mmaction2's own dataset pipelines."""
import pytest

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)


@pytest.fixture(autouse=True, scope="module")
def mmaction_scope():
    from mmaction.utils import register_all_modules

    register_all_modules(init_default_scope=True)


def test_pose_dataset_pipeline_makes_heatmap_volumes(prepared):
    from mmaction.registry import DATASETS

    import models.components.datasets  # noqa: F401  (registers PreparedPoseDataset)
    from competition.data.keypoints import LIMBS_36, MIRROR_PAIRS_36, flip_indices

    left, right = flip_indices(MIRROR_PAIRS_36)
    pipeline = [
        dict(type="UniformSampleFrames", clip_len=12),
        dict(type="PoseDecode"),
        dict(type="PoseCompact", hw_ratio=1.0, allow_imgpad=True),
        dict(type="Resize", scale=(-1, 32)),
        dict(type="RandomResizedCrop", area_range=(0.56, 1.0)),
        dict(type="Resize", scale=(28, 28), keep_ratio=False),
        dict(type="Flip", flip_ratio=0.5, left_kp=left, right_kp=right),
        dict(type="GeneratePoseTarget", sigma=0.6, use_score=True, with_kp=False, with_limb=True,
             skeletons=LIMBS_36),
        dict(type="FormatShape", input_format="NCTHW_Heatmap"),
        dict(type="PackActionInputs"),
    ]
    dataset = DATASETS.build(dict(type="PreparedPoseDataset", ann_file=str(prepared / "pose" / "imigue36.npz"),
                                  split="train", pipeline=pipeline))
    clips = [line.split(",") for line in (prepared / "clips.csv").read_text().splitlines()[1:]]
    assert len(dataset) == sum(c[2] == "train" for c in clips)
    sample = dataset[0]
    volume = sample["inputs"].numpy()
    assert volume.shape == (1, len(LIMBS_36), 12, 28, 28)
    assert volume.max() > 0.5  # limbs drawn
    assert 0 <= int(sample["data_samples"].gt_label) < 32


def test_video_dataset_pipeline_decodes_a_clip(prepared):
    from mmaction.registry import DATASETS

    pipeline = [
        dict(type="PyAVInit"),
        dict(type="SampleFrames", clip_len=8, frame_interval=1, num_clips=1),
        dict(type="PyAVDecode"),
        dict(type="Resize", scale=(-1, 64)),
        dict(type="CenterCrop", crop_size=64),
        dict(type="FormatShape", input_format="NCTHW"),
        dict(type="PackActionInputs"),
    ]
    dataset = DATASETS.build(dict(type="VideoDataset", ann_file=str(prepared / "rgb" / "val.txt"),
                                  data_prefix=dict(video=str(prepared / "rgb" / "clips")), pipeline=pipeline))
    sample = dataset[0]
    frames = sample["inputs"].numpy()
    assert frames.shape == (1, 3, 8, 64, 64)
    assert frames.std() > 5  # a drawn body, not a blank frame
    first = (prepared / "rgb" / "val.txt").read_text().split()[1]
    assert int(sample["data_samples"].gt_label) == int(first)
