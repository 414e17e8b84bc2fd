"""The seed papers' architectures: each defining behaviour, and tiny configs that train and predict."""
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.cli import main
from competition.core.probabilities import load_probabilities

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import make_prepared, one_torch_thread  # noqa: E402, F401


@pytest.fixture(autouse=True, scope="module")
def registered_modules():
    from mmaction.utils import register_all_modules

    register_all_modules(init_default_scope=True)


def ceil_share(n, numerator=7, denominator=10):
    return -(-numerator * n // denominator)  # ⌈0.7·n⌉ in integers


# ---------------------------------------------------------------- GAIE ViT

def tiny_vit(**kwargs):
    from models.seed_papers.gaie_vit import GAIEViT

    options = dict(img_size=32, num_frames=4, patch_size=8, embed_dims=16, depth=4, num_heads=2,
                   gaie_layers=(2, 3), keep_ratio=0.7)
    options.update(kwargs)
    model = GAIEViT(**options)
    model.init_weights()
    return model


def test_gaie_keeps_the_most_attended_tokens_and_merges_the_rest_into_means():
    from models.seed_papers.gaie_vit import global_aware_merge

    generator = torch.Generator().manual_seed(0)
    batch, tokens, channels = 2, 13, 6
    x = torch.randn(batch, tokens, channels, generator=generator)
    attention = torch.randn(batch, 3, tokens, tokens, generator=generator).softmax(dim=-1)
    merged, foreground, assignment = global_aware_merge(x, attention, 0.7)

    keep = ceil_share(tokens)
    assert merged.shape == (batch, keep, channels)
    for b in range(batch):
        received = attention[b].mean(dim=(0, 1))  # mean attention each token receives
        expected_fg = sorted(received.argsort(descending=True)[:keep].tolist())
        assert foreground[b].tolist() == expected_fg
        members = {f: [x[b, f]] for f in expected_fg}
        for j in sorted(set(range(tokens)) - set(expected_fg)):
            cosine = [torch.nn.functional.cosine_similarity(x[b, j], x[b, f], dim=0) for f in expected_fg]
            members[expected_fg[int(np.argmax(cosine))]].append(x[b, j])
        expected = torch.stack([torch.stack(members[f]).mean(0) for f in expected_fg])
        torch.testing.assert_close(merged[b], expected)


def test_gaie_merged_feature_is_the_mean_of_the_token_and_its_joiners():
    from models.seed_papers.gaie_vit import global_aware_merge

    # Ten tokens; token j receives attention proportional to 10 - j, so tokens 0..6 are the foreground.
    received = torch.arange(10, 0, -1, dtype=torch.float32)
    attention = (received / received.sum()).expand(1, 2, 10, 10)
    x = torch.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1],
                      [2, 0.1, 0],  # background, closest to token 0
                      [0.1, 3, 0],  # background, closest to token 1
                      [3, 0, 0.1]])  # background, closest to token 0
    merged, foreground, assignment = global_aware_merge(x[None], attention, 0.7)
    assert foreground[0].tolist() == list(range(7))
    assert merged.shape == (1, 7, 3)
    torch.testing.assert_close(merged[0, 0], (x[0] + x[7] + x[9]) / 3)
    torch.testing.assert_close(merged[0, 1], (x[1] + x[8]) / 2)
    torch.testing.assert_close(merged[0, 2:], x[2:7])  # foreground tokens nobody joined are unchanged


def test_gaie_vit_shrinks_tokens_at_the_chosen_blocks_and_the_plain_vit_does_not():
    model = tiny_vit().eval()
    seen = []
    for block in model.blocks:
        block.register_forward_hook(lambda module, inputs, output: seen.append(output.shape[1]))
    with torch.no_grad():
        feature = model(torch.randn(2, 3, 4, 32, 32))
    tokens = 2 * 4 * 4
    after_2 = ceil_share(tokens)
    assert seen == [tokens, after_2, ceil_share(after_2), ceil_share(after_2)] == model.token_counts()
    assert feature.shape == (2, 16)
    assert tiny_vit(gaie_layers=()).token_counts() == [tokens] * 4
    full = tiny_vit(img_size=224, num_frames=16, patch_size=16, gaie_layers=(4, 7, 10), depth=12)
    assert full.token_counts()[3] == ceil_share(1568) == 1098


