# Spotting paper-size limb model: rtg_joint.py with the 21 miga22 limb heatmaps as input.
_base_ = ['rtg_joint.py']
model = dict(backbone=dict(in_channels=21))
_limbs = dict(with_kp=False, with_limb=True, skeletons=_base_.skeletons,
              left_limb=_base_.left_limb, right_limb=_base_.right_limb)
train_pipeline = [dict(t, **_limbs) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.train_pipeline]
val_pipeline = [dict(t, **_limbs) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.val_pipeline]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
work_dir = 'work_dirs/spotting/rtg_limb'
