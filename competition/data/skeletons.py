"""Skeleton layouts: a dataset's joints declared once, everything else derived from them.

A layout names the joints, the edges between them (the graph of graph convolutions; connected), the centre
joint (the root of the bone tree), the left/right pairs (horizontal flips) and, optionally, the limbs drawn
as heatmaps (PoseConv3D's limb stream; the edges when not given). From these follow the bone parents, the
flip indices of keypoints and limbs, and mmaction2's graph. Layouts are registered by name (`LAYOUTS`:
iMiGUE's 36 and 137 points, OpenPose BODY_25 and COCO-18, COCO-17, Kinect v1 and v2, JHMDB's 15 joints) or
read from a small JSON file (`load_layout`), and checked when made: an edge to a joint that does not exist,
a joint in two pairs, a pair whose edges do not mirror, a joint cut off from the centre are refused with a
message.

The JSON form (joints may be referred to by name or by index):

    {"name": "jhmdb15", "joints": ["neck", "belly", "face", ...], "center": "neck",
     "edges": [["neck", "face"], ["neck", "belly"], ...],
     "mirror_pairs": [["r_shoulder", "l_shoulder"], ...], "limbs": [...]}
"""
import json
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from competition.core.errors import DataError
from competition.data import keypoints as kp

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


class LayoutError(DataError):
    """A skeleton layout that cannot be used: the message says which joint, edge or pair is wrong."""


