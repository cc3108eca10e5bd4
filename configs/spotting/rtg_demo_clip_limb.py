# The second stage of two-stage spotting (tools/analysis/spot.py --classify): the demo limb clip classifier
# (configs/demo/limb.py: trained on the reach-to-grasp clips of P1-P6, model selection on P7) with a shorter
# schedule for the CPU budget (6 epochs instead of 12). It re-labels the segments the window models find.
_base_ = ['../demo/limb.py']
train_cfg = dict(max_epochs=6)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=6, by_epoch=True, convert_to_iter_based=True)]
work_dir = 'work_dirs/spotting/rtg_clip_limb'
