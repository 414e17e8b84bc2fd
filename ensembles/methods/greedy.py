"""Ensemble selection with replacement (Caruana et al., 2004), as AutoGluon's WeightedEnsemble does it.

Start from nothing; each round add (again, possibly) the model that makes the running average score best;
after all rounds keep the prefix that scored best. Weights are how often each model was picked.
"""
import numpy as np

from ensembles.combiners import WeightedAverage
from ensembles.methods.base import EnsembleMethod
from ensembles.scoring import objective_of


class GreedySelection(EnsembleMethod):
    name = "greedy"
    complexity = 3

    def __init__(self, rounds=25, objective="accuracy"):
        super().__init__(objective)
        self.rounds = rounds

    def fit_tasks(self, probs, labels, masks, task_names):
        tasks, models = len(masks), probs.shape[0]
        running_sum = np.zeros((tasks,) + probs.shape[1:], dtype=np.float32)
        counts = np.zeros((tasks, models))
        best_counts = np.zeros((tasks, models))
        best_value = np.full(tasks, -np.inf)
        every_task = np.arange(tasks)
        for round_index in range(1, self.rounds + 1):
            candidates = (running_sum[:, None] + probs[None]) / round_index  # [T, M, N, C]
            values = objective_of(candidates, labels, masks, self.objective)
            picks = values.argmax(axis=1)
            running_sum += probs[picks]
            counts[every_task, picks] += 1
            improved = values[every_task, picks] > best_value
            best_value[improved] = values[every_task, picks][improved]
            best_counts[improved] = counts[improved]
        return [WeightedAverage(c) for c in best_counts]
