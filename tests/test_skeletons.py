"""Skeleton layouts, the skeleton importer, the skeleton transforms, and pose configs fitted to their data."""
import json

import numpy as np
import pytest

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.cli import main
from competition.core.errors import DataError
from competition.data.annotations import load_pose_annotations, pose_file_info, save_pose_annotations
from competition.data.skeleton_import import import_skeleton
from competition.data.skeletons import LAYOUTS, LayoutError, SkeletonLayout, load_layout

JHMDB = LAYOUTS["jhmdb15"]


# --- layouts ---------------------------------------------------------------------------------------------

def test_registered_layouts_derive_graph_bones_and_flips():
    assert {"imigue36", "openpose137", "openpose25", "openpose18", "coco17", "kinect25", "kinect20",
            "jhmdb15"} <= set(LAYOUTS)
    for layout in LAYOUTS.values():
        parents = layout.parents
        assert parents[layout.center] == layout.center
        assert all(frozenset((v, p)) in {frozenset(e) for e in layout.edges} for v, p in enumerate(parents)
                   if v != p)
        graph = layout.graph()
        assert graph["num_node"] == layout.num_joints and len(graph["inward"]) == len(layout.edges)
        left, right = layout.limb_pairs
        assert len(left) == len(right)
    # COCO-17's derived flips are mmaction2's defaults
    from models.components.heatmaps import COCO_LEFT_LIMB, COCO_RIGHT_LIMB, COCO_SKELETONS
    coco = LAYOUTS["coco17"]
    assert coco.limbs == COCO_SKELETONS and coco.limb_pairs == (list(COCO_LEFT_LIMB), list(COCO_RIGHT_LIMB))


@pytest.mark.parametrize("change, message", [
    (dict(edges=[("neck", "face"), ("neck", "tail")]), "'tail', which is neither a joint name"),
    (dict(edges=[(0, 1), (1, 7)]), "joint 7, which does not exist"),
    (dict(mirror_pairs=[(1, 2), (2, 3)]), "is in two mirror pairs"),
    (dict(mirror_pairs=[(1, 3)]), "which is not an edge: the pairs and the edges disagree"),
    (dict(edges=[(0, 1), (2, 3)], mirror_pairs=[]), "not connected to the centre"),
    (dict(mirror_pairs=[(0, 1)], edges=[(0, 1), (1, 2), (2, 3)]), "cannot have a mirror image"),
    (dict(joints=["a", "b", "a", "c"]), "appear more than once"),
    (dict(edges=[(0, 1), (1, 0), (1, 2), (2, 3)]), "listed twice"),
])
def test_wrong_layouts_are_refused_with_what_is_wrong(change, message):
    spec = dict(name="mine", joints=["neck", "face", "l_hand", "r_hand"], center="neck",
                edges=[("neck", "face"), ("face", "l_hand"), ("face", "r_hand")], mirror_pairs=[("l_hand", "r_hand")])
    spec.update(change)
    with pytest.raises(LayoutError, match=message):
        SkeletonLayout(**spec)


def test_a_layout_file_by_joint_names(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(dict(name="mine", joints=["hip", "l_knee", "r_knee"], center="hip",
                                    edges=[["hip", "l_knee"], ["hip", "r_knee"]], mirror_pairs=[["l_knee", "r_knee"]])))
    layout = load_layout(path)
    assert layout.edges == ((0, 1), (0, 2)) and layout.left_kp == [1] and layout.right_kp == [2]
    with pytest.raises(LayoutError, match="no such skeleton layout"):
        load_layout("nonesuch")
    (tmp_path / "bad.json").write_text(json.dumps(dict(name="bad", joints=["a"], center="a", edges=[], extra=1)))
    with pytest.raises(LayoutError, match="unknown layout keys"):
        load_layout(tmp_path / "bad.json")


