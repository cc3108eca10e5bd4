# Image-level ResNet-18 in the frames-from-clips mode: configs/image/resnet18_keypoints.py without the keypoint
# vector (frames read straight from the paired iMiGUE clips instead of class folders of extracted images).
_base_ = ['resnet18_keypoints.py']
model = dict(cls_head=dict(keypoint_channels=0))
_rgb_only = dict(modalities=('RGB', ))
train_pipeline = [dict(t, **_rgb_only) if t['type'] == 'SampleClipFrames' else dict(t, left_kp=None, right_kp=None)
                  if t['type'] == 'Flip' else t for t in _base_.train_pipeline if t['type'] != 'KeypointVector']
test_pipeline = [dict(t, **_rgb_only) if t['type'] == 'SampleClipFrames' else t
                 for t in _base_.test_pipeline if t['type'] != 'KeypointVector']
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
work_dir = 'work_dirs/imigue_image_resnet18_clips'
