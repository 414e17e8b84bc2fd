"""Ensembles a competitor can trust: grouped folds, the prior correction, temperatures, the convex solver, the
cluster bootstrap and `auto`'s rule, each against a known answer."""
import csv
import json

import numpy as np
import pytest
from sklearn.metrics import f1_score

from competition.cli import main
from competition.core.errors import DataError
from competition.core.folds import assign_folds, fold_masks, leave_one_group_out
from competition.core.ids import video_groups
from competition.core.probabilities import save_probabilities
from competition.data.tables import VideoTable, row_groups
from ensembles.bootstrap import ClusterBootstrap, Scoreboard
from ensembles.calibration import fit_powers
from ensembles.combiners import Corrected, WeightedAverage, combiner_from_dict
from ensembles.cv import Correction, cross_validate
from ensembles.grouping import Grouping, make_folds, resolve_grouping
from ensembles.methods import build_method
from ensembles.methods.convex import simplex_log_loss_weights
from ensembles.prior import adjust, choose_tau, prior_from_labels
from ensembles.ranking import choose
from ensembles.scoring import apply_powers, masked_macro_f1, metrics
from tests.ensemble_fixtures import clip_ids, informative_model, noise_model, study_dir, write_prediction_dirs


@pytest.fixture
def studies():
    with study_dir() as folder:
        yield folder


def run_ensemble(folder, dirs, *options, track=1):
    out = folder / "spec.json"
    argv = ["ensemble", "--track", str(track), *map(str, dirs), "--out", str(out), "--work-dir",
            str(folder / "work"), "--quiet", *options]
    return main(argv), out


# --- grouped folds ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_grouped_folds_never_split_a_video_and_spread_the_classes(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(5, 120, 23)  # videos of very different lengths
    ids = [f"{v:04d}_{k}" for v, size in enumerate(sizes) for k in range(size)]
    labels = rng.integers(0, 4, len(ids))
    groups = video_groups(ids)
    fold_of = assign_folds(labels, 5, groups=groups, seed=seed)
    assert set(fold_of.tolist()) == set(range(5))
    for video in np.unique(groups):
        assert len(set(fold_of[groups == video].tolist())) == 1, video
    for train, held_out in fold_masks(fold_of):
        assert not set(groups[train]) & set(groups[held_out])
        assert len(np.unique(labels[held_out])) == 4  # every class is in every fold here
    logo = leave_one_group_out(groups)
    assert logo.max() + 1 == 23 and all(len(set(groups[logo == k])) == 1 for k in range(23))
    np.testing.assert_array_equal(assign_folds(labels, 23, groups=groups), logo)


def test_grouped_folds_of_a_small_val_split_with_fewer_rows_per_class_than_folds():
    # 14 classes, 2-4 clips each, one clip per video (an imported skeleton set's val split): nothing to stratify
    labels = np.repeat(np.arange(14), [3, 4, 3, 3, 3, 4, 4, 3, 3, 2, 3, 3, 3, 3])
    groups = video_groups([f"val{i:05d}_0" for i in range(len(labels))])
    fold_of = assign_folds(labels, 5, groups=groups, seed=0)
    assert set(fold_of.tolist()) == set(range(5)) and np.bincount(fold_of).min() >= 8


