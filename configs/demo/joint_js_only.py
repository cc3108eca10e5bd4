# Demo joint model trained with the JS loss alone; predicts the nearest class text.
_base_ = ['joint_js.py']
model = dict(cls_head=dict(loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.0), predict_with_text=True))
work_dir = 'work_dirs/demo_joint_js_only'
