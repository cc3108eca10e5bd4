# Demo: the RGB-only baseline (configs/rgb_only.py) shrunk like configs/demo/rgbpose_joint.py, on the same
# demo clips (README.md, "RGB frames", demo).
_base_ = ['../rgb_only.py']
data_root = 'work_dirs/demo_rgb/'
dataset = dict(ann_file=data_root + 'demo_rgb.pkl', rgb_root='tests/data/videos/', split='all',
               label_embeddings='mg_posec3d/data/rtg_sample/rtg_glove50.npy', num_classes=3)
clip_lens = dict(RGB=4)
model = dict(backbone=dict(base_channels=8, stage_blocks=(1, 1, 1, 1)),
             cls_head=dict(in_channels=256, num_classes=3, embedding_dim=50, topk=(1, 2)))
train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=1),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(72, 72), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    _base_.rgb_pack,
]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=2, test_mode=True),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    _base_.rgb_pack,
]
val_pipeline = [dict(t, num_clips=1) if t['type'] == 'MMUniformSampleFrames' else t for t in test_pipeline]
_loader = dict(num_workers=1, persistent_workers=True)
train_dataloader = dict(batch_size=2, **_loader, dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(batch_size=2, **_loader, dataset=dict(pipeline=val_pipeline, **dataset))
test_dataloader = dict(batch_size=2, **_loader, dataset=dict(pipeline=test_pipeline, **dataset))
val_evaluator = [dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))]
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=6)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=6, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.01))
auto_scale_lr = dict(base_batch_size=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
work_dir = 'work_dirs/demo_rgb_only'
