# RGB-only baseline on the same clips: mmaction2's SlowOnly-R50 RGB model (its rgb_only recipe: 8 frames,
# 224x224, cropped around the person with the skeleton, MMCompact) with the GloVe semantic-embedding head.
# Its score dump fuses with the skeleton models like any other (tools/test.py --ensemble).
_base_ = ['rgbpose_joint.py']

model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=50, pretrained=None, in_channels=3, conv1_kernel=(1, 7, 7),
                  inflate=(0, 0, 1, 1)),
    cls_head=dict(type='SemanticEmbeddingHead', in_channels=2048, num_classes=32, embedding_dim=300,
                  loss_emb_weight=20.0, dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape='NCTHW'))

clip_lens = dict(RGB=8)
rgb_pack = dict(type='PackActionInputs', algorithm_keys=('label_embedding', ), meta_keys=('frame_dir', 'img_shape'))
train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=1),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    rgb_pack,
]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=1, test_mode=True),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    rgb_pack,
]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_lens, num_clips=10, test_mode=True),
    dict(type='RGBPoseDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    rgb_pack,
]
batch_size = 12
train_dataloader = dict(batch_size=batch_size, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=batch_size, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

# mmaction2's rgb_only recipe: SGD 0.15 for a total batch of 96, cosine, gradient clipping 40 (18 epochs
# from ImageNet there; start from its NTU-60 checkpoint rgb_only_20230228-576b9f86.pth with load_from)
train_cfg = dict(max_epochs=18)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=18, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.15, weight_decay=0.0001))
auto_scale_lr = dict(enable=False, base_batch_size=96)
load_from = None
work_dir = 'work_dirs/imigue_rgb_only'
