"""Skeleton layouts as the models use them: mmaction2 graphs, flip indices and bone parents of a layout.

The layouts themselves are declared once, in competition.data.skeletons (names, edges, centre, left/right
pairs). A config step names its layout (`layout='imigue36'`) or carries a layout's definition (a dict, for
a layout that lives only in a dataset's pose file); `layout_of` turns either into a `SkeletonLayout`.
The `_36` constants below are the iMiGUE 36-keypoint layout, kept for configs that import them.
"""
import re

from competition.data.keypoints import LIMBS_36  # noqa: F401  (re-exported for configs: skeleton.LIMBS_36)
from competition.data.skeletons import LAYOUTS, SkeletonLayout, load_layout

IMIGUE36 = LAYOUTS["imigue36"]
NUM_JOINTS_36 = IMIGUE36.num_joints
CENTER_36 = IMIGUE36.center
GRAPH_EDGES_36 = IMIGUE36.edges
LEFT_KP_36, RIGHT_KP_36 = IMIGUE36.left_kp, IMIGUE36.right_kp
LEFT_LIMB_36, RIGHT_LIMB_36 = IMIGUE36.limb_pairs
BONE_PARENTS_36 = IMIGUE36.parents
GCN_LAYOUT_36 = IMIGUE36.graph()

# mmaction2 graph layouts by name (`graph_cfg=dict(layout='imigue36')`): a long edge list in a config makes
# mmengine's config dump, run several times per training, take seconds.
GRAPH_LAYOUTS = {name: layout.graph() for name, layout in LAYOUTS.items()}

# mmengine replaces `{{_base_.NAME}}` by this placeholder string and puts the value back only where the
# placeholder stands as a whole value of the config, never inside a function's computation.
_BASE_PLACEHOLDER = re.compile(r"^_[\w.]+_[0-9a-f]{6}$")


def refuse_base_placeholder(value, what):
    """Raise when `value` is mmengine's unresolved placeholder of a `{{_base_.x}}` reference."""
    if isinstance(value, str) and _BASE_PLACEHOLDER.match(value):
        raise ValueError(f"{what} got {value!r}, mmengine's placeholder for a `{{{{_base_.…}}}}` reference: such a "
                         f"reference is resolved only where it stands as a whole value of the config, not inside a "
                         f"function call. Import the value in the config instead (e.g. `import "
                         f"models.components.skeleton as skeleton`), or set `skeleton_layout` at the top level")


def layout_of(layout) -> SkeletonLayout:
    """The SkeletonLayout of a name, a definition dict or a layout JSON file."""
    refuse_base_placeholder(layout, "layout")
    return load_layout(layout)


def index_list(values, what):
    """A list of joint or limb indices; refuses a string (a `{{_base_...}}` placeholder or a name turned into
    its letters) and anything that is not a whole number."""
    refuse_base_placeholder(values, what)
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{what} must be a list of indices, got {values!r}")
    out = list(values)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in out):
        raise ValueError(f"{what} must be a list of whole-number indices, got {out!r}")
    return out


def named_graph_cfg(graph_cfg):
    """`graph_cfg` with our layout (a registered name or a definition dict) replaced by its mmaction2 graph;
    mmaction2's own layouts ('coco', 'nturgb+d', 'openpose', a num_node/inward/center dict) as given."""
    layout = graph_cfg.get("layout")
    refuse_base_placeholder(layout, "graph_cfg.layout")
    if isinstance(layout, str) and layout in GRAPH_LAYOUTS:
        return dict(graph_cfg, layout=GRAPH_LAYOUTS[layout])
    if isinstance(layout, dict) and "joints" in layout:
        return dict(graph_cfg, layout=load_layout(layout).graph())
    return graph_cfg
