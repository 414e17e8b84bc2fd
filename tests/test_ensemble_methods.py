"""Each ensembling method finds the known answer; cross-validation exposes overfitting; real NTU scores."""
import json

import numpy as np
import pytest

from competition.core.folds import assign_folds
from competition.core.probabilities import load_probabilities, save_probabilities
from ensembles.bootstrap import ClusterBootstrap, Scoreboard
from ensembles.combiners import combiner_from_dict
from ensembles.cv import cross_validate
from ensembles.grouping import Grouping, make_folds
from ensembles.inputs import join_by_id
from ensembles.methods import build_method
from ensembles.ranking import choose
from ensembles.scoring import combine, objective_value
from tests.conftest import real_path
from tests.ensemble_fixtures import informative_model, noise_model, study_dir, top1

SEARCHES = ("optuna", "greedy", "hill", "stack", "convex")
WEIGHTED = ("optuna", "greedy", "hill", "convex")
ACCURACY_SEARCHES = ("optuna", "greedy", "hill", "stack")  # convex minimises log-loss, whatever the accuracy


@pytest.fixture
def studies():
    with study_dir() as folder:
        yield folder


def method(name, work_dir, trials=60):
    return build_method(name, optuna_options=dict(trials=trials, study_name=f"t-{name}", work_dir=work_dir,
                                                  progress=False, seed=0))


def row_folds(labels, folds=5, seed=0):
    """Random-row folds (every row its own group), for data with no videos."""
    ids = np.arange(len(labels)).astype(str)
    return make_folds(labels, Grouping(ids, "row", "test rows"), folds, seed)


def scoreboard(results, labels, groups=None, resamples=500):
    """Intervals and differences from `mean` for every result, as `miga ensemble` puts them in its table."""
    groups = np.arange(len(labels)) if groups is None else groups
    board = Scoreboard(ClusterBootstrap(groups, labels, results[0].oof.shape[1], resamples=resamples),
                       {r.name: r.oof for r in results})
    for r in results:
        r.summary = board.summary(r.name, "mean")
    return board


def weights_of(fitted, models):
    return fitted.combiner_.to_dict(models)["weights"]


@pytest.fixture(scope="module")
def one_informative():
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 8, 300)
    probs = np.stack([noise_model(rng, 300, 8), informative_model(rng, labels, 8, 0.7), noise_model(rng, 300, 8),
                      noise_model(rng, 300, 8)])
    return probs, labels


@pytest.mark.parametrize("name", SEARCHES + ("best",))
def test_each_method_finds_the_one_informative_model_among_noise(name, one_informative, studies):
    probs, labels = one_informative
    alone = top1(probs[1], labels)
    fitted = method(name, studies).fit(probs, labels)
    assert top1(fitted.predict_proba(probs), labels) >= alone - 0.02
    if name in WEIGHTED + ("best",):
        weights = weights_of(fitted, "nINN")
        assert max(weights, key=weights.get) == "I" and weights["I"] >= 0.5


@pytest.mark.parametrize("name", SEARCHES)
def test_each_search_combines_two_complementary_models(name, studies):
    rng = np.random.default_rng(12)
    labels = rng.integers(0, 8, 400)
    # each knows half of the classes and is unsure about the rest
    low = informative_model(rng, labels, 8, 0.95, rows_mask=labels < 4, concentration=5.0)
    high = informative_model(rng, labels, 8, 0.95, rows_mask=labels >= 4, concentration=5.0)
    probs = np.stack([low, high, noise_model(rng, 400, 8)])
    better = max(top1(low, labels), top1(high, labels))
    fitted = method(name, studies).fit(probs, labels)
    assert top1(fitted.predict_proba(probs), labels) >= better + 0.2
    if name in WEIGHTED:
        weights = weights_of(fitted, "LHN")
        assert weights["L"] > 0.25 and weights["H"] > 0.25


@pytest.mark.parametrize("name", ACCURACY_SEARCHES)
def test_each_search_uses_a_model_that_is_good_only_on_rare_classes(name, studies):
    rng = np.random.default_rng(5)
    frequencies = np.array([0.2, 0.2, 0.2, 0.15, 0.1, 0.1, 0.03, 0.02])
    labels = rng.choice(8, 600, p=frequencies)
    rare = labels >= 6
    common_model = informative_model(rng, labels, 8, 0.8, rows_mask=~rare)
    rare_model = rng.dirichlet(np.full(8, 5.0), 600)
    rare_model[rare, labels[rare]] += 2.0
    rare_model = (rare_model / rare_model.sum(axis=1, keepdims=True)).astype(np.float32)
    probs = np.stack([common_model, rare_model, noise_model(rng, 600, 8)])
    fitted = method(name, studies).fit(probs, labels)
    combined = fitted.predict_proba(probs)
    assert top1(combined, labels) >= top1(common_model, labels) + 0.02
    assert (combined.argmax(axis=1)[rare] == labels[rare]).mean() > 0.5  # the rare rows are now right
    if name in WEIGHTED:
        assert weights_of(fitted, "CRN")["R"] >= 0.2