def test_videomae_checkpoints_load_in_both_layouts_and_bad_files_say_why(tmp_path):
    source = tiny_vit()
    state = source.state_dict()
    # Official VideoMAE pre-training layout: `model` dict, `encoder.` prefix, final `norm`, decoder weights.
    official = {("encoder." + k.replace("fc_norm.", "norm.")): v for k, v in state.items()}
    official.update({"decoder.blocks.0.attn.qkv.weight": torch.zeros(3, 3), "mask_token": torch.zeros(1, 1, 16)})
    torch.save({"model": official}, tmp_path / "videomae.pth")
    # mmaction2's conversion: `state_dict`, `backbone.` prefix, its own patch-embedding and FFN names.
    renames = (("patch_embed.proj.", "patch_embed.projection."), (".mlp.fc1.", ".mlp.layers.0.0."),
               (".mlp.fc2.", ".mlp.layers.1."))
    converted = {}
    for key, value in state.items():
        for new, old in renames:
            key = key.replace(new, old)
        converted["backbone." + key] = value
    converted["cls_head.fc_cls.weight"] = torch.zeros(32, 16)
    torch.save({"state_dict": converted}, tmp_path / "mmaction.pth")

    for name in ("videomae.pth", "mmaction.pth"):
        loaded = tiny_vit(pretrained=str(tmp_path / name))
        for key, value in state.items():
            torch.testing.assert_close(loaded.state_dict()[key], value)

    torch.save({"model": {"encoder.blocks.0.norm1.weight": torch.ones(16)}}, tmp_path / "partial.pth")
    with pytest.raises(ValueError, match="partial.pth.*missing"):
        tiny_vit(pretrained=str(tmp_path / "partial.pth"))
    with pytest.raises(ValueError, match="shapes differ"):
        tiny_vit(embed_dims=32, pretrained=str(tmp_path / "videomae.pth"))
    with pytest.raises(FileNotFoundError, match="cannot be downloaded"):
        tiny_vit(pretrained=str(tmp_path / "absent.pth"))


def test_benchmark_counts_fewer_macs_with_gaie(capsys):
    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    import gaie_vit as benchmark

    benchmark.main(["--frames", "4", "--size", "64"])
    out = capsys.readouterr().out
    plain, gaie = [float(line.split("|")[2]) for line in out.splitlines() if line.startswith("| ViT-B")]
    assert 0.5 < gaie / plain < 0.8


# ---------------------------------------------------------------- CLIP-MG

TOWER = dict(img_size=32, patch_size=8, embed_dim=32, depth=4, num_heads=2)


def tiny_clip_mg(**kwargs):
    from models.seed_papers.clip_mg import CLIPMG

    model = CLIPMG(num_joints=5, arch_kwargs=TOWER, frozen_blocks=2, pose_channels=(4, 8, 8), sigma=6.0, **kwargs)
    model.init_weights()
    return model


def clip_inputs(views=2, frames=4, window=2, joints=5):
    generator = torch.Generator().manual_seed(1)
    imgs = torch.randn(views, 3, frames, 32, 32, generator=generator)
    heatmaps = torch.rand(views, joints, frames * window, 8, 8, generator=generator)
    keypoint = torch.rand(views, 1, frames * window, joints, 2, generator=generator) * 32
    score = torch.rand(views, 1, frames * window, joints, generator=generator) + 0.1
    return imgs, heatmaps, keypoint, score


def test_clip_mg_gates_lie_strictly_between_zero_and_one():
    model = tiny_clip_mg().train()
    feature = model(*clip_inputs())
    assert feature.shape == (2, 32)
    assert model.last_token_gate.shape == (2, 4, 16)  # one gate per patch token of each frame of each clip
    assert model.channel_gate.last_gate.shape == (2, 32)  # one global channel gate per clip
    for gate in (model.last_token_gate, model.channel_gate.last_gate):
        assert gate.min() > 0 and gate.max() < 1
    a, b = torch.zeros(1, 32), torch.ones(1, 32)
    mixed = model.channel_gate(a, b)  # the channel gate mixes its two inputs convexly
    assert (mixed > 0).all() and (mixed < 1).all()


