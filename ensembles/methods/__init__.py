"""The ensembling methods by name, as `miga ensemble --method` knows them."""
from ensembles.methods.baselines import BestModel, MeanEnsemble
from ensembles.methods.convex import ConvexWeights
from ensembles.methods.greedy import GreedySelection
from ensembles.methods.hill import HillClimbing
from ensembles.methods.optuna_weights import OptunaWeights
from ensembles.methods.stacking import Stacking

METHODS = {m.name: m for m in (OptunaWeights, GreedySelection, HillClimbing, Stacking, ConvexWeights, MeanEnsemble,
                                BestModel)}


def build_method(name, *, objective="accuracy", optuna_options=None):
    """A method instance; `optuna_options` are OptunaWeights' own (trials, storage, workers, …)."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose from {sorted(METHODS)}")
    if name == "optuna":
        return OptunaWeights(objective=objective, **(optuna_options or {}))
    return METHODS[name](objective=objective)
