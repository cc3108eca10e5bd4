# Demo-size AlexNet-style image classifier (configs/image/alexnet.py: same layers, narrower, 64x64 images) for
# CPU tests and small folders: --cfg-options train_dataloader.dataset.data_root=ROOT ... (ROOT/<class>/<image>).
_base_ = ['../image/alexnet.py']
model = dict(backbone=dict(widths=(16, 32, 48, 32, 32), fc_channels=128, pool_size=2),
             cls_head=dict(in_channels=128, num_classes=3, embedding_dim=50, topk=(1, 2)))
train_pipeline = [
    dict(type='LoadImageFile'),
    dict(type='Resize', scale=(72, 72), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    _base_.image_pack,
]
test_pipeline = [
    dict(type='LoadImageFile'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    _base_.image_pack,
]
dataset = dict(label_embeddings='mg_posec3d/data/rtg_sample/rtg_glove50.npy')
_loader = dict(batch_size=4, num_workers=1, persistent_workers=True)
train_dataloader = dict(**_loader, dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(**_loader, dataset=dict(pipeline=test_pipeline, **dataset))
test_dataloader = dict(**_loader, dataset=dict(pipeline=test_pipeline, **dataset))
val_evaluator = [dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))]
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=4)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=4, by_epoch=True, convert_to_iter_based=True)]
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
work_dir = 'work_dirs/demo_image_alexnet'
