"""The two baselines every search must beat: the plain mean, and the single best model."""
import numpy as np

from ensembles.combiners import WeightedAverage
from ensembles.methods.base import EnsembleMethod
from ensembles.scoring import objective_of


class MeanEnsemble(EnsembleMethod):
    name = "mean"
    complexity = 0

    def fit_tasks(self, probs, labels, masks, task_names):
        return [WeightedAverage(np.ones(probs.shape[0])) for _ in masks]


class BestModel(EnsembleMethod):
    name = "best"
    complexity = 1

    def fit_tasks(self, probs, labels, masks, task_names):
        per_model = objective_of(probs[None], labels, masks, self.objective)  # [T, M]
        return [WeightedAverage(np.eye(probs.shape[0])[best]) for best in per_model.argmax(axis=1)]
