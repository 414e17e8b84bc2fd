"""The ensembling methods by name, as `miga ensemble --method` knows them."""
from ensembles.baselines import BestModel, MeanEnsemble
from ensembles.greedy import GreedySelection
from ensembles.hill import HillClimbing
from ensembles.optuna_search import OptunaWeights
from ensembles.stacking import Stacking

METHODS = {m.name: m for m in (OptunaWeights, GreedySelection, HillClimbing, Stacking, MeanEnsemble, BestModel)}


def build_method(name, *, objective="accuracy", optuna_options=None):
    """A method instance; `optuna_options` are OptunaWeights' own (trials, storage, workers, …)."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose from {sorted(METHODS)}")
    if name == "optuna":
        return OptunaWeights(objective=objective, **(optuna_options or {}))
    return METHODS[name](objective=objective)
