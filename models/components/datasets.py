"""mmaction2 datasets over the prepared dataset (docs/prepared-dataset.md)."""
import os.path as osp

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS

from competition.data.annotations import load_pose_annotations


@DATASETS.register_module()
class PreparedPoseDataset(PoseDataset):
    """mmaction2's PoseDataset reading the prepared `pose/*.npz` files instead of a pickle.

    `coordinates=2` keeps x and y of 3D joints (heatmap models draw in the image plane); None keeps all.
    """

    def __init__(self, *args, coordinates=None, **kwargs):
        if coordinates not in (None, 2, 3):
            raise ValueError(f"coordinates must be None, 2 or 3, got {coordinates!r}")
        self.coordinates = coordinates
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        data_list = load_pose_annotations(self.ann_file, split=self.split)["annotations"]
        for item in data_list:
            if self.coordinates is not None:
                if item["keypoint"].shape[-1] < self.coordinates:
                    raise ValueError(f"{self.ann_file}: clip {item['frame_dir']!r} has {item['keypoint'].shape[-1]} "
                                     f"coordinates per joint, the pipeline needs {self.coordinates}")
                item["keypoint"] = item["keypoint"][..., :self.coordinates]
            if "video" in self.data_prefix:  # RGB+pose models find the clip video through frame_dir
                item["frame_dir"] = osp.join(self.data_prefix["video"], item["frame_dir"])
        return data_list
