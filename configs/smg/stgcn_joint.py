# ST-GCN joint stream on SMG (17 classes, 25 whole-body OpenPose BODY_25 keypoints): configs/stgcn/joint.py on the
# body25 graph (centre MidHip) built from mg_posec3d.layouts.BODY25. Bone stream: feats=['b'] as in
# configs/stgcn/bone.py.
_base_ = ['../stgcn/joint.py']
_body25 = dict(layout='body25')
train_pipeline = [dict(t, **_body25) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.train_pipeline]
val_pipeline = [dict(t, **_body25) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.val_pipeline]
test_pipeline = [dict(t, **_body25) if t['type'] == 'LayoutGenSkeFeat' else t for t in _base_.test_pipeline]
model = dict(backbone=dict(graph_cfg=dict(layout='body25')), cls_head=dict(num_classes=17))
dataset = dict(ann_file='data/smg/smg_body25.pkl', layout='body25', num_classes=17,
               label_embeddings='data/smg/smg_glove300.npy')
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, **dataset))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline, **dataset))
work_dir = 'work_dirs/smg_stgcn_joint'