def test_clip_mg_token_gate_is_a_per_patch_function_of_the_dot_product_with_the_pose():
    from models.seed_papers.clip_mg import semantic_query

    pose = torch.tensor([[1.0, 0.0, 0.0]])
    patches = torch.tensor([[[[2.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 3.0, 0.0]]]])  # 1 clip, 1 frame, 3 patches
    uniform = torch.full((1, 1, 3), 1 / 3)
    query, gates = semantic_query(patches, pose, uniform, torch.ones(1, 1))
    # two patches of one frame that align differently with the pose get different gates: sigmoid(<p, x>)
    torch.testing.assert_close(gates[0, 0], torch.sigmoid(torch.tensor([2.0, -1.0, 0.0])))
    expected = (gates[0, 0, :, None] * patches[0, 0]).sum(0) / gates.sum()
    torch.testing.assert_close(query[0, 0], expected)


def test_clip_mg_one_clip_query_weighs_every_frames_patches_by_motion():
    from models.seed_papers.clip_mg import frame_motion_weights, semantic_query

    generator = torch.Generator().manual_seed(3)
    patches, pose = torch.randn(2, 3, 4, 5, generator=generator), torch.randn(2, 5, generator=generator)
    patch_weights = torch.rand(2, 3, 4, generator=generator)
    patch_weights /= patch_weights.sum(-1, keepdim=True)
    frame_weights = torch.tensor([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    query, gates = semantic_query(patches, pose, patch_weights, frame_weights)
    assert query.shape == (2, 1, 5)  # one query per clip, not one per frame
    for b in range(2):
        weights = [frame_weights[b, t] * patch_weights[b, t, i] * torch.sigmoid(pose[b] @ patches[b, t, i])
                   for t in range(3) for i in range(4)]
        tokens = [patches[b, t, i] for t in range(3) for i in range(4)]
        expected = sum(w * x for w, x in zip(weights, tokens)) / sum(weights)
        torch.testing.assert_close(query[b, 0], expected)
    # a frame of weight 0 adds nothing
    changed = patches.clone()
    changed[0, 2] += 100
    torch.testing.assert_close(semantic_query(changed, pose, patch_weights, frame_weights)[0][0], query[0])
    # frame weights follow each window's motion: window 1 moves, windows 0 and 2 are still
    keypoint = torch.zeros(1, 12, 2, 2)
    keypoint[0, 4:8, 0, 0] = torch.tensor([0.0, 3.0, 6.0, 9.0])
    weights = frame_motion_weights(keypoint, torch.ones(1, 12, 2), 3)
    assert weights.shape == (1, 3) and weights[0, 1] > 0.99
    torch.testing.assert_close(frame_motion_weights(torch.zeros(1, 12, 2, 2), torch.ones(1, 12, 2), 3),
                               torch.full((1, 3), 1 / 3))


def test_clip_mg_clip_query_attends_over_all_frames_tokens(monkeypatch):
    import models.seed_papers.clip_mg as clip_mg

    seen = []
    original = clip_mg.cross_attend

    def recording(block, query, tokens):
        seen.append((tuple(query.shape), tuple(tokens.shape)))
        return original(block, query, tokens)

    monkeypatch.setattr(clip_mg, "cross_attend", recording)
    model = tiny_clip_mg().eval()
    imgs, heatmaps, keypoint, score = clip_inputs()
    with torch.no_grad():
        feature = model(imgs, heatmaps, keypoint, score)
        later = imgs.clone()
        later[:, :, 3] += 1.0  # only the last frame changes
        assert not torch.allclose(model(later, heatmaps, keypoint, score), feature)
    assert seen[0] == ((2, 1, 32), (2, 4 * 16, 32))  # one query per clip over its 4 frames x 16 patches


def test_clip_mg_warns_when_its_frozen_blocks_stay_random(tmp_path):
    import timm

    with pytest.warns(UserWarning, match="2 frozen blocks keep their random initialisation"):
        tiny_clip_mg()
    source = timm.create_model("vit_base_patch16_clip_224", pretrained=False, num_classes=0, **TOWER)
    torch.save(source.state_dict(), tmp_path / "clip.pth")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny_clip_mg(pretrained=str(tmp_path / "clip.pth"))


def test_clip_mg_frozen_blocks_get_no_gradient_and_do_not_change():
    model = tiny_clip_mg().train()
    frozen = [model.tower.patch_embed, *model.tower.blocks[:2]]
    before = [p.detach().clone() for m in frozen for p in m.parameters()]
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0)
    model(*clip_inputs()).pow(2).sum().backward()
    optimizer.step()
    assert all(p.grad is None and not p.requires_grad for m in frozen for p in m.parameters())
    assert all(not m.training for m in frozen)
    trainable = [model.tower.blocks[2], model.tower.blocks[3], model.pose_encoder, model.channel_gate]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for m in trainable for p in m.parameters()
               if p.requires_grad)
    after = [p.detach() for m in frozen for p in m.parameters()]
    assert all(torch.equal(x, y) for x, y in zip(before, after))


