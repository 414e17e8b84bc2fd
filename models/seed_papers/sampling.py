"""Class-balanced sampling for training (the token-fusion recipe's balanced sampling)."""
import math

import torch
from mmaction.registry import DATA_SAMPLERS
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler


def class_labels(dataset):
    """The label of every sample of an mmengine dataset (through wrappers such as RepeatDataset)."""
    return [int(dataset.get_data_info(i)["label"]) for i in range(len(dataset))]


@DATA_SAMPLERS.register_module()
class ClassBalancedSampler(Sampler):
    """Each epoch draws as many samples as the dataset holds, with replacement, every class equally likely
    and the samples of a class equally likely within it. Under distributed training each process takes its
    share of one draw made with the same seed everywhere (`set_epoch` changes the draw per epoch)."""

    def __init__(self, dataset, seed=None):
        self.rank, self.world_size = get_dist_info()
        labels = torch.as_tensor(class_labels(dataset))
        if len(labels) == 0:
            raise ValueError("ClassBalancedSampler needs a dataset with samples")
        counts = torch.bincount(labels)
        self.weights = 1.0 / counts[labels].double()
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.num_samples = math.ceil(len(labels) / self.world_size)
        self.total_size = self.num_samples * self.world_size

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        indices = torch.multinomial(self.weights, self.total_size, replacement=True, generator=generator)
        return iter(indices[self.rank:self.total_size:self.world_size].tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        self.epoch = epoch