def test_groups_come_from_clip_ids_tables_or_a_file_and_unknown_rows_are_errors(tmp_path):
    assert video_groups(["0054_3", "a_b_12"]).tolist() == ["0054", "a_b"]
    with pytest.raises(ValueError, match="2 id\\(s\\) are not clip ids <video>_<k>.*'0054', 'x_y'"):
        video_groups(["0054_3", "0054", "x_y"])
    with pytest.raises(DataError, match="val.npz: 1 id\\(s\\) are not clip ids.*--group-by FILE.csv"):
        resolve_grouping(["0001_0", "sample7"], track=1, path="val.npz")
    # Track 3 rows are videos: each its own group
    assert resolve_grouping(["0001", "0002"], track=3).groups.tolist() == ["0001", "0002"]
    # a file of groups
    path = tmp_path / "groups.csv"
    path.write_text("id,group\nsample1,alice\nsample2,alice\nsample3,bob\n")
    grouping = resolve_grouping(["sample3", "sample1", "sample2"], track=1, group_by=str(path))
    assert grouping.groups.tolist() == ["bob", "alice", "alice"] and grouping.by == "group"
    with pytest.raises(DataError, match="has no group for 1 id\\(s\\) of the inputs, e.g. \\['sample9'\\]"):
        resolve_grouping(["sample1", "sample9"], track=1, group_by=str(path))
    with pytest.raises(DataError, match="subject.*needs the prepared dataset"):
        resolve_grouping(["0001_0"], track=1, group_by="subject")
    # the prepared dataset's tables: clip → video → subject
    prepared = write_tables(tmp_path / "prepared", {"0001": "s1", "0002": "s1", "0003": "s2"}, clips_per_video=2)
    ids = ["0003_1", "0001_0", "0002_1"]
    assert row_groups(prepared, ids, rows="clips", by="subject").tolist() == ["s2", "s1", "s1"]
    grouping = resolve_grouping(ids, track=1, data=prepared)  # subjects known: the default groups by subject
    assert grouping.by == "subject" and grouping.groups.tolist() == ["s2", "s1", "s1"]
    assert resolve_grouping(ids, track=1, group_by="video", data=prepared).groups.tolist() == ["0003", "0001", "0002"]
    with pytest.raises(DataError, match="clips.csv: lacks 1 clip id\\(s\\) of the inputs, e.g. \\['0009_0'\\]"):
        resolve_grouping(["0001_0", "0009_0"], track=1, data=prepared)
    no_subjects = write_tables(tmp_path / "plain", {"0001": "", "0002": ""}, clips_per_video=2)
    # `miga prepare` without subjects.csv writes the column empty: Track 3's folds then group by video too
    assert not VideoTable.read(no_subjects).has_subjects and VideoTable.read(prepared).has_subjects
    assert resolve_grouping(["0001_0", "0002_1"], track=1, data=no_subjects).by == "video"
    with pytest.raises(DataError, match="2 video\\(s\\) have no subject"):
        resolve_grouping(["0001_0", "0002_1"], track=1, group_by="subject", data=no_subjects)


def write_tables(folder, subjects, clips_per_video, train_labels=None):
    """A prepared dataset's clips.csv and videos.csv (only the tables): every video validation, plus train clips."""
    folder.mkdir(parents=True)
    clip_rows, video_rows = [], []
    for video, subject in subjects.items():
        video_rows.append([video, "val", 1, clips_per_video, 100, 64, 64, 25.0, subject])
        clip_rows += [[f"{video}_{k}", video, "val", 0, 1, 0, 9, 10] for k in range(clips_per_video)]
    for k, label in enumerate(train_labels if train_labels is not None else []):
        clip_rows.append([f"9999_{k}", "9999", "train", int(label), int(label) + 1, 0, 9, 10])
    if train_labels is not None:
        video_rows.append(["9999", "train", 0, len(train_labels), 100, 64, 64, 25.0, "trainee"])
    for name, header, rows in (("clips.csv", "clip_id,video_id,split,label,raw_class,start,end,frames", clip_rows),
                               ("videos.csv", "video_id,split,label,clips,frames,height,width,fps,subject",
                                video_rows)):
        with open(folder / name, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header.split(","))
            writer.writerows(rows)
    return folder


def signature_set(seed=0, videos=10, clips=78, classes=32):
    """Labels constant within each video; one model is only a per-video signature, the other noise."""
    rng = np.random.default_rng(seed)
    video_labels = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])[:videos]
    ids = clip_ids(videos, clips)
    labels = np.repeat(video_labels, clips)
    signature = np.repeat(rng.dirichlet(np.full(classes, 0.3), videos), clips, axis=0)
    signature = signature + rng.normal(0, 0.01, signature.shape)
    signature = np.clip(signature, 1e-3, None)
    signature = (signature / signature.sum(axis=1, keepdims=True)).astype(np.float32)
    return ids, labels, {"signature": signature, "noise": noise_model(rng, len(ids), classes)}


