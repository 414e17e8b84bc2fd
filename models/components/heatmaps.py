"""Pose heatmaps drawn as mmaction2's `GeneratePoseTarget` draws them, vectorised, in the loader or on the GPU.

mmaction2 draws every keypoint of every person in every frame in its own Python loop (34 clips/s for joints,
11 clips/s for limbs on one core at 48 frames x 36 keypoints x 64x64). Here one `HeatmapRenderer` draws all
frames, keypoints, limbs and pixels of a clip, or of a whole batch, with a few torch operations; the loader
transform (`GeneratePoseHeatmaps`, on the CPU) and the data preprocessor (`PoseHeatmapPreprocessor`, on the
model's device) both call it.

What mmaction2 draws, and so what we draw (pixel (i, j) is column i, row j; `int` truncates toward zero):
- a keypoint (x, y) with score s >= 1e-4 sets s * exp(-((i - x)^2 + (j - y)^2) / (2 sigma^2)) on its box,
  columns int(x - 3 sigma) .. int(x + 3 sigma) and rows likewise, cut to the canvas; nothing outside the box.
- a limb (a, b) with s = min(s_a, s_b) >= 1e-4: when |a - b|^2 < 1, the keypoint a with score s_a; otherwise
  s * exp(-d^2 / (2 sigma^2)), d the distance from the pixel to the segment, on the box of both ends widened
  by 3 sigma.
- everything drawn on one map (several persons, a limb's points) combines by maximum.
- `double` appends the mirror image of every frame with the left and right channels swapped.
- with both `with_kp` and `with_limb`, mmaction2 1.2.0 draws limb i on channel i, over keypoint i, and
  leaves the last len(skeletons) channels empty; we do the same (the output is the contract).
The Gaussian of a keypoint is a product of a row factor and a column factor, computed once per box row and
column; limbs are drawn on windows of their boxes, grouped by size, every term of the distance built from row
and column terms; each group is written with one scatter-maximum.
"""
import math

import numpy as np
import torch
from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmaction.registry import MODELS, TRANSFORMS
from mmcv.transforms import BaseTransform

from models.components.skeleton import index_list, layout_of, refuse_base_placeholder

SCORE_EPS = 1e-4  # mmaction2 draws no keypoint or limb whose score is below this
PACK_CHANNELS = 4  # a shipped keypoint: x, y, score, mirrored (1 for the second half of `double`)
# Pixels of limb windows drawn at once on the CPU (4x on other devices): bounds the temporaries, about 40
# bytes a pixel.
LIMB_PIXELS_PER_CHUNK = 1 << 22

# mmaction2's defaults: the COCO-17 skeleton and its left/right keypoints and limbs.
COCO_SKELETONS = ((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9), (0, 6), (6, 8), (8, 10), (5, 11),
                  (11, 13), (13, 15), (6, 12), (12, 14), (14, 16), (11, 12))
COCO_LEFT_KP, COCO_RIGHT_KP = (1, 3, 5, 7, 9, 11, 13, 15), (2, 4, 6, 8, 10, 12, 14, 16)
COCO_LEFT_LIMB, COCO_RIGHT_LIMB = (0, 2, 4, 5, 6, 10, 11, 12), (1, 3, 7, 8, 9, 13, 14, 15)


