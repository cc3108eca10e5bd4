# Demo-size image + keypoint fusion (configs/image/resnet18_keypoints.py at 64x64, 2 test frames per clip) on the
# paired RGB demo clips (docs/rgb.md: work_dirs/demo_rgb/demo_rgb.pkl from tools/data/pair_rgb.py).
_base_ = ['../image/resnet18_keypoints.py']
model = dict(cls_head=dict(num_classes=3, embedding_dim=50, topk=(1, 2)))
train_pipeline = [dict(t, scale=(64, 64)) if t['type'] == 'Resize' else t for t in _base_.train_pipeline]
test_pipeline = [dict(t, scale=(64, 64)) if t['type'] == 'Resize' else
                 dict(t, num_frames=2) if t['type'] == 'SampleClipFrames' else t for t in _base_.test_pipeline]
clips = dict(ann_file='work_dirs/demo_rgb/demo_rgb.pkl', rgb_root='tests/data/videos/', split='all',
             label_embeddings='mg_posec3d/data/rtg_sample/rtg_glove50.npy', num_classes=3)
_loader = dict(batch_size=3, num_workers=1, persistent_workers=True)
train_dataloader = dict(**_loader, dataset=dict(pipeline=train_pipeline, **clips))
val_dataloader = dict(**_loader, dataset=dict(pipeline=test_pipeline, **clips))
test_dataloader = dict(**_loader, dataset=dict(pipeline=test_pipeline, **clips))
val_evaluator = [dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))]
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=4)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=4, by_epoch=True, convert_to_iter_based=True)]
auto_scale_lr = dict(base_batch_size=3)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
work_dir = 'work_dirs/demo_image_resnet18_keypoints'
