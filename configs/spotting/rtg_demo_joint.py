# Spotting (MiGA track 2) on the reach-to-grasp whole trials (mg_posec3d/data/rtg_trials, 30 fps): the demo joint
# model (configs/demo/joint.py at its earlier size: 16 frames at 32x32, quarter-width backbone) trained on
# 32-frame windows cut by
#   python tools/data/make_windows.py mg_posec3d/data/rtg_trials/rtg_trials_miga22_30fps.pkl.gz \
#       --out work_dirs/spotting/rtg_windows.pkl --split train --split val --window 32 --across-cuts 2
# (per trial 2 gesture + 2 background windows + 2 across its end joined to the next trial)
# Classes: small, medium, large + background (a window's class is its centre frame's). Train P1-P6, val P7;
# tools/spot.py runs it on whole sequences (test P8). See docs/spotting.md.
_base_ = ['../demo/joint.py']
window = 32  # frames per window at 30 fps (~1.07 s); tools/spot.py reads it from here
stride = 4  # tools/spot.py's default: a window centred on every 4th frame (docs/spotting.md, Speed)
data_root = 'mg_posec3d/data/rtg_trials/'
dataset = dict(ann_file='work_dirs/spotting/rtg_windows.pkl', label_embeddings=data_root + 'rtg_spotting_glove50.npy',
               num_classes=4)
# Pinned to the demo recipe the figures in docs/spotting.md were measured with (before the CPU recipe of
# docs/cpu_recipe.md): quarter-width backbone, 32x32 heatmaps, alpha 20, validation every epoch.
model = dict(backbone=dict(base_channels=16), cls_head=dict(in_channels=256, num_classes=4, loss_emb_weight=20.0))
train_pipeline = [dict(t, scale=(32, 32)) if t['type'] == 'Resize' else t for t in _base_.train_pipeline]
val_pipeline = [dict(t, scale=(32, 32)) if t['type'] == 'Resize' else t for t in _base_.val_pipeline]

test_pipeline = val_pipeline  # one clip per window, no flip: what tools/spot.py runs on every window
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, **dataset))
test_dataloader = dict(batch_size=16, dataset=dict(split='val', pipeline=test_pipeline, **dataset))  # window accuracy

train_cfg = dict(max_epochs=2, val_begin=1, val_interval=1)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=2, by_epoch=True, convert_to_iter_based=True)]
work_dir = 'work_dirs/spotting/rtg_demo_joint'
