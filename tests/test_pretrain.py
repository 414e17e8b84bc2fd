"""Masked video pretraining: tube masks, the visible-token encoder, the loss, the corpus, `miga corpus`,
`miga pretrain` with resume, and its checkpoint loading into the fine-tune configs."""
import io
import math
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import torch

import models  # noqa: F401  (applies the OpenMMLab repairs before mmaction2 is imported)
from competition.cli import main
from competition.core.errors import DataError

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import one_torch_thread  # noqa: E402, F401
from torchrun_helper import run_log, torchrun  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def registered_modules():
    from mmaction.utils import register_all_modules

    import models.pretrain.corpus  # noqa: F401
    import models.pretrain.model  # noqa: F401
    import models.seed_papers.gaie_vit  # noqa: F401

    register_all_modules(init_default_scope=True)


TINY_VIT = dict(type="GAIEViT", img_size=32, num_frames=8, patch_size=8, embed_dims=32, depth=2, num_heads=2,
                gaie_layers=())


def pretrainer(backbone=TINY_VIT, **kwargs):
    from mmaction.registry import MODELS

    from models.components.pipelines import video_preprocessor

    options = dict(type="MaskedVideoPretrainer", backbone=backbone, decoder=dict(embed_dims=16, depth=1,
                   num_heads=2), data_preprocessor=video_preprocessor())
    options.update(kwargs)
    model = MODELS.build(options)
    model.init_weights()
    return model


# ---------------------------------------------------------------- masking, encoder, decoder, loss

@pytest.mark.parametrize("grid, ratio", [((4, 4, 4), 0.9), ((8, 14, 14), 0.9), ((2, 3, 5), 0.75), ((3, 2, 2), 0.0)])
def test_tube_mask_hides_exactly_the_share_per_clip_and_the_same_positions_in_every_slot(grid, ratio):
    from models.pretrain.masking import tube_mask

    slots, height, width = grid
    area = height * width
    visible, masked = tube_mask(6, grid, ratio, generator=torch.Generator().manual_seed(0))
    hidden = int(ratio * area)
    assert masked.shape == (6, slots * hidden) and visible.shape == (6, slots * (area - hidden))
    for clip in range(6):
        every = torch.cat([visible[clip], masked[clip]]).sort().values
        assert torch.equal(every, torch.arange(slots * area))  # each token exactly once
        positions = masked[clip].reshape(slots, hidden) - torch.arange(slots)[:, None] * area
        assert (positions == positions[0]).all()  # a tube: the same spatial positions in every slot
        assert torch.equal(masked[clip], masked[clip].sort().values)
    if 0 < hidden < area:
        assert len({tuple(m.tolist()) for m in masked}) > 1  # clips get their own masks


def test_mask_ratio_outside_zero_to_one_is_refused():
    from models.pretrain.masking import tube_mask

    with pytest.raises(ValueError, match="mask ratio"):
        tube_mask(1, (2, 2, 2), 1.0)


def test_pixel_targets_follow_the_token_order_and_normalise_each_tubelet_per_channel():
    from models.pretrain.model import patchify, pixel_targets

    video = torch.rand(2, 3, 4, 8, 12)
    tubelet = (2, 4, 4)
    patches = patchify(video, tubelet)  # grid (2, 2, 3)
    t, h, w = 1, 1, 2
    token = t * 2 * 3 + h * 3 + w
    block = video[:, :, 2 * t:2 * t + 2, 4 * h:4 * h + 4, 4 * w:4 * w + 4]  # [B, C, 2, 4, 4]
    torch.testing.assert_close(patches[:, token], block.permute(0, 2, 3, 4, 1).reshape(2, 32, 3))
    normalised = pixel_targets(video, tubelet).reshape(2, 12, 32, 3)
    torch.testing.assert_close(normalised.mean(dim=2), torch.zeros(2, 12, 3), atol=1e-5, rtol=0)
    torch.testing.assert_close(normalised.std(dim=2), torch.ones(2, 12, 3), atol=1e-3, rtol=0)
    raw = pixel_targets(video, tubelet, normalize=False).reshape(2, 12, 32, 3)
    torch.testing.assert_close(raw, patches)


