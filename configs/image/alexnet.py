# Image-level MiGA system: an AlexNet-style CNN (five conv layers with batch norm and max-pooling, three fully
# connected layers; mg_posec3d AlexNetBN + the head's classifier) on single frames stored as one folder of images
# per class (data/imigue_frames/{train,val,test}/<class>/<image>, 32 class folders 1..32 for iMiGUE),
# SGD with momentum, cross-entropy. Embedding losses: model.cls_head.loss_emb_weight / loss_emb (see docs).
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/imigue_frames/'
label_embeddings = 'imigue_glove300'
num_classes = 32
img_norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
model = dict(
    type='Recognizer2D',
    backbone=dict(type='AlexNetBN'),
    cls_head=dict(type='SemanticImageHead', num_classes=num_classes, in_channels=4096, embedding_dim=300,
                  loss_emb_weight=0.0, dropout_ratio=0.0, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCHW', **img_norm))

image_pack = dict(type='PackActionInputs', algorithm_keys=('label_embedding', ), meta_keys=('frame_dir', 'img_shape'))
train_pipeline = [
    dict(type='LoadImageFile'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    image_pack,
]
test_pipeline = [
    dict(type='LoadImageFile'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    image_pack,
]
val_pipeline = test_pipeline
dataset = dict(type='ImageFolderDataset', label_embeddings=label_embeddings)
batch_size = 64
train_dataloader = dict(
    batch_size=batch_size, num_workers=8, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(data_root=data_root + 'train', pipeline=train_pipeline, **dataset))
val_dataloader = dict(
    batch_size=batch_size, num_workers=8, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(data_root=data_root + 'val', pipeline=val_pipeline, test_mode=True, **dataset))
test_dataloader = dict(
    batch_size=batch_size, num_workers=8, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(data_root=data_root + 'test', pipeline=test_pipeline, test_mode=True, **dataset))
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=30, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005))
auto_scale_lr = dict(enable=False, base_batch_size=64)
work_dir = 'work_dirs/imigue_image_alexnet'
