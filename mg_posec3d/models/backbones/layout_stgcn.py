"""``LayoutSTGCN``: mmaction2's ST-GCN backbone on a keypoint layout of :mod:`mg_posec3d.layouts`."""
from __future__ import annotations

from mmaction.models.backbones import STGCN
from mmaction.registry import MODELS

from ...skeleton_graph import stgcn_graph


@MODELS.register_module()
class LayoutSTGCN(STGCN):
    """mmaction2's :class:`STGCN`, unchanged, whose ``graph_cfg.layout`` may also name one of our layouts.

    ``graph_cfg=dict(layout='miga22', mode='stgcn_spatial')`` builds the graph from the layout's limbs
    (:func:`mg_posec3d.skeleton_graph.stgcn_graph`; ``center`` in ``graph_cfg`` overrides the graph centre).
    mmaction2's own names ('openpose', 'nturgb+d', 'coco') and explicit dicts are passed through.

    Args:
        graph_cfg: ``layout`` (our layout name, or what mmaction2's ``Graph`` accepts), ``mode``, ``max_hop``,
            optional ``center``.
        **kwargs: Passed to :class:`mmaction.models.STGCN` (in_channels, base_channels, num_stages, ...).
    """

    MMACTION_LAYOUTS = ('openpose', 'nturgb+d', 'coco')

    def __init__(self, graph_cfg: dict, **kwargs) -> None:
        graph_cfg = dict(graph_cfg)
        center = graph_cfg.pop('center', None)
        layout = graph_cfg.get('layout', 'miga22')
        if isinstance(layout, str) and layout not in self.MMACTION_LAYOUTS:
            graph_cfg['layout'] = stgcn_graph(layout, center)
        super().__init__(graph_cfg=graph_cfg, **kwargs)