@pytest.mark.parametrize("backbone", [TINY_VIT, dict(type="VisionTransformer", img_size=32, num_frames=8,
                                                     patch_size=8, embed_dims=32, depth=2, num_heads=2)])
def test_encoder_blocks_receive_only_the_visible_tokens(backbone):
    from models.pretrain.encoders import embed_tokens
    from models.pretrain.masking import gather_tokens, tube_mask

    model = pretrainer(backbone).eval()
    video = torch.randn(3, 3, 8, 32, 32)
    seen = []
    model.backbone.blocks[0].register_forward_pre_hook(lambda module, args: seen.append(args[0].detach()))
    torch.manual_seed(7)
    with torch.no_grad():
        out = model(video[:, None], mode="tensor")
    torch.manual_seed(7)
    visible, masked = tube_mask(3, (4, 4, 4), 0.9)
    assert torch.equal(out["visible"], visible) and torch.equal(out["masked"], masked)
    assert seen[0].shape == (3, 4 * 2, 32)  # ⌊0.9·16⌋ = 14 of 16 positions hidden: 2 visible in each of 4 slots
    with torch.no_grad():
        tokens, grid = embed_tokens(model.backbone, video)
    assert grid == (4, 4, 4)
    torch.testing.assert_close(seen[0], gather_tokens(tokens, visible))
    assert out["predicted"].shape == out["target"].shape == (3, 4 * 14, 2 * 8 * 8 * 3)


def test_gaie_must_be_off_while_pretraining():
    with pytest.raises(ValueError, match="gaie_layers=()"):
        pretrainer(dict(TINY_VIT, gaie_layers=(1,)))


def _moving_squares(batch=4, frames=8, size=32, seed=0):
    """Clips of a bright square moving on a dark background: structure the masked tubelets can be predicted from."""
    generator = torch.Generator().manual_seed(seed)
    video = torch.full((batch, 1, 3, frames, size, size), 20.0)
    for b in range(batch):
        x, y = torch.randint(0, size - 12, (2,), generator=generator).tolist()
        for t in range(frames):
            video[b, 0, :, t, y:y + 10, x + t:x + t + 10] = 230.0
    return video


