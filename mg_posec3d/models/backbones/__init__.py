"""Backbones (registered into mmaction2)."""
from .alexnet import AlexNetBN  # noqa: F401
from .layout_stgcn import LayoutSTGCN  # noqa: F401