def test_clip_mg_patch_weights_peak_at_the_moving_joint():
    from models.seed_papers.clip_mg import pose_patch_weights

    keypoint = torch.zeros(1, 4, 3, 2)
    keypoint[:, :, 0] = torch.tensor([4.0, 4.0])  # still joint in the top-left patch
    keypoint[:, :, 1] = torch.tensor([28.0, 4.0])  # still joint in the top-right patch
    keypoint[0, :, 2, 0] = torch.tensor([18.0, 19.0, 20.0, 21.0])  # moving joint around patch (row 3, col 2)
    keypoint[0, :, 2, 1] = 28.0
    weights = pose_patch_weights(keypoint, torch.ones(1, 4, 3), 1, (4, 4), 8, sigma=6.0)
    assert weights.shape == (1, 1, 16)
    torch.testing.assert_close(weights.sum(-1), torch.ones(1, 1))
    assert int(weights[0, 0].argmax()) == 3 * 4 + 2
    still = keypoint.clone()
    still[0, :, 2] = still[0, :1, 2]
    uniform = pose_patch_weights(still, torch.ones(1, 4, 3), 1, (4, 4), 8, sigma=6.0)
    torch.testing.assert_close(uniform, torch.full((1, 1, 16), 1 / 16))


def test_clip_mg_loads_local_tower_weights(tmp_path):
    import timm

    source = timm.create_model("vit_base_patch16_clip_224", pretrained=False, num_classes=0, **TOWER)
    torch.save(source.state_dict(), tmp_path / "clip.pth")
    model = tiny_clip_mg(pretrained=str(tmp_path / "clip.pth"))
    torch.testing.assert_close(model.tower.blocks[1].attn.qkv.weight, source.blocks[1].attn.qkv.weight)
    with pytest.raises(FileNotFoundError, match="local file"):
        tiny_clip_mg(pretrained=str(tmp_path / "absent.pth"))


# ---------------------------------------------------------------- token fusion with memory refinement

def memory_head(**kwargs):
    from models.seed_papers.token_fusion import MemoryRefinementHead

    options = dict(num_classes=3, in_channels=4, pose_channels=2, memory_size=3, momentum=0.9, num_neighbours=2,
                   num_heads=2, confidence=0.5)
    options.update(kwargs)
    return MemoryRefinementHead(**options)


def confident(label, classes=3):
    probs = torch.full((1, classes), 0.1)
    probs[0, label] = 0.8
    return probs


def test_memory_bank_fills_in_order_then_moves_the_nearest_slot_by_momentum():
    head = memory_head()
    stored = [torch.tensor([[1.0, 0, 0, 0]]), torch.tensor([[0, 1.0, 0, 0]]), torch.tensor([[0, 0, 1.0, 0]])]
    for k, embedding in enumerate(stored):
        head.update_memory(embedding, torch.tensor([1]), confident(1))
        assert int(head.memory_count[1]) == k + 1
    torch.testing.assert_close(head.memory[1], torch.cat(stored))
    assert int(head.memory_count.sum()) == 3  # other classes untouched

    new = torch.tensor([[0.2, 2.0, 0.0, 0.0]])  # nearest (cosine) to slot 1
    head.update_memory(new, torch.tensor([1]), confident(1))
    assert int(head.memory_count[1]) == 3
    torch.testing.assert_close(head.memory[1, 1], 0.9 * stored[1][0] + 0.1 * new[0])
    torch.testing.assert_close(head.memory[1, [0, 2]], torch.cat([stored[0], stored[2]]))


