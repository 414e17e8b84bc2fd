# ST-GCN++ on the bones (each joint minus its parent on the layout's tree from the centre joint):
# stgcnpp_joint.py's recipe with the 'bone' stream (PYSKL's 'b').
_base_ = ['stgcnpp_joint.py']
from models.components.pipelines import gcn_dataloaders

train_dataloader, val_dataloader, test_dataloader = gcn_dataloaders(
    {{_base_.data_root}}, 'bone', clip_len=100, test_clips=10, batch_size=16, workers=8, repeat=5)
