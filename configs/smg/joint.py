# SMG (17 micro-gesture classes) with 25 whole-body OpenPose BODY_25 keypoints, as in the paper.
# Label vectors: build them from your SMG class-name file, e.g.
#   python tools/build_label_embeddings.py data/smg/smg_labels.txt --vectors glove.6B.300d.txt \
#       --out data/smg/smg_glove300.npy
_base_ = ['../joint.py']
left_kp = [5, 6, 7, 12, 13, 14, 16, 18, 19, 20, 21]
right_kp = [2, 3, 4, 9, 10, 11, 15, 17, 22, 23, 24]
skeletons = [[1, 8], [1, 2], [1, 5], [2, 3], [3, 4], [5, 6], [6, 7], [8, 9], [9, 10], [10, 11], [8, 12], [12, 13],
             [13, 14], [1, 0], [0, 15], [15, 17], [0, 16], [16, 18], [14, 19], [19, 20], [14, 21], [11, 22], [22, 23],
             [11, 24]]
left_limb = [1, 3, 4, 7, 8, 9, 14, 15, 18, 19, 20]
right_limb = [2, 5, 6, 10, 11, 12, 16, 17, 21, 22, 23]
model = dict(backbone=dict(in_channels=25), cls_head=dict(num_classes=17))
_flip = dict(left_kp=left_kp, right_kp=right_kp)
train_pipeline = [dict(t, **_flip) if t['type'] == 'Flip' else t for t in _base_.train_pipeline]
test_pipeline = [dict(t, **_flip) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.test_pipeline]
dataset = dict(ann_file='data/smg/smg_body25.pkl', layout='body25', num_classes=17,
               label_embeddings='data/smg/smg_glove300.npy')
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(dataset=dict(**dataset))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline, **dataset))
work_dir = 'work_dirs/smg_joint'