def test_a_per_video_signature_fools_random_row_folds_but_not_grouped_folds(tmp_path, studies, capsys):
    ids, labels, models = signature_set()
    dirs = write_prediction_dirs(tmp_path / "predictions", models, track=1, val_ids=ids, val_labels=labels,
                                 test_ids=clip_ids(2, 5, first_video=50), rng=np.random.default_rng(1))
    majority = np.bincount(labels).max() / len(labels)  # 0.4

    status, out = run_ensemble(studies, dirs, "--method", "stack", "--group-by", "none")
    assert status == 0 and "note: --group-by none" in capsys.readouterr().out
    random_rows = json.loads(out.read_text())
    assert random_rows["scores"]["cv"]["top1"] > 0.95  # the old estimate: near 100% on unseen... rows
    assert random_rows["grouping"]["by"] == "row"

    status, out = run_ensemble(studies, dirs, "--method", "stack")
    grouped = json.loads(out.read_text())
    assert status == 0 and grouped["grouping"]["by"] == "video"
    assert grouped["scores"]["cv"]["top1"] <= majority + 0.1  # on unseen videos the signature is worthless
    assert grouped["scores"]["in_sample"]["top1"] > 0.95  # while in-sample it still looks perfect


# --- the long tail: prior correction and temperatures ----------------------------------------------------------

def gaussian_posteriors(rng, labels, prior, classes):
    """Rows x ~ N(μ_y, I) in 2-d with the class means on a circle; the exact posterior under `prior`, and under a
    uniform prior (what a model trained on `prior` outputs, and what it should output for balanced data)."""
    angles = 2 * np.pi * np.arange(classes) / classes
    means = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    x = means[labels] + rng.normal(0, 1, (len(labels), 2))
    log_likelihood = -0.5 * ((x[:, None, :] - means[None]) ** 2).sum(axis=-1)

    def posterior(log_prior):
        z = log_likelihood + log_prior
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)
    return posterior(np.log(prior)), posterior(np.zeros(classes))


def test_logit_adjustment_recovers_a_shifted_prior():
    """A model that learned the training prior π outputs p(y|x) ∝ p(x|y)·π(y); on balanced rows the best is τ = 1,
    on rows that follow π it is τ = 0."""
    rng = np.random.default_rng(3)
    classes, rows = 6, 3000
    train_prior = np.array([0.5, 0.2, 0.12, 0.08, 0.06, 0.04])
    prior = prior_from_labels(rng.choice(classes, 100_000, p=train_prior), classes, "train")
    labels = rng.integers(0, classes, rows)  # the held-out rows are balanced
    model, balanced = gaussian_posteriors(rng, labels, train_prior, classes)
    np.testing.assert_allclose(adjust(model, prior.log_prior, [1.0])[0], balanced, atol=0.01)
    fold_of = assign_folds(labels, 5, seed=0)
    choice = choose_tau(model, labels, fold_of, prior.log_prior, "accuracy")
    assert choice.tau == pytest.approx(1.0, abs=0.25)
    assert all(abs(t - 1.0) <= 0.25 for t in choice.fold_taus)
    before, after = metrics(model, labels), metrics(choice.corrected, labels)
    assert after["top1"] > before["top1"] + 0.03 and after["macro_f1"] > before["macro_f1"] + 0.05
    # on rows that follow the training prior, the model is already right: no correction
    skewed = rng.choice(classes, rows, p=train_prior)
    model, _ = gaussian_posteriors(rng, skewed, train_prior, classes)
    assert choose_tau(model, skewed, fold_of, prior.log_prior, "accuracy").tau == pytest.approx(0.0, abs=0.25)


def test_temperature_scaling_lowers_log_loss_of_an_overconfident_model_and_keeps_top1():
    rng = np.random.default_rng(4)
    classes, rows = 10, 2000
    labels = rng.integers(0, classes, rows)
    logits = rng.normal(0, 1, (rows, classes)) + 1.5 * np.eye(classes)[labels]
    calibrated = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # the data are drawn from it...
    labels = np.array([rng.choice(classes, p=p) for p in calibrated])        # ...so it is calibrated
    overconfident = calibrated ** 3
    overconfident = (overconfident / overconfident.sum(axis=1, keepdims=True)).astype(np.float32)
    probs = np.stack([overconfident, calibrated.astype(np.float32)])
    powers = fit_powers(probs, labels, np.ones((1, rows), dtype=bool))[0]
    assert powers[0] == pytest.approx(1 / 3, rel=0.1) and powers[1] == pytest.approx(1.0, rel=0.1)
    scaled = apply_powers(powers, probs)
    before, after = metrics(overconfident, labels), metrics(scaled[0], labels)
    assert after["log_loss"] < before["log_loss"] - 0.3
    np.testing.assert_array_equal(scaled[0].argmax(axis=1), overconfident.argmax(axis=1))


