"""A classifier for one row of features per video: imputation, scaling and a class-balanced model."""
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CLASSIFIERS = ("logistic", "forest")


class TabularVideoClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression (default) or a random forest, both weighting classes inverse to frequency.

    Missing features (NaN: a body part never seen, a video without clips) are imputed with the training
    median. `predict_proba` always returns two columns, lose (0) and win (1).
    """

    def __init__(self, classifier="logistic", C=0.1, n_estimators=200, min_samples_leaf=3, seed=0):
        self.classifier = classifier
        self.C = C
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.seed = seed

    @staticmethod
    def search_space(trial):
        classifier = trial.suggest_categorical("classifier", list(CLASSIFIERS))
        if classifier == "logistic":
            return {"classifier": classifier, "C": trial.suggest_float("C", 1e-3, 1e2, log=True)}
        return {"classifier": classifier, "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 10)}

    def _final_step(self):
        if self.classifier == "logistic":
            return LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000)
        if self.classifier == "forest":
            return RandomForestClassifier(n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf,
                                          class_weight="balanced_subsample", random_state=self.seed, n_jobs=1)
        raise ValueError(f"classifier must be one of {CLASSIFIERS}, got {self.classifier!r}")

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"expected X [n_videos, n_features] and y [n_videos], got {X.shape} and {y.shape}")
        if set(np.unique(y)) - {0, 1}:
            raise ValueError(f"labels must be 0 (lose) or 1 (win), got {np.unique(y).tolist()}")
        self.pipeline_ = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                       StandardScaler(), self._final_step())
        self.pipeline_.fit(X, y)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=np.float64)
        probs = np.zeros((len(X), 2))
        model_probs = self.pipeline_.predict_proba(X)
        for column, cls in enumerate(self.pipeline_.classes_):  # a fold with one class still yields 2 columns
            probs[:, int(cls)] = model_probs[:, column]
        return probs
