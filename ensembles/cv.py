"""K-fold cross-validated estimate of an ensembling method, and the refit on all rows, in one call.

The method fits K + 1 tasks at once (see `EnsembleMethod.fit_tasks`): all rows (the model that is kept) and
each fold's K − 1 training parts. Each fold's fit is scored on its held-out rows: the spread of those
scores is the honest error bar that the in-sample score lacks.
"""
import time
from dataclasses import dataclass, field

import numpy as np

from competition.core.folds import assign_folds
from ensembles.methods.base import one_blas_thread
from ensembles.scoring import scores


@dataclass
class MethodResult:
    name: str
    complexity: int
    combiner: object
    in_sample_accuracy: float
    in_sample_log_loss: float
    fold_accuracy: list = field(default_factory=list)
    fold_log_loss: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def cv_accuracy(self):
        return float(np.mean(self.fold_accuracy))

    @property
    def cv_accuracy_std(self):
        return float(np.std(self.fold_accuracy, ddof=1)) if len(self.fold_accuracy) > 1 else 0.0

    @property
    def cv_log_loss(self):
        return float(np.mean(self.fold_log_loss))

    @property
    def cv_log_loss_std(self):
        return float(np.std(self.fold_log_loss, ddof=1)) if len(self.fold_log_loss) > 1 else 0.0

    def scores_dict(self):
        return {"in_sample": {"accuracy": self.in_sample_accuracy, "log_loss": self.in_sample_log_loss},
                "cv": {"folds": len(self.fold_accuracy),
                       "accuracy_mean": self.cv_accuracy, "accuracy_std": self.cv_accuracy_std,
                       "log_loss_mean": self.cv_log_loss, "log_loss_std": self.cv_log_loss_std,
                       "fold_accuracy": list(map(float, self.fold_accuracy)),
                       "fold_log_loss": list(map(float, self.fold_log_loss))}}


def task_masks(assignment, folds):
    """Row masks [K + 1, N]: all rows, then each fold's training rows; and the matching task names."""
    masks = np.vstack([np.ones(len(assignment), dtype=bool)] + [assignment != k for k in range(folds)])
    names = ["all"] + [f"fold{k + 1}of{folds}" for k in range(folds)]
    return masks, names


def cross_validate(method, probs, labels, *, folds=5, seed=0) -> MethodResult:
    start = time.perf_counter()
    assignment = assign_folds(labels, folds, seed=seed)
    masks, names = task_masks(assignment, folds)
    with one_blas_thread():
        combiners = method.fit_tasks(probs, labels, masks, names)
    accuracy, log_loss = scores(combiners[0].predict_proba(probs), labels)
    result = MethodResult(method.name, method.complexity, combiners[0], accuracy, log_loss)
    for k, combiner in enumerate(combiners[1:]):
        held_out = assignment == k
        fold_accuracy, fold_log_loss = scores(combiner.predict_proba(probs[:, held_out]), labels[held_out])
        result.fold_accuracy.append(fold_accuracy)
        result.fold_log_loss.append(fold_log_loss)
    result.seconds = time.perf_counter() - start
    return result