def test_temperatures_and_prior_are_fitted_inside_each_fold_and_stored_in_the_spec(tmp_path, studies):
    rng = np.random.default_rng(6)
    ids = clip_ids(12, 25)
    labels = rng.choice(4, len(ids), p=[0.25, 0.25, 0.25, 0.25])
    sharp = informative_model(rng, labels, 4, 0.6, concentration=0.2)
    models = {"sharp": sharp, "soft": informative_model(rng, labels, 4, 0.6, concentration=3.0)}
    dirs = write_prediction_dirs(tmp_path / "predictions", models, track=1, val_ids=ids, val_labels=labels,
                                 test_ids=clip_ids(2, 5, first_video=50), rng=rng)
    train_labels = rng.choice(4, 400, p=[0.7, 0.2, 0.07, 0.03])
    prepared = write_tables(tmp_path / "prepared", {f"{v:04d}": "" for v in range(12)}, 25, train_labels)
    status, out = run_ensemble(studies, dirs, "--method", "convex", "--calibrate", "--data", str(prepared))
    assert status == 0
    spec = json.loads(out.read_text())
    assert spec["correction"]["temperature_scaling"] is True
    assert spec["correction"]["prior"]["counts"] == np.bincount(train_labels, minlength=4).tolist()
    assert spec["combiner"]["kind"] == "corrected"
    temperatures = spec["combiner"]["temperatures"]
    assert temperatures["sharp"] > temperatures["soft"]  # the over-confident model is cooled more
    per_class = spec["scores"]["per_class"]
    assert per_class["rows"] == np.bincount(labels, minlength=4).tolist()
    assert len(per_class["top1_before"]) == len(per_class["top1_after"]) == 4
    # the spec's combiner reproduces the in-sample score through JSON
    from ensembles.spec import read_spec
    _, combiner = read_spec(out)
    probs = np.stack(list(models.values()))
    assert metrics(combiner.predict_proba(probs), labels)["top1"] == pytest.approx(spec["scores"]["in_sample"]["top1"])


def test_corrected_combiner_round_trips_through_json():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(5), (3, 40)).astype(np.float32)
    combiner = Corrected(WeightedAverage([0.2, 0.5, 0.3]), powers=[0.5, 1.0, 2.0], tau=0.75,
                         log_prior=np.log(np.array([0.4, 0.3, 0.15, 0.1, 0.05])))
    again = combiner_from_dict(json.loads(json.dumps(combiner.to_dict("abc"))), "abc")
    np.testing.assert_allclose(again.predict_proba(probs), combiner.predict_proba(probs), atol=1e-6)
    assert not np.allclose(combiner.uncorrected(probs), combiner.predict_proba(probs))


# --- the convex solver and the searches' start --------------------------------------------------------------------

def test_convex_solver_matches_a_brute_force_grid_on_three_models():
    rng = np.random.default_rng(9)
    labels = rng.integers(0, 6, 500)
    probs = np.stack([informative_model(rng, labels, 6, a, concentration=c) for a, c in
                      ((0.5, 0.5), (0.4, 2.0), (0.3, 0.3))])
    p_true = probs[:, np.arange(500), labels].T.astype(np.float64)
    a, b = np.meshgrid(np.linspace(0, 1, 201), np.linspace(0, 1, 201))  # steps of 0.005
    inside = a + b <= 1 + 1e-12
    grid = np.clip(np.stack([a[inside], b[inside], 1 - a[inside] - b[inside]], axis=1), 0, 1)
    losses = -np.log(p_true @ grid.T).mean(axis=0)
    solved = simplex_log_loss_weights(p_true)
    solved_loss = -np.log(p_true @ solved).mean()
    assert solved_loss <= losses.min() + 1e-9
    np.testing.assert_allclose(solved, grid[losses.argmin()], atol=0.01)
    assert solved.sum() == pytest.approx(1.0) and (solved >= 0).all()


