# Demo: the RGB + joint two-stream model, shrunk to train on 2 CPU cores in seconds (RGB 4 frames at 64x64,
# pose 16 frames of 16x16 heatmaps, one block per stage), on clips cut from the real video
# tests/data/videos/basketball_426x240.mp4 with fixture labels. Build the data as README.md ("RGB frames",
# demo) shows: tools/data/extract_pose.py with a label csv, then tools/data/pair_rgb.py. The three splits are the same
# clips: this demonstrates the mechanics (decode, sample, train, test, fuse), not accuracy.
_base_ = ['../rgbpose_joint.py']
data_root = 'work_dirs/demo_rgb/'
dataset = dict(ann_file=data_root + 'demo_rgb.pkl', rgb_root='tests/data/videos/', split='all',
               label_embeddings='mg_posec3d/data/rtg_sample/rtg_glove50.npy', num_classes=3)
clip_lens = dict(RGB=4, Pose=16)

model = dict(
    backbone=dict(
        rgb_pathway=dict(base_channels=8, stage_blocks=(1, 1, 1, 1)),
        pose_pathway=dict(base_channels=4, stage_blocks=(1, 1, 1))),
    # RGB: 8 * 2^3 * 4 = 256 channels, pose: 4 * 2^2 * 4 = 64; 3 fixture classes, 50-d label vectors
    cls_head=dict(in_channels=[256, 64], num_classes=3, embedding_dim=50, topk=(1, 2)))

heatmap = dict(type='FastGeneratePoseTarget', sigma=0.7, use_score=True, with_kp=True, with_limb=False, scaling=0.25)
train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=1),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(72, 72), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=_base_.left_kp, right_kp=_base_.right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    _base_.pack,
]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=1, test_mode=True),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    _base_.pack,
]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=2, test_mode=True),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    _base_.pack,
]
_loader = dict(num_workers=1, persistent_workers=True)
train_dataloader = dict(batch_size=2, **_loader, dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(batch_size=2, **_loader, dataset=dict(pipeline=val_pipeline, **dataset))
test_dataloader = dict(batch_size=2, **_loader, dataset=dict(pipeline=test_pipeline, **dataset))
val_evaluator = [dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 2)))),
                 dict(type='PathwayScoreMetric', topk=(1, 2))]
test_evaluator = [dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 2)))),
                  dict(type='PathwayScoreMetric', topk=(1, 2), out_file=None)]

train_cfg = dict(max_epochs=6)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=6, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.01))
auto_scale_lr = dict(base_batch_size=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
work_dir = 'work_dirs/demo_rgbpose_joint'
