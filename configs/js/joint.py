# PoseC3D joint stream with the visual-text contrastive Jensen-Shannon loss instead of the GloVe MSE:
# CE + 1 * JS (mg_posec3d.models.losses.JSContrastiveLoss: 256-d projections of the pooled feature and of the
# GloVe class vectors, scaled cosine, label-equality targets). configs/joint.py is the paper's CE + 20 * MSE.
_base_ = ['../joint.py']
model = dict(cls_head=dict(
    loss_emb_weight=1.0, loss_emb=dict(type='JSContrastiveLoss', class_embeddings=_base_.label_embeddings)))
work_dir = 'work_dirs/imigue_joint_js'
