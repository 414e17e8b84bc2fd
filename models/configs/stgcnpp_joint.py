# ST-GCN++ on the joints, PYSKL's recipe with its strong augmentation (configs/strong_aug): each clip centred and
# scaled, random scale (0.1) and rotation (0.3 rad) in training, 100 frames, 10 clips at test, SGD lr 0.1 nesterov,
# cosine over 24 epochs, dataset repeated 5 times. Any skeleton: `--cfg-options skeleton_layout=NAME`.
_base_ = ['_base_/default_runtime.py', '_base_/prepared_data.py', '_base_/skeleton_data.py',
          '_base_/models/stgcnpp.py', '_base_/schedules/sgd_cosine.py']
from models.components.pipelines import gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders(
    {{_base_.data_root}}, 'joint', clip_len=100, test_clips=10, batch_size=16, workers=8, repeat=5)
train_cfg = dict(max_epochs=24)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=24, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=0.0005, nesterov=True), clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=128)
