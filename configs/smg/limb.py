# SMG limb stream: the 24 Kinect v2 bones of kinect25.
_base_ = ['joint.py']
model = dict(backbone=dict(in_channels=24))
_limbs = dict(with_kp=False, with_limb=True, skeletons=_base_.skeletons,
              left_limb=_base_.left_limb, right_limb=_base_.right_limb)
train_pipeline = [dict(t, **_limbs) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.train_pipeline]
val_pipeline = [dict(t, **_limbs) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.val_pipeline]
test_pipeline = [dict(t, **_limbs) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
work_dir = 'work_dirs/smg_limb'
