# Demo joint model with CE + 1 * JS instead of CE + 20 * MSE (configs/js/joint.py on the bundled sample).
_base_ = ['joint.py']
model = dict(cls_head=dict(
    loss_emb_weight=1.0, loss_emb=dict(type='JSContrastiveLoss', class_embeddings=_base_.dataset.label_embeddings)))
work_dir = 'work_dirs/demo_joint_js'
