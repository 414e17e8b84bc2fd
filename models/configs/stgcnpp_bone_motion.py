# ST-GCN++ on the bones' motion (frame t+1 minus frame t): stgcnpp_joint.py's recipe with
# the 'bone_motion' stream (PYSKL's 'bm').
_base_ = ['stgcnpp_joint.py']
from models.components.pipelines import gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders(
    {{_base_.data_root}}, 'bone_motion', clip_len=100, test_clips=10, batch_size=16, workers=8, repeat=5)
