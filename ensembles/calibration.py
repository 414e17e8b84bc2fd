"""Temperature scaling of each model before fusion: p ** a renormalised (temperature T = 1 / a).

The log-loss of softmax(a · log p) is convex in a, so each model's best `a` on a task's rows is found exactly
by a safeguarded Newton iteration (bisection on the bracket whenever a Newton step leaves it). Fitted on the
training rows of each cross-validation fold, never on the rows the fold is scored on. Scaling one model
never changes its own top-1, only how much its confidence counts against the other models' in a weighted
mean.
"""
import numpy as np

from ensembles.scoring import PROB_FLOOR

POWER_BOUNDS = (1e-2, 1e2)


def fit_powers(probs, labels, masks, *, iterations=60, tolerance=1e-7) -> np.ndarray:
    """The log-loss-optimal power of each model on each task's rows: probs [M, N, C], masks [T, N] → [T, M]."""
    log_probs = np.log(np.maximum(np.asarray(probs, dtype=np.float32), PROB_FLOOR))
    return np.stack([_fit_task(log_probs[:, mask], labels[mask], iterations, tolerance) for mask in masks])


def _fit_task(log_probs, labels, iterations, tolerance):
    log_probs = log_probs.astype(np.float64)  # [M, n, C]
    models, rows, _ = log_probs.shape
    log_true = log_probs[:, np.arange(rows), labels]  # [M, n]
    power = np.ones(models)
    low, high = np.full(models, POWER_BOUNDS[0]), np.full(models, POWER_BOUNDS[1])
    for _ in range(iterations):
        scaled = power[:, None, None] * log_probs
        scaled -= scaled.max(axis=-1, keepdims=True)
        weights = np.exp(scaled)
        weights /= weights.sum(axis=-1, keepdims=True)
        expected = (weights * log_probs).sum(axis=-1)  # [M, n]
        gradient = (expected - log_true).mean(axis=-1)  # d/da of the mean log-loss
        curvature = ((weights * log_probs ** 2).sum(axis=-1) - expected ** 2).mean(axis=-1)
        high = np.where(gradient > 0, power, high)
        low = np.where(gradient < 0, power, low)
        newton = power - gradient / np.maximum(curvature, 1e-12)
        inside = (newton > low) & (newton < high)
        step = np.where(inside, newton, np.sqrt(low * high))
        step = np.where(gradient == 0, power, step)
        converged = np.abs(step - power) <= tolerance * power
        power = step
        if converged.all():
            break
    return power
