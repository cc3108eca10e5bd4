# Demo ST-GCN joint stream on the bundled real reach-to-grasp sample (3 classes; train P1-P6, val P7, test P8):
# configs/stgcn/joint.py reduced for 2 CPU cores: 32-frame clips, 4 ST-GCN blocks (16 -> 32 channels, one
# temporal downsampling), 12 epochs.
_base_ = ['../stgcn/joint.py']
data_root = 'mg_posec3d/data/rtg_sample/'
dataset = dict(ann_file=data_root + 'rtg_miga22.pkl', label_embeddings=data_root + 'rtg_glove50.npy',
               num_classes=3)
clip_len = 32
model = dict(backbone=dict(base_channels=16, num_stages=4, inflate_stages=[3], down_stages=[3]),
             cls_head=dict(in_channels=32, num_classes=3, embedding_dim=50, topk=(1, 2)))
train_pipeline = [dict(t, clip_len=clip_len) if t['type'] == 'UniformSampleFrames' else t
                  for t in _base_.train_pipeline]
val_pipeline = [dict(t, clip_len=clip_len) if t['type'] == 'UniformSampleFrames' else t for t in _base_.val_pipeline]
test_pipeline = [dict(t, clip_len=clip_len, num_clips=2) if t['type'] == 'UniformSampleFrames' else t
                 for t in _base_.test_pipeline]
_loader = dict(num_workers=1, persistent_workers=True)
train_dataloader = dict(batch_size=16, **_loader, dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(batch_size=16, **_loader, dataset=dict(pipeline=val_pipeline, **dataset))
test_dataloader = dict(batch_size=4, **_loader, dataset=dict(pipeline=test_pipeline, **dataset))
val_evaluator = [dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))]
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=12)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=12, by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=0.05))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
work_dir = 'work_dirs/demo_stgcn_joint'
