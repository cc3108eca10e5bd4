"""``AlexNetBN``: the AlexNet-style image classifier of a MiGA image-level system, without torchvision.

Five conv layers with batch norm (max-pooling after the 1st, 2nd and 5th, as in AlexNet), then the first two of
its three fully connected layers; the third (the classifier) is the head's ``fc_cls``, so the same heads and
losses work on it as on the other backbones.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


@MODELS.register_module()
class AlexNetBN(BaseModule):
    """AlexNet with batch norm: [N, 3, H, W] images -> [N, fc_channels] features.

    Args:
        in_channels: Image channels.
        widths: Output channels of the five conv layers (AlexNet: 64, 192, 384, 256, 256).
        fc_channels: Width of the two hidden fully connected layers (AlexNet: 4096).
        pool_size: Side of the adaptive average pool before the FC layers (AlexNet: 6).
        dropout: Dropout before each hidden FC layer (AlexNet: 0.5).
        init_cfg: mmengine init config (default: Kaiming for convs, normal 0.01 for FC, BN weight 1).
    """

    def __init__(self, in_channels: int = 3, widths: Sequence[int] = (64, 192, 384, 256, 256),
                 fc_channels: int = 4096, pool_size: int = 6, dropout: float = 0.5,
                 init_cfg: dict | list | None = None) -> None:
        if init_cfg is None:
            init_cfg = [dict(type='Kaiming', layer='Conv2d'), dict(type='Normal', layer='Linear', std=0.01),
                        dict(type='Constant', layer='BatchNorm2d', val=1.)]
        super().__init__(init_cfg=init_cfg)
        if len(widths) != 5:
            raise ValueError(f'AlexNetBN has five conv layers; widths={tuple(widths)}')
        # (kernel, stride, padding, max-pool after) per conv layer, as in AlexNet
        shapes = ((11, 4, 2, True), (5, 1, 2, True), (3, 1, 1, False), (3, 1, 1, False), (3, 1, 1, True))
        layers: list[nn.Module] = []
        c = in_channels
        for width, (k, s, p, pool) in zip(widths, shapes):
            layers += [nn.Conv2d(c, width, k, s, p, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
            if pool:
                layers.append(nn.MaxPool2d(kernel_size=3, stride=2))
            c = width
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(pool_size)
        self.fc = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(c * pool_size * pool_size, fc_channels), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(fc_channels, fc_channels), nn.ReLU(inplace=True))
        self.feat_dim = fc_channels

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.fc(torch.flatten(x, 1))
