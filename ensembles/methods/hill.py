"""Hill climbing on the weights, starting from the best single model.

Each step tries raising or lowering every model's weight by `step` and takes the best move that improves
the objective; when none does, the step is halved, down to `min_step`.
"""
import numpy as np

from ensembles.combiners import WeightedAverage
from ensembles.methods.base import EnsembleMethod
from ensembles.scoring import combine, objective_of


class HillClimbing(EnsembleMethod):
    name = "hill"
    complexity = 4

    def __init__(self, step=1.0, min_step=0.03, max_steps=500, objective="accuracy"):
        super().__init__(objective)
        self.step, self.min_step, self.max_steps = step, min_step, max_steps

    def fit_tasks(self, probs, labels, masks, task_names):
        tasks, models = len(masks), probs.shape[0]
        start = objective_of(probs[None], labels, masks, self.objective).argmax(axis=1)
        weights = np.eye(models)[start]  # [T, M]
        value = objective_of(combine(weights, probs)[:, None], labels, masks, self.objective)[:, 0]
        step = np.full(tasks, float(self.step))
        moves = np.concatenate([np.eye(models), -np.eye(models)])  # [2M, M]
        for _ in range(self.max_steps):
            active = step >= self.min_step
            if not active.any():
                break
            candidates = np.maximum(weights[:, None] + step[:, None, None] * moves, 0.0)  # [T, 2M, M]
            values = objective_of(combine(candidates, probs), labels, masks, self.objective)
            values[candidates.sum(axis=-1) == 0] = -np.inf
            best = values.argmax(axis=1)
            gain = values[np.arange(tasks), best]
            accept = active & (gain > value + 1e-12)
            weights[accept] = candidates[accept, best[accept]]
            value[accept] = gain[accept]
            step[active & ~accept] /= 2
        return [WeightedAverage(w) for w in weights]
