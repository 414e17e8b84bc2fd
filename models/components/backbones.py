"""mmaction2 backbones taking our named skeleton layouts."""
from mmaction.models.backbones import STGCN
from mmaction.registry import MODELS

from models.components.skeleton import named_graph_cfg


@MODELS.register_module()
class NamedGraphSTGCN(STGCN):
    """mmaction2's STGCN (ST-GCN / ST-GCN++) whose `graph_cfg.layout` may also name a layout of
    models.components.skeleton.GRAPH_LAYOUTS (e.g. 'imigue36'). Same parameters, so checkpoints are interchangeable."""

    def __init__(self, graph_cfg, **kwargs):
        super().__init__(graph_cfg=named_graph_cfg(graph_cfg), **kwargs)
