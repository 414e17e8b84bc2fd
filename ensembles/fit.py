"""Fit ensembles of several models' validation probabilities, score each method by grouped cross-validation, keep one.

The rows: every labelled clip out of fold (each input's `oof.npz`, `miga train --folds`) when every input has
them, the folds of their fold file reused by the cross-validation; else the validation split (`val.npz`).

`plan_fit` reads the inputs and decides everything the run depends on: the groups and folds
(ensembles.grouping), the training prior for the long-tail correction (ensembles.prior), the per-model
temperatures. `run_fit` scores every method on the same folds, puts cluster-bootstrap intervals and paired
differences against `mean` beside each score (ensembles.bootstrap), lets `auto` keep the simplest method that
no more complex one surely beats (ensembles.ranking), refit on all rows, and writes the ensemble spec.
"""
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from competition.core.constants import OOF
from competition.core.errors import DataError
from competition.core.probabilities import load_probabilities
from competition.core.provenance import sha256_file
from competition.core.studies.storage import redact_password
from ensembles.bootstrap import ClusterBootstrap, Scoreboard
from ensembles.cv import Correction, cross_validate
from ensembles.grouping import LEAVE_ONE_OUT, Folds, given_folds, make_folds, resolve_grouping
from ensembles.inputs import load_model_set, prediction_file
from ensembles.methods import build_method
from ensembles.prior import TAUS, find_prior
from ensembles.ranking import choose
from ensembles.spec import build_spec, write_spec

METHOD_ORDER = ("optuna", "greedy", "hill", "stack", "convex", "mean", "best")
REFERENCE = "mean"
# Trials per Optuna study: the searches start from the convex solution, `mean` and `best`, so a few hundred
# TPE trials are enough to improve on them; `--method auto` on 12 models × 777 clips then takes under a minute
# on 2 cores (docs/benchmarks.md).
DEFAULT_TRIALS = 200
DEFAULT_FOLDS = 5
# Which rows the ensemble is fitted on: `auto` = out of fold when every input has oof.npz, else val.
ROWS = ("auto", "oof", "val")


@dataclass(frozen=True)
class EnsembleOptions:
    """Every choice of `miga ensemble` besides the inputs (see its --help)."""
    method: str = "auto"
    objective: str = "accuracy"
    rows: str = "auto"           # "auto", "oof" (every input's oof.npz) or "val" (val.npz): see ROWS
    folds: object = None         # K, "loo" (one fold per group), or None: DEFAULT_FOLDS, fewer with fewer groups
    group_by: str | None = None  # "video", "subject", "none" or a CSV file; None: subject with --data, else video
    data: Path | None = None     # the prepared dataset: groups and the training prior from its tables
    prior_correction: str = "auto"  # "auto" (when a training prior is found), "on" (required), "off"
    taus: tuple = TAUS
    calibrate: bool = False
    resamples: int = 2000
    level: float = 0.95
    seed: int = 0
    trials: int = DEFAULT_TRIALS
    power: bool = False
    storage: str | None = None
    study: str | None = None
    workers: int = 1
    work_dir: str = "work_dirs/ensembles"
    progress: bool = True


@dataclass(frozen=True)
class FitPlan:
    """The inputs and everything decided before any method runs."""
    track: int
    sources: tuple
    model_set: object
    folds: Folds
    correction: Correction
    notes: list = field(default_factory=list)
    test_rows: int | None = None


@dataclass(frozen=True)
class EnsembleFit:
    plan: FitPlan
    results: list
    chosen: object
    choice: str
    spec: dict

    @property
    def model_set(self):
        return self.plan.model_set


