# SMG (17 micro-gesture classes): Kinect v2 skeletons, 25 joints in JointType order (layout kinect25).
# Data: python tools/data/convert_smg.py SMG_ROOT --protocol miga --out data/smg/smg_kinect25.pkl
#   (miga: Sample0001-0030 train, 0031-0035 val, 0036-0040 test; --protocol paper: 0001-0035 train, 0036-0040
#   test, add a val split with --num-val-videos N).
# Label vectors: build them from the shipped SMG class names, e.g.
#   python tools/data/build_label_embeddings.py mg_posec3d/data/label_names/smg_labels.txt \
#       --vectors glove.6B.300d.txt --out data/smg/smg_glove300.npy
_base_ = ['../joint.py']
# kinect25 (mg_posec3d.layouts.KINECT25; tests/test_configs.py checks these lists against it)
left_kp = [4, 5, 6, 7, 12, 13, 14, 15, 21, 22]
right_kp = [8, 9, 10, 11, 16, 17, 18, 19, 23, 24]
skeletons = [[3, 2], [2, 20], [20, 1], [1, 0], [20, 8], [20, 4], [0, 16], [0, 12], [8, 9], [9, 10], [10, 11],
             [11, 23], [10, 24], [4, 5], [5, 6], [6, 7], [7, 21], [6, 22], [16, 17], [17, 18], [18, 19], [12, 13],
             [13, 14], [14, 15]]
# limb channels swapped by the flipped test view (KINECT25.limb_flip())
left_limb = [4, 6, 8, 9, 10, 11, 12, 18, 19, 20]
right_limb = [5, 7, 13, 14, 15, 16, 17, 21, 22, 23]
model = dict(backbone=dict(in_channels=25), cls_head=dict(num_classes=17))
_flip = dict(left_kp=left_kp, right_kp=right_kp)
train_pipeline = [dict(t, **_flip) if t['type'] == 'Flip' else t for t in _base_.train_pipeline]
test_pipeline = [dict(t, **_flip) if t['type'] == 'FastGeneratePoseTarget' else t for t in _base_.test_pipeline]
dataset = dict(ann_file='data/smg/smg_kinect25.pkl', layout='kinect25', num_classes=17,
               label_embeddings='data/smg/smg_glove300.npy')
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(dataset=dict(**dataset))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline, **dataset))
work_dir = 'work_dirs/smg_joint'
