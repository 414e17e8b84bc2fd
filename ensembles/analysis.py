"""Error analysis of models and their ensemble on labelled rows: the numbers behind `miga report` and the notebooks.

Inputs are the probability files of several models on one labelled split (Track 1 validation clips, Track 3
out-of-fold videos), joined by id, plus optionally the ensemble spec that combines them. Every function below
takes plain arrays (`labels` [N] int, `probs` [N, C]) and returns arrays or DataFrames; drawing lives in
`competition.report.figures`.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from competition.core.constants import CLASSES_OF_TRACK
from competition.core.errors import DataError
from ensembles.inputs import load_model_set
from ensembles.scoring import scores
from ensembles.spec import input_source, read_spec


@dataclass(frozen=True)
class LabelledPredictions:
    """Each model's probabilities [N, C] on the same labelled rows and, with a spec, the ensemble's.

    `dropped` counts rows of the files that had no label (-1) and were left out.
    """
    track: int
    ids: np.ndarray
    labels: np.ndarray
    models: dict
    ensemble: np.ndarray | None = None
    spec: dict | None = None
    spec_path: Path | None = None
    paths: tuple = ()
    dropped: int = 0

    @property
    def num_classes(self) -> int:
        return int(next(iter(self.models.values())).shape[1])

    @property
    def ensemble_name(self) -> str | None:
        return None if self.spec is None else f"ensemble ({self.spec['method']})"

    def candidates(self) -> dict:
        """Every prediction to compare: the models in input order, then the ensemble."""
        out = dict(self.models)
        if self.ensemble is not None:
            out[self.ensemble_name] = self.ensemble
        return out

    def focus(self) -> str:
        """The prediction a single-prediction figure shows: the ensemble, else the most accurate model."""
        if self.ensemble is not None:
            return self.ensemble_name
        return max(self.models, key=lambda name: accuracy(self.labels, self.models[name]))


def load_labelled_predictions(track, *, spec=None, pred_dirs=(), split="val") -> LabelledPredictions:
    """Load the models' `split` files (PRED_DIRs, else the spec's inputs) and apply the spec's combiner.

    With both, PRED_DIRs must include every model of the spec; the others are shown beside them.
    """
    if track not in CLASSES_OF_TRACK:
        raise DataError("--track", f"must be 1 or 3, got {track}")
    spec_dict = combiner = None
    sources = [Path(p) for p in pred_dirs]
    if spec is not None:
        spec_dict, combiner = read_spec(spec)
        if spec_dict["track"] != track:
            raise DataError(spec, f"is a Track {spec_dict['track']} ensemble, asked for Track {track}")
        if not sources:
            sources = [input_source(spec, entry) for entry in spec_dict["inputs"]]
    if not sources:
        raise DataError("PRED_DIR", "give prediction folders, an ensemble spec (--ensemble), or both")
    model_set = load_model_set(sources, split=split, track=track)
    known = model_set.labels >= 0
    if not known.any():
        raise DataError(model_set.paths[0], f"no row of the {split} files has a label; error analysis needs the "
                                            "validation files (Track 3: the out-of-fold val.npz)")
    ensemble = None
    if combiner is not None:
        spec_models = [entry["model"] for entry in spec_dict["inputs"]]
        missing = [m for m in spec_models if m not in model_set.models]
        if missing:
            raise DataError(spec, f"combines model(s) {missing} that the prediction folders lack "
                                  f"(given: {list(model_set.models)})")
        order = [model_set.models.index(m) for m in spec_models]
        ensemble = combiner.predict_proba(model_set.probs[order][:, known]).astype(np.float64)
    return LabelledPredictions(
        track=track, ids=model_set.ids[known], labels=model_set.labels[known].astype(np.int64),
        models={name: model_set.probs[i][known].astype(np.float64) for i, name in enumerate(model_set.models)},
        ensemble=ensemble, spec=spec_dict, spec_path=None if spec is None else Path(spec),
        paths=model_set.paths, dropped=int((~known).sum()))


def accuracy(labels, probs) -> float:
    return float((np.asarray(probs).argmax(axis=1) == labels).mean())


def confusion_matrix(labels, predicted, num_classes) -> np.ndarray:
    """Counts [C, C]: row = true class, column = predicted class."""
    labels, predicted = np.asarray(labels, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    flat = np.bincount(labels * num_classes + predicted, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def class_accuracy(confusion) -> np.ndarray:
    """Recall of each class [C]; NaN for a class with no rows."""
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(confusion) / totals, np.nan)


def mean_class_accuracy(labels, probs, num_classes) -> float:
    """Unweighted mean of the per-class accuracies over the classes that have rows."""
    return float(np.nanmean(class_accuracy(confusion_matrix(labels, probs.argmax(axis=1), num_classes))))


def top_confusions(confusion, k=10, raw_classes=None) -> pd.DataFrame:
    """The k largest off-diagonal cells: true, predicted, count, and the share of the true class's rows.

    `raw_classes` (label → raw class id) adds `true_raw` and `predicted_raw` columns.
    """
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    true, predicted = np.nonzero(off)
    counts = off[true, predicted]
    share = counts / confusion.sum(axis=1)[true]
    order = np.lexsort((true, -share, -counts))[:k]  # most rows first, then the larger share of its class
    table = pd.DataFrame({"true": true[order], "predicted": predicted[order], "count": counts[order],
                          "share_of_true": share[order]})
    if raw_classes is not None:
        table.insert(1, "true_raw", [raw_classes(int(c)) for c in table["true"]])
        table.insert(3, "predicted_raw", [raw_classes(int(c)) for c in table["predicted"]])
    return table


def score_table(candidates, labels, num_classes) -> pd.DataFrame:
    """One row per prediction: top-1 accuracy, mean class accuracy, log-loss, errors (and ROC AUC for 2 classes)."""
    rows = []
    for name, probs in candidates.items():
        top1, log_loss = scores(np.asarray(probs, dtype=np.float32), labels)
        row = {"model": name, "top1": top1, "mean_class_accuracy": mean_class_accuracy(labels, probs, num_classes),
               "log_loss": log_loss, "errors": int((probs.argmax(axis=1) != labels).sum())}
        if num_classes == 2:
            row["roc_auc"] = roc(probs[:, 1], labels)[2]
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def error_correlation(models, labels) -> pd.DataFrame:
    """Pearson correlation of the models' error indicators (1 where the top class is wrong), M × M.

    Low values mean the models fail on different rows, which is what an ensemble gains from. A model that is
    always right (or always wrong) has no spread: its off-diagonal cells are NaN.
    """
    names = list(models)
    errors = np.stack([(models[n].argmax(axis=1) != labels).astype(np.float64) for n in names])
    centred = errors - errors.mean(axis=1, keepdims=True)
    norms = np.sqrt((centred ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = (centred @ centred.T) / np.outer(norms, norms)
    np.fill_diagonal(matrix, 1.0)
    return pd.DataFrame(matrix, index=names, columns=names)


@dataclass(frozen=True)
class Reliability:
    """Rows binned by confidence (the top probability) into equal-width bins of [0, 1].

    Per bin: mean confidence, accuracy and row count (NaN confidence and accuracy where a bin is empty);
    `ece` is the expected calibration error, Σ (count / N) · |accuracy − confidence|.
    """
    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    counts: np.ndarray
    ece: float


def reliability(labels, probs, bins=10) -> Reliability:
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, confidence, minlength=bins) / counts
        mean_accuracy = np.bincount(which, correct, minlength=bins) / counts
    filled = counts > 0
    ece = float((counts[filled] / len(labels) * np.abs(mean_accuracy[filled] - mean_confidence[filled])).sum())
    return Reliability(edges, np.where(filled, mean_confidence, np.nan), np.where(filled, mean_accuracy, np.nan),
                       counts, ece)


def roc(scores_of_positive, labels):
    """ROC curve of a binary score (Track 3: P(win)): false-positive rates, true-positive rates, AUC."""
    from sklearn.metrics import roc_auc_score, roc_curve

    labels = np.asarray(labels)
    if len(np.unique(labels)) < 2:
        raise DataError("labels", f"a ROC curve needs rows of both labels, all {len(labels)} rows are "
                                  f"label {labels[0]}")
    fpr, tpr, _ = roc_curve(labels, scores_of_positive)
    return fpr, tpr, float(roc_auc_score(labels, scores_of_positive))


def group_accuracy(candidates, labels, groups) -> pd.DataFrame:
    """Accuracy of each prediction within each group (rows: predictions, columns: groups in sorted order)."""
    groups = np.asarray(groups).astype(str)
    names = sorted(set(groups.tolist()))
    table = {name: [float((probs[groups == g].argmax(axis=1) == labels[groups == g]).mean()) for g in names]
             for name, probs in candidates.items()}
    return pd.DataFrame(table, index=names).T


def ensemble_weights(spec) -> tuple[pd.Series, str]:
    """How much each model counts in the ensemble, and what that number is.

    A weighted average gives its weights. A logistic stack has no weights: each model's share of the
    coefficients' absolute sum stands in for it.
    """
    combiner = spec["combiner"]
    if combiner.get("kind") == "corrected":  # temperatures and prior correction around the fitted combiner
        combiner = combiner["combiner"]
    models = [entry["model"] for entry in spec["inputs"]]
    if combiner.get("kind") == "weighted_average":
        return pd.Series({m: float(combiner["weights"][m]) for m in models}), "weight"
    coef = np.abs(np.asarray(combiner["coef"], dtype=np.float64))
    per_model = coef.reshape(coef.shape[0], len(models), -1).sum(axis=(0, 2))
    return pd.Series(per_model / per_model.sum(), index=models), "share of |stack coefficients|"


def method_table(spec) -> pd.DataFrame:
    """The spec's table of ensembling methods: out-of-fold scores with intervals, the difference from `mean`."""
    rows = []
    for m in spec.get("methods", []):
        cv = m["cv"]
        if "top1" not in cv:  # a spec of format /1: fold means only
            rows.append({"method": m["method"], "cv_top1": cv["accuracy_mean"], "cv_log_loss": cv["log_loss_mean"],
                         "in_sample_top1": m["in_sample"]["accuracy"], "chosen": m["method"] == spec["method"]})
            continue
        row = {"method": m["method"]}
        for metric in ("top1", "macro_f1", "log_loss"):
            row[f"cv_{metric}"] = cv[metric]
            row[f"cv_{metric}_low"], row[f"cv_{metric}_high"] = cv["interval"][metric]
        versus = cv.get("vs_mean", {}).get("top1")
        if versus is not None:
            row["top1_vs_mean"] = versus["difference"]
            row["top1_vs_mean_low"], row["top1_vs_mean_high"] = versus["interval"]
        row.update({"tau": cv.get("tau", 0.0), "in_sample_top1": m["in_sample"]["top1"],
                    "chosen": m["method"] == spec["method"]})
        rows.append(row)
    return pd.DataFrame(rows).sort_values("cv_top1", ascending=False, kind="stable").reset_index(drop=True) \
        if rows else pd.DataFrame()


def prior_correction_table(spec) -> pd.DataFrame:
    """Out-of-fold accuracy of each class before and after the prior correction, for the chosen method.

    Empty when the spec has no per-class record or no prior correction was applied (no training prior).
    """
    per_class = spec.get("scores", {}).get("per_class")
    prior = (spec.get("correction") or {}).get("prior")
    if not per_class or prior is None:
        return pd.DataFrame()
    table = pd.DataFrame({"training_clips": prior["counts"], "rows": per_class["rows"],
                          "top1_before": per_class["top1_before"], "top1_after": per_class["top1_after"]},
                         dtype=float)
    table["change"] = table["top1_after"] - table["top1_before"]
    table.index.name = "class"
    return table