def _symmetric_skeleton(layout, rng, frames=4, dims=2):
    """Joints placed so that the skeleton is its own mirror image about x = 0."""
    keypoint = rng.normal(size=(frames, layout.num_joints, dims)).astype(np.float32)
    for a, b in layout.mirror_pairs:
        keypoint[:, b] = keypoint[:, a]
        keypoint[:, b, 0] *= -1
    paired = {v for pair in layout.mirror_pairs for v in pair}
    for v in set(range(layout.num_joints)) - paired:
        keypoint[:, v, 0] = 0
    return keypoint


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_flip_pairs_map_a_mirrored_skeleton_onto_itself(name):
    from models.components.transforms import LayoutFlip, RandomSkeletonFlip

    layout = LAYOUTS[name]
    rng = np.random.default_rng(0)
    symmetric = _symmetric_skeleton(layout, rng)[None]
    flipped = RandomSkeletonFlip(layout=name, flip_ratio=1.0)(dict(keypoint=symmetric.copy()))["keypoint"]
    np.testing.assert_allclose(flipped, symmetric, atol=1e-6)
    # an asymmetric skeleton comes back after two flips, and its left arm's bones become the right arm's
    anything = rng.normal(size=(1, 3, layout.num_joints, 2)).astype(np.float32)
    flip = RandomSkeletonFlip(layout=name, flip_ratio=1.0)
    once = flip(dict(keypoint=anything.copy()))["keypoint"]
    np.testing.assert_allclose(flip(dict(keypoint=once.copy()))["keypoint"], anything, atol=1e-6)
    for a, b in layout.mirror_pairs:
        np.testing.assert_allclose(once[..., b, 0], -anything[..., a, 0], atol=1e-6)
    # mmaction2's Flip in pixels, with the layout's pairs: the same skeleton mirrored in a 100 px frame
    pixels = symmetric * 10 + 50
    results = LayoutFlip(layout=name, flip_ratio=1.0)(dict(keypoint=pixels.copy(), img_shape=(100, 100),
                                                           modality="Pose"))
    np.testing.assert_allclose(results["keypoint"], pixels, atol=1e-4)


def test_heatmaps_of_a_symmetric_skeleton_are_their_own_mirror_image():
    from models.components.heatmaps import GeneratePoseHeatmaps

    layout = LAYOUTS["jhmdb15"]
    # mirrored heatmaps flip columns: column i becomes 31 - i, so the skeleton is symmetric about x = 15.5
    keypoint = _symmetric_skeleton(layout, np.random.default_rng(1), frames=2) * 6 + np.float32([15.5, 16])
    for args in (dict(with_kp=True, with_limb=False), dict(with_kp=False, with_limb=True)):
        step = GeneratePoseHeatmaps(layout="jhmdb15", double=True, **args)
        maps = step(dict(keypoint=keypoint[None], keypoint_score=np.ones((1, 2, 15), np.float32),
                         img_shape=(32, 32)))["imgs"]
        assert maps.max() > 0.5
        # within mmaction2's drawing, whose 3-sigma boxes are cut by truncation, not symmetrically
        np.testing.assert_allclose(maps[2:], maps[:2], atol=1e-2)
        assert np.abs(maps[2:] - maps[:2]).sum() < 1e-2 * maps.sum()


# --- the traps the issue lists -----------------------------------------------------------------------------

def test_heatmaps_refuse_cocos_defaults_for_another_skeleton():
    from models.components.heatmaps import GeneratePoseHeatmaps

    clip = dict(keypoint=np.full((1, 2, 15, 2), 8, np.float32), keypoint_score=np.ones((1, 2, 15), np.float32),
                img_shape=(16, 16))
    with pytest.raises(ValueError, match="fell back to COCO-17's, but the clip has 15 keypoints"):
        GeneratePoseHeatmaps(with_kp=True, double=True)(dict(clip))
    with pytest.raises(ValueError, match="fell back to COCO-17's"):
        GeneratePoseHeatmaps(with_kp=False, with_limb=True)(dict(clip))
    with pytest.raises(ValueError, match="refers to keypoint 35"):
        GeneratePoseHeatmaps(with_kp=False, with_limb=True, layout="imigue36")(dict(clip))
    with pytest.raises(ValueError, match="not both"):
        GeneratePoseHeatmaps(layout="jhmdb15", left_kp=[1], right_kp=[2])
    GeneratePoseHeatmaps(with_kp=True, double=True, layout="jhmdb15")(dict(clip))