@dataclass(frozen=True)
class SkeletonLayout:
    name: str
    joints: tuple
    edges: tuple
    center: int
    mirror_pairs: tuple = ()
    limbs: tuple = None

    def __post_init__(self):
        object.__setattr__(self, "joints", tuple(str(j) for j in self.joints))
        if not isinstance(self.name, str) or not NAME_PATTERN.match(self.name):
            raise LayoutError(str(self.name), "a layout name is letters, digits, '_', '.', '+' or '-' (it names "
                                              "the pose file pose/<name>.npz)")
        if not self.joints:
            raise LayoutError(self.name, "the layout has no joints")
        duplicated = sorted({j for j in self.joints if self.joints.count(j) > 1})
        if duplicated:
            raise LayoutError(self.name, f"joint names {duplicated} appear more than once")
        index = {name: i for i, name in enumerate(self.joints)}

        def joint(value, what):
            if isinstance(value, str) and value in index:
                return index[value]
            if isinstance(value, bool) or not isinstance(value, int):
                raise LayoutError(self.name, f"{what} refers to {value!r}, which is neither a joint name nor an "
                                             f"index; joints are {list(self.joints)}")
            if not 0 <= value < len(self.joints):
                raise LayoutError(self.name, f"{what} refers to joint {value}, which does not exist (the layout has "
                                             f"{len(self.joints)} joints, 0..{len(self.joints) - 1})")
            return value

        def pairs(values, what):
            out = []
            for i, pair in enumerate(values):
                if isinstance(pair, (str, bytes)) or len(pair) != 2:
                    raise LayoutError(self.name, f"{what} {i} must be a pair of joints, got {pair!r}")
                out.append((joint(pair[0], f"{what} {i}"), joint(pair[1], f"{what} {i}")))
            return tuple(out)

        object.__setattr__(self, "edges", pairs(self.edges, "edge"))
        object.__setattr__(self, "mirror_pairs", pairs(self.mirror_pairs, "mirror pair"))
        object.__setattr__(self, "limbs", self.edges if self.limbs is None else pairs(self.limbs, "limb"))
        object.__setattr__(self, "center", joint(self.center, "the centre"))
        self._validate()

    def _validate(self):
        for what, values in (("edge", self.edges), ("limb", self.limbs)):
            seen = set()
            for a, b in values:
                if a == b:
                    raise LayoutError(self.name, f"{what} ({a}, {b}) joins joint {self.joints[a]!r} to itself")
                if frozenset((a, b)) in seen:
                    raise LayoutError(self.name, f"{what} ({a}, {b}) is listed twice")
                seen.add(frozenset((a, b)))
        paired = {}
        for a, b in self.mirror_pairs:
            if a == b:
                raise LayoutError(self.name, f"mirror pair ({a}, {b}) pairs joint {self.joints[a]!r} with itself")
            for v in (a, b):
                if v in paired:
                    raise LayoutError(self.name, f"joint {self.joints[v]!r} ({v}) is in two mirror pairs: "
                                                 f"{paired[v]} and {(a, b)}")
                paired[v] = (a, b)
        if self.center in paired:
            raise LayoutError(self.name, f"the centre joint {self.joints[self.center]!r} cannot have a mirror image "
                                         f"(it is in the pair {paired[self.center]})")
        mirror = self.mirror
        for what, values in (("edge", self.edges), ("limb", self.limbs)):
            present = {frozenset(e) for e in values}
            for a, b in values:
                image = (mirror[a], mirror[b])
                if frozenset(image) not in present:
                    article = "an" if what == "edge" else "a"
                    raise LayoutError(self.name, f"{what} ({a}, {b}) = {self.joints[a]!r}-{self.joints[b]!r} mirrors "
                                                 f"to {image} = {self.joints[image[0]]!r}-{self.joints[image[1]]!r}, "
                                                 f"which is not {article} {what}: the pairs and the {what}s disagree")
        _ = self.parents  # refuses a graph that does not reach every joint from the centre

    # --- what follows from the declaration ---------------------------------------------------------------

    @property
    def num_joints(self):
        return len(self.joints)

    @property
    def mirror(self):
        """Each joint's mirror image (itself when it is in no pair)."""
        image = list(range(self.num_joints))
        for a, b in self.mirror_pairs:
            image[a], image[b] = b, a
        return image

    @property
    def left_kp(self):
        return [a for a, _ in self.mirror_pairs]

    @property
    def right_kp(self):
        return [b for _, b in self.mirror_pairs]

    @property
    def limb_pairs(self):
        """(left limbs, right limbs): indices into `limbs` of the limbs that swap under a flip."""
        mirror = self.mirror
        index = {frozenset(limb): i for i, limb in enumerate(self.limbs)}
        left, right = [], []
        for i, (a, b) in enumerate(self.limbs):
            j = index[frozenset((mirror[a], mirror[b]))]
            if i < j:
                left.append(i)
                right.append(j)
        return left, right

    @property
    def parents(self):
        """Each joint's parent on the breadth-first tree of the edges from the centre (the centre: itself)."""
        neighbours = {v: [] for v in range(self.num_joints)}
        for a, b in self.edges:
            neighbours[a].append(b)
            neighbours[b].append(a)
        parents = {self.center: self.center}
        queue = deque([self.center])
        while queue:
            v = queue.popleft()
            for w in sorted(neighbours[v]):
                if w not in parents:
                    parents[w] = v
                    queue.append(w)
        cut_off = [v for v in range(self.num_joints) if v not in parents]
        if cut_off:
            raise LayoutError(self.name, f"joints {[self.joints[v] for v in cut_off]} ({cut_off}) are not connected "
                                         f"to the centre {self.joints[self.center]!r}: bones and graph convolutions "
                                         f"need one connected graph; add edges")
        return [parents[v] for v in range(self.num_joints)]

    def graph(self):
        """mmaction2's `Graph` layout dict: inward edges point from a joint to its parent; other edges follow."""
        parents = self.parents
        tree = [(v, p) for v, p in enumerate(parents) if v != p]
        extra = [(a, b) for a, b in self.edges if parents[a] != b and parents[b] != a]
        return dict(num_node=self.num_joints, center=self.center, inward=tree + extra)

    def to_dict(self):
        return dict(name=self.name, joints=list(self.joints), center=self.center,
                    edges=[list(e) for e in self.edges], mirror_pairs=[list(p) for p in self.mirror_pairs],
                    limbs=[list(limb) for limb in self.limbs])

    def to_json(self):
        return json.dumps(self.to_dict())


def layout_from_dict(spec, source="layout"):
    if not isinstance(spec, dict):
        raise LayoutError(source, f"a layout is a JSON object, got {type(spec).__name__}")
    missing = [k for k in ("name", "joints", "edges", "center") if k not in spec]
    if missing:
        raise LayoutError(source, f"the layout lacks {missing}; it needs name, joints, edges, center and "
                                  f"usually mirror_pairs (limbs optional)")
    unknown = sorted(set(spec) - {"name", "joints", "edges", "center", "mirror_pairs", "limbs"})
    if unknown:
        raise LayoutError(source, f"unknown layout keys {unknown}")
    try:
        return SkeletonLayout(spec["name"], spec["joints"], spec["edges"], spec["center"],
                              spec.get("mirror_pairs", ()), spec.get("limbs"))
    except LayoutError as error:
        raise LayoutError(source, error.reason) from None
    except TypeError as error:
        raise LayoutError(source, f"malformed layout ({error})") from None


