"""Stacking: a multinomial logistic regression on the models' concatenated probabilities."""
import numpy as np
from sklearn.linear_model import LogisticRegression

from ensembles.combiners import LogisticStack, features_of
from ensembles.methods.base import EnsembleMethod


class Stacking(EnsembleMethod):
    name = "stack"
    complexity = 6

    def __init__(self, C=1.0, max_iter=300, objective="accuracy"):
        super().__init__(objective)
        self.C, self.max_iter = C, max_iter

    def fit_tasks(self, probs, labels, masks, task_names):
        features = features_of(probs)
        return [self._fit_rows(features[mask], labels[mask], probs.shape[2]) for mask in masks]

    def _fit_rows(self, features, labels, num_classes):
        classes = np.unique(labels)
        if len(classes) == 1:  # nothing to separate: predict the only class seen
            return LogisticStack(np.zeros((1, features.shape[1])), [0.0], classes, num_classes)
        model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        model.fit(features, labels)
        return LogisticStack(model.coef_, model.intercept_, model.classes_, num_classes)