def test_on_noise_cv_falls_below_in_sample_and_auto_keeps_a_simple_method(studies):
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 8, 300)
    probs = np.stack([noise_model(rng, 300, 8) for _ in range(6)])
    results = [cross_validate(method(name, studies, trials=25), probs, labels, row_folds(labels))
               for name in ("optuna", "greedy", "hill", "stack", "convex", "mean", "best")]
    by_name = {r.name: r for r in results}
    for name in SEARCHES:
        assert by_name[name].cv_accuracy < by_name[name].in_sample_accuracy, name
    assert by_name["stack"].in_sample_accuracy - by_name["stack"].cv_accuracy > 0.15  # stacking memorises noise
    chosen, sentence = choose(results, scoreboard(results, labels), unit="300 rows")
    assert chosen.name in ("mean", "best")  # no search: whatever they found in-sample does not hold out of fold
    assert f"`{chosen.name}`" in sentence


def test_cv_folds_partition_the_rows_and_scores_have_a_spread():
    labels = np.arange(23) % 3
    assignment = assign_folds(labels, 5, seed=3)
    assert sorted(np.bincount(assignment).tolist()) == [4, 4, 5, 5, 5]
    assert np.array_equal(assignment, assign_folds(labels, 5, seed=3))
    with pytest.raises(ValueError, match="between 2 and"):
        assign_folds(labels[:3], 5, seed=0)


def test_objective_breaks_accuracy_ties_by_log_loss_but_never_outweighs_a_row():
    rows = 777
    one_row = 1 / rows
    assert objective_value(0.5, 0.1, rows, "accuracy") > objective_value(0.5, 0.2, rows, "accuracy")
    assert objective_value(0.5 + one_row, 34.5, rows, "accuracy") > objective_value(0.5, 0.0, rows, "accuracy")
    assert objective_value(0.9, 1.0, rows, "log_loss") < objective_value(0.1, 0.5, rows, "log_loss")


def test_combine_normalises_weights_and_treats_all_zero_as_uniform():
    probs = np.random.default_rng(0).dirichlet(np.ones(4), (3, 5)).astype(np.float32)
    assert np.allclose(combine([2.0, 0.0, 0.0], probs), probs[0], atol=1e-6)
    assert np.allclose(combine([0.0, 0.0, 0.0], probs), probs.mean(axis=0), atol=1e-6)
    assert combine(np.ones((2, 7, 3)), probs).shape == (2, 7, 5, 4)


def test_optuna_power_search_and_stack_round_trip_through_json(studies, one_informative):
    probs, labels = one_informative
    models = ["n", "I", "N1", "N2"]
    powered = build_method("optuna", optuna_options=dict(trials=15, study_name="pw", work_dir=studies,
                                                         progress=False, power=True)).fit(probs, labels)
    stacked = method("stack", studies).fit(probs, labels)
    for fitted in (powered, stacked):
        text = json.dumps(fitted.combiner_.to_dict(models))  # plain JSON: no pickle anywhere
        again = combiner_from_dict(json.loads(text), models)
        assert np.allclose(again.predict_proba(probs), fitted.predict_proba(probs), atol=1e-5)
    assert set(powered.combiner_.to_dict(models)["powers"]) == set(models)


def test_stack_with_a_single_class_or_two_classes(studies):
    rng = np.random.default_rng(2)
    probs = rng.dirichlet(np.ones(2), (2, 40)).astype(np.float32)
    one_class = method("stack", studies).fit(probs, np.ones(40, dtype=np.int64))
    assert np.allclose(one_class.predict_proba(probs)[:, 1], 1.0)
    labels = rng.integers(0, 2, 40)
    two = method("stack", studies).fit(probs, labels).predict_proba(probs)
    assert two.shape == (40, 2) and np.allclose(two.sum(axis=1), 1.0, atol=1e-5)


def test_unfitted_method_and_bad_inputs_are_refused(studies):
    with pytest.raises(RuntimeError, match="not fitted"):
        method("greedy", studies).predict_proba(np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match="unknown labels"):
        method("greedy", studies).fit(np.full((1, 2, 2), 0.5), np.array([0, -1]))
    with pytest.raises(ValueError, match="shape \\[models, rows, classes\\]"):
        method("greedy", studies).fit(np.full((2, 2), 0.5), np.array([0, 1]))


def test_real_ntu_joint_and_bone_scores_ensemble_at_least_as_well_as_the_better_model(tmp_path, studies):
    files = []
    for stream in ("joint", "bone"):
        with np.load(real_path("fuse_ntu", f"ntu60_{stream}.npz"), allow_pickle=False) as npz:
            scores, labels = npz["scores"].astype(np.float32), npz["labels"].astype(np.int64)
        ids = [f"sample{i:03d}" for i in range(len(labels))]
        order = np.random.default_rng(len(stream)).permutation(len(ids))  # different row orders: join by id
        path = save_probabilities(tmp_path / stream / "val.npz", np.array(ids)[order], scores[order],
                                  labels[order], model=stream, track=1, split="val")
        files.append(load_probabilities(path))
    joined = join_by_id(files)
    assert joined.models == ("joint", "bone")
    singles = [top1(p, joined.labels) for p in joined.probs]
    assert singles == pytest.approx([0.917, 0.933], abs=0.001)
    for name in ("optuna", "greedy", "hill", "mean"):
        result = cross_validate(method(name, studies, trials=20), joined.probs, joined.labels,
                                row_folds(joined.labels))
        assert result.in_sample_accuracy >= max(singles) - 1e-9, name
