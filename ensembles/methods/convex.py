"""The weights that minimise log-loss, solved exactly: the log-loss of a weighted mean of probabilities is
convex in the weights, so on the simplex it has one minimum, found by SLSQP in milliseconds.

Only the probability each model gives the true class matters ([N, M]): the problem is the maximum-likelihood
mixture weights of M fixed distributions. The solution is a strong, smooth ensemble by itself and the first
point every Optuna search starts from (ensembles.methods.optuna_weights).
"""
import numpy as np
from scipy.optimize import minimize

from ensembles.combiners import WeightedAverage
from ensembles.methods.base import EnsembleMethod
from ensembles.scoring import PROB_FLOOR


class ConvexWeights(EnsembleMethod):
    name = "convex"
    complexity = 2

    def fit_tasks(self, probs, labels, masks, task_names):
        p_true = probs[:, np.arange(probs.shape[1]), labels].T.astype(np.float64)  # [N, M]
        return [WeightedAverage(simplex_log_loss_weights(p_true[mask])) for mask in masks]


def simplex_log_loss_weights(p_true, tolerance=1e-12) -> np.ndarray:
    """argmin over the simplex of −mean log(p_true @ w); p_true [N, M] ≥ 0."""
    rows, models = p_true.shape
    if models == 1:
        return np.ones(1)

    def loss_and_gradient(w):
        mixed = np.maximum(p_true @ w, PROB_FLOOR)
        return -np.log(mixed).mean(), -(p_true / mixed[:, None]).mean(axis=0)

    start = np.full(models, 1.0 / models)
    solution = minimize(loss_and_gradient, start, jac=True, method="SLSQP", bounds=[(0.0, 1.0)] * models,
                        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(models)}],
                        options={"ftol": tolerance, "maxiter": 1000})
    weights = np.clip(solution.x, 0.0, None)
    if not np.isfinite(weights).all() or weights.sum() <= 0:  # degenerate inputs: keep the mean
        return start
    return weights / weights.sum()