def rows_split(pred_dirs, rows="auto"):
    """The split the ensemble is fitted on: `oof` when every input has oof.npz (or asked), else `val`; and a
    note when only some inputs have out-of-fold files."""
    if rows not in ROWS:
        raise DataError("--rows", f"must be one of {ROWS}, got {rows!r}")
    with_oof = [d for d in pred_dirs if Path(d).exists() and prediction_file(d, OOF).is_file()]
    if rows == "val":
        return "val", None
    if len(with_oof) == len(pred_dirs):
        return OOF, None
    if rows == OOF:
        lacking = [str(d) for d in pred_dirs if d not in with_oof]
        raise DataError("--rows oof", f"{len(lacking)} input(s) have no oof.npz: {', '.join(lacking)}; train them "
                                      "with `miga train CONFIG --folds K --out DIR` on the same fold file")
    note = None
    if with_oof:
        note = (f"{len(with_oof)} of {len(pred_dirs)} inputs have out-of-fold files (oof.npz), not all: fitted on "
                "the validation rows (val.npz)")
    return "val", note


def load_labelled_model_set(pred_dirs, track, split="val"):
    """The models' `split` files (val or oof) joined by id; every row must carry a label. Classes are read from
    the files."""
    model_set = load_model_set(pred_dirs, split=split, track=track)
    unknown = np.flatnonzero(model_set.labels < 0)
    if len(unknown):
        raise DataError(model_set.paths[0], f"{len(unknown)} {split} row(s) have no label (-1), first id "
                                            f"{str(model_set.ids[unknown[0]])!r}; ensembles are fitted on labelled "
                                            "rows only")
    return model_set


def plan_fit(pred_dirs, *, track, options=EnsembleOptions(), model_set=None) -> FitPlan:
    notes = []
    if model_set is None:
        split, note = rows_split(pred_dirs, options.rows)
        notes += [note] if note else []
        model_set = load_labelled_model_set(pred_dirs, track, split)
    if options.trials < 1:
        raise DataError("--trials", f"must be at least 1, got {options.trials}")
    if not 0 < options.level < 1:
        raise DataError("--level", f"must be between 0 and 1 (e.g. 0.95), got {options.level}")
    if options.resamples < 100:
        raise DataError("--bootstrap", f"needs at least 100 resamples, got {options.resamples}")
    if options.prior_correction not in ("auto", "on", "off"):
        raise DataError("--prior-correction", f"must be auto, on or off, got {options.prior_correction!r}")
    if not options.taus or min(options.taus) < 0:
        raise DataError("--taus", f"must be one or more values ≥ 0, got {options.taus}")
    grouping = resolve_grouping(model_set.ids, track=track, group_by=options.group_by, data=options.data,
                                path=model_set.paths[0])
    folds = options.folds
    if folds is None and model_set.fold is not None:
        folds = given_folds(model_set.fold, grouping, model_set.fold_file)
    elif folds is None:
        folds = DEFAULT_FOLDS if grouping.count > DEFAULT_FOLDS else LEAVE_ONE_OUT
        if folds == LEAVE_ONE_OUT and grouping.count < DEFAULT_FOLDS:
            notes.append(f"only {grouping.count} {grouping.unit}: one fold per {grouping.unit[:-1]} instead of "
                         f"{DEFAULT_FOLDS} folds")
    elif model_set.fold is not None:
        notes.append(f"--folds {folds}: the cross-validation makes its own folds instead of reusing the fold file "
                     "of the out-of-fold inputs")
    if not isinstance(folds, Folds):
        folds = make_folds(model_set.labels, grouping, folds, options.seed)
    prior = None
    if options.prior_correction != "off":
        prior = find_prior(track, model_set.num_classes, data=options.data, sources=pred_dirs)
        if prior is None and options.prior_correction == "on":
            raise DataError("--prior-correction", "no training labels found: give --data PREPARED, or predict the "
                                                  "train split (predictions/<model>/train.npz)")
        if prior is None:
            notes.append("no training labels (no --data, no train.npz beside the inputs): the prior correction "
                         "is off")
    if grouping.by == "row":
        notes.append("--group-by none: rows of one video sit on both sides of every fold; the estimates reward "
                     "methods that learn a video's look and are optimistic")
    correction = Correction(calibrate=options.calibrate, prior=prior, taus=tuple(options.taus),
                            objective=options.objective)
    return FitPlan(track, tuple(pred_dirs), model_set, folds, correction, notes, _test_rows(pred_dirs, track))


