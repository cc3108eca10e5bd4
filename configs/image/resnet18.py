# Image-level ResNet-18 (mmaction2 ResNet, depth 18) on the same image folders as configs/image/alexnet.py.
# ImageNet weights (no download here): --cfg-options model.backbone.pretrained=PATH/resnet18.pth
# (a torchvision-format state dict; mmaction2 maps its names).
_base_ = ['alexnet.py']
model = dict(backbone=dict(_delete_=True, type='ResNet', depth=18, pretrained=None, norm_eval=False),
             cls_head=dict(in_channels=512))
work_dir = 'work_dirs/imigue_image_resnet18'
