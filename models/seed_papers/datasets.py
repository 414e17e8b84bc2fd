"""Datasets of the seed-paper recipes."""
import os.path as osp

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS


@DATASETS.register_module()
class MultiListVideoDataset(VideoDataset):
    """mmaction2's VideoDataset over its `ann_file` and the list files in `extra_ann_files` (paths relative to
    `data_root` like `ann_file`): e.g. train + val for a final model trained on every labelled clip."""

    def __init__(self, ann_file, extra_ann_files=(), **kwargs):
        self.extra_ann_files = tuple(extra_ann_files)
        super().__init__(ann_file, **kwargs)

    def load_data_list(self):
        main = self.ann_file
        data_list = super().load_data_list()
        try:
            for extra in self.extra_ann_files:
                self.ann_file = extra if osp.isabs(extra) else osp.join(self.data_root, extra)
                data_list += super().load_data_list()
        finally:
            self.ann_file = main
        return data_list
