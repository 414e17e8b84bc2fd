"""Grouped K-fold cross-validation of a video-level classifier: out-of-fold and fold-averaged test probabilities.

Folds come from the toolkit's one splitter (competition.core.folds): groups (subjects, or videos) never
straddle folds, so a video's out-of-fold probability comes from a model that saw none of its subject's videos.
Test probabilities are the mean of the K fold models' probabilities.
"""
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from tqdm.auto import tqdm

METRICS = ("auc", "accuracy", "log_loss")
GREATER_IS_BETTER = {"auc": True, "accuracy": True, "log_loss": False}


def take(inputs, rows):
    """Rows of a feature matrix, or items of a list of per-video samples (sequences)."""
    if isinstance(inputs, np.ndarray):
        return inputs[rows]
    return [inputs[i] for i in rows]


def score(labels, probs, metric) -> float:
    """`auc`, `accuracy` or `log_loss` of win probabilities `probs[:, 1]` (nan when undefined)."""
    labels = np.asarray(labels)
    probs = probs / probs.sum(axis=1, keepdims=True)  # float32 softmax rows sum to 1 only within rounding
    if metric == "auc":
        return float(roc_auc_score(labels, probs[:, 1])) if len(np.unique(labels)) == 2 else float("nan")
    if metric == "accuracy":
        return float(accuracy_score(labels, probs.argmax(axis=1)))
    if metric == "log_loss":
        return float(log_loss(labels, probs, labels=[0, 1]))
    raise ValueError(f"unknown metric {metric!r}; choose one of {METRICS}")


@dataclass
class CrossValidationResult:
    oof_probs: np.ndarray          # [N, 2] out-of-fold probabilities of the labelled videos
    fold_of: np.ndarray            # [N] fold of each labelled video
    test_probs: np.ndarray | None  # [M, 2] mean of the fold models on the test videos
    scores: dict = field(default_factory=dict)        # metric -> out-of-fold score
    fold_scores: list = field(default_factory=list)   # per fold: metric -> score on its held-out videos


def cross_validate(make_estimator, inputs, labels, fold_of, test_inputs=None, on_fold=None, progress=True,
                   description="folds") -> CrossValidationResult:
    """Fit `make_estimator()` on each fold's training rows; predict its held-out rows and the test rows.

    `on_fold(fold, running_scores)` runs after each fold with the out-of-fold scores of the folds done so
    far (an Optuna objective reports them there and may raise `optuna.TrialPruned`).
    """
    labels = np.asarray(labels, dtype=np.int64)
    n_folds = int(fold_of.max()) + 1
    oof = np.zeros((len(labels), 2), dtype=np.float64)
    test = None if test_inputs is None else np.zeros((len(test_inputs), 2), dtype=np.float64)
    done = np.zeros(len(labels), dtype=bool)
    fold_scores = []
    for fold in tqdm(range(n_folds), desc=description, disable=not progress, leave=False):
        train_rows, held_rows = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        estimator = make_estimator()
        estimator.fit(take(inputs, train_rows), labels[train_rows])
        oof[held_rows] = estimator.predict_proba(take(inputs, held_rows))
        if test is not None and len(test_inputs):
            test += estimator.predict_proba(test_inputs) / n_folds
        done[held_rows] = True
        fold_scores.append({m: score(labels[held_rows], oof[held_rows], m) for m in METRICS})
        if on_fold is not None:
            on_fold(fold, {m: score(labels[done], oof[done], m) for m in METRICS})
    return CrossValidationResult(oof_probs=oof, fold_of=fold_of, test_probs=test,
                                 scores={m: score(labels, oof, m) for m in METRICS}, fold_scores=fold_scores)
