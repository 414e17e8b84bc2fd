# What the tiny pose configs share besides their clip sizes (models.components.pipelines.TINY_POSE, TINY_RGBPOSE,
# TINY_GCN): narrow trunks with one block per stage, one epoch, no best-model tracking. Names are distinct
# from the full configs' keys so that a tiny config can list this file beside its full config.
tiny_posec3d_model = dict(backbone=dict(base_channels=4, stage_blocks=(1, 1, 1)), cls_head=dict(in_channels=64))
tiny_rgbpose_model = dict(
    backbone=dict(rgb_pathway=dict(base_channels=8, stage_blocks=(1, 1, 1, 1)),
                  pose_pathway=dict(base_channels=4, stage_blocks=(1, 1, 1))),
    cls_head=dict(in_channels=[256, 64]))
tiny_gcn_model = dict(backbone=dict(base_channels=16, num_stages=4, inflate_stages=[3], down_stages=[3]),
                      cls_head=dict(in_channels=32))
tiny_train_cfg = dict(max_epochs=1)
tiny_hooks = dict(logger=dict(interval=5), checkpoint=dict(save_best=None))
