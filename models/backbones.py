"""mmaction2 backbones taking our named skeleton layouts."""
import competition.compat  # noqa: F401  (before mmaction2)
from mmaction.models.backbones import STGCN
from mmaction.registry import MODELS

from models.skeleton import named_graph_cfg


@MODELS.register_module()
class NamedGraphSTGCN(STGCN):
    """mmaction2's STGCN (ST-GCN / ST-GCN++) whose `graph_cfg.layout` may also name a layout of
    models.skeleton.GRAPH_LAYOUTS (e.g. 'imigue36'). Same parameters, so checkpoints are interchangeable."""

    def __init__(self, graph_cfg, **kwargs):
        super().__init__(graph_cfg=named_graph_cfg(graph_cfg), **kwargs)
