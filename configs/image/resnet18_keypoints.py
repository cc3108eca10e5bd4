# Image + keypoint fusion: ResNet-18 features of a frame concatenated with that frame's keypoint vector
# (22 miga22 joints x (x/W, y/H, score), from our pose extraction) before the classifier. Frames come from the
# clips (frames-from-clips mode): the skeleton pickle paired with its videos by tools/data/pair_rgb.py, one random
# frame per clip and epoch for training, 5 frames per clip (scores averaged) for testing.
_base_ = ['resnet18.py']
layout = 'miga22'
left_kp = [2, 3, 4, 8, 10, 12, 13, 14, 15, 16]
right_kp = [5, 6, 7, 9, 11, 17, 18, 19, 20, 21]
model = dict(cls_head=dict(keypoint_channels=22 * 3))
kp_pack = dict(type='PackActionInputs', algorithm_keys=('label_embedding', 'keypoint_vector'),
               meta_keys=('frame_dir', 'img_shape'))
train_pipeline = [
    dict(type='SampleClipFrames', num_frames=1),
    dict(type='RGBPoseDecode'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    dict(type='KeypointVector', num_joints=22),
    dict(type='FormatShape', input_format='NCHW'),
    kp_pack,
]
test_pipeline = [
    dict(type='SampleClipFrames', num_frames=5, test_mode=True),
    dict(type='RGBPoseDecode'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='KeypointVector', num_joints=22),
    dict(type='FormatShape', input_format='NCHW'),
    kp_pack,
]
val_pipeline = test_pipeline
clips = dict(_delete_=True, type='RGBPoseDataset', ann_file='data/imigue/imigue_miga22_rgb.pkl',
             rgb_root='data/imigue/rgb/', layout=layout, num_classes=32, label_embeddings=_base_.label_embeddings)
train_dataloader = dict(batch_size=32, dataset=dict(split='train', pipeline=train_pipeline, **clips))
val_dataloader = dict(batch_size=32, dataset=dict(split='val', pipeline=val_pipeline, test_mode=True, **clips))
test_dataloader = dict(batch_size=8, dataset=dict(split='test', pipeline=test_pipeline, test_mode=True, **clips))
work_dir = 'work_dirs/imigue_image_resnet18_keypoints'
