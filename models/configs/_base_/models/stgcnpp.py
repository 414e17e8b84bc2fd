# ST-GCN++ on the 36-keypoint graph (models.skeleton.GCN_LAYOUT_36), one person, (x, y, score) inputs.
_base_ = []
import models.skeleton as skeleton

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        num_person=1,
        graph_cfg=dict(layout=skeleton.GCN_LAYOUT_36, mode='spatial')),
    cls_head=dict(type='GCNHead', num_classes=32, in_channels=256))
