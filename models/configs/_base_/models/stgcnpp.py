# ST-GCN++ on the 36-keypoint graph ('imigue36' = models.components.skeleton.GCN_LAYOUT_36), one person, (x, y, score).
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='NamedGraphSTGCN',
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        num_person=1,
        graph_cfg=dict(layout='imigue36', mode='spatial')),
    cls_head=dict(type='GCNHead', num_classes=32, in_channels=256))