def test_a_base_reference_inside_a_builder_call_is_refused(tmp_path):
    from models.runner.config import load_config

    (tmp_path / "base.py").write_text("left_kp = [1, 2]\nright_kp = [3, 4]\n")
    (tmp_path / "mine.py").write_text(
        "_base_ = ['base.py']\n"
        "from models.components.pipelines import pose_heatmap_dataloaders\n"
        "train_dataloader, val_dataloader, test_dataloader = pose_heatmap_dataloaders(\n"
        "    'data', dict(type='GeneratePoseHeatmaps'), dict(type='GeneratePoseHeatmaps'),\n"
        "    left_kp={{_base_.left_kp}}, right_kp={{_base_.right_kp}})\n")
    with pytest.raises(ValueError, match="placeholder for a `\\{\\{_base_"):
        load_config(tmp_path / "mine.py")


def test_one_clip_in_several_splits_and_3d_joints_are_kept(tmp_path):
    clips = [dict(frame_dir=f"c{i}", label=i % 3, split=("train", "trainval") if i < 4 else ("val", "trainval"),
                  img_shape=(10, 10), keypoint=np.random.rand(5, 15, 3).astype(np.float32),
                  keypoint_score=np.ones((5, 15), np.float32)) for i in range(6)]
    path = tmp_path / "pose" / "jhmdb15.npz"
    save_pose_annotations(path, clips, "jhmdb15", num_classes=4, classes=["a", "b", "c", "d"])
    data = load_pose_annotations(path, split="trainval")
    assert len(data["annotations"]) == 6 and sorted(data["split"]) == ["train", "trainval", "val"]
    assert data["annotations"][0]["keypoint"].shape == (1, 5, 15, 3)
    info = pose_file_info(path)
    assert (info.num_classes, info.dims, info.classes, info.layout) == (4, 3, ("a", "b", "c", "d"), JHMDB)
    assert info.splits == {"train": 4, "trainval": 6, "val": 2}
    bad = [dict(clips[0], keypoint=np.full((5, 15, 2), np.nan, np.float32))]
    with pytest.raises(DataError, match="NaN"):
        save_pose_annotations(path, bad, "jhmdb15")
    with pytest.raises(DataError, match="15 joints"):
        save_pose_annotations(path, [dict(clips[0], keypoint=np.zeros((5, 14, 2)))], "jhmdb15")


# --- transforms ----------------------------------------------------------------------------------------------

def test_motion_streams_are_the_frame_differences_of_joint_and_bone_streams():
    from models.components.transforms import SkeletonFeature

    rng = np.random.default_rng(2)
    clip = dict(keypoint=rng.normal(size=(1, 6, 15, 3)).astype(np.float32),
                keypoint_score=rng.uniform(0.5, 1, size=(1, 6, 15)).astype(np.float32))
    streams = {name: SkeletonFeature(name, layout="jhmdb15")({k: v.copy() for k, v in clip.items()})["keypoint"]
               for name in ("joint", "bone", "joint_motion", "bone_motion")}
    assert all(s.shape == (1, 6, 15, 4) for s in streams.values())
    parents = JHMDB.parents
    np.testing.assert_allclose(streams["bone"][..., :3], clip["keypoint"] - clip["keypoint"][..., parents, :],
                               atol=1e-6)
    for base in ("joint", "bone"):
        motion = streams[f"{base}_motion"]
        np.testing.assert_allclose(motion[:, :-1, :, :3], np.diff(streams[base][..., :3], axis=1), atol=1e-6)
        assert (motion[:, -1] == 0).all()
        np.testing.assert_allclose(motion[:, :-1, :, 3], (streams[base][:, 1:, :, 3] + streams[base][:, :-1, :, 3]) / 2)


