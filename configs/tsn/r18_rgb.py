# RGB branch of the RGB + skeleton two-stream MiGA system: a frame-level 2D ResNet-18 (mmaction2 ResNet depth 18)
# in a TSN recognizer: 8 frames sampled from the clip (one per segment), scores averaged (TSNHead consensus).
# Clips: the iMiGUE skeleton pickle paired with its videos (tools/data/pair_rgb.py), so the score dump has the same
# clip ids as the ST-GCN dump and fuses with it: tools/test.py --ensemble rgb.npz stgcn_joint.npz.
_base_ = ['../_base_/default_runtime.py']
num_segments = 8
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
    cls_head=dict(type='TSNHead', num_classes=32, in_channels=512, spatial_type='avg',
                  consensus=dict(type='AvgConsensus', dim=1), dropout_ratio=0.4, init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape='NCHW'))
rgb_pack = dict(type='PackActionInputs', meta_keys=('frame_dir', 'img_shape'))
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=num_segments, modalities=('RGB', )),
    dict(type='RGBPoseDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    rgb_pack,
]
test_pipeline = [
    dict(type='SampleClipFrames', num_frames=num_segments, test_mode=True, modalities=('RGB', )),
    dict(type='RGBPoseDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    rgb_pack,
]
val_pipeline = test_pipeline
dataset = dict(type='RGBPoseDataset', ann_file='data/imigue/imigue_miga22_rgb.pkl', rgb_root='data/imigue/rgb/',
               layout='miga22', num_classes=32)
_loader = dict(num_workers=8, persistent_workers=True)
train_dataloader = dict(batch_size=16, **_loader, sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(split='train', pipeline=train_pipeline, **dataset))
val_dataloader = dict(batch_size=16, **_loader, sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(split='val', pipeline=val_pipeline, test_mode=True, **dataset))
test_dataloader = dict(batch_size=4, **_loader, sampler=dict(type='DefaultSampler', shuffle=False),
                       dataset=dict(split='test', pipeline=test_pipeline, test_mode=True, **dataset))
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
# mmaction2's TSN recipe: SGD momentum 0.9, weight decay 1e-4, gradient clipping 40, cosine; 50 epochs
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=50, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
                     clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=16)
work_dir = 'work_dirs/imigue_tsn_r18_rgb'
