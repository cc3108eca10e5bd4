# Demo limb model with CE + 1 * JS instead of CE + 20 * MSE.
_base_ = ['limb.py']
model = dict(cls_head=dict(
    loss_emb_weight=1.0, loss_emb=dict(type='JSContrastiveLoss', class_embeddings=_base_.dataset.label_embeddings)))
work_dir = 'work_dirs/demo_limb_js'
