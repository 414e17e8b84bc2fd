# ST-GCN++ on the 36 joints: (x, y, score) normalised by the frame size, 100 frames, 10 clips at test.
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/models/stgcnpp.py',
          '_base_/schedules/sgd_cosine.py']
from models.components.pipelines import gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders(
    {{_base_.data_root}}, dict(type='SkeletonFeature', feature='joint'),
    clip_len=100, test_clips=10, batch_size=16, workers=8, repeat=5)
train_cfg = dict(max_epochs=16)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=16, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=0.0005, nesterov=True), clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=128)
