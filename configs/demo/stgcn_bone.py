# Demo ST-GCN bone stream: configs/demo/stgcn_joint.py with miga22 bones (joint minus parent).
_base_ = ['stgcn_joint.py']
_bones = dict(feats=['b'])
train_pipeline = [dict(t, **_bones) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.train_pipeline]
val_pipeline = [dict(t, **_bones) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.val_pipeline]
test_pipeline = [dict(t, **_bones) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
work_dir = 'work_dirs/demo_stgcn_bone'
