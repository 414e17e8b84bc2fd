"""Video-level Track 3 models (win / lose per interview video), each a scikit-learn style estimator.

| name                | input per video                                   | estimator                        |
|---------------------|---------------------------------------------------|----------------------------------|
| `gesture-profile`   | Track 1 clip probabilities aggregated per video   | `TabularVideoClassifier`         |
| `skeleton-dynamics` | head, hand and torso motion statistics            | `TabularVideoClassifier`         |
| `interfusion`       | per-chunk context and face embedding sequences    | `InterFusionClassifier` (torch)  |

Every estimator has `fit(X, y)`, `predict_proba(X) -> [N, 2]` and a static `search_space(trial) -> params`
for `miga tune-video`. Estimators are imported lazily so that the tabular models never import torch.
"""
import importlib

# name -> "module:class" of the estimator
ESTIMATORS = {
    "gesture-profile": "models.track3.tabular:TabularVideoClassifier",
    "skeleton-dynamics": "models.track3.tabular:TabularVideoClassifier",
    "interfusion": "models.track3.interfusion_classifier:InterFusionClassifier",
}


def estimator_class(name):
    if name not in ESTIMATORS:
        raise KeyError(f"unknown video model {name!r}; choose one of {sorted(ESTIMATORS)}")
    module, _, attribute = ESTIMATORS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def build_estimator(name, **params):
    return estimator_class(name)(**params)
