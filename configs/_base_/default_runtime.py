default_scope = 'mmaction'
custom_imports = dict(imports=['mg_posec3d'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keep the best top-1 checkpoint and the last few (resume needs the latest)
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto', max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

# Training precision and memory format (tools/train.py --precision / --channels-last override them):
# auto = AMP (fp16 autocast, dynamic loss scaling) on a GPU, bf16 on CPUs with native bf16, else fp32.
precision = 'auto'
channels_last = True  # channels-last-3d backbone: 1.4x faster fp32 CPU training of the demo model (docs/speed.md)

env_cfg = dict(
    cudnn_benchmark=True,  # fixed input sizes: cuDNN picks the fastest convolution algorithms once
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
