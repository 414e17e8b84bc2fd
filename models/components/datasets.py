"""mmaction2 datasets over the prepared dataset (docs/prepared-dataset.md)."""
import os.path as osp

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS

from competition.data.annotations import load_pose_annotations


@DATASETS.register_module()
class PreparedPoseDataset(PoseDataset):
    """mmaction2's PoseDataset reading the prepared `pose/*.npz` files instead of a pickle."""

    def load_data_list(self):
        data_list = load_pose_annotations(self.ann_file, split=self.split)["annotations"]
        if "video" in self.data_prefix:  # RGB+pose models find the clip video through frame_dir
            for item in data_list:
                item["frame_dir"] = osp.join(self.data_prefix["video"], item["frame_dir"])
        return data_list
