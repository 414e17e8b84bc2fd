"""mmaction2 backbones taking our named skeleton layouts."""
import competition.compat  # noqa: F401  (before mmaction2)
from mmaction.models.backbones import STGCN
from mmaction.registry import MODELS

from models.skeleton import GRAPH_LAYOUTS


@MODELS.register_module()
class NamedGraphSTGCN(STGCN):
    """mmaction2's STGCN (ST-GCN / ST-GCN++) whose `graph_cfg.layout` may also name a layout of
    models.skeleton.GRAPH_LAYOUTS (e.g. 'imigue36'). Same parameters, so checkpoints are interchangeable."""

    def __init__(self, graph_cfg, **kwargs):
        layout = graph_cfg.get("layout")
        if isinstance(layout, str) and layout in GRAPH_LAYOUTS:
            graph_cfg = dict(graph_cfg, layout=GRAPH_LAYOUTS[layout])
        super().__init__(graph_cfg=graph_cfg, **kwargs)