def test_normalised_clips_are_centred_and_scaled_and_augmentation_keeps_missing_joints_at_the_origin():
    from models.components.transforms import NormalizeSkeleton, RandomJointDrop, RandomSkeletonAffine

    rng = np.random.default_rng(3)
    keypoint = (rng.uniform(100, 300, size=(1, 8, 15, 2))).astype(np.float32)
    score = np.ones((1, 8, 15), np.float32)
    score[0, :, 5] = 0  # a joint never seen
    out = NormalizeSkeleton(layout="jhmdb15")(dict(keypoint=keypoint, keypoint_score=score))["keypoint"]
    np.testing.assert_allclose(out[0, :, JHMDB.center].mean(0), 0, atol=1e-5)
    present = out[score > 0]
    assert np.isclose((present.max(0) - present.min(0)).max(), 2, atol=1e-5)
    assert (out[0, :, 5] == 0).all()
    np.random.seed(0)
    moved = RandomSkeletonAffine(scale=0.2, rotation=0.5, shear=0.2)(dict(keypoint=out.copy()))["keypoint"]
    assert (moved[0, :, 5] == 0).all() and not np.allclose(moved, out)
    dropped = RandomJointDrop(p=0.5)(dict(keypoint=out.copy(), keypoint_score=score.copy()))
    gone = dropped["keypoint_score"][0, 0] == 0
    assert gone.any() and (dropped["keypoint"][0][:, gone] == 0).all()


def test_cpu_defaults_cap_threads_and_loader_workers(monkeypatch):
    import torch
    from mmengine.config import Config

    from models.runner.cpu import apply_cpu_defaults

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        cfg = Config(dict(train_dataloader=dict(num_workers=8, persistent_workers=True), test_dataloader=None,
                          val_dataloader=dict(num_workers=0, persistent_workers=False)))
        assert apply_cpu_defaults(cfg, cores=2) == (1, 1)
        assert cfg.train_dataloader.num_workers == 1 and cfg.val_dataloader.num_workers == 0
        assert torch.get_num_threads() == 1
        cfg = Config(dict(train_dataloader=dict(num_workers=8, persistent_workers=True)))
        apply_cpu_defaults(cfg, cores=1)
        assert cfg.train_dataloader.num_workers == 0 and cfg.train_dataloader.persistent_workers is False
    finally:
        torch.set_num_threads(threads)


# --- the importer and configs fitted to the data -----------------------------------------------------------

def _arrays(rng, clips, joints=15, dims=2, classes=("clap", "jump", "wave"), frames=(6, 12)):
    lengths = rng.integers(*frames, size=clips)
    labels = np.array([classes[i % len(classes)] for i in range(clips)])
    return dict(joints=rng.normal(size=(lengths.sum(), joints, dims)).astype(np.float32), lengths=lengths,
                labels=labels)


def test_import_two_split_schemes_of_arrays_with_a_carved_val_split(tmp_path):
    rng = np.random.default_rng(4)
    source = tmp_path / "src"
    source.mkdir()
    for scheme in ("split1", "split2"):
        np.savez(source / f"{scheme}_train.npz", **_arrays(rng, 30))
        np.savez(source / f"{scheme}_test.npz", **_arrays(rng, 9))
    with_val = _arrays(rng, 6)
    summary = import_skeleton(source, tmp_path / "out", "jhmdb15", val_fraction=0.2)
    assert summary.classes == ["clap", "jump", "wave"] and set(summary.schemes) == {"split1", "split2"}
    assert summary.rescaled is not None  # normal values around 0 are not pixels
    for scheme in ("split1", "split2"):
        path = tmp_path / "out" / scheme / "pose" / "jhmdb15.npz"
        info = pose_file_info(path)
        assert info.num_classes == 3 and info.classes == ("clap", "jump", "wave") and info.layout == JHMDB
        assert info.splits["test"] == 9 and info.splits["val"] + info.splits["train"] == 30
        assert 3 <= info.splits["val"] <= 9  # about a fifth, one or more per class
        data = load_pose_annotations(path)
        points = np.concatenate([a["keypoint"][0] for a in data["annotations"]])
        assert points.min() >= 0 and points[..., 0].max() <= 320 and points[..., 1].max() <= 240
        clips = (tmp_path / "out" / scheme / "clips.csv").read_text().splitlines()
        assert clips[0] == "clip_id,video_id,split,label,raw_class,start,end,frames" and len(clips) == 40
        # made-up ids are clip ids <video>_<k> of their own group, so miga ensemble's grouped folds find them
        clip_id, video_id = clips[1].split(",")[:2]
        assert clip_id == f"{video_id}_0"
    # a given val split is kept, not carved
    single = tmp_path / "single"
    single.mkdir()
    np.savez(single / "train.npz", **_arrays(rng, 12))
    np.savez(single / "val.npz", **with_val)
    summary = import_skeleton(single, tmp_path / "out1", "jhmdb15")
    assert summary.schemes == {"": {"train": 12, "val": 6, "test": 0}}


