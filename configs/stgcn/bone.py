# ST-GCN bone stream: each joint minus its parent on the miga22 tree rooted at ShoulderCenter
# (mg_posec3d.skeleton_graph.bone_pairs); otherwise configs/stgcn/joint.py.
_base_ = ['joint.py']
_bones = dict(feats=['b'])
train_pipeline = [dict(t, **_bones) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.train_pipeline]
val_pipeline = [dict(t, **_bones) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.val_pipeline]
test_pipeline = [dict(t, **_bones) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
work_dir = 'work_dirs/imigue_stgcn_bone'
