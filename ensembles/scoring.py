"""Scores of many candidate ensembles at once, each on its own subset of rows.

Shapes: `probs` [M, N, C] (models, rows, classes). A *task* is one fit of a method on a subset of the rows
(all rows, or the training part of one cross-validation fold); `masks` [T, N] says which rows each task sees.
Candidates [T, K, N, C] are K combined predictions per task; scoring returns [T, K]. Everything is NumPy over
whole arrays, so one trial of a search costs one matrix product, whatever the number of folds.
"""
import numpy as np

OBJECTIVES = ("accuracy", "log_loss", "macro_f1")
# The metric each objective is read from, and whether larger is better.
METRIC_OF_OBJECTIVE = {"accuracy": "top1", "log_loss": "log_loss", "macro_f1": "macro_f1"}
HIGHER_IS_BETTER = {"top1": True, "macro_f1": True, "log_loss": False}
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


def masked_macro_f1(candidates, labels, masks):
    """Macro-F1 of candidates [T, K, N, C] on each task's rows, [T, K].

    As scikit-learn's `f1_score(average="macro")`: the mean F1 over the classes that occur among the task's
    labels or predictions (a class predicted but absent scores 0).
    """
    predicted = candidates.argmax(axis=-1)  # [T, K, N]; T may be 1 for candidates shared by every task
    predicted = np.broadcast_to(predicted, np.broadcast_shapes(predicted.shape, masks[:, None, :].shape))
    tasks, k, rows = predicted.shape
    classes = candidates.shape[-1]
    weights = np.broadcast_to(masks.astype(np.float64)[:, None, :], predicted.shape).ravel()
    offset = (np.arange(tasks * k) * classes).reshape(tasks, k, 1)
    size = tasks * k * classes
    predicted_count = np.bincount((offset + predicted).ravel(), weights, size)
    true_count = np.bincount((offset + labels).ravel(), weights, size)
    hits = np.bincount((offset + predicted).ravel(), weights * (predicted == labels).ravel(), size)
    return macro_f1_from_counts(hits.reshape(tasks, k, classes), predicted_count.reshape(tasks, k, classes),
                                true_count.reshape(tasks, k, classes))


def macro_f1_from_counts(hits, predicted, true):
    """Macro-F1 from per-class counts [..., C] of correct predictions, predictions and labels."""
    present = (predicted + true) > 0
    f1 = np.where(present, 2.0 * hits / np.where(present, predicted + true, 1.0), 0.0)
    return f1.sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)


def objective_value(score, log_loss, rows, objective):
    """The number every search maximises, from the objective's own score (top-1 or macro-F1) and the log-loss.

    `accuracy`: top-1 accuracy, ties broken by log-loss. The log-loss term is below 0.35 / rows, a third of
    one row's worth of accuracy, so it orders equal accuracies and never outweighs a single row.
    `macro_f1`: macro-F1, ties broken by log-loss the same way (the term is below a hundredth of a row's
    worth: one row moves the F1 of two classes).
    `log_loss`: minus the log-loss.
    """
    if objective == "accuracy":
        return score - log_loss / (100.0 * np.maximum(rows, 1))
    if objective == "macro_f1":
        return score - log_loss / (10000.0 * np.maximum(rows, 1))
    if objective == "log_loss":
        return -log_loss
    raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")


def objective_of(candidates, labels, masks, objective):
    """Objective of candidates [T, K, N, C] per task, [T, K]."""
    accuracy, log_loss = masked_scores(candidates, labels, masks)
    score = masked_macro_f1(candidates, labels, masks) if objective == "macro_f1" else accuracy
    return objective_value(score, log_loss, masks.sum(axis=-1)[:, None], objective)


def scores(probs, labels):
    """Plain accuracy and log-loss of one prediction [N, C], as floats."""
    accuracy, log_loss = masked_scores(probs[None, None], labels, np.ones((1, len(labels)), dtype=bool))
    return float(accuracy[0, 0]), float(log_loss[0, 0])


def metrics(probs, labels) -> dict:
    """Top-1, macro-F1 and log-loss of one prediction [N, C]."""
    everything = np.ones((1, len(labels)), dtype=bool)
    top1, log_loss = scores(probs, labels)
    return {"top1": top1, "macro_f1": float(masked_macro_f1(probs[None, None], labels, everything)[0, 0]),
            "log_loss": log_loss}
