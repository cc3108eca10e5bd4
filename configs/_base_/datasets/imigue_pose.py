# iMiGUE skeletons (MiGA 2023 track 1) in the miga22 layout, prepared by tools/data/convert_miga.py.
dataset_type = 'MGPoseDataset'
data_root = 'data/imigue/'
ann_file = data_root + 'imigue_miga22.pkl'
label_embeddings = 'imigue_glove300'  # shipped: the winning team's GloVe 300-d class vectors
layout = 'miga22'
num_classes = 32

# miga22 (mg_posec3d.layouts.MIGA22; tests/test_configs.py checks these lists against it)
left_kp = [2, 3, 4, 8, 10, 12, 13, 14, 15, 16]
right_kp = [5, 6, 7, 9, 11, 17, 18, 19, 20, 21]
skeletons = [[0, 1], [1, 2], [2, 3], [3, 4], [1, 5], [5, 6], [6, 7], [0, 8], [0, 9], [8, 10], [9, 11],
             [4, 12], [4, 13], [4, 14], [4, 15], [4, 16], [7, 17], [7, 18], [7, 19], [7, 20], [7, 21]]
# limb channels swapped by the flipped test view (mmaction2's defaults are COCO's)
left_limb = [1, 2, 3, 7, 9, 11, 12, 13, 14, 15]
right_limb = [4, 5, 6, 8, 10, 16, 17, 18, 19, 20]

clip_len = 48
batch_size = 16  # per GPU; the paper used 2 GPUs (total 32)
pack = dict(type='PackActionInputs', algorithm_keys=('label_embedding', ), meta_keys=('frame_dir', 'img_shape'))

train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True, with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    pack,
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True, with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    pack,
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=10, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True, with_limb=False,
         double=True, left_kp=left_kp, right_kp=right_kp),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    pack,
]

dataset = dict(type=dataset_type, ann_file=ann_file, layout=layout, num_classes=num_classes,
               label_embeddings=label_embeddings)
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(split='train', pipeline=train_pipeline, **dataset))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='val', pipeline=val_pipeline, test_mode=True, **dataset))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='test', pipeline=test_pipeline, test_mode=True, **dataset))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