def test_import_refuses_arrays_that_do_not_fit(tmp_path):
    rng = np.random.default_rng(5)
    arrays = _arrays(rng, 4)
    cases = [("train.npz", dict(arrays, joints=arrays["joints"][:, :14]), "15 joints of 'jhmdb15'"),
             ("train.npz", dict(arrays, lengths=arrays["lengths"] + 1), "lengths add up to"),
             ("train.npz", dict(arrays, labels=arrays["labels"][:3]), "labels has 3 entries for 4 clips"),
             ("training.npz", arrays, "cannot tell the split from the file name")]
    for i, (name, content, message) in enumerate(cases):
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        np.savez(folder / name, **content)
        with pytest.raises(DataError, match=message):
            import_skeleton(folder, tmp_path / f"out{i}", "jhmdb15")
    with pytest.raises(DataError, match="no val split"):
        folder = tmp_path / "noval"
        folder.mkdir()
        np.savez(folder / "train.npz", **arrays)
        import_skeleton(folder, tmp_path / "out-noval", "jhmdb15", val_fraction=0)


def test_import_a_csv_and_json_folder_of_3d_joints(tmp_path):
    layout = LAYOUTS["kinect20"]
    rng = np.random.default_rng(6)
    source = tmp_path / "src"
    (source / "joints").mkdir(parents=True)
    rows = ["clip_id,label,split,group"]
    for i in range(12):
        clip_id, split = f"v{i // 2}_c{i}", ("train", "train", "val", "test")[i % 4]
        rows.append(f"{clip_id},{i % 2},{split},v{i // 2}")
        keypoint = rng.uniform(0, 1, size=(5, 20, 3))
        if i % 2:
            (source / "joints" / f"{clip_id}.json").write_text(json.dumps({"keypoints": keypoint.tolist()}))
        else:
            header = ",".join(f"{j}_{a}" for j in layout.joints for a in "xyz")
            lines = [",".join(f"{v:.5f}" for v in frame.ravel()) for frame in keypoint]
            if i == 0:
                lines[1] = lines[1].replace(lines[1].split(",")[0], "nan", 1)  # a missing joint
            (source / "joints" / f"{clip_id}.csv").write_text("\n".join([header] + lines) + "\n")
    (source / "clips.csv").write_text("\n".join(rows) + "\n")
    summary = import_skeleton(source, tmp_path / "out", "kinect20")
    assert summary.missing_joints == 1 and summary.classes == ["0", "1"]
    info = pose_file_info(tmp_path / "out" / "pose" / "kinect20.npz")
    assert info.dims == 3 and info.splits == {"train": 6, "val": 3, "test": 3}
    (source / "joints" / "v0_c0.csv").write_text("hip_center_x\n1\n")
    with pytest.raises(DataError, match="lacks columns"):
        import_skeleton(source, tmp_path / "out2", "kinect20")


@pytest.fixture(scope="module")
def ten_classes(tmp_path_factory):
    """A 10-class 3D Kinect-v1 dataset whose classes move the hands in their own directions."""
    rng = np.random.default_rng(7)
    root = tmp_path_factory.mktemp("ten")
    source = root / "src"
    source.mkdir()
    base = rng.uniform(-1, 1, size=(20, 3))
    for split, per_class in (("train", 6), ("val", 2), ("test", 2)):
        joints, lengths, labels = [], [], []
        for label in range(10):
            for _ in range(per_class):
                frames = int(rng.integers(8, 14))
                t = np.linspace(0, 1, frames)[:, None, None]
                clip = np.repeat(base[None], frames, 0) + rng.normal(0, 0.02, size=(frames, 20, 3))
                direction = np.array([np.cos(label), np.sin(label), 0.3 * label / 10])
                clip[:, [6, 7, 10, 11]] += t * direction
                joints.append(clip)
                lengths.append(frames)
                labels.append(label)
        np.savez(source / f"{split}.npz", joints=np.concatenate(joints).astype(np.float32), lengths=lengths,
                 labels=labels)
    assert main(["import-skeleton", str(source), str(root / "prepared"), "--layout", "kinect20"]) == 0
    return root / "prepared"


