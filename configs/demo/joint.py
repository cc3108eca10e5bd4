# Demo: the joint model, reduced to train in minutes on 2 CPU cores, on the bundled real reach-to-grasp
# sample (715 clips, 3 classes: small / medium / large cube; train P1-P6, val P7, test P8).
# Reduced: 16 frames at 32x32, a quarter-width backbone with 2 blocks per stage, 12 epochs, and no crop/flip
# augmentation (with them the model stayed at chance for the first epochs we could afford on CPU; without,
# val top-1 reached 0.72 at epoch 8 of a 20-epoch run).
_base_ = ['../joint.py']
data_root = 'mg_posec3d/data/rtg_sample/'
dataset = dict(ann_file=data_root + 'rtg_miga22.pkl', label_embeddings=data_root + 'rtg_glove50.npy',
               num_classes=3)
clip_len = 16

model = dict(
    backbone=dict(base_channels=16, stage_blocks=(2, 2, 2)),
    cls_head=dict(in_channels=256, num_classes=3, embedding_dim=50, topk=(1, 2)))

train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True, with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    _base_.pack,
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True, with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    _base_.pack,
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=2, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True, with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    _base_.pack,
]
_loader = dict(num_workers=1, persistent_workers=True)
train_dataloader = dict(batch_size=16, **_loader, dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(batch_size=16, **_loader, dataset=dict(pipeline=val_pipeline, **dataset))
test_dataloader = dict(batch_size=4, **_loader, dataset=dict(pipeline=test_pipeline, **dataset))
val_evaluator = [dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))]
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=12)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=12, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.03))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
work_dir = 'work_dirs/demo_joint'
