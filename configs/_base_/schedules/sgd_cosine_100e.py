# The paper: SGD lr 0.4/6 for a total batch of 32 (16 per GPU x 2 GPUs), momentum 0.9, wd 3e-4,
# no gradient clipping, cosine annealing per iteration to 0, 100 epochs, validate every epoch.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=100, by_epoch=True, convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.4 / 6, momentum=0.9, weight_decay=0.0003),
    clip_grad=None)

# lr above is for 32 samples per step; `tools/train.py --auto-scale-lr` rescales for other totals
auto_scale_lr = dict(enable=False, base_batch_size=32)
