# ST-GCN joint stream (the skeleton branch of the RGB + skeleton two-stream MiGA system) on iMiGUE miga22
# skeletons: mmaction2's STGCN recipe (stgcn_8xb16-joint-u100-80e: 100-frame clips, SGD 0.1 nesterov, cosine,
# 80 epochs) with mmaction2's skeleton pipeline; bones and graph from the miga22 layout.
# Semantic-embedding loss: --cfg-options model.cls_head.loss_emb_weight=20 (CE + 20 * MSE, as PoseC3D).
_base_ = ['../_base_/models/stgcn_semantic.py', '../_base_/datasets/imigue_pose.py', '../_base_/default_runtime.py']

clip_len = 100
num_person = 1  # iMiGUE clips show one person
gcn_pack = dict(type='PackActionInputs', algorithm_keys=('label_embedding', ), meta_keys=('frame_dir', ))
ske_feat = dict(type='LayoutGenSkeFeat', layout=_base_.layout, feats=['j'])  # bone.py: ['b']

train_pipeline = [
    dict(type='PreNormalize2D'), ske_feat,
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'), dict(type='FormatGCNInput', num_person=num_person), gcn_pack]
val_pipeline = [
    dict(type='PreNormalize2D'), ske_feat,
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1, test_mode=True),
    dict(type='PoseDecode'), dict(type='FormatGCNInput', num_person=num_person), gcn_pack]
test_pipeline = [
    dict(type='PreNormalize2D'), ske_feat,
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=10, test_mode=True),
    dict(type='PoseDecode'), dict(type='FormatGCNInput', num_person=num_person), gcn_pack]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=80, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=80, by_epoch=True, convert_to_iter_based=True)]
# lr 0.1 is mmaction2's for a total batch of 128 (8 GPUs x 16); --auto-scale-lr rescales for yours
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0005, nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=128)
work_dir = 'work_dirs/imigue_stgcn_joint'
