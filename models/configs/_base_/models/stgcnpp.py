# ST-GCN++ (PYSKL): one person, input (x, y, score) or (x, y, z, score); the graph of the skeleton layout
# ('imigue36' here, replaced by the config's `skeleton_layout`), the head's classes and the input channels set from
# the data when the config is loaded (models.runner.skeleton_data).
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='NamedGraphSTGCN',
        in_channels=3,
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        num_person=1,
        graph_cfg=dict(layout='imigue36', mode='spatial')),
    cls_head=dict(type='GCNHead', num_classes=32, in_channels=256))
