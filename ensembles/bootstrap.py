"""Error bars on cross-validated scores: the cluster bootstrap, resampling whole groups (videos, subjects).

Clips of one video are not independent draws: they share a person, a camera, a mood. Resampling rows would
pretend 777 validation clips were 777 independent tries, when they are 10 videos; resampling the videos with
replacement (and all their rows with them) gives intervals as wide as the data really allows. Every method is
scored on the same resamples, so the difference between two methods has its own, much narrower, *paired*
interval: the question `auto` asks ("is the complex method really better than the simple one?").

Intervals are percentile intervals of the resampled scores (top-1, macro-F1, log-loss of the pooled
out-of-fold predictions), widened around the point estimate for few groups: the bootstrap's spread is
√((G − 1)/G) of the usual estimate and a normal quantile too small for G − 1 degrees of freedom, so both
ends move away from the point by √(G/(G − 1)) · t(G − 1)/z. With 10 videos the plain percentile interval
covers the true accuracy of a simulated ensemble 85% of the time at a nominal 90%, the widened one 91%; with
30 videos both are near 90% (tests/test_ensemble_grouping.py).
"""
from dataclasses import dataclass

import numpy as np

from ensembles.scoring import MAX_LOG_LOSS, PROB_FLOOR, macro_f1_from_counts

METRICS = ("top1", "macro_f1", "log_loss")


@dataclass(frozen=True)
class GroupCounts:
    """One prediction's per-group sums: correct rows and log-loss [G]; per class hits and predictions [G, C]."""
    correct: np.ndarray
    loss: np.ndarray
    hits: np.ndarray
    predicted: np.ndarray


class ClusterBootstrap:
    """`resamples` draws of the groups with replacement, shared by every prediction scored with it."""

    def __init__(self, groups, labels, num_classes, *, resamples=2000, level=0.95, seed=0):
        from scipy.stats import norm, t

        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, got {level}")
        names, self.group_of = np.unique(np.asarray(groups), return_inverse=True)
        self.groups, self.level, self.resamples = len(names), float(level), int(resamples)
        if self.groups < 2:
            raise ValueError(f"the bootstrap needs at least 2 groups, got {self.groups}")
        quantile = 1 - (1 - level) / 2
        self.widening = float(np.sqrt(self.groups / (self.groups - 1)) * t.ppf(quantile, self.groups - 1)
                              / norm.ppf(quantile))
        self.labels = np.asarray(labels, dtype=np.int64)
        self.num_classes = int(num_classes)
        rng = np.random.default_rng(seed)
        # [B, G]: how often each group is drawn in each resample (G draws with replacement)
        picks = rng.integers(0, self.groups, (self.resamples, self.groups))
        picks += (np.arange(self.resamples) * self.groups)[:, None]
        self.draws = np.bincount(picks.ravel(), minlength=self.resamples * self.groups).reshape(
            self.resamples, self.groups).astype(np.float64)
        self.rows = np.bincount(self.group_of, minlength=self.groups).astype(np.float64)
        self.true = self._per_class(self.labels, np.ones(len(self.labels)))

    def _per_class(self, classes, weights):
        flat = np.bincount(self.group_of * self.num_classes + classes, weights,
                           minlength=self.groups * self.num_classes)
        return flat.reshape(self.groups, self.num_classes)

    def counts(self, probs) -> GroupCounts:
        predicted = np.asarray(probs).argmax(axis=1)
        correct = (predicted == self.labels).astype(np.float64)
        p_true = np.asarray(probs, dtype=np.float64)[np.arange(len(self.labels)), self.labels]
        loss = np.minimum(-np.log(np.maximum(p_true, PROB_FLOOR)), MAX_LOG_LOSS)
        return GroupCounts(np.bincount(self.group_of, correct, self.groups),
                           np.bincount(self.group_of, loss, self.groups),
                           self._per_class(predicted, correct), self._per_class(predicted, np.ones(len(predicted))))

    def distribution(self, counts: GroupCounts) -> dict:
        """Each metric over the resamples, [B] per metric."""
        rows = self.draws @ self.rows
        return {"top1": self.draws @ counts.correct / rows,
                "macro_f1": macro_f1_from_counts(self.draws @ counts.hits, self.draws @ counts.predicted,
                                                 self.draws @ self.true),
                "log_loss": self.draws @ counts.loss / rows}

    def interval(self, point, values, bounds=(-np.inf, np.inf)) -> list:
        """The widened percentile interval of resampled `values` around `point`, kept within `bounds`."""
        tail = (1.0 - self.level) / 2
        low, high = np.quantile(values, [tail, 1.0 - tail])
        low, high = point + self.widening * (low - point), point + self.widening * (high - point)
        return [float(np.clip(low, *bounds)), float(np.clip(high, *bounds))]


class Scoreboard:
    """Several predictions of the same rows scored on the same resamples: points, intervals, paired differences."""

    def __init__(self, bootstrap: ClusterBootstrap, predictions: dict):
        self.bootstrap = bootstrap
        self.points, self.distributions = {}, {}
        for name, probs in predictions.items():
            counts = bootstrap.counts(probs)
            self.points[name] = {
                "top1": float(counts.correct.sum() / bootstrap.rows.sum()),
                "macro_f1": float(macro_f1_from_counts(counts.hits.sum(axis=0), counts.predicted.sum(axis=0),
                                                       bootstrap.true.sum(axis=0))),
                "log_loss": float(counts.loss.sum() / bootstrap.rows.sum())}
            self.distributions[name] = bootstrap.distribution(counts)

    def interval(self, name, metric) -> list:
        bounds = (0.0, np.inf) if metric == "log_loss" else (0.0, 1.0)
        return self.bootstrap.interval(self.points[name][metric], self.distributions[name][metric], bounds)

    def difference(self, name, reference, metric) -> dict:
        """Score of `name` minus score of `reference`, with the paired interval of that difference."""
        resampled = self.distributions[name][metric] - self.distributions[reference][metric]
        difference = self.points[name][metric] - self.points[reference][metric]
        bounds = (-np.inf, np.inf) if metric == "log_loss" else (-1.0, 1.0)
        return {"difference": difference, "interval": self.bootstrap.interval(difference, resampled, bounds)}

    def summary(self, name, reference=None) -> dict:
        """{"interval": {metric: [lo, hi]}, "vs_<reference>": {metric: {"difference", "interval"}}}."""
        out = {"interval": {metric: self.interval(name, metric) for metric in METRICS}}
        if reference is not None:
            out[f"vs_{reference}"] = {metric: self.difference(name, reference, metric) for metric in METRICS}
        return out
