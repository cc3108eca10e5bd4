# RGB + joint two-stream model (as in the MiGA 2024 / 2025 winning entries): mmaction2's RGBPoseConv3D, a
# SlowOnly-R50 RGB pathway (8 frames, 224x224) and the PoseC3D pose pathway (32 frames of 22 joint heatmaps,
# 56x56) with bilateral lateral connections; one cross-entropy + GloVe semantic-embedding loss per pathway.
# Data: skeletons paired with their RGB clips by tools/data/pair_rgb.py (README.md, "RGB frames").
# Test scores: fused (1:1) -> the usual score dump of tools/test.py; per pathway -> PathwayScoreMetric's dumps
# (set test_evaluator.1.out_file, see the README). Start from an mmaction2 NTU-60 checkpoint with load_from.
_base_ = ['_base_/datasets/imigue_pose.py', '_base_/default_runtime.py']
custom_imports = dict(imports=['mg_posec3d'], allow_failed_imports=False)

dataset_type = 'RGBPoseDataset'
data_root = 'data/imigue/'
ann_file = data_root + 'imigue_miga22_rgb.pkl'  # tools/data/pair_rgb.py output
rgb_root = data_root + 'rgb/'                   # the VIDEO_DIR given to tools/data/pair_rgb.py
clip_lens = dict(RGB=8, Pose=32)                # pose frames = speed_ratio x RGB frames
batch_size = 6  # per GPU, as mmaction2's NTU-60 recipe (8 GPUs x 6)

model = dict(
    type='MMRecognizer3D',
    backbone=dict(
        type='RGBPoseConv3D',
        speed_ratio=4,
        channel_ratio=4,
        rgb_pathway=dict(num_stages=4, lateral=True, lateral_infl=1, lateral_activate=[0, 0, 1, 1],
                         fusion_kernel=7, base_channels=64, conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1),
                         with_pool2=False),
        pose_pathway=dict(num_stages=3, stage_blocks=(4, 6, 3), lateral=True, lateral_inv=True, lateral_infl=16,
                          lateral_activate=(0, 1, 1), fusion_kernel=7,
                          in_channels=22,  # heatmap channels: 22 joints (21 for limbs)
                          base_channels=32, out_indices=(2, ), conv1_kernel=(1, 7, 7), conv1_stride_s=1,
                          conv1_stride_t=1, pool1_stride_s=1, pool1_stride_t=1, inflate=(0, 1, 1),
                          spatial_strides=(2, 2, 2), temporal_strides=(1, 1, 1), dilations=(1, 1, 1),
                          with_pool2=False)),
    cls_head=dict(
        type='RGBPoseSemanticHead',
        num_classes=32,
        in_channels=[2048, 512],
        embedding_dim=300,
        loss_emb_weight=dict(rgb=20.0, pose=20.0),  # alpha per pathway (20: the MiGA 2023 value)
        loss_weights=[1.0, 1.0],
        fusion_weights=(1.0, 1.0),
        test_output='fused',
        average_clips='prob'),
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                      format_shape='NCTHW'),
            heatmap_imgs=dict(type='ActionDataPreprocessor'))))

pack = dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'), algorithm_keys=('label_embedding', ),
            meta_keys=('frame_dir', 'img_shape'))
heatmap = dict(type='FastGeneratePoseTarget', sigma=0.7, use_score=True, with_kp=True, with_limb=False,
               scaling=0.25)  # heatmaps at 1/4 of the RGB resolution: 224 -> 56
train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=1),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=_base_.left_kp, right_kp=_base_.right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack,
]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=1, test_mode=True),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),  # as mmaction2's recipe: test at 256
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack,
]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=10, test_mode=True),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),  # as mmaction2's recipe: test at 256
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack,
]

dataset = dict(type=dataset_type, ann_file=ann_file, rgb_root=rgb_root)
train_dataloader = dict(batch_size=batch_size, dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(batch_size=batch_size, dataset=dict(pipeline=val_pipeline, **dataset))
test_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline, **dataset))

# acc/*: the fused score; pathway/*: each pathway (and, with out_file, its score dump)
val_evaluator = [dict(type='AccMetric'), dict(type='PathwayScoreMetric')]
test_evaluator = [dict(type='AccMetric'), dict(type='PathwayScoreMetric', out_file=None)]

# mmaction2's RGBPoseConv3D fine-tuning recipe (NTU-60, from rgbpose_conv3d_init): 20 epochs, SGD 0.0075 for
# a total batch of 48, gradient clipping 40, lr x0.1 at epochs 12 and 16.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [dict(type='MultiStepLR', begin=0, end=20, by_epoch=True, milestones=[12, 16], gamma=0.1)]
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.0075, momentum=0.9, weight_decay=0.0001),
                     clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=48)

# A local copy of an mmaction2 model-zoo checkpoint (never downloaded), e.g.
# rgbpose_conv3d_init_20230228-09b7684b.pth or rgbpose_conv3d_20230301-ac7b0e77.pth: layers whose shape
# differs (pose conv1: 17 -> 22 channels, the 60-class classifiers) are skipped with a warning.
load_from = None
work_dir = 'work_dirs/imigue_rgbpose_joint'
