"""Scores of many candidate ensembles at once, each on its own subset of rows.

Shapes: `probs` [M, N, C] (models, rows, classes). A *task* is one fit of a method on a subset of the rows
(all rows, or the training part of one cross-validation fold); `masks` [T, N] says which rows each task sees.
Candidates [T, K, N, C] are K combined predictions per task; scoring returns [T, K]. Everything is NumPy over
whole arrays, so one trial of a search costs one matrix product, whatever the number of folds.
"""
import numpy as np

OBJECTIVES = ("accuracy", "log_loss")
PROB_FLOOR = 1e-15
MAX_LOG_LOSS = -np.log(PROB_FLOOR)  # ≈ 34.5, the loss of a row whose true class got probability 0


def combine(weights, probs):
    """Weighted mean of the models' probabilities: weights [..., M] (any scale, ≥ 0) → [..., N, C]."""
    weights = np.asarray(weights, dtype=np.float32)
    totals = weights.sum(axis=-1, keepdims=True)
    uniform = np.full_like(weights, 1.0 / weights.shape[-1])
    weights = np.where(totals > 0, weights / np.where(totals > 0, totals, 1), uniform)
    models, rows, classes = probs.shape
    flat = weights.reshape(-1, models) @ probs.reshape(models, rows * classes)
    return flat.reshape(weights.shape[:-1] + (rows, classes))


def apply_powers(powers, probs, log_probs=None):
    """Per-model sharpening: p ** a renormalised (a = 1/temperature). powers [..., M] → [..., M, N, C]."""
    if log_probs is None:
        log_probs = np.log(np.maximum(probs, PROB_FLOOR))
    powers = np.asarray(powers, dtype=np.float32)[..., None, None]
    scaled = powers * log_probs
    scaled -= scaled.max(axis=-1, keepdims=True)
    sharpened = np.exp(scaled)
    return sharpened / sharpened.sum(axis=-1, keepdims=True)


def row_outcomes(candidates, labels):
    """Per row: 1.0 where the top class is the label, and the probability given to the label."""
    correct = (candidates.argmax(axis=-1) == labels).astype(np.float32)
    p_true = np.take_along_axis(candidates, np.broadcast_to(labels[:, None], candidates.shape[:-1] + (1,)),
                                axis=-1)[..., 0]
    return correct, p_true


def masked_scores(candidates, labels, masks):
    """Accuracy and log-loss of candidates [T, K, N, C] on each task's rows: two arrays [T, K]."""
    correct, p_true = row_outcomes(candidates, labels)
    losses = -np.log(np.maximum(p_true, PROB_FLOOR))
    weights = masks.astype(np.float32)[:, None, :]
    counts = weights.sum(axis=-1)
    return (correct * weights).sum(axis=-1) / counts, (losses * weights).sum(axis=-1) / counts


def objective_value(accuracy, log_loss, rows, objective):
    """The number every search maximises.

    `accuracy`: top-1 accuracy, ties broken by log-loss. The log-loss term is below 0.35 / rows, a third of
    one row's worth of accuracy, so it orders equal accuracies and never outweighs a single row.
    `log_loss`: minus the log-loss.
    """
    if objective == "accuracy":
        return accuracy - log_loss / (100.0 * np.maximum(rows, 1))
    if objective == "log_loss":
        return -log_loss
    raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")


def objective_of(candidates, labels, masks, objective):
    """Objective of candidates [T, K, N, C] per task, [T, K]."""
    accuracy, log_loss = masked_scores(candidates, labels, masks)
    return objective_value(accuracy, log_loss, masks.sum(axis=-1)[:, None], objective)


def scores(probs, labels):
    """Plain accuracy and log-loss of one prediction [N, C], as floats."""
    accuracy, log_loss = masked_scores(probs[None, None], labels, np.ones((1, len(labels)), dtype=bool))
    return float(accuracy[0, 0]), float(log_loss[0, 0])
