# PoseC3D limb stream with CE + 1 * JS (see configs/js/joint.py).
_base_ = ['../limb.py']
model = dict(cls_head=dict(
    loss_emb_weight=1.0, loss_emb=dict(type='JSContrastiveLoss', class_embeddings=_base_.label_embeddings)))
work_dir = 'work_dirs/imigue_limb_js'