def test_every_optuna_study_starts_from_the_convex_solution_mean_and_best(studies):
    import optuna
    from optuna.storages.journal import JournalFileBackend

    rng = np.random.default_rng(2)
    labels = rng.integers(0, 5, 200)
    probs = np.stack([informative_model(rng, labels, 5, 0.7), informative_model(rng, labels, 5, 0.4),
                      noise_model(rng, 200, 5)])
    method = build_method("optuna", optuna_options=dict(trials=8, study_name="start", work_dir=studies,
                                                        progress=False))
    fitted = method.fit(probs, labels)
    storage = optuna.storages.JournalStorage(JournalFileBackend(str(studies / "optuna.journal")))
    trials = optuna.load_study(study_name="start", storage=storage).trials
    convex = simplex_log_loss_weights(probs[:, np.arange(200), labels].T.astype(np.float64))
    first = [np.array([t.params[f"w{m}"] for m in range(3)]) for t in trials[:3]]
    np.testing.assert_allclose(first[0], convex / convex.max(), atol=1e-9)
    np.testing.assert_array_equal(first[1], np.ones(3))
    np.testing.assert_array_equal(first[2], [1.0, 0.0, 0.0])
    best_start = max(t.value for t in trials[:3])
    assert max(t.value for t in trials) >= best_start and len(trials) == 8
    assert fitted.predict_proba(probs).shape == (200, 5)


# --- error bars and auto's rule -----------------------------------------------------------------------------------

def test_macro_f1_matches_scikit_learn():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 7, 120)
    candidates = rng.dirichlet(np.ones(7), (2, 3, 120))
    masks = rng.random((2, 120)) < 0.7
    values = masked_macro_f1(candidates, labels, masks)
    for t in range(2):
        for k in range(3):
            expected = f1_score(labels[masks[t]], candidates[t, k, masks[t]].argmax(axis=1), average="macro")
            assert values[t, k] == pytest.approx(expected)


def simulated_videos(rng, videos):
    """Each video has its own accuracy (Beta(4, 4), mean 0.5) and 20-100 clips: the true accuracy is 0.5."""
    sizes = rng.integers(20, 101, videos)
    rates = rng.beta(4, 4, videos)
    groups = np.repeat(np.arange(videos), sizes)
    correct = rng.random(len(groups)) < np.repeat(rates, sizes)
    labels = np.zeros(len(groups), dtype=np.int64)
    probs = np.where(correct[:, None], [[0.9, 0.1]], [[0.1, 0.9]])
    return groups, labels, probs


@pytest.mark.parametrize("videos", [10, 30])
def test_cluster_bootstrap_covers_the_true_accuracy_at_about_its_nominal_rate(videos):
    rng = np.random.default_rng(videos)
    level, replications = 0.9, 300
    covered = covered_by_rows = 0
    for replication in range(replications):
        groups, labels, probs = simulated_videos(rng, videos)
        board = Scoreboard(ClusterBootstrap(groups, labels, 2, resamples=400, level=level, seed=replication),
                           {"ensemble": probs})
        low, high = board.interval("ensemble", "top1")
        covered += low <= 0.5 <= high
        if replication >= 50:
            continue
        rows = Scoreboard(ClusterBootstrap(np.arange(len(labels)), labels, 2, resamples=400, level=level,
                                           seed=replication), {"ensemble": probs})
        low, high = rows.interval("ensemble", "top1")
        covered_by_rows += low <= 0.5 <= high
    assert 0.85 <= covered / replications <= 0.95
    assert covered_by_rows / 50 < 0.6  # resampling clips as if they were independent: far too narrow


def result_with(name, complexity, oof, labels, fold_of):
    from ensembles.cv import MethodResult
    return MethodResult(name, complexity, None, labels, fold_of, oof, oof, metrics(oof, labels))