def test_memory_bank_keeps_only_confident_correct_embeddings():
    head = memory_head(confidence=0.7)
    head.update_memory(torch.ones(1, 4), torch.tensor([2]), confident(1))  # wrong class predicted
    unsure = torch.tensor([[0.2, 0.2, 0.6]])
    head.update_memory(torch.ones(1, 4), torch.tensor([2]), unsure)  # right, but below the confidence
    assert int(head.memory_count.sum()) == 0
    head.update_memory(torch.ones(1, 4), torch.tensor([2]), confident(2))
    assert head.memory_count.tolist() == [0, 0, 1]


def _samples(labels):
    from mmaction.structures import ActionDataSample

    return [ActionDataSample().set_gt_label(int(label)) for label in labels]


def test_refinement_is_inactive_while_alpha_is_zero_and_active_after():
    torch.manual_seed(0)
    head = memory_head(confidence=0.0)
    embedding, pose = torch.randn(4, 4), torch.randn(4, 2)
    labels = [0, 1, 2, 0]

    head.memory.normal_()
    head.memory_count.fill_(3)
    losses = head.loss((embedding, pose), _samples(labels))
    assert "loss_proto" not in losses
    losses["loss_cls"].backward()
    assert all(p.grad is None for p in head.refiner.parameters())
    plain = torch.stack([s.pred_score for s in head.predict((embedding, pose), _samples(labels))])
    head.memory.normal_()
    again = torch.stack([s.pred_score for s in head.predict((embedding, pose), _samples(labels))])
    torch.testing.assert_close(plain, again)  # the memory does not touch predictions while α = 0

    head.set_refine_weight(1.0)
    losses = head.loss((embedding, pose), _samples(labels))
    assert losses["loss_proto"] > 0
    losses["loss_proto"].backward()
    assert all(p.grad is not None for p in head.refiner.parameters())
    refined = torch.stack([s.pred_score for s in head.predict((embedding, pose), _samples(labels))])
    assert not torch.allclose(refined, again)


def test_refinement_schedule_hook_switches_alpha_by_epoch():
    from models.seed_papers.token_fusion import RefinementScheduleHook

    head = memory_head()
    hook = RefinementScheduleHook(start_epoch=2)
    runner = SimpleNamespace(model=SimpleNamespace(cls_head=head), epoch=0)
    alphas = []
    for epoch in range(4):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        alphas.append(float(head.refine_weight))
    assert alphas == [0.0, 0.0, 1.0, 1.0]


def test_refinement_alpha_rises_gradually_iteration_by_iteration():
    from models.seed_papers.token_fusion import RefinementScheduleHook

    head = memory_head()
    hook = RefinementScheduleHook(start_epoch=1, ramp_epochs=2)
    runner = SimpleNamespace(model=SimpleNamespace(cls_head=head), epoch=0, train_dataloader=range(4))
    alphas = []
    for epoch in range(4):
        runner.epoch = epoch
        for batch_idx in range(4):
            hook.before_train_iter(runner, batch_idx)
            alphas.append(float(head.refine_weight))
    assert alphas[:4] == [0.0] * 4  # the memory fills during the first epoch
    ramp = alphas[4:12]
    assert ramp == pytest.approx([i / 8 for i in range(8)])  # 0 → 1 over two epochs, a step per iteration
    assert alphas[12:] == [1.0] * 4
    assert all(b >= a for a, b in zip(alphas, alphas[1:]))


