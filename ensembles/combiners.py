"""Fitted ensembles: turn M models' probabilities [M, N, C] into one [N, C]. Stored as plain JSON, no pickle."""
import numpy as np

from ensembles.prior import adjust
from ensembles.scoring import apply_powers, combine


class WeightedAverage:
    """Weighted mean of the models' probabilities, optionally each sharpened by a power first."""
    kind = "weighted_average"

    def __init__(self, weights, powers=None):
        weights = np.asarray(weights, dtype=np.float64)
        total = weights.sum()
        self.weights = weights / total if total > 0 else np.full_like(weights, 1.0 / len(weights))
        self.powers = None if powers is None else np.asarray(powers, dtype=np.float64)

    def predict_proba(self, probs):
        if self.powers is not None:
            probs = apply_powers(self.powers, probs)
        return combine(self.weights, probs)

    def to_dict(self, models):
        return {"kind": self.kind,
                "weights": {model: float(w) for model, w in zip(models, self.weights)},
                "powers": None if self.powers is None else {m: float(p) for m, p in zip(models, self.powers)}}

    @classmethod
    def from_dict(cls, spec, models):
        powers = spec.get("powers")
        return cls([spec["weights"][m] for m in models], None if powers is None else [powers[m] for m in models])


class LogisticStack:
    """Multinomial logistic regression on the models' concatenated probabilities.

    `classes` are the labels seen in training; columns of unseen classes get probability 0. sklearn's binary
    case has one coefficient row (the logit of `classes[1]`); one seen class predicts that class.
    """
    kind = "logistic_stack"

    def __init__(self, coef, intercept, classes, num_classes):
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.classes = np.asarray(classes, dtype=np.int64)
        self.num_classes = int(num_classes)

    def predict_proba(self, probs):
        features = features_of(probs)
        logits = features @ self.coef.T + self.intercept
        if len(self.classes) == 2 and logits.shape[1] == 1:
            logits = np.concatenate([np.zeros_like(logits), logits], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        seen = np.exp(logits)
        seen /= seen.sum(axis=1, keepdims=True)
        out = np.zeros((features.shape[0], self.num_classes), dtype=np.float32)
        out[:, self.classes] = seen
        return out

    def to_dict(self, models):
        return {"kind": self.kind, "models": list(models), "num_classes": self.num_classes,
                "classes": self.classes.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept.tolist()}

    @classmethod
    def from_dict(cls, spec, models):
        if list(spec["models"]) != list(models):
            raise ValueError(f"stack was fitted on models {spec['models']}, got {list(models)}")
        return cls(spec["coef"], spec["intercept"], spec["classes"], spec["num_classes"])


class Corrected:
    """A fitted combiner with what surrounds it: each model's temperature before, the prior correction after.

    `powers` [M] (p ** a renormalised, temperature 1 / a; None: no scaling); `tau` and `log_prior` [C]: the
    output's log-probabilities minus τ · log prior, renormalised (ensembles.prior).
    """
    kind = "corrected"

    def __init__(self, inner, powers=None, tau=0.0, log_prior=None):
        self.inner = inner
        self.powers = None if powers is None else np.asarray(powers, dtype=np.float64)
        self.tau = float(tau)
        self.log_prior = None if log_prior is None else np.asarray(log_prior, dtype=np.float64)

    def uncorrected(self, probs):
        """The output before the prior correction (after the temperatures)."""
        if self.powers is not None:
            probs = apply_powers(self.powers, probs)
        return self.inner.predict_proba(probs)

    def predict_proba(self, probs):
        out = self.uncorrected(probs)
        if self.tau == 0 or self.log_prior is None:
            return out
        return adjust(out, self.log_prior, [self.tau])[0]

    def to_dict(self, models):
        return {"kind": self.kind, "combiner": self.inner.to_dict(models),
                "temperatures": None if self.powers is None else {m: float(1.0 / a)
                                                                  for m, a in zip(models, self.powers)},
                "prior_correction": None if self.log_prior is None else {"tau": self.tau,
                                                                         "log_prior": self.log_prior.tolist()}}

    @classmethod
    def from_dict(cls, spec, models):
        temperatures, correction = spec.get("temperatures"), spec.get("prior_correction")
        return cls(combiner_from_dict(spec["combiner"], models),
                   None if temperatures is None else [1.0 / temperatures[m] for m in models],
                   0.0 if correction is None else correction["tau"],
                   None if correction is None else correction["log_prior"])


def inner_combiner(combiner):
    """The fitted combiner inside a `Corrected` one (or the combiner itself)."""
    return combiner.inner if isinstance(combiner, Corrected) else combiner


def features_of(probs):
    """[M, N, C] → [N, M·C]: each row is the models' probability vectors side by side."""
    models, rows, classes = probs.shape
    return probs.transpose(1, 0, 2).reshape(rows, models * classes)


COMBINERS = {c.kind: c for c in (WeightedAverage, LogisticStack, Corrected)}


def combiner_from_dict(spec, models):
    try:
        kind = COMBINERS[spec["kind"]]
    except KeyError:
        raise ValueError(f"unknown combiner kind {spec.get('kind')!r}; known: {sorted(COMBINERS)}") from None
    return kind.from_dict(spec, models)
