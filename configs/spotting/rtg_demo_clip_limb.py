# The second stage of two-stage spotting (tools/spot.py --classify): the demo limb clip classifier
# (configs/demo/limb.py: trained on the reach-to-grasp clips of P1-P6, model selection on P7) with a shorter
# schedule for the CPU budget (6 epochs instead of 12). It re-labels the segments the window models find.
_base_ = ['../demo/limb.py']
# Pinned to the demo recipe the figures in docs/spotting.md were measured with (before the CPU recipe of
# docs/cpu_recipe.md): quarter-width backbone, 32x32 heatmaps, alpha 20, validation every epoch.
model = dict(backbone=dict(base_channels=16), cls_head=dict(in_channels=256, loss_emb_weight=20.0))
_pipelines = {k: [dict(t, scale=(32, 32)) if t['type'] == 'Resize' else t for t in _base_[f'{k}_pipeline']]
              for k in ('train', 'val', 'test')}
train_dataloader = dict(dataset=dict(pipeline=_pipelines['train']))
val_dataloader = dict(dataset=dict(pipeline=_pipelines['val']))
test_dataloader = dict(dataset=dict(pipeline=_pipelines['test']))
train_cfg = dict(max_epochs=6, val_begin=1, val_interval=1)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=6, by_epoch=True, convert_to_iter_based=True)]
work_dir = 'work_dirs/spotting/rtg_clip_limb'