def test_auto_keeps_the_simplest_unless_a_complex_method_is_surely_better():
    rng = np.random.default_rng(5)
    groups = np.repeat(np.arange(10), 50)
    labels = rng.integers(0, 4, 500)
    fold_of = groups % 5

    def predicting(right):
        probs = np.full((500, 4), 0.1, dtype=np.float32)
        guess = np.where(right, labels, (labels + 1) % 4)
        probs[np.arange(500), guess] = 0.7
        return probs

    base = rng.random(500) < 0.5
    better = base | (rng.random(500) < 0.3)  # right wherever mean is, and on 30% more rows, in every video
    same = base ^ (rng.random(500) < 0.05)
    results = [result_with("mean", 0, predicting(base), labels, fold_of),
               result_with("greedy", 3, predicting(same), labels, fold_of),
               result_with("stack", 6, predicting(better), labels, fold_of)]
    board = Scoreboard(ClusterBootstrap(groups, labels, 4, resamples=1000), {r.name: r.oof for r in results})
    chosen, sentence = choose(results, board, unit="10 videos")
    assert chosen.name == "stack"
    assert sentence.startswith("auto chose `stack`: better than `mean` by +")
    assert "points of top-1 (95% interval +" in sentence and "paired cluster bootstrap over 10 videos" in sentence
    chosen, sentence = choose(results[:2], board, unit="10 videos")
    assert chosen.name == "mean"
    assert sentence.startswith("auto kept `mean`, the simplest method: no more complex method was better on top-1 "
                               "with its 95% interval excluding zero (closest: `greedy`, ")
    board_log_loss = choose(results, board, "log_loss", unit="10 videos")[1]
    assert "lower log-loss (95% interval" in board_log_loss


# --- any class count ----------------------------------------------------------------------------------------------

def test_the_class_count_comes_from_the_files(tmp_path, studies, capsys):
    rng = np.random.default_rng(7)
    ids = clip_ids(6, 20)
    labels = rng.integers(0, 10, len(ids))
    models = {"ten_a": informative_model(rng, labels, 10, 0.6), "ten_b": informative_model(rng, labels, 10, 0.5)}
    dirs = write_prediction_dirs(tmp_path / "predictions", models, track=1, val_ids=ids, val_labels=labels,
                                 test_ids=clip_ids(2, 5, first_video=50), rng=rng)
    status, out = run_ensemble(studies, dirs, "--method", "greedy")
    assert status == 0 and json.loads(out.read_text())["num_classes"] == 10
    assert "2 models × 120 validation rows × 10 classes" in capsys.readouterr().out
    save_probabilities(tmp_path / "other" / "val.npz", ids, noise_model(rng, len(ids), 12), labels, model="other",
                       track=1, split="val")
    status, _ = run_ensemble(studies, [dirs[0], tmp_path / "other"], "--method", "mean")
    assert status == 2 and "has 12 classes but" in capsys.readouterr().err


def test_cross_validate_scores_out_of_fold_predictions_of_grouped_folds():
    rng = np.random.default_rng(8)
    ids = clip_ids(8, 30)
    labels = rng.integers(0, 5, len(ids))
    probs = np.stack([informative_model(rng, labels, 5, 0.6), noise_model(rng, len(ids), 5)])
    folds = make_folds(labels, resolve_grouping(ids, track=1), 4)
    prior = prior_from_labels(rng.integers(0, 5, 100), 5, "train")
    result = cross_validate(build_method("greedy"), probs, labels, folds, Correction(prior=prior))
    manual = np.empty_like(result.oof_uncorrected)
    for k in range(4):  # each fold's own fit, scored on its held-out videos
        train, held_out = folds.fold_of != k, folds.fold_of == k
        fitted = build_method("greedy").fit(probs[:, train], labels[train])
        manual[held_out] = fitted.predict_proba(probs[:, held_out])
    np.testing.assert_allclose(result.oof_uncorrected, manual, atol=1e-6)
    assert result.cv == metrics(result.oof, labels) and len(result.fold_taus) == 4
    assert folds.describe() == "4 folds grouped by video: 8 videos from the clip ids <video>_<k>"
    rows = make_folds(labels, Grouping(np.asarray(ids), "row", "rows"), 4)
    assert rows.describe().startswith("4 folds of random rows, not grouped")
