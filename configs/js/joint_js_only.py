# JS alone: no cross-entropy (weight 0), class scores = scaled cosine similarity to the class texts.
_base_ = ['joint.py']
model = dict(cls_head=dict(loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.0), predict_with_text=True))
work_dir = 'work_dirs/imigue_joint_js_only'
