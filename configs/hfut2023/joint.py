# Exact reproduction of the MiGA 2023 winning joint model, including their keypoint lists
# (layout miga22_hfut2023: flip pairs as published, see mg_posec3d/layouts/model_layouts.py).
_base_ = ['../joint.py']
left_kp = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
_flip = dict(left_kp=left_kp, right_kp=right_kp)
train_pipeline = [dict(t, **_flip) if t['type'] == 'Flip' else t for t in _base_.train_pipeline]
test_pipeline = [dict(t, **_flip) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.test_pipeline]
dataset = dict(layout='miga22_hfut2023')
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(dataset=dict(**dataset))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline, **dataset))
work_dir = 'work_dirs/hfut2023_joint'
