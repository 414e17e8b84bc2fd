"""mmaction2 datasets over the prepared dataset (docs/prepared-dataset.md)."""
import os.path as osp

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS

from competition.data.annotations import load_pose_annotations


@DATASETS.register_module()
class PreparedPoseDataset(PoseDataset):
    """mmaction2's PoseDataset reading the prepared `pose/*.npz` files instead of a pickle.

    `coordinates=2` keeps x and y of 3D joints (heatmap models draw in the image plane); None keeps all.
    `clip_list`: a text file of clip ids, one a line; the dataset then holds exactly those clips, from any
    split (`split` is ignored): a fold of out-of-fold training (models.runner.folds).
    """

    def __init__(self, *args, coordinates=None, clip_list=None, **kwargs):
        if coordinates not in (None, 2, 3):
            raise ValueError(f"coordinates must be None, 2 or 3, got {coordinates!r}")
        self.coordinates = coordinates
        self.clip_list = clip_list
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        clips = None
        if self.clip_list is not None:
            with open(self.clip_list) as handle:
                clips = [line.strip() for line in handle if line.strip()]
        data_list = load_pose_annotations(self.ann_file, split=None if clips is not None else self.split,
                                          clips=clips)["annotations"]
        for item in data_list:
            if self.coordinates is not None:
                if item["keypoint"].shape[-1] < self.coordinates:
                    raise ValueError(f"{self.ann_file}: clip {item['frame_dir']!r} has {item['keypoint'].shape[-1]} "
                                     f"coordinates per joint, the pipeline needs {self.coordinates}")
                item["keypoint"] = item["keypoint"][..., :self.coordinates]
            if "video" in self.data_prefix:  # RGB+pose models find the clip video through frame_dir
                item["frame_dir"] = osp.join(self.data_prefix["video"], item["frame_dir"])
        return data_list
