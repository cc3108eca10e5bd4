# Spotting with the demo ST-GCN joint model (configs/demo/stgcn_joint.py: 4 ST-GCN blocks, 32-frame clips) as the
# window model, on the same 32-frame windows as rtg_demo_joint.py (tools/data/make_windows.py ... --across-cuts 2).
# Classes: small, medium, large + background. See docs/spotting.md.
_base_ = ['../demo/stgcn_joint.py']
window = 32
stride = 4
data_root = 'mg_posec3d/data/rtg_trials/'
dataset = dict(ann_file='work_dirs/spotting/rtg_windows.pkl', label_embeddings=data_root + 'rtg_spotting_glove50.npy',
               num_classes=4)
model = dict(cls_head=dict(num_classes=4))
test_pipeline = _base_.val_pipeline  # one clip per window: what tools/spot.py runs on every window
train_dataloader = dict(dataset=dict(**dataset))
val_dataloader = dict(dataset=dict(**dataset))
test_dataloader = dict(batch_size=16, dataset=dict(split='val', pipeline=test_pipeline, **dataset))  # window accuracy
train_cfg = dict(max_epochs=8, val_begin=1, val_interval=1)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=8, by_epoch=True, convert_to_iter_based=True)]
work_dir = 'work_dirs/spotting/rtg_demo_stgcn'
