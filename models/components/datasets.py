"""mmaction2 datasets over the prepared dataset (docs/prepared-dataset.md)."""
import os.path as osp

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS

from competition.data.annotations import load_pose_annotations


@DATASETS.register_module()
class PreparedPoseDataset(PoseDataset):
    """mmaction2's PoseDataset reading the prepared `pose/*.npz` files instead of a pickle.

    `clip_list`: a text file of clip ids, one a line; the dataset then holds exactly those clips, from any
    split (`split` is ignored): a fold of out-of-fold training (models.runner.folds).
    """

    def __init__(self, *args, clip_list=None, **kwargs):
        self.clip_list = clip_list
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        clips = None
        if self.clip_list is not None:
            with open(self.clip_list) as handle:
                clips = [line.strip() for line in handle if line.strip()]
        data_list = load_pose_annotations(self.ann_file, split=None if clips is not None else self.split,
                                          clips=clips)["annotations"]
        if "video" in self.data_prefix:  # RGB+pose models find the clip video through frame_dir
            for item in data_list:
                item["frame_dir"] = osp.join(self.data_prefix["video"], item["frame_dir"])
        return data_list