class HeatmapRenderer:
    """Draws keypoint and limb heatmaps of many frames at once with torch, on whatever device the input is.

    The arguments are those of mmaction2's `GeneratePoseTarget` that shape the drawing; `use_score` and
    `double` belong to the transform (it decides the scores and asks for the mirrored copy).
    """

    def __init__(self, sigma=0.6, with_kp=True, with_limb=False, skeletons=None, left_kp=None, right_kp=None,
                 left_limb=None, right_limb=None, scaling=1.0, layout=None):
        if not (with_kp or with_limb):
            raise ValueError("at least one of with_kp and with_limb must be True")
        if sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        lists = dict(skeletons=skeletons, left_kp=left_kp, right_kp=right_kp, left_limb=left_limb,
                     right_limb=right_limb)
        given = sorted(k for k, v in lists.items() if v is not None)
        if layout is not None:
            if given:
                raise ValueError(f"give a skeleton layout or the lists {given}, not both: the layout defines them")
            layout = layout_of(layout)
            left_limb, right_limb = layout.limb_pairs
            lists = dict(skeletons=layout.limbs, left_kp=layout.left_kp, right_kp=layout.right_kp,
                         left_limb=left_limb, right_limb=right_limb)
        # mmaction2 falls back to COCO-17's limbs and pairs; we do too, but only for 17 keypoints (`render`).
        self.coco_defaults = sorted(k for k, v in lists.items() if v is None)
        defaults = dict(skeletons=COCO_SKELETONS, left_kp=COCO_LEFT_KP, right_kp=COCO_RIGHT_KP,
                        left_limb=COCO_LEFT_LIMB, right_limb=COCO_RIGHT_LIMB)
        lists = {k: defaults[k] if v is None else v for k, v in lists.items()}
        skeletons = lists.pop("skeletons")
        refuse_base_placeholder(skeletons, "skeletons")
        if isinstance(skeletons, (str, bytes)):
            raise ValueError(f"skeletons must be a list of limbs (pairs of keypoint indices), got {skeletons!r}")
        lists = {k: index_list(v, k) for k, v in lists.items()}
        if len(lists["left_kp"]) != len(lists["right_kp"]) or len(lists["left_limb"]) != len(lists["right_limb"]):
            raise ValueError("left and right keypoints (and limbs) must pair up: got lists of different lengths")
        self.layout = layout
        self.sigma = float(sigma)
        self.with_kp = bool(with_kp)
        self.with_limb = bool(with_limb)
        self.skeletons = tuple(tuple(index_list(limb, "a limb of skeletons")) for limb in skeletons)
        if any(len(limb) != 2 for limb in self.skeletons):
            raise ValueError(f"skeletons must be pairs of keypoint indices, got {self.skeletons}")
        self.left_kp, self.right_kp = tuple(lists["left_kp"]), tuple(lists["right_kp"])
        self.left_limb, self.right_limb = tuple(lists["left_limb"]), tuple(lists["right_limb"])
        self.scaling = float(scaling)
        self.window_growth = None  # limb window sides grow by this factor; None: 2 on the CPU, 4 elsewhere

    def check_keypoints(self, num_keypoints, mirrored=False):
        """Refuse indices past the clip's keypoints, and COCO's default limbs or pairs for a skeleton that is not
        COCO's (`mirrored`: the clip is also drawn mirrored, so the left/right pairs are used)."""
        needed = ["skeletons"] if self.with_limb else []
        if mirrored:
            needed += ["left_kp", "right_kp"] if self.with_kp else ["left_limb", "right_limb"]
        fallen_back = [name for name in needed if name in self.coco_defaults]
        if fallen_back and num_keypoints != 17:
            raise ValueError(f"no skeleton layout given, so {fallen_back} fell back to COCO-17's, but the clip has "
                             f"{num_keypoints} keypoints: give the heatmap step layout=... (e.g. 'imigue36')")
        used = list(self.left_kp + self.right_kp) if (mirrored and self.with_kp) else []
        if self.with_limb:
            used += [v for limb in self.skeletons for v in limb]
        if used and max(used) >= num_keypoints:
            raise ValueError(f"the heatmap step refers to keypoint {max(used)} but the clip has {num_keypoints} "
                             f"keypoints: its layout or lists are for another skeleton")

    def num_channels(self, num_keypoints):
        return (num_keypoints if self.with_kp else 0) + (len(self.skeletons) if self.with_limb else 0)

    def canvas(self, img_shape):
        """Heatmap height and width for an image of `img_shape` (h, w), rounded as mmaction2 rounds them."""
        height, width = img_shape[:2]
        return int(height * self.scaling + 0.5), int(width * self.scaling + 0.5)

    def mirrored_channel_order(self, num_channels):
        """Channel order of a mirrored heatmap: left and right swapped (keypoints, or limbs when only limbs)."""
        order = list(range(num_channels))
        left, right = (self.left_kp, self.right_kp) if self.with_kp else (self.left_limb, self.right_limb)
        for a, b in zip(left, right):
            order[a], order[b] = b, a
        return order

    def mirror(self, heatmaps, out=None):
        """Mirror heatmaps [..., C, H, W] left to right and swap left and right channels."""
        order = torch.tensor(self.mirrored_channel_order(heatmaps.shape[-3]), device=heatmaps.device)
        return torch.index_select(heatmaps.flip(-1), heatmaps.dim() - 3, order, out=out)

    def render(self, keypoints, scores, canvas, out=None):
        """Heatmaps [F, C, H, W] float32 of keypoints [M, F, V, 2] with scores [M, F, V] (persons M, frames F).

        Scores are compared with 1e-4 in their own dtype, like mmaction2. `out`, when given, is a contiguous
        float32 tensor of F*C*H*W elements on the same device, overwritten (the loader passes NumPy memory).
        """
        if keypoints.dim() != 4 or keypoints.shape[-1] < 2:
            raise ValueError(f"keypoints must be [persons, frames, keypoints, 2], got shape {tuple(keypoints.shape)}")
        if tuple(scores.shape) != tuple(keypoints.shape[:3]):
            raise ValueError(f"scores must be [persons, frames, keypoints] = {tuple(keypoints.shape[:3])}, "
                             f"got {tuple(scores.shape)}")
        persons, frames, num_kp = keypoints.shape[:3]
        self.check_keypoints(num_kp)
        height, width = canvas
        maps_shape = (frames, self.num_channels(num_kp), height, width)
        if out is None:
            out = torch.empty(int(np.prod(maps_shape)), dtype=torch.float32, device=keypoints.device)
        xy = keypoints[..., :2].to(torch.float32)
        if self.scaling != 1.0:
            xy = xy * self.scaling
        frame = torch.arange(frames, device=xy.device).view(1, frames, 1)
        canvas_ = _Canvas(out, *maps_shape)
        if out.device.type == "cpu":
            out.numpy().fill(0)  # NumPy's fill is about 10% faster than zero_ on tens of MB
        else:
            out.zero_()
        if self.with_kp and persons:
            self._draw_keypoints(canvas_, xy, scores)
        if self.with_limb and self.skeletons:
            start_index = torch.tensor([a for a, _ in self.skeletons], device=xy.device)
            end_index = torch.tensor([b for _, b in self.skeletons], device=xy.device)
            start, end = xy[:, :, start_index], xy[:, :, end_index]
            start_score, end_score = scores[:, :, start_index], scores[:, :, end_index]
            value = torch.minimum(start_score, end_score)
            # mmaction2 1.2.0 draws limb i on channel i even after the keypoint channels (with_kp and
            # with_limb together): limbs land on the first keypoint maps and the last len(skeletons) stay 0.
            channel = torch.arange(len(self.skeletons), device=xy.device).view(1, 1, -1)
            length2 = (start[..., 0] - end[..., 0]) ** 2 + (start[..., 1] - end[..., 1]) ** 2
            keep = value >= SCORE_EPS
            short = keep & (length2 < 1)  # mmaction2 draws the start keypoint instead
            base = (frame * canvas_.channels + channel) * canvas_.map_size
            patches = self._point_patches(canvas_, base.expand_as(short)[short], start[short], start_score[short])
            if patches is not None:
                canvas_.scatter(*patches)
            long = keep & ~short
            self._draw_segments(canvas_, frame.expand_as(long)[long], channel.expand_as(long)[long], start[long],
                                end[long], length2[long], value[long])
        return out.view(maps_shape)

    def _box(self, low, high, size):
        """First and one-past-last pixel of the boxes from `low` - 3 sigma to `high` + 3 sigma, on the canvas
        (`size`: a number, or a tensor broadcasting with `low`)."""
        reach = 3 * self.sigma
        first = torch.trunc(low - reach).to(torch.int64).clamp_(min=0)
        stop = (torch.trunc(high + reach).to(torch.int64) + 1).clamp_(max=size)
        return first, stop

    def _draw_keypoints(self, canvas, xy, scores):
        """Every keypoint of every person (weight 0 under the threshold), in memory order."""
        persons, frames, num_kp = xy.shape[:3]
        frame = torch.arange(frames, device=xy.device).view(frames, 1, 1)
        channel = torch.arange(num_kp, device=xy.device).view(1, 1, num_kp)
        base = ((frame * canvas.channels + channel) * canvas.map_size).expand(frames, persons, num_kp)
        value = torch.where(scores >= SCORE_EPS, scores, 0).transpose(0, 1)  # frame-major, like `base`
        patches = self._point_patches(canvas, base.reshape(-1), xy.transpose(0, 1).reshape(-1, 2),
                                      value.reshape(-1))
        if patches is not None:
            canvas.scatter(*patches)

    def _point_patches(self, canvas, base, centre, value):
        """Flat canvas indices and values of the boxed Gaussians of points centre [K, 2] with values [K] on the
        maps starting at `base` [K]: side x side pixels a point, point after point. None when nothing is drawn.

        Computed with the points on the last axis (contiguous), where elementwise operations are fastest.
        """
        if len(value) == 0:
            return None
        centre = centre.t().contiguous()  # [2, K]: x, y
        size = torch.tensor([[canvas.width], [canvas.height]], device=centre.device)
        first, stop = self._box(centre, centre, size)
        side = int((stop - first).max())
        if side <= 0:
            return None
        pixel = first + torch.arange(side, device=centre.device).view(side, 1, 1)  # [side, 2, K]
        offset = pixel.to(torch.float32) - centre
        factor = self._gaussian(offset.masked_fill_(pixel >= stop, float("inf")))  # 0 past the box
        patch = (factor[:, 1] * value.to(torch.float32))[:, None, :] * factor[None, :, 0]  # [rows, columns, K]
        # Pixels past a box carry 0 and are moved onto the canvas, where taking the maximum with 0 changes nothing.
        pixel = torch.minimum(pixel, size - 1)
        index = (base + pixel[:, 1] * canvas.width)[:, None, :] + pixel[None, :, 0]
        # Point after point, so that the scatter walks through memory in order.
        return index.permute(2, 0, 1).reshape(-1), patch.permute(2, 0, 1).reshape(-1)

    def _draw_segments(self, canvas, frame, channel, start, end, length2, value):
        """Gaussians of the distance to segments start-end [K, 2] (squared lengths [K] >= 1) on their boxes.

        Boxes are grouped by size and drawn on windows of their group's size; each term of the distance is a
        sum or product of a row term and a column term. Window sides are powers of 2 on the CPU (less waste)
        and of 4 elsewhere (fewer groups, so fewer kernel launches).
        """
        x0, x1 = self._box(torch.minimum(start[:, 0], end[:, 0]), torch.maximum(start[:, 0], end[:, 0]),
                           canvas.width)
        y0, y1 = self._box(torch.minimum(start[:, 1], end[:, 1]), torch.maximum(start[:, 1], end[:, 1]),
                           canvas.height)
        height, width = (y1 - y0).clamp_(min=0), (x1 - x0).clamp_(min=0)
        drawn = (height > 0) & (width > 0)
        on_cpu = start.device.type == "cpu"
        growth = self.window_growth or (2 if on_cpu else 4)
        budget = LIMB_PIXELS_PER_CHUNK if on_cpu else 4 * LIMB_PIXELS_PER_CHUNK
        # Window sides growth^i; key i_rows * 64 + i_columns; items sorted by key so that groups are slices.
        key = _log_ceil(height[drawn], growth) * 64 + _log_ceil(width[drawn], growth)
        key, order = torch.sort(key)
        index = torch.nonzero(drawn).flatten()[order]
        base = (frame[index] * canvas.channels + channel[index]) * canvas.map_size
        corner = torch.stack([x0[index], y0[index], x1[index], y1[index]], 1)
        # Per segment, scaled so that squared distances come out divided by 2 sigma^2: k = 1 / (sqrt(2) sigma |ab|).
        a, b, ab = start[index], end[index], length2[index]
        k = torch.sqrt((0.5 / self.sigma ** 2) / ab)
        middle, direction = (a + b) / 2, (b - a) * k[:, None]
        geometry = torch.cat([middle, direction, torch.stack([0.5 * ab * k, ab * k, torch.log(
            value[index].to(torch.float32))], 1)], 1)
        keys, counts = torch.unique_consecutive(key, return_counts=True)
        first = 0
        for group, count in zip(keys.tolist(), counts.tolist()):
            rows = min(growth ** (group // 64), canvas.height)
            columns = min(growth ** (group % 64), canvas.width)
            for part in _chunks(first, first + count, budget // (rows * columns)):
                self._draw_segment_windows(canvas, base[part], corner[part], geometry[part], rows, columns)
            first += count

    def _draw_segment_windows(self, canvas, base, corner, geometry, rows, columns):
        """Segments of one window size. `corner` [K, 4]: x0, y0, x1, y1 of the boxes; `geometry` [K, 7]: the
        middle m of the segment a-b, u = (b - a) k, |ab|^2 k / 2, |ab|^2 k, log of the score.

        With d^2 the squared distance to the segment, perp the distance to its line and `along` where the
        pixel p projects on the line (0 at a, 1 at b): d^2 = perp^2 + |ab|^2 (along - clamp(along, 0, 1))^2,
        the same as mmaction2's choice between |pa|^2, |pb|^2 and perp^2. Scaled by k: perp = (p - m) x u,
        along = (p - m) . u + |ab|^2 k / 2, each a row term plus a column term. The score and the box enter
        the exponent as logarithms.
        """
        row = corner[:, 1:2] + torch.arange(rows, device=base.device)  # [K, rows]
        column = corner[:, 0:1] + torch.arange(columns, device=base.device)  # [K, columns]
        mx, my, ux, uy, half, end, log_value = (g[:, None] for g in geometry.unbind(1))
        dy, dx = row.to(torch.float32) - my, column.to(torch.float32) - mx
        along = (dy * uy)[:, :, None] + (dx * ux + half)[:, None, :]
        past = along - torch.minimum(along.clamp(min=0), end[:, :, None])
        perp = (dx * uy)[:, None, :] - (dy * ux)[:, :, None]
        distance2 = torch.addcmul(perp.square_(), past, past)
        log_row = log_value.expand(-1, rows).masked_fill(row >= corner[:, 3:4], -math.inf)  # -inf past the box
        log_column = torch.where(column < corner[:, 2:3], 0.0, -math.inf)
        heat = torch.sub(log_row[:, :, None], distance2, out=distance2).add_(log_column[:, None, :]).exp_()
        row_start = base[:, None] + row.clamp(max=canvas.height - 1) * canvas.width
        canvas.scatter(row_start[:, :, None] + column.clamp(max=canvas.width - 1)[:, None, :], heat)

    def _gaussian(self, offset):
        return torch.exp(offset * offset * (-0.5 / self.sigma ** 2))


class _Canvas:
    """A flat float32 buffer of maps [F, C, H, W]; drawing takes the maximum with what is there."""

    def __init__(self, flat, frames, channels, height, width):
        self.flat, self.channels, self.height, self.width = flat, channels, height, width
        self.map_size = height * width

    def scatter(self, index, heat):
        """`heat` at flat indices `index` (same shape)."""
        self.flat.scatter_reduce_(0, index.reshape(-1), heat.reshape(-1), "amax")


def _chunks(first, stop, size):
    """Slices of at most `size` (at least 1) consecutive items of first..stop-1."""
    size = max(int(size), 1)
    for begin in range(first, stop, size):
        yield slice(begin, min(begin + size, stop))


def _log_ceil(n, base):
    """Smallest i with base^i >= n, for positive integer tensors (base a power of 2)."""
    return torch.ceil(torch.log2(n.to(torch.float64)) / np.log2(base)).to(torch.int64)


def _scores_of(results, keypoints, use_score):
    """mmaction2's scores: `keypoint_score` when given and `use_score`, otherwise ones."""
    if use_score and "keypoint_score" in results:
        scores = np.asarray(results["keypoint_score"])
        if scores.shape != keypoints.shape[:-1]:
            raise ValueError(f"keypoint_score has shape {scores.shape}, expected {keypoints.shape[:-1]} to match "
                             f"keypoint {keypoints.shape}")
        return scores
    return np.ones(keypoints.shape[:-1], dtype=np.float32)


@TRANSFORMS.register_module()
class GeneratePoseHeatmaps(BaseTransform):
    """Drop-in for mmaction2's `GeneratePoseTarget` (same arguments, same output), about 10x faster on a core.

    Writes [F, C, H, W] float32 heatmaps (2F frames with `double`) to `imgs`, or to `heatmap_imgs` when
    `imgs` is already there (RGB+pose), exactly as `GeneratePoseTarget` does.

    With `on_device=True` it draws nothing: it ships the keypoints instead, as `imgs` [F, M, V, 4] float32
    (x, y, score, mirrored), which `FormatShape('NCTHW_Heatmap')` turns into [views, M, T, V, 4] and
    `PoseHeatmapPreprocessor(on_device=True)` draws on the model's device. Scores below 1e-4 ship as 0 and,
    without `use_score`, the others as 1, so persons padded to a common count (zeros) draw nothing.
    """

    def __init__(self, sigma=0.6, use_score=True, with_kp=True, with_limb=False, skeletons=None, double=False,
                 left_kp=None, right_kp=None, left_limb=None, right_limb=None, scaling=1.0, on_device=False,
                 layout=None):
        self.renderer = HeatmapRenderer(sigma, with_kp, with_limb, skeletons, left_kp, right_kp, left_limb,
                                        right_limb, scaling, layout)
        self.use_score = bool(use_score)
        self.double = bool(double)
        self.on_device = bool(on_device)

    def transform(self, results):
        keypoints = np.asarray(results["keypoint"])
        if keypoints.ndim != 4 or keypoints.shape[-1] < 2:
            raise ValueError(f"keypoint must be [persons, frames, keypoints, 2], got shape {keypoints.shape}")
        if not np.isfinite(keypoints[..., :2]).all():
            raise ValueError("keypoint holds NaN or infinite coordinates; mark a missing keypoint with score 0")
        scores = _scores_of(results, keypoints, self.use_score)
        key = "heatmap_imgs" if "imgs" in results else "imgs"
        if self.on_device:
            if key != "imgs":
                raise ValueError("on_device=True draws heatmaps in PoseHeatmapPreprocessor, which takes heatmaps as "
                                 "the model's only input; this pipeline already has `imgs` (RGB+pose): use "
                                 "on_device=False")
            self.renderer.check_keypoints(keypoints.shape[2], mirrored=self.double)
            results["imgs"] = self._pack(keypoints, scores)
        else:
            results[key] = self._draw(keypoints, scores, results["img_shape"])
        return results

    def _draw(self, keypoints, scores, img_shape):
        frames = keypoints.shape[1]
        canvas = self.renderer.canvas(img_shape)
        maps_shape = (frames, self.renderer.num_channels(keypoints.shape[2])) + canvas
        maps = np.empty(((2 if self.double else 1) * frames,) + maps_shape[1:], dtype=np.float32)
        flat = torch.from_numpy(maps.reshape(-1))
        drawn = self.renderer.render(torch.from_numpy(keypoints.astype(np.float32, copy=False)),
                                     torch.from_numpy(scores), canvas, out=flat[:int(np.prod(maps_shape))])
        if self.double:
            self.renderer.check_keypoints(keypoints.shape[2], mirrored=True)
            self.renderer.mirror(drawn, out=torch.from_numpy(maps[frames:]))
        return maps

    def _pack(self, keypoints, scores):
        persons, frames, num_kp = keypoints.shape[:3]
        # At least one person (FormatShape cannot reshape an empty array); a padded person scores 0: not drawn.
        pack = np.zeros((frames, max(persons, 1), num_kp, PACK_CHANNELS), dtype=np.float32)
        pack[:, :persons, :, :2] = keypoints[..., :2].transpose(1, 0, 2, 3)
        if self.use_score:
            pack[:, :persons, :, 2] = np.where(scores >= SCORE_EPS, scores, 0).transpose(1, 0, 2)
        else:
            pack[:, :persons, :, 2] = 1.0
        if self.double:
            mirrored = pack.copy()
            mirrored[..., 3] = 1.0
            pack = np.concatenate([pack, mirrored])
        return pack

    def __repr__(self):
        r = self.renderer
        return (f"{self.__class__.__name__}(sigma={r.sigma}, use_score={self.use_score}, with_kp={r.with_kp}, "
                f"with_limb={r.with_limb}, skeletons={r.skeletons}, double={self.double}, left_kp={r.left_kp}, "
                f"right_kp={r.right_kp}, left_limb={r.left_limb}, right_limb={r.right_limb}, "
                f"scaling={r.scaling}, on_device={self.on_device})")


@MODELS.register_module()
class PoseHeatmapPreprocessor(ActionDataPreprocessor):
    """`ActionDataPreprocessor` that draws the heatmaps of a batch on the model's device when asked to.

    `heatmap` is the pipeline's heatmap step (the same dict, e.g. `joint_heatmap` of
    models/configs/_base_/pose_heatmaps.py). With `on_device=True` in it, the loader ships keypoints
    (`GeneratePoseHeatmaps(on_device=True)`) and this draws them: the batch's inputs [views, M, T, V, 4]
    become [views, C, T, H, W] heatmaps, exactly what the loader would have drawn; otherwise inputs pass
    through untouched. Other arguments are `ActionDataPreprocessor`'s (format_shape defaults to NCTHW).
    """

    def __init__(self, heatmap=None, format_shape="NCTHW", **kwargs):
        super().__init__(format_shape=format_shape, **kwargs)
        heatmap = dict(heatmap or {})
        self.on_device = bool(heatmap.get("on_device", False))
        drawing = {k: v for k, v in heatmap.items() if k not in ("type", "use_score", "double", "on_device")}
        self.renderer = HeatmapRenderer(**drawing)

    def preprocess(self, inputs, data_samples, training=False):
        if self.on_device:
            inputs = self.render(inputs, data_samples)
        return super().preprocess(inputs, data_samples, training)

    def render(self, packs, data_samples):
        """Per-sample heatmaps [views, C, T, H, W] of shipped keypoints [views, M, T, V, 4]."""
        for pack in packs:
            if pack.dim() != 5 or pack.shape[-1] != PACK_CHANNELS:
                raise ValueError(f"PoseHeatmapPreprocessor(on_device=True) expects shipped keypoints [views, persons, "
                                 f"frames, keypoints, {PACK_CHANNELS}], got {tuple(pack.shape)}: the pipeline's "
                                 f"heatmap step must be GeneratePoseHeatmaps(on_device=True), the same dict")
        canvases = [self.renderer.canvas(sample.img_shape) for sample in data_samples]
        heatmaps = [None] * len(packs)
        groups = {}
        for i, (pack, canvas) in enumerate(zip(packs, canvases)):
            groups.setdefault((canvas,) + tuple(pack.shape[:1] + pack.shape[2:]), []).append(i)
        for (canvas, *_), members in groups.items():
            persons = max(packs[i].shape[1] for i in members)
            # Persons padded with zeros have score 0: nothing is drawn for them.
            batch = torch.stack([_pad_persons(packs[i], persons) for i in members])  # [B, views, M, T, V, 4]
            b, views, _, frames, num_kp, _ = batch.shape
            per_frame = batch.permute(2, 0, 1, 3, 4, 5).reshape(persons, b * views * frames, num_kp, PACK_CHANNELS)
            drawn = self.renderer.render(per_frame[..., :2], per_frame[..., 2], canvas)
            drawn = drawn.view(b * views, frames, *drawn.shape[1:])
            mirrored = torch.nonzero(batch[..., 3].flatten(2).sum(-1).flatten() > 0).flatten()  # any flag set
            if len(mirrored):
                self.renderer.check_keypoints(num_kp, mirrored=True)
                drawn[mirrored] = self.renderer.mirror(drawn[mirrored])
            drawn = drawn.view(b, views, *drawn.shape[1:]).transpose(2, 3)  # [B, views, C, T, H, W]
            for j, i in enumerate(members):
                heatmaps[i] = drawn[j]
        return heatmaps


def _pad_persons(pack, persons):
    missing = persons - pack.shape[1]
    if missing == 0:
        return pack
    return torch.cat([pack, pack.new_zeros((pack.shape[0], missing) + tuple(pack.shape[2:]))], 1)