def _test_rows(pred_dirs, track):
    """Track 3: the number of test videos (rows of the first input's test.npz), what one of them is worth."""
    if track != 3:
        return None
    path = prediction_file(pred_dirs[0], "test")
    return len(load_probabilities(path)) if path.is_file() else None


def run_fit(plan: FitPlan, *, out, options=EnsembleOptions(), on_result=None) -> EnsembleFit:
    """Cross-validate `options.method` (or every method, `auto`), choose, refit and write the spec to `out`.

    `on_result(result)` is called as each method's cross-validation finishes.
    """
    out = Path(out)
    model_set = plan.model_set
    digests = [sha256_file(path) for path in model_set.paths]
    study = options.study or out.stem
    optuna_options = dict(trials=options.trials, study_name=study, storage=options.storage,
                          work_dir=options.work_dir, workers=options.workers, power=options.power,
                          seed=options.seed, progress=options.progress, inputs_digest="|".join(digests))
    names = METHOD_ORDER if options.method == "auto" else (options.method,)
    methods = [build_method(name, objective=options.objective, optuna_options=optuna_options) for name in names]
    results = []
    for candidate in methods:
        result = cross_validate(candidate, model_set.probs, model_set.labels, plan.folds, plan.correction)
        if on_result is not None:
            on_result(result)
        results.append(result)
    if REFERENCE not in names:  # the yardstick every difference is measured from; cheap
        results.append(cross_validate(build_method(REFERENCE, objective=options.objective), model_set.probs,
                                      model_set.labels, plan.folds, plan.correction))
    grouping = plan.folds.grouping
    bootstrap = ClusterBootstrap(grouping.groups, model_set.labels, model_set.num_classes,
                                 resamples=options.resamples, level=options.level, seed=options.seed)
    scoreboard = Scoreboard(bootstrap, {r.name: r.oof for r in results})
    for r in results:
        r.summary = scoreboard.summary(r.name, REFERENCE)
    unit = f"{grouping.count} {grouping.unit}"
    candidates = [r for r in results if r.name in names]
    if options.method == "auto":
        chosen, choice = choose(candidates, scoreboard, options.objective, unit=unit)
    else:
        chosen, choice = candidates[0], f"`{candidates[0].name}` as asked (--method {options.method})."
    choice += _test_video_worth(plan, chosen)
    optuna_record = None
    if "optuna" in names:
        optuna_record = {"storage": redact_password(methods[names.index("optuna")].storage), "study": study,
                         "trials": options.trials, "workers": options.workers, "power": options.power}
    spec = build_spec(track=plan.track, chosen=chosen, results=results, model_set=model_set, digests=digests,
                      sources=plan.sources, seed=options.seed, folds=plan.folds, objective=options.objective,
                      correction=plan.correction, choice=choice, optuna=optuna_record,
                      bootstrap={"resamples": options.resamples, "level": options.level, "unit": grouping.unit,
                                 "groups": grouping.count, "reference": REFERENCE},
                      test_rows=plan.test_rows)
    write_spec(out, spec)
    return EnsembleFit(plan, results, chosen, choice, spec)


def _test_video_worth(plan, chosen):
    if plan.track != 3 or not plan.test_rows:
        return ""
    worth = 100.0 / plan.test_rows
    low, high = chosen.summary["interval"]["top1"]
    return (f" One test video is worth {worth:.2f} points of leaderboard accuracy ({plan.test_rows} test videos); "
            f"the chosen method's interval is {100 * (high - low) / worth:.0f} test videos wide.")


def fit_ensemble(pred_dirs, *, track, out, options=EnsembleOptions(), model_set=None, on_result=None,
                 **overrides) -> EnsembleFit:
    """`plan_fit` then `run_fit`; keyword `overrides` replace fields of `options` (e.g. method="greedy")."""
    options = replace(options, **overrides)
    plan = plan_fit(pred_dirs, track=track, options=options, model_set=model_set)
    return run_fit(plan, out=out, options=options, on_result=on_result)
