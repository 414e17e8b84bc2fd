# Runtime shared by every config: mmaction2 scope, hooks, logging, evaluation loops.
default_scope = 'mmaction'
custom_imports = dict(imports=['models.components.datasets', 'models.components.transforms',
                               'models.components.metrics', 'models.components.backbones'],
                      allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
# Scalars as JSON and as TensorBoard events in <work_dir>/<timestamp>/vis_data (`tensorboard --logdir work_dirs`).
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
# What the console shows (`miga train/predict --verbose`: INFO); the run's log file always has INFO and up.
log_level = 'WARNING'
load_from = None
resume = False

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