def load_layout(name_or_path):
    """A registered layout by name, a layout dict, or a layout JSON file."""
    if isinstance(name_or_path, SkeletonLayout):
        return name_or_path
    if isinstance(name_or_path, dict):
        return layout_from_dict(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in LAYOUTS:
        return LAYOUTS[name_or_path]
    path = Path(str(name_or_path))
    if path.suffix == ".json" and path.is_file():
        try:
            spec = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise LayoutError(path, f"not a readable JSON layout ({error})") from None
        return layout_from_dict(spec, source=path)
    raise LayoutError(name_or_path, f"no such skeleton layout: give a registered name ({', '.join(sorted(LAYOUTS))}) "
                                    "or a layout JSON file (docs/models.md, 'Skeleton layouts')")


# --- registered layouts -----------------------------------------------------------------------------------

BODY_25 = ("nose", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist", "mid_hip",
           "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "r_eye", "l_eye", "r_ear", "l_ear",
           "l_big_toe", "l_small_toe", "l_heel", "r_big_toe", "r_small_toe", "r_heel")
BODY_25_EDGES = ((1, 8), (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (10, 11), (8, 12),
                 (12, 13), (13, 14), (1, 0), (0, 15), (15, 17), (0, 16), (16, 18), (14, 19), (19, 20), (14, 21),
                 (11, 22), (22, 23), (11, 24))


def _hand_edges(start):
    """The 21 OpenPose hand points: the wrist, then four points along each finger from the thumb."""
    return tuple((start + (0 if k % 4 == 0 else k - 1), start + k) for k in range(1, 21))


def _face_edges(start):
    """The 68 face landmarks and 2 pupils joined along their contours, and to each other through the nose."""
    chains = [range(0, 17), range(17, 22), range(22, 27), range(27, 31), range(31, 36)]
    rings = [range(36, 42), range(42, 48), range(48, 60), range(60, 68)]
    edges = [(a, b) for chain in chains for a, b in zip(chain, chain[1:])]
    edges += [(ring[i], ring[(i + 1) % len(ring)]) for ring in rings for i in range(len(ring))]
    edges += [(0, 17), (16, 26), (21, 27), (22, 27), (39, 27), (42, 27), (30, 33), (33, 51), (51, 62),
              (36, 68), (45, 69)]
    return tuple((start + a, start + b) for a, b in edges)


def _openpose137():
    joints = (BODY_25 + tuple(f"face_{i}" for i in range(kp.NUM_FACE))
              + tuple(f"l_hand_{i}" for i in range(kp.NUM_HAND)) + tuple(f"r_hand_{i}" for i in range(kp.NUM_HAND)))
    edges = (BODY_25_EDGES + _face_edges(kp.FACE_START) + ((0, kp.FACE_START + 30),)
             + _hand_edges(kp.LEFT_HAND_START) + _hand_edges(kp.RIGHT_HAND_START)
             + ((7, kp.LEFT_HAND_START), (4, kp.RIGHT_HAND_START)))
    return SkeletonLayout("openpose137", joints, edges, center=1, mirror_pairs=kp.MIRROR_PAIRS_137)


def _imigue36(openpose137):
    # MM-Gesture's limbs (keypoints.LIMBS_36) leave the four mouth points (20..23) as a ring of their own; the
    # graph adds one edge from the top of the nose (19) to the upper lip (21) so that every joint reaches the
    # centre. The limb heatmaps keep MM-Gesture's 36 limbs.
    joints = tuple(openpose137.joints[k] for k in kp.SUBSET_36)
    return SkeletonLayout("imigue36", joints, kp.LIMBS_36 + ((19, 21),), center=0, mirror_pairs=kp.MIRROR_PAIRS_36,
                          limbs=kp.LIMBS_36)


def _registered():
    openpose137 = _openpose137()
    layouts = [
        openpose137,
        _imigue36(openpose137),
        SkeletonLayout("openpose25", BODY_25, BODY_25_EDGES, center=1,
                       mirror_pairs=[p for p in kp.MIRROR_PAIRS_137 if max(p) < len(BODY_25)]),
        SkeletonLayout(
            "openpose18", ("nose", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist",
                           "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "r_eye", "l_eye", "r_ear",
                           "l_ear"),
            ((4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11), (10, 9), (9, 8), (11, 5), (8, 2), (5, 1), (2, 1),
             (0, 1), (15, 0), (14, 0), (17, 15), (16, 14)),
            center=1, mirror_pairs=((5, 2), (6, 3), (7, 4), (11, 8), (12, 9), (13, 10), (15, 14), (17, 16))),
        # COCO-17; the limbs are mmaction2's default heatmap skeleton (the graph's 16 edges and the hip line).
        SkeletonLayout(
            "coco17", ("nose", "l_eye", "r_eye", "l_ear", "r_ear", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow",
                       "l_wrist", "r_wrist", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle"),
            ((15, 13), (13, 11), (16, 14), (14, 12), (11, 5), (12, 6), (9, 7), (7, 5), (10, 8), (8, 6), (5, 0),
             (6, 0), (1, 0), (3, 1), (2, 0), (4, 2)),
            center=0, mirror_pairs=tuple((k, k + 1) for k in range(1, 17, 2)),
            limbs=((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9), (0, 6), (6, 8), (8, 10), (5, 11), (11, 13),
                   (13, 15), (6, 12), (12, 14), (14, 16), (11, 12))),
        # Kinect v2 (NTU RGB+D): 25 joints.
        SkeletonLayout(
            "kinect25", ("spine_base", "spine_mid", "neck", "head", "l_shoulder", "l_elbow", "l_wrist", "l_hand",
                         "r_shoulder", "r_elbow", "r_wrist", "r_hand", "l_hip", "l_knee", "l_ankle", "l_foot", "r_hip",
                         "r_knee", "r_ankle", "r_foot", "spine_shoulder", "l_hand_tip", "l_thumb", "r_hand_tip",
                         "r_thumb"),
            ((0, 1), (1, 20), (2, 20), (3, 2), (4, 20), (5, 4), (6, 5), (7, 6), (8, 20), (9, 8), (10, 9), (11, 10),
             (12, 0), (13, 12), (14, 13), (15, 14), (16, 0), (17, 16), (18, 17), (19, 18), (21, 7), (22, 7),
             (23, 11), (24, 11)),
            center=20, mirror_pairs=((4, 8), (5, 9), (6, 10), (7, 11), (12, 16), (13, 17), (14, 18), (15, 19),
                                     (21, 23), (22, 24))),
        # Kinect v1 (MSR Action3D, UTKinect, Northwestern-UCLA): 20 joints.
        SkeletonLayout(
            "kinect20", ("hip_center", "spine", "shoulder_center", "head", "l_shoulder", "l_elbow", "l_wrist",
                         "l_hand", "r_shoulder", "r_elbow", "r_wrist", "r_hand", "l_hip", "l_knee", "l_ankle",
                         "l_foot", "r_hip", "r_knee", "r_ankle", "r_foot"),
            ((0, 1), (1, 2), (2, 3), (2, 4), (4, 5), (5, 6), (6, 7), (2, 8), (8, 9), (9, 10), (10, 11), (0, 12),
             (12, 13), (13, 14), (14, 15), (0, 16), (16, 17), (17, 18), (18, 19)),
            center=1, mirror_pairs=((4, 8), (5, 9), (6, 10), (7, 11), (12, 16), (13, 17), (14, 18), (15, 19))),
        # JHMDB's 15 puppet joints, in the order of its joint_positions files (and DD-Net's arrays).
        SkeletonLayout(
            "jhmdb15", ("neck", "belly", "face", "r_shoulder", "l_shoulder", "r_hip", "l_hip", "r_elbow", "l_elbow",
                        "r_knee", "l_knee", "r_wrist", "l_wrist", "r_ankle", "l_ankle"),
            ((0, 2), (0, 1), (0, 3), (0, 4), (3, 7), (7, 11), (4, 8), (8, 12), (1, 5), (1, 6), (5, 9), (9, 13),
             (6, 10), (10, 14)),
            center=0, mirror_pairs=((3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14))),
    ]
    return {layout.name: layout for layout in layouts}


LAYOUTS = _registered()
