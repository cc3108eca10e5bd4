# Demo-size TSN ResNet-18 RGB branch (configs/tsn/r18_rgb.py: 4 segments at 64x64) on the paired RGB demo clips
# (docs/rgb.md: work_dirs/demo_rgb/demo_rgb.pkl); fuse with configs/demo/stgcn_joint.py by --ensemble.
_base_ = ['../tsn/r18_rgb.py']
model = dict(cls_head=dict(num_classes=3, topk=(1, 2)))
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=4, modalities=('RGB', )),
    dict(type='RGBPoseDecode'),
    dict(type='Resize', scale=(72, 72), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    _base_.rgb_pack,
]
test_pipeline = [
    dict(type='SampleClipFrames', num_frames=4, test_mode=True, modalities=('RGB', )),
    dict(type='RGBPoseDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    _base_.rgb_pack,
]
dataset = dict(ann_file='work_dirs/demo_rgb/demo_rgb.pkl', rgb_root='tests/data/videos/', split='all', num_classes=3)
_loader = dict(batch_size=3, num_workers=1, persistent_workers=True)
train_dataloader = dict(**_loader, dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(**_loader, dataset=dict(pipeline=test_pipeline, **dataset))
test_dataloader = dict(**_loader, dataset=dict(pipeline=test_pipeline, **dataset))
val_evaluator = [dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))]
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=4)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=4, by_epoch=True, convert_to_iter_based=True)]
auto_scale_lr = dict(base_batch_size=3)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
work_dir = 'work_dirs/demo_tsn_r18_rgb'
