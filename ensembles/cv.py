"""Grouped K-fold estimate of an ensembling method, and the refit on all rows, in one call.

The method fits K + 1 tasks at once (see `EnsembleMethod.fit_tasks`): all rows (the model that is kept) and
each fold's training part (ensembles.grouping: folds keep videos or subjects whole). Each fold's fit predicts
its held-out rows; together these out-of-fold predictions are scored like a test set (top-1, macro-F1,
log-loss) and resampled by group for the intervals (ensembles.bootstrap).

Around the method (`Correction`): with `calibrate`, each model's temperature is fitted on each task's
training rows before fusion (ensembles.calibration); with a `prior`, the fused output is prior-corrected with
a τ chosen by the folds (ensembles.prior).
"""
import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ensembles.calibration import fit_powers
from ensembles.combiners import Corrected
from ensembles.grouping import Folds
from ensembles.methods.base import one_blas_thread
from ensembles.prior import TAUS, Prior, choose_tau
from ensembles.scoring import apply_powers, metrics


@dataclass(frozen=True)
class Correction:
    """What surrounds every method: per-model temperatures before fusion, the prior correction after."""
    calibrate: bool = False
    prior: Prior | None = None
    taus: tuple = TAUS
    objective: str = "accuracy"

    def to_dict(self):
        return {"temperature_scaling": self.calibrate, "taus": list(self.taus),
                "prior": None if self.prior is None else self.prior.to_dict()}


@dataclass
class MethodResult:
    name: str
    complexity: int
    combiner: object
    labels: np.ndarray
    fold_of: np.ndarray
    oof: np.ndarray              # out-of-fold predictions [N, C], prior-corrected
    oof_uncorrected: np.ndarray  # the same before the prior correction
    in_sample: dict
    tau: float = 0.0
    fold_taus: list = field(default_factory=list)
    tau_values: dict = field(default_factory=dict)
    seconds: float = 0.0
    summary: dict = field(default_factory=dict)  # intervals and differences (ensembles.fit)

    @cached_property
    def cv(self) -> dict:
        """Top-1, macro-F1 and log-loss of the out-of-fold predictions."""
        return metrics(self.oof, self.labels)

    @cached_property
    def cv_uncorrected(self) -> dict:
        return metrics(self.oof_uncorrected, self.labels)

    @cached_property
    def fold_scores(self) -> list:
        return [metrics(self.oof[self.fold_of == k], self.labels[self.fold_of == k])
                for k in range(int(self.fold_of.max()) + 1)]

    @property
    def cv_accuracy(self):
        return self.cv["top1"]

    @property
    def in_sample_accuracy(self):
        return self.in_sample["top1"]

    def per_class(self) -> dict:
        """Out-of-fold accuracy of each class before and after the prior correction (NaN: no rows)."""
        classes = self.oof.shape[1]
        rows = np.bincount(self.labels, minlength=classes)

        def recall(probs):
            hits = np.bincount(self.labels[probs.argmax(axis=1) == self.labels], minlength=classes)
            return [float(h / r) if r else None for h, r in zip(hits, rows)]
        return {"rows": rows.tolist(), "top1_before": recall(self.oof_uncorrected), "top1_after": recall(self.oof)}

    def scores_dict(self):
        return {"in_sample": self.in_sample,
                "cv": {"folds": len(self.fold_scores), **self.cv, **self.summary,
                       "uncorrected": self.cv_uncorrected, "tau": self.tau, "fold_taus": self.fold_taus,
                       "tau_objective": {str(t): v for t, v in self.tau_values.items()},
                       "fold": {metric: [s[metric] for s in self.fold_scores] for metric in self.cv}}}


def task_masks(assignment, folds):
    """Row masks [K + 1, N]: all rows, then each fold's training rows; and the matching task names."""
    masks = np.vstack([np.ones(len(assignment), dtype=bool)] + [assignment != k for k in range(folds)])
    names = ["all"] + [f"fold{k + 1}of{folds}" for k in range(folds)]
    return masks, names


def fit_all_tasks(method, probs, labels, masks, names, calibrate):
    """The method's combiner for each task, each wrapped with the task's temperatures when `calibrate`."""
    if not calibrate:
        return [Corrected(c) for c in method.fit_tasks(probs, labels, masks, names)]
    powers = fit_powers(probs, labels, masks)
    # each task sees other probabilities, so the tasks are fitted one by one
    return [Corrected(method.fit_tasks(apply_powers(powers[t], probs), labels, masks[t:t + 1], names[t:t + 1])[0],
                      powers[t]) for t in range(len(masks))]


def cross_validate(method, probs, labels, folds: Folds, correction: Correction = Correction()) -> MethodResult:
    start = time.perf_counter()
    fold_of = folds.fold_of
    masks, names = task_masks(fold_of, folds.count)
    with one_blas_thread():
        combiners = fit_all_tasks(method, probs, labels, masks, names, correction.calibrate)
    oof = np.empty(probs.shape[1:], dtype=np.float32)
    for k, combiner in enumerate(combiners[1:]):
        held_out = fold_of == k
        oof[held_out] = combiner.predict_proba(probs[:, held_out])
    final = combiners[0]
    extra = {}
    corrected = oof
    if correction.prior is not None:
        choice = choose_tau(oof, labels, fold_of, correction.prior.log_prior, correction.objective, correction.taus)
        final = Corrected(final.inner, final.powers, choice.tau, correction.prior.log_prior)
        corrected = choice.corrected
        extra = dict(tau=choice.tau, fold_taus=choice.fold_taus, tau_values=choice.values)
    if final.powers is None and final.log_prior is None:
        final = final.inner  # nothing around the method: store its own combiner
    result = MethodResult(method.name, method.complexity, final, labels, fold_of, corrected, oof,
                          metrics(final.predict_proba(probs), labels), **extra)
    result.seconds = time.perf_counter() - start
    return result
