# Image-level visual-text contrastive system: ResNet-18 frames and GloVe class texts projected into a shared
# 256-d space, trained with the Jensen-Shannon loss alone, predicting the nearest class text.
# CE + JS instead: --cfg-options model.cls_head.loss_cls.loss_weight=1 model.cls_head.predict_with_text=False
_base_ = ['resnet18.py']
model = dict(cls_head=dict(
    loss_emb_weight=1.0, loss_emb=dict(type='JSContrastiveLoss', class_embeddings=_base_.label_embeddings),
    loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.0), predict_with_text=True))
work_dir = 'work_dirs/imigue_image_resnet18_js'
