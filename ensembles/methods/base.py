"""The estimator API every ensembling method follows (scikit-learn style: fit, predict_proba).

A method also fits several *tasks* in one call (`fit_tasks`): the same method on different subsets of the
rows, which is how cross-validation fits all its folds together over whole arrays.
"""
import numpy as np
from threadpoolctl import threadpool_limits

from ensembles.scoring import OBJECTIVES


def one_blas_thread():
    """Our matrices are small (M x N·C); on a busy machine BLAS threads spin-wait for cores and make a
    logistic-regression fit or a search step tens of times slower, while one thread loses nothing."""
    return threadpool_limits(limits=1, user_api="blas")


class EnsembleMethod:
    name = ""
    # Order of simplicity for `--method auto`: a more complex method (more fitted parameters, more room to
    # overfit) replaces a simpler one only when it is better with a bootstrap interval excluding zero.
    complexity = 0

    def __init__(self, objective="accuracy"):
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
        self.objective = objective

    def fit(self, probs, labels):
        """Fit on all rows of probs [M, N, C] with labels [N] (0..C-1)."""
        probs, labels = check_inputs(probs, labels)
        with one_blas_thread():
            self.combiner_ = self.fit_tasks(probs, labels, np.ones((1, len(labels)), dtype=bool), ["all"])[0]
        return self

    def predict_proba(self, probs):
        if not hasattr(self, "combiner_"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit first")
        return self.combiner_.predict_proba(np.asarray(probs, dtype=np.float32))

    def fit_tasks(self, probs, labels, masks, task_names):
        """One fitted combiner per row of masks [T, N] (True = the task may look at that row)."""
        raise NotImplementedError


def check_inputs(probs, labels):
    probs = np.asarray(probs, dtype=np.float32)
    labels = np.asarray(labels)
    if probs.ndim != 3:
        raise ValueError(f"probs must have shape [models, rows, classes], got {probs.shape}")
    if labels.shape != (probs.shape[1],):
        raise ValueError(f"labels must have shape [{probs.shape[1]}] (one per row), got {labels.shape}")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= probs.shape[2]:
        raise ValueError(f"labels must be integers in 0..{probs.shape[2] - 1}; unknown labels (-1) cannot be "
                         "fitted on")
    return probs, labels.astype(np.int64)
