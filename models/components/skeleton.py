"""Skeleton structure of the 36-keypoint layout for the models: flip indices, the GCN graph, bone parents.

MM-Gesture's limb set (competition.data.keypoints.LIMBS_36) leaves the four mouth points (20..23) as a ring of
their own. Graph convolutions and bones need every joint connected to the centre, so the graph adds one
edge from the top of the nose (19) to the upper lip (21).
"""
from collections import deque

from competition.data.keypoints import LIMBS_36, MIRROR_PAIRS_36, SUBSET_36, flip_indices

NUM_JOINTS_36 = len(SUBSET_36)
CENTER_36 = 0  # the nose
MOUTH_LINK_36 = (19, 21)
GRAPH_EDGES_36 = tuple(LIMBS_36) + (MOUTH_LINK_36,)

# Flip pairs for mmaction2's Flip / GeneratePoseTarget.
LEFT_KP_36, RIGHT_KP_36 = flip_indices(MIRROR_PAIRS_36)


def _limb_flip_indices(limbs, mirror_pairs):
    """Pairs of limbs that swap under a horizontal flip, as (left limb indices, right limb indices)."""
    mirror = {}
    for a, b in mirror_pairs:
        mirror[a], mirror[b] = b, a
    index = {frozenset(limb): i for i, limb in enumerate(limbs)}
    left, right = [], []
    for i, (a, b) in enumerate(limbs):
        j = index.get(frozenset((mirror.get(a, a), mirror.get(b, b))))
        if j is not None and i < j:
            left.append(i)
            right.append(j)
    return left, right


LEFT_LIMB_36, RIGHT_LIMB_36 = _limb_flip_indices(LIMBS_36, MIRROR_PAIRS_36)


def bone_parents(num_joints, edges, center):
    """Each joint's parent on a breadth-first tree from `center` (the centre is its own parent)."""
    neighbours = {v: [] for v in range(num_joints)}
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    parents = {center: center}
    queue = deque([center])
    while queue:
        v = queue.popleft()
        for w in sorted(neighbours[v]):
            if w not in parents:
                parents[w] = v
                queue.append(w)
    unreachable = sorted(set(range(num_joints)) - set(parents))
    if unreachable:
        raise ValueError(f"joints {unreachable} are not connected to the centre {center}")
    return [parents[v] for v in range(num_joints)]


BONE_PARENTS_36 = bone_parents(NUM_JOINTS_36, GRAPH_EDGES_36, CENTER_36)

# mmaction2's Graph accepts a layout dict: inward edges point from a joint to its parent.
GCN_LAYOUT_36 = dict(num_node=NUM_JOINTS_36, center=CENTER_36,
                     inward=[(v, p) for v, p in enumerate(BONE_PARENTS_36) if v != p]
                     + [tuple(e) for e in GRAPH_EDGES_36
                        if BONE_PARENTS_36[e[0]] != e[1] and BONE_PARENTS_36[e[1]] != e[0]])

# Graph layouts a config names instead of spelling out (`graph_cfg=dict(layout='imigue36')`): a long edge list
# in a config makes mmengine's config dump, run several times per training, take seconds.
GRAPH_LAYOUTS = {"imigue36": GCN_LAYOUT_36}


def named_graph_cfg(graph_cfg):
    """`graph_cfg` with a layout named in GRAPH_LAYOUTS replaced by the layout itself (other layouts as given)."""
    layout = graph_cfg.get("layout")
    if isinstance(layout, str) and layout in GRAPH_LAYOUTS:
        return dict(graph_cfg, layout=GRAPH_LAYOUTS[layout])
    return graph_cfg