def test_loss_decreases_on_a_fixed_batch():
    torch.manual_seed(0)
    model = pretrainer(decoder=dict(embed_dims=32, depth=1, num_heads=2))
    preprocessor = model.data_preprocessor
    video = (_moving_squares() - preprocessor.mean) / preprocessor.std  # as the preprocessor hands it over
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(100):
        torch.manual_seed(1)  # the same masks every step: a fixed batch
        loss = model(video, mode="loss")["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert math.isfinite(last) and last < 0.75 * first, (first, last)


def test_prediction_mode_says_how_to_fine_tune():
    with pytest.raises(ValueError, match="--load-from"):
        pretrainer()(torch.zeros(1, 1, 3, 8, 32, 32), mode="predict")


# ---------------------------------------------------------------- the corpus

def test_window_starts():
    from competition.data.corpus import count_windows, window_starts

    assert list(window_starts(100, 24, 16)) == [0, 16, 32, 48, 64]
    assert list(window_starts(24, 24, 16)) == [0]
    assert list(window_starts(10, 24, 16)) == [0]  # shorter than a window: one window over all of it
    assert count_windows(0, 24, 16) == 0
    with pytest.raises(ValueError):
        window_starts(100, 0, 16)


@pytest.fixture(scope="module")
def corpus(synthetic_raw, prepared):
    from competition.data.corpus import build_corpus

    entries, problems = build_corpus(synthetic_raw, prepared, progress=False)
    assert not problems
    return entries


def test_corpus_lists_every_long_video_of_every_split_and_every_clip_without_labels(synthetic_raw, prepared,
                                                                                   corpus):
    import csv

    from competition.data import layout
    from competition.data.corpus import CORPUS_FILE, read_corpus
    from competition.data.tables import read_clips
    from competition.data.video import video_info

    videos = [e for e in corpus if e.source == "video"]
    expected = {(split, v) for split in ("train", "val", "test") for v in layout.video_ids(synthetic_raw, split)}
    assert {(e.split, e.video_id) for e in videos} == expected
    for entry in videos[:3]:
        assert entry.frames == video_info(synthetic_raw / entry.path).frames
    clips = read_clips(prepared)
    assert sorted(e.path for e in corpus if e.source == "clip") == sorted(f"rgb/clips/{c}.mp4" for c in clips.clip_id)
    with open(prepared / CORPUS_FILE, newline="") as handle:
        header = next(csv.reader(handle))
    assert "label" not in header and "raw_class" not in header
    assert read_corpus(prepared / CORPUS_FILE) == corpus


def test_corpus_names_a_broken_video_and_skip_bad_leaves_it_out(synthetic_raw, prepared, tmp_path):
    import shutil

    from competition.data.corpus import build_corpus, long_videos

    raw = shutil.copytree(synthetic_raw, tmp_path / "raw")
    prepared = shutil.copytree(prepared, tmp_path / "prepared")
    _, _, path = long_videos(raw)[0]
    path.write_bytes(b"not a video")
    with pytest.raises(DataError, match=path.name):
        build_corpus(raw, prepared, progress=False)
    with redirect_stderr(io.StringIO()):
        entries, problems = build_corpus(raw, prepared, skip_bad=True, progress=False)
    assert len(problems) == 1 and str(path) in str(problems[0])
    assert len([e for e in entries if e.source == "video"]) == len(long_videos(raw)) - 1


def test_read_corpus_says_what_is_wrong(tmp_path):
    from competition.data.corpus import read_corpus

    with pytest.raises(DataError, match="miga corpus"):
        read_corpus(tmp_path / "none.csv")
    bad = tmp_path / "corpus.csv"
    bad.write_text("source,split,video_id,path,frames,height,width\nvideo,train,1,a.mp4,many,1,1\n")
    with pytest.raises(DataError, match="row 2"):
        read_corpus(bad)


def test_corpus_dataset_gives_windows_and_clips_as_model_inputs(synthetic_raw, prepared, corpus):
    from mmaction.registry import DATASETS

    from competition.data.corpus import corpus_samples
    from models.pretrain.pipelines import corpus_pipeline

    dataset = DATASETS.build(dict(type="UnlabeledVideoCorpus", data_root=str(prepared), raw_root=str(synthetic_raw),
                                  window_len=24, window_stride=16,
                                  pipeline=corpus_pipeline(clip_len=8, frame_interval=2, resize=40, crop=32)))
    windows, clips, _ = corpus_samples(corpus, 24, 16)
    assert len(dataset) == windows + clips
    first = dataset.get_data_info(0)
    assert first["start_index"] == 0 and first["total_frames"] == 24 and first["filename"].endswith(".mp4")
    for index in (1, len(dataset) - 1):  # a window of a long video, a cut clip
        sample = dataset[index]
        assert sample["inputs"].shape == (1, 3, 8, 32, 32)
        assert "gt_label" not in sample["data_samples"]


def test_span_sampler_stays_inside_its_range():
    from models.pretrain.corpus import SpanSampleFrames

    sampler = SpanSampleFrames(clip_len=16, frame_interval=4)
    for _ in range(20):
        out = sampler(dict(start_index=100, total_frames=96))
        assert out["frame_interval"] == 4 and 100 <= out["frame_inds"].min() and out["frame_inds"].max() < 196
    short = sampler(dict(start_index=0, total_frames=40))  # 16 frames every 2nd fit in 40, every 4th do not
    assert short["frame_interval"] == 2 and short["frame_inds"].max() < 40
    tiny = sampler(dict(start_index=5, total_frames=10))  # fewer frames than clip_len: spread with repeats
    assert len(tiny["frame_inds"]) == 16 and tiny["frame_inds"].min() == 5 and tiny["frame_inds"].max() == 14


def test_an_out_of_date_index_is_named(synthetic_raw, corpus):
    from models.pretrain.corpus import VideoFileInit

    video = next(e for e in corpus if e.source == "video")
    with pytest.raises(DataError, match="miga corpus"):
        VideoFileInit()(dict(filename=str(synthetic_raw / video.path), frame_inds=[video.frames + 5]))


# ---------------------------------------------------------------- configs

def _backbone_state(config):
    import importlib

    from mmaction.registry import MODELS

    from models.runner.config import load_config

    cfg = load_config(config, data_root="unused")
    for module in cfg.custom_imports["imports"]:
        importlib.import_module(module)
    with torch.device("meta"):
        backbone = MODELS.build(cfg.model.backbone)
    return cfg, {k: tuple(v.shape) for k, v in backbone.state_dict().items()}


@pytest.mark.parametrize("config", ["pretrain/videomae_vit_b", "pretrain/videomae_vit_s",
                                    "pretrain/tiny/videomae_vit_b", "pretrain/tiny/videomae_vit_s"])
def test_pretrained_encoder_fills_every_backbone_tensor_of_its_fine_tune_configs(config):
    cfg, encoder = _backbone_state(config)
    assert cfg.fine_tune_configs
    for fine_tune in cfg.fine_tune_configs:
        assert _backbone_state(fine_tune)[1] == encoder, fine_tune


def test_full_pretraining_configs_follow_the_published_videomae_recipe():
    from models.runner.config import load_config

    for name, width, decoder_width, heads, epochs in (("videomae_vit_b", 768, 384, 6, 800),
                                                      ("videomae_vit_s", 384, 192, 3, 1600)):
        cfg = load_config(f"pretrain/{name}", data_root="unused")
        assert cfg.model.mask_ratio == 0.9 and cfg.model.normalize_target
        assert cfg.model.backbone.embed_dims == width and cfg.model.backbone.img_size == 224
        assert cfg.model.backbone.num_frames == 16 and cfg.model.backbone.patch_size == 16
        assert dict(cfg.model.decoder) == dict(embed_dims=decoder_width, depth=4, num_heads=heads)
        optimizer = cfg.optim_wrapper.optimizer
        assert (optimizer.type, optimizer.lr, tuple(optimizer.betas), optimizer.weight_decay) == (
            "AdamW", 1.5e-4, (0.9, 0.95), 0.05)
        assert cfg.auto_scale_lr.enable and cfg.auto_scale_lr.base_batch_size == 256
        warmup, cosine = cfg.param_scheduler
        assert warmup.end == 40 and warmup.start_factor * optimizer.lr == pytest.approx(1e-6)
        assert cosine.end == epochs == cfg.train_cfg.max_epochs
        assert cosine.eta_min_ratio * optimizer.lr == pytest.approx(1e-5)
        loader = cfg.train_dataloader
        assert loader.batch_size == 32
        sample = loader.dataset.pipeline[0]
        assert (sample.clip_len, sample.frame_interval) == (16, 4)
        crop = next(s for s in loader.dataset.pipeline if s.type == "MultiScaleCrop")
        assert crop.scales == (1, 0.875, 0.75, 0.66) and crop.input_size == 224
        assert not any(s.type == "Flip" for s in loader.dataset.pipeline)


def test_raw_root_is_set_in_one_place(monkeypatch):
    from models.runner.config import load_config

    monkeypatch.setenv("MIGA_RAW", "/from/env")
    assert load_config("pretrain/tiny/videomae_vit_b").train_dataloader.dataset.raw_root == "/from/env"
    cfg = load_config("pretrain/tiny/videomae_vit_b", raw_root="/given", data_root="/data")
    assert (cfg.train_dataloader.dataset.raw_root, cfg.train_dataloader.dataset.data_root) == ("/given", "/data")


def test_layer_decay_gives_deeper_blocks_larger_learning_rates():
    from mmaction.registry import MODELS
    from mmengine.optim import build_optim_wrapper

    import models.components.optimizers  # noqa: F401
    from models.runner.config import load_config

    cfg = load_config("tiny/vit_b_rgb", data_root="unused")
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    rate, lr = cfg.optim_wrapper.paramwise_cfg.decay_rate, cfg.optim_wrapper.optimizer.lr
    by_name = {}
    for group in wrapper.optimizer.param_groups:
        for param in group["params"]:
            by_name[next(n for n, p in model.named_parameters() if p is param)] = group
    depth = len(model.backbone.blocks)
    assert by_name["backbone.patch_embed.proj.weight"]["lr"] == pytest.approx(lr * rate ** (depth + 1))
    assert by_name["backbone.blocks.0.mlp.fc1.weight"]["lr"] == pytest.approx(lr * rate ** depth)
    assert by_name[f"backbone.blocks.{depth - 1}.mlp.fc1.weight"]["lr"] == pytest.approx(lr * rate)
    assert by_name["cls_head.fc_cls.weight"]["lr"] == pytest.approx(lr)
    assert by_name["backbone.blocks.0.attn.q_bias"]["weight_decay"] == 0.0
    assert by_name["backbone.blocks.0.mlp.fc1.weight"]["weight_decay"] == cfg.optim_wrapper.optimizer.weight_decay


# ---------------------------------------------------------------- miga corpus, miga pretrain, miga train --load-from

# Few samples, so that the tests' runs take seconds: long-video windows every 300 frames, clips left out.
QUICK = ["train_dataloader.dataset.window_stride=300", "train_dataloader.dataset.include_clips=False",
         "log_level=WARNING"]


@pytest.fixture(scope="module")
def pretrained(synthetic_raw, prepared, tmp_path_factory):
    """`miga corpus` then `miga pretrain` of the tiny config: (work dir, checkpoint, printed lines)."""
    with redirect_stdout(io.StringIO()) as printed, redirect_stderr(io.StringIO()):
        assert main(["corpus", str(synthetic_raw), str(prepared), "--config", "pretrain/tiny/videomae_vit_b",
                     "--no-progress"]) == 0
        work = tmp_path_factory.mktemp("pretrain")
        assert main(["pretrain", "pretrain/tiny/videomae_vit_b", "--data-root", str(prepared), "--raw-root",
                     str(synthetic_raw), "--work-dir", str(work), "--seed", "0", "--cfg-options", *QUICK]) == 0
    lines = printed.getvalue().splitlines()
    checkpoint = Path(next(line for line in lines if line.startswith("checkpoint: ")).split(": ", 1)[1])
    return work, checkpoint, lines


def test_corpus_and_pretrain_commands_print_what_they_did(pretrained):
    _, checkpoint, lines = pretrained
    assert any(line.startswith("corpus: 12 long videos") and "samples an epoch" in line for line in lines), lines
    assert checkpoint.is_file()
    assert f"fine-tune: miga train tiny/vit_b_rgb --load-from {checkpoint}" in lines


@pytest.mark.slow
@pytest.mark.parametrize("config", ["tiny/vit_b_rgb", "seed_papers/tiny/gaie_vit_b_pretrained"])
def test_pretrained_encoder_loads_whole_into_the_fine_tune_configs(pretrained, prepared, config, tmp_path):
    _, checkpoint, _ = pretrained
    work = tmp_path / "work"
    with redirect_stdout(io.StringIO()) as printed, redirect_stderr(io.StringIO()):
        assert main(["train", config, "--data-root", str(prepared), "--work-dir", str(work), "--load-from",
                     str(checkpoint), "--seed", "0", "--cfg-options", "log_level=WARNING",
                     "train_dataloader.dataset.times=1"]) == 0
    report = next(line for line in printed.getvalue().splitlines() if line.startswith("transfer from"))
    encoder = {k: v for k, v in torch.load(checkpoint, weights_only=True)["state_dict"].items()
               if k.startswith("backbone.")}
    assert f"pretrained encoder: all {len(encoder)} backbone.* tensors loaded" in report, report
    assert "2 initialised afresh (cls_head.fc_cls.bias, cls_head.fc_cls.weight)" in report
    assert "unused (decoder " in report
    start = torch.load(work / "transfer_init.pth", weights_only=True)["state_dict"]
    assert set(start) == set(encoder)
    assert all(torch.equal(start[k], encoder[k]) for k in encoder)
    assert (work / "last_checkpoint").exists()


def test_a_pretrained_encoder_that_does_not_fit_is_refused(pretrained, prepared, tmp_path):
    _, checkpoint, _ = pretrained
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        assert main(["train", "tiny/vit_b_rgb", "--data-root", str(prepared), "--work-dir", str(tmp_path / "w"),
                     "--load-from", str(checkpoint), "--cfg-options", "model.backbone.depth=5"]) == 2
    assert "does not fit the config's backbone" in err.getvalue() and "backbone.blocks.4" in err.getvalue()
    assert not (tmp_path / "w" / "transfer_init.pth").exists()


def test_pretrain_refuses_a_fine_tune_config_and_a_missing_corpus(prepared, tmp_path):
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        assert main(["pretrain", "tiny/vit_b_rgb", "--data-root", str(prepared)]) == 2
        assert main(["pretrain", "pretrain/tiny/videomae_vit_b", "--data-root", str(tmp_path)]) == 2
    assert "not a pretraining config" in err.getvalue() and "miga corpus RAW PREPARED" in err.getvalue()


def test_pretrain_checks_the_raw_root(pretrained, prepared, tmp_path):
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        assert main(["pretrain", "pretrain/tiny/videomae_vit_b", "--data-root", str(prepared), "--raw-root",
                     str(tmp_path), "--work-dir", str(tmp_path / "w")]) == 2
    assert "--raw-root" in err.getvalue()


@pytest.mark.slow
def test_interrupted_pretraining_resumes(pretrained, synthetic_raw, prepared, tmp_path):
    from mmengine.hooks import Hook
    from mmengine.registry import HOOKS

    from models.runner.pretrain import prepare_pretrain_config, pretrain

    @HOOKS.register_module(force=True)
    class InterruptPretrainingInEpochTwo(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if runner.epoch == 1 and batch_idx == 1:
                raise KeyboardInterrupt

    def config(resume, hooks=()):
        options = {"train_cfg.max_epochs": 2, "train_dataloader.dataset.window_stride": 300,
                   "train_dataloader.dataset.include_clips": False, "log_level": "WARNING",
                   "custom_hooks": [dict(type="PretrainedEncoderMeta"), *hooks]}
        return prepare_pretrain_config("pretrain/tiny/videomae_vit_b", work_dir=work, data_root=prepared,
                                       raw_root=synthetic_raw, resume=resume, seed=0, cfg_options=options)

    work = tmp_path / "work"
    with pytest.raises(KeyboardInterrupt):
        pretrain(config(False, [dict(type="InterruptPretrainingInEpochTwo")]))
    assert (work / "epoch_1.pth").exists() and not (work / "epoch_2.pth").exists()
    first = torch.load(work / "epoch_1.pth", weights_only=True)
    runner = pretrain(config(True))
    assert runner.epoch == 2 and runner.iter == 2 * len(runner.train_dataloader)  # epoch 1 not trained again
    second = torch.load(work / "epoch_2.pth", weights_only=True)
    assert second["meta"]["pretrained_encoder"]["prefix"] == "backbone."
    name = "backbone.fc_norm.weight"
    assert not torch.equal(first["state_dict"][name], second["state_dict"][name])  # epoch 2 trained


@pytest.mark.slow
def test_pretraining_runs_under_torchrun(pretrained, synthetic_raw, prepared, tmp_path):
    work = tmp_path / "work"
    torchrun("pretrain", "pretrain/tiny/videomae_vit_b", "--launcher", "pytorch", "--data-root", prepared,
             "--raw-root", synthetic_raw, "--work-dir", work, "--seed", "0", "--cfg-options", *QUICK[:2])
    log = run_log(work)
    assert "Distributed training: True" in log and "MMDistributedDataParallel" in log
    checkpoint = torch.load(work / "epoch_1.pth", weights_only=True)
    assert checkpoint["meta"]["pretrained_encoder"]["tensors"] == 56
