# Exact reproduction of the MiGA 2023 winning limb model: their 22-limb list and flip pairs.
_base_ = ['joint.py']
skeletons = [[0, 1], [2, 1], [2, 3], [3, 4], [4, 5], [2, 6], [6, 7], [7, 8], [1, 9], [9, 11], [1, 10], [10, 11],
             [5, 12], [5, 13], [5, 14], [5, 15], [5, 16], [8, 17], [8, 18], [8, 19], [8, 20], [8, 21]]
model = dict(backbone=dict(in_channels=22))  # 22 limbs in their list
# their limb flip lists, as published (the same odd/even lists as their joints)
left_limb = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
right_limb = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
_limbs = dict(with_kp=False, with_limb=True, skeletons=skeletons, left_limb=left_limb, right_limb=right_limb)
train_pipeline = [dict(t, **_limbs) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.train_pipeline]
val_pipeline = [dict(t, **_limbs) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.val_pipeline]
test_pipeline = [dict(t, **_limbs) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
work_dir = 'work_dirs/hfut2023_limb'
