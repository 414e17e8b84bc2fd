# VideoMAE pretraining of the ViT-B encoder of ../vit_b_rgb.py and ../seed_papers/gaie_vit_b*.py on the
# competition's unlabeled footage (`miga corpus RAW PREPARED` first, then `miga pretrain pretrain/videomae_vit_b`).
# Corpus: windows of 96 frames every 32 along every long video of every split (a 16 x 4 clip at a random
# place in each) plus every cut clip; no label is read. VideoMAE's Kinetics-400 ViT-B recipe (800 epochs):
# tube masking 0.9, 16 frames every 4th, 224 px, multi-scale crop (1, .875, .75, .66), no flip; decoder of
# 4 blocks, width 384, 6 heads; MSE on per-tubelet normalised pixels; AdamW betas 0.9/0.95, weight decay 0.05
# (none on norms, biases, the mask token), lr 1.5e-4 per 256 clips (VideoMAE: 2048 clips, 64 GPUs x 32),
# 40 warm-up epochs from lr 1e-6 per 256, cosine to 1e-5 per 256; batch 32 per GPU.
_base_ = ['../_base_/default_runtime.py', '../_base_/prepared_data.py', '../_base_/models/vit.py']
from models.pretrain.pipelines import corpus_dataloader

custom_imports = dict(imports=['models.seed_papers.gaie_vit', 'models.pretrain.model', 'models.pretrain.corpus'],
                      allow_failed_imports=False)
# The raw download the long videos are read from (the prepared dataset holds only the cut clips): set once
# here, from MIGA_RAW, `miga pretrain --raw-root` or `--cfg-options raw_root=...`.
raw_root = '{{$MIGA_RAW:data/raw}}'
model = dict(
    _delete_=True, type='MaskedVideoPretrainer', backbone={{_base_.model.backbone}},
    decoder=dict(embed_dims=384, depth=4, num_heads=6), mask_ratio=0.9, normalize_target=True,
    data_preprocessor={{_base_.model.data_preprocessor}})
# The fine-tune configs whose backbone this encoder fills (printed by `miga pretrain`; checked by the tests).
fine_tune_configs = ['vit_b_rgb', 'seed_papers/gaie_vit_b_pretrained']
train_dataloader = corpus_dataloader(
    {{_base_.data_root}}, raw_root, clip_len=16, frame_interval=4, window_len=96, window_stride=32, resize=256,
    crop=224, batch_size=32, workers=10)
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='AdamW', lr=1.5e-4, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                       custom_keys={'.q_bias': dict(decay_mult=0.0), '.v_bias': dict(decay_mult=0.0),
                                    'mask_token': dict(decay_mult=0.0)}))
auto_scale_lr = dict(enable=True, base_batch_size=256)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 1.5e-4, by_epoch=True, begin=0, end=40, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=760, eta_min_ratio=1e-5 / 1.5e-4, by_epoch=True, begin=40, end=800,
         convert_to_iter_based=True)]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=2, save_best=None), logger=dict(interval=50))
custom_hooks = [dict(type='PretrainedEncoderMeta')]
# Each GPU draws its own masks (VideoMAE's come from each data worker).
randomness = dict(seed=None, diff_rank_seed=True)
