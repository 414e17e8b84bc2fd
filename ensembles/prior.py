"""Post-hoc prior correction of the ensemble's output (logit adjustment, Menon et al. 2021).

A model trained on a long tail leans toward the frequent classes. The correction divides the ensemble's
probabilities by the training prior to the power τ and renormalises: log p − τ · log prior, softmax. τ = 0
is no correction; τ = 1 is the adjustment that is optimal for balanced error when the test classes are
uniform. τ is chosen from a grid by the grouped cross-validation: on the out-of-fold predictions of the
ensemble, each fold's τ is the one that scores best on the *other* folds' rows (so no fold is scored with
a τ chosen on its own rows), and the τ kept for the test set is the best on all out-of-fold rows.

The prior comes from the training labels (`--data`'s clips.csv or videos.csv, else an input's train.npz),
with one extra count per class, so a class with no training clip has a finite log-prior.
"""
from dataclasses import dataclass

import numpy as np

from competition.core.errors import DataError
from competition.core.probabilities import load_probabilities
from competition.data.tables import training_labels
from ensembles.inputs import prediction_file
from ensembles.scoring import PROB_FLOOR, objective_of

TAUS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)


@dataclass(frozen=True)
class Prior:
    """Training-label counts per class and where they were read; `log_prior` is add-one smoothed."""
    counts: np.ndarray
    source: str

    @property
    def log_prior(self) -> np.ndarray:
        return np.log((self.counts + 1.0) / (self.counts.sum() + len(self.counts)))

    def to_dict(self):
        return {"source": self.source, "counts": self.counts.astype(int).tolist()}


def prior_from_labels(labels, num_classes, source) -> Prior:
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(source, f"training labels must be 0..{num_classes - 1} (the inputs have {num_classes} "
                                f"classes), found {labels.min()}..{labels.max()}")
    return Prior(np.bincount(labels, minlength=num_classes).astype(np.float64), str(source))


def find_prior(track, num_classes, *, data=None, sources=()) -> Prior | None:
    """The training prior from the prepared dataset when given, else the first input with a labelled train.npz."""
    if data is not None:
        name = "clips.csv" if track == 1 else "videos.csv"
        return prior_from_labels(training_labels(data, track), num_classes, f"{data}/{name} (train split)")
    for source in sources:
        path = prediction_file(source, "train")
        if path.is_file():
            train = load_probabilities(path)
            known = train.labels[train.labels >= 0]
            if len(known):
                return prior_from_labels(known, num_classes, f"{path} (labels)")
    return None


def adjust(probs, log_prior, taus):
    """probs [N, C] corrected by each τ: [len(taus), N, C] float32."""
    logits = np.log(np.maximum(np.asarray(probs, dtype=np.float32), PROB_FLOOR))
    taus = np.asarray(taus, dtype=np.float32)[:, None, None]
    shifted = logits[None] - taus * np.asarray(log_prior, dtype=np.float32)
    shifted -= shifted.max(axis=-1, keepdims=True)
    out = np.exp(shifted)
    return out / out.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class TauChoice:
    tau: float           # kept for the test set: best on all out-of-fold rows
    fold_taus: list      # each fold's, chosen on the other folds' rows
    values: dict         # τ → objective on all out-of-fold rows
    corrected: np.ndarray  # out-of-fold predictions, each fold corrected with its own τ


def choose_tau(oof, labels, fold_of, log_prior, objective, taus=TAUS) -> TauChoice:
    """Cross-fitted choice of τ on out-of-fold predictions [N, C] (ties go to the smaller τ)."""
    taus = tuple(float(t) for t in taus)
    candidates = adjust(oof, log_prior, taus)  # [S, N, C]
    folds = int(fold_of.max()) + 1
    masks = np.vstack([np.ones(len(labels), dtype=bool)] + [fold_of != k for k in range(folds)])
    values = objective_of(candidates[None], labels, masks, objective)  # [K + 1, S]
    best = values.argmax(axis=1)
    corrected = np.empty_like(oof, dtype=np.float32)
    for k in range(folds):
        held_out = fold_of == k
        corrected[held_out] = candidates[best[k + 1], held_out]
    return TauChoice(taus[best[0]], [taus[b] for b in best[1:]], dict(zip(taus, map(float, values[0]))), corrected)