def test_configs_fitted_to_a_ten_class_3d_dataset(ten_classes):
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    import models.components.backbones  # noqa: F401
    from models.runner.config import load_config

    init_default_scope("mmaction")
    options = {"skeleton_layout": "kinect20"}
    gcn = load_config("stgcnpp_bone", data_root=ten_classes, cfg_options=options)
    assert gcn.model.cls_head.num_classes == 10 and gcn.model.backbone.in_channels == 4  # x, y, z, score
    assert gcn.train_dataloader.dataset.dataset.ann_file == "pose/kinect20.npz"
    assert MODELS.build(gcn.model).backbone.graph.A.shape[-1] == 20
    limb = load_config("posec3d_limb", data_root=ten_classes, cfg_options=options)
    assert limb.model.cls_head.num_classes == 10 and limb.model.backbone.in_channels == 19  # kinect20's limbs
    flips = [s for s in limb.train_dataloader.dataset.dataset.pipeline if s["type"] == "LayoutFlip"]
    assert flips[0]["layout"] == "kinect20" and limb.model.data_preprocessor.heatmap.layout == "kinect20"
    assert limb.test_dataloader.dataset.coordinates == 2  # heatmaps are drawn from x, y
    # without the data: the registered layout and the configured class count
    assert load_config("stgcnpp_joint", cfg_options=options).model.cls_head.num_classes == 32


@pytest.mark.slow
def test_a_new_skeleton_dataset_trains_predicts_and_ensembles_with_commands_only(ten_classes, tmp_path):
    from competition.core.probabilities import load_probabilities

    options = ["--cfg-options", "skeleton_layout=kinect20"]
    folders = []
    for name in ("stgcnpp_bone_motion", "posec3d_limb"):
        work = tmp_path / "work" / name
        assert main(["train", f"tiny/{name}", "--data-root", str(ten_classes), "--work-dir", str(work),
                     "--seed", "0", *options]) == 0
        checkpoint = work / "epoch_1.pth"
        for split in ("val", "test"):
            assert main(["predict", f"tiny/{name}", str(checkpoint), "--split", split, "--data-root",
                         str(ten_classes), "--out", str(tmp_path / "predictions" / name), "--cfg-options",
                         "skeleton_layout=kinect20"]) == 0
        probs = load_probabilities(tmp_path / "predictions" / name / "test.npz", num_classes=10)
        assert len(probs) == 20 and probs.has_labels  # the imported test split keeps its labels
        folders.append(str(tmp_path / "predictions" / name))
    spec = tmp_path / "ensemble.json"
    assert main(["ensemble", "--track", "1", *folders, "--method", "mean", "--folds", "2",
                 "--out", str(spec), "--quiet", "--work-dir", str(tmp_path / "ens")]) == 0
    assert json.loads(spec.read_text())["num_classes"] == 10


def test_import_the_real_jhmdb_joints(tmp_path):
    from tests.conftest import real_path

    source = real_path("jhmdb")
    summary = import_skeleton(source, tmp_path / "jhmdb", "jhmdb15")
    assert set(summary.schemes) == {"split1", "split2", "split3"} and len(summary.classes) == 14
    for scheme, counts in summary.schemes.items():
        with np.load(source / f"{scheme}_train.npz") as train, np.load(source / f"{scheme}_test.npz") as test:
            assert counts["train"] + counts["val"] == len(train["lengths"]) and counts["test"] == len(test["lengths"])
        data = load_pose_annotations(tmp_path / "jhmdb" / scheme / "pose" / "jhmdb15.npz", split="test")
        assert {a["label"] for a in data["annotations"]} == set(range(14))  # JHMDB's test labels are kept