def test_prototype_margin_term_as_stated():
    from models.seed_papers.token_fusion import prototype_margin_loss

    memory = torch.zeros(3, 2, 2)
    memory[0, :2] = torch.tensor([[1.0, 0.2], [1.0, -0.2]])  # prototype of class 0: (1, 0)
    memory[1, :1] = torch.tensor([[0.0, 1.0]])  # class 1: (0, 1); class 2 has no memory yet
    count = torch.tensor([2, 1, 0])
    embedding = torch.tensor([[1.0, 1.0], [3.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([0, 0, 2])
    loss = prototype_margin_loss(embedding, labels, memory, count, margin=0.2)
    # clip 0: cos to its prototype = cos to the other = 0.7071 -> margin 0.2; clip 1: 1 vs 0 -> 0;
    # clip 2: its class has no prototype, it takes no part
    torch.testing.assert_close(loss, torch.tensor(0.1))
    assert float(prototype_margin_loss(embedding, torch.tensor([2, 2, 2]), memory, count, 0.2)) == 0.0


def test_late_fusion_weights_are_fixed_with_pose_above_rgb():
    head = memory_head(pose_weight=0.6)
    torch.testing.assert_close(head.fusion_weights(), torch.tensor([0.6, 0.4]))
    assert not any(p is head.late_fusion_weights for p in head.parameters())
    with pytest.raises(ValueError, match="pose branch weighs more"):
        memory_head(pose_weight=0.4)


def test_bone_stream_reads_the_same_bones_as_the_pipeline():
    from models.components.skeleton import BONE_PARENTS_36
    from models.components.transforms import SkeletonFeature
    from models.seed_papers.token_fusion import bone_features

    rng = np.random.default_rng(0)
    keypoint, score = rng.normal(size=(1, 5, 36, 2)).astype(np.float32), rng.random((1, 5, 36)).astype(np.float32)
    joint = SkeletonFeature("joint").transform(dict(keypoint=keypoint.copy(), keypoint_score=score.copy()))
    bone = SkeletonFeature("bone", BONE_PARENTS_36).transform(dict(keypoint=keypoint, keypoint_score=score))
    torch.testing.assert_close(bone_features(torch.from_numpy(joint["keypoint"]), torch.tensor(BONE_PARENTS_36)),
                               torch.from_numpy(bone["keypoint"]))


def _tiny_token_fusion(**backbone):
    from mmaction.registry import MODELS

    from models.runner.config import load_config

    cfg = load_config("seed_papers/tiny/token_fusion", data_root="unused")
    cfg.model.backbone.update(backbone)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def test_token_fusion_encoders_are_frozen_pretrained_feature_extractors(tmp_path):
    import models.seed_papers.token_fusion  # noqa: F401

    with pytest.warns(UserWarning, match="frozen rgb, joint, bone encoder"):
        model = _tiny_token_fusion()
    backbone = model.backbone.train()
    assert all(not e.training and not any(p.requires_grad for p in e.parameters())
               for e in backbone.encoders().values())
    # a joint encoder trained on its own (seed_papers/agcn_joint) loads from its checkpoint's backbone
    joint = {f"backbone.{k}": torch.randn_like(v) if v.is_floating_point() else v
             for k, v in backbone.pose_backbone.state_dict().items()}
    torch.save({"state_dict": {**joint, "cls_head.fc.weight": torch.zeros(3, 3)}}, tmp_path / "joint.pth")
    with pytest.warns(UserWarning, match="frozen rgb, bone encoder"):
        loaded = _tiny_token_fusion(encoder_checkpoints=dict(joint=str(tmp_path / "joint.pth")))
    for key, value in loaded.backbone.pose_backbone.state_dict().items():
        torch.testing.assert_close(value, joint[f"backbone.{key}"])
    torch.save({"state_dict": joint}, tmp_path / "not_bone.pth")
    with pytest.raises(ValueError, match="not a checkpoint of this rgb encoder"):
        _tiny_token_fusion(encoder_checkpoints=dict(rgb=str(tmp_path / "not_bone.pth")))
    # the fused layers still learn
    imgs, keypoint = torch.randn(2, 3, 8, 32, 32), torch.randn(2, 1, 16, 36, 3)
    embedding, pose = backbone(imgs, keypoint)
    assert pose.shape == (2, 32)  # joint and bone streams side by side
    (embedding.sum() + pose.sum()).backward()
    assert backbone.rgb_proj.weight.grad is not None and backbone.pose_proj.weight.grad is not None


def test_class_balanced_sampler_draws_every_class_alike():
    from models.seed_papers.sampling import ClassBalancedSampler

    labels = [0] * 90 + [1] * 9 + [2] * 1
    dataset = type("Labels", (), {"__len__": lambda self: len(labels),
                                  "get_data_info": lambda self, i: dict(label=labels[i])})()
    sampler = ClassBalancedSampler(dataset, seed=0)
    draws = []
    for epoch in range(30):
        sampler.set_epoch(epoch)
        draws += [labels[i] for i in sampler]
    assert len(sampler) == 100
    shares = np.bincount(draws, minlength=3) / len(draws)
    np.testing.assert_allclose(shares, 1 / 3, atol=0.03)
    sampler.set_epoch(0)
    first = list(sampler)
    sampler.set_epoch(1)
    assert list(sampler) != first


def _update_memory_in_process(rank, port, out):
    import os

    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    head = memory_head(confidence=0.0)
    count = 2 if rank == 0 else 1  # uneven batches, as the last batch of an epoch may be
    labels = torch.ones(count, dtype=torch.long)
    head.update_memory(torch.full((count, 4), rank + 1.0), labels, confident(1).repeat(count, 1))
    np.save(Path(out) / f"memory{rank}.npy", head.memory.numpy())
    np.save(Path(out) / f"count{rank}.npy", head.memory_count.numpy())
    dist.destroy_process_group()


def test_memory_banks_of_distributed_processes_stay_equal(tmp_path):
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    import models.seed_papers.token_fusion  # noqa: F401  (imported once, inherited by the forked processes)

    mp.start_processes(_update_memory_in_process, args=(port, str(tmp_path)), nprocs=2, start_method="fork")
    memories = [np.load(tmp_path / f"memory{rank}.npy") for rank in (0, 1)]
    np.testing.assert_array_equal(memories[0], memories[1])
    assert np.load(tmp_path / "count0.npy").tolist() == [0, 3, 0]
    np.testing.assert_array_equal(memories[0][1, :, 0], [1.0, 1.0, 2.0])  # both processes' embeddings


# ---------------------------------------------------------------- full-size configs

def test_full_size_configs_build_and_run_on_the_meta_device():
    """Full-size shapes agree end to end (no memory, no arithmetic: tensors on the meta device)."""
    import importlib

    from mmaction.registry import MODELS

    from models.runner.config import load_config

    inputs = {
        "gaie_vit_b": (torch.empty(1, 3, 16, 224, 224),),
        "clip_mg": (torch.empty(2, 3, 8, 224, 224), torch.empty(2, 36, 32, 56, 56), torch.empty(2, 1, 32, 36, 2),
                    torch.empty(2, 1, 32, 36)),
        "token_fusion": (torch.empty(2, 3, 16, 224, 224), torch.empty(2, 1, 32, 36, 3)),
    }
    for name, args in inputs.items():
        cfg = load_config(f"seed_papers/{name}", data_root="unused")
        for module in cfg.custom_imports["imports"]:
            importlib.import_module(module)
        with torch.device("meta"):
            model = MODELS.build(cfg.model)
            scores = model.cls_head(model.backbone(*[a.to("meta") for a in args]))
        assert scores.shape == (args[0].shape[0], 32), name
        if name == "clip_mg":
            frozen = [b for b in model.backbone.tower.blocks if not any(p.requires_grad for p in b.parameters())]
            assert len(model.backbone.tower.blocks) == 12 and len(frozen) == 10
        if name == "gaie_vit_b":
            assert model.backbone.token_counts() == [1568] * 3 + [1098] * 3 + [769] * 3 + [539] * 3


# ---------------------------------------------------------------- tiny configs through `miga train` / `miga predict`

@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    return make_prepared(tmp_path_factory.mktemp("seed_papers"), clips_per_class=(2, 1, 0), num_classes=8,
                         frames=16)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gaie_vit_b", "clip_mg", "token_fusion"])
def test_tiny_config_trains_and_predicts(name, tiny_data, tmp_path, capsys):
    work = tmp_path / "work"
    options = ["log_level=WARNING", "default_hooks.logger.interval=50"]
    assert main(["train", f"seed_papers/tiny/{name}", "--data-root", str(tiny_data), "--work-dir", str(work),
                 "--seed", "0", "--cfg-options", *options]) == 0
    checkpoint = Path((work / "last_checkpoint").read_text().strip())
    out = tmp_path / "predictions" / name
    assert main(["predict", f"seed_papers/tiny/{name}", str(checkpoint), "--split", "val", "--data-root",
                 str(tiny_data), "--out", str(out), "--cfg-options", "log_level=WARNING"]) == 0
    result = load_probabilities(out / "val.npz", num_classes=32, track=1)
    val_ids = [line.split()[0][:-4] for line in (tiny_data / "rgb" / "val.txt").read_text().splitlines()]
    assert sorted(result.ids.tolist()) == sorted(val_ids)
    np.testing.assert_allclose(result.probs.sum(1), 1, atol=1e-5)
    if name == "token_fusion":  # two epochs, α rising over the second: the hook ran, the checkpoint keeps α
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
        assert 0 < float(state["cls_head.refine_weight"]) <= 1  # on its ramp by the second epoch
        assert state["cls_head.late_fusion_weights"].tolist() == pytest.approx([0.6, 0.4])
