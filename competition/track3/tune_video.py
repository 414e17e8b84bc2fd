"""Optuna search of a Track 3 video model's hyperparameters, scored by grouped K-fold cross-validation.

Each trial cross-validates the model with the parameters the model's `search_space` suggests (InterFusion:
learning rate 1e-5..5e-4, encoder depth 1..8, heads 2..8, dropout 0.1..0.5, focal γ 0.5..1.5) and reports
the out-of-fold score of the folds done so far after every fold, so the median pruner stops poor trials
early. Workers record heartbeats, so a trial whose worker died is marked failed and retried once
(ensembles/heartbeat.py). The study persists (default: a journal file in the work dir; `--storage` takes
any Optuna URL, PostgreSQL included) and a rerun with the same study name resumes up to `--trials` finished
trials; commands on several machines stop together at that many. The best parameters go to a JSON file
that `miga train-video --params` reads; `--out` also writes its predictions.
"""
import hashlib
import json
import sys
from pathlib import Path

from competition.atomic import write_text
from competition.track3.cross_validation import GREATER_IS_BETTER, METRICS, cross_validate
from competition.track3.train_video import (add_common_arguments, load_experiment, parse_params,
                                            write_predictions)
from competition.provenance import sha256_file
from ensembles.study import check_workers, open_storage, open_study, redact_password, sampler_seed, storage_url
from ensembles.workers import run_workers
from models.video_level import estimator_class


def add_arguments(parser):
    add_common_arguments(parser)
    search = parser.add_argument_group("search")
    search.add_argument("--trials", type=int, default=50,
                        help="finished (complete or pruned) trials of the study; a rerun resumes up to this many")
    search.add_argument("--metric", choices=METRICS, default="auc", help="out-of-fold score the search optimises")
    search.add_argument("--study", help="study name (default track3-MODEL)")
    search.add_argument("--storage", help="Optuna storage: a journal file path, sqlite:///file.db (1 worker) or "
                                          "postgresql://user:password@host/db (default WORK_DIR/optuna.journal)")
    search.add_argument("--work-dir", type=Path, default=Path("work_dirs/track3"),
                        help="where the default storage and the best parameters live")
    search.add_argument("--workers", type=int, default=1, help="processes searching the same study")
    search.add_argument("--timeout", type=float, help="stop starting trials after this many seconds")
    search.add_argument("--best-params", type=Path, help="JSON file of the best parameters "
                                                         "(default WORK_DIR/STUDY.best.json)")
    search.add_argument("--out", type=Path, help="also write the best parameters' val.npz and test.npz here")
    search.add_argument("--quiet", action="store_true", help="no progress bars")


def _fingerprint(args, fixed_params):
    """What the study's scores depend on; resuming a study made for other inputs is refused."""
    files = [Path(args.data) / "videos.csv"] + [p for p in (args.context, args.face) if p]
    files += [p for d in args.clip_predictions for p in sorted(Path(d).glob("*.npz"))]
    digest = hashlib.sha256(json.dumps([args.model, args.folds, args.seed, args.metric, fixed_params,
                                        args.clip_fill, args.min_score], sort_keys=True).encode())
    for path in files:
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def _finished(study):
    from optuna.trial import TrialState
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))


def _objective(experiment, fixed, args):
    import optuna

    sign = 1.0 if GREATER_IS_BETTER[args.metric] else -1.0  # studies maximise; log-loss is negated
    model_class = estimator_class(args.model)

    def objective(trial):
        params = {**fixed, **model_class.search_space(trial)}

        def report(fold, running):
            trial.report(sign * running[args.metric], fold)
            if trial.should_prune():
                raise optuna.TrialPruned()

        result = cross_validate(experiment.estimator_factory(params, args.seed, args.device), experiment.inputs,
                                experiment.labels, experiment.fold_of, on_fold=report, progress=False)
        for metric, value in result.scores.items():
            trial.set_user_attr(metric, value)
        return sign * result.scores[args.metric]
    return objective


def _open(args, url, fixed, worker):
    import optuna

    study = open_study(open_storage(url), args.study, _fingerprint(args, fixed), sampler_seed(args.seed, worker, 0))
    # Pruners are not stored with a study: each process sets its own. Fold 0 alone is never pruned.
    study.pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
    return study


def _search(args, url, fixed, worker, n_trials):
    """One worker's share of the trials (runs in a child process when --workers > 1)."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    experiment = load_experiment(args)
    study = _open(args, url, fixed, worker)
    # Commands on other machines may share the study: stop when it has --trials finished ones in all.
    enough = optuna.study.MaxTrialsCallback(args.trials, states=(TrialState.COMPLETE, TrialState.PRUNED))
    study.optimize(_objective(experiment, fixed, args), n_trials=n_trials, timeout=args.timeout,
                   callbacks=[enough], show_progress_bar=not args.quiet and worker == 0)
    return n_trials


def run(args):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    fixed = parse_params(args.params)
    args.study = args.study or f"track3-{args.model}"
    url = storage_url(args.storage, args.work_dir)
    check_workers(url, args.workers)
    remaining = max(0, args.trials - _finished(_open(args, url, fixed, 0)))
    shares = [remaining // args.workers + (w < remaining % args.workers) for w in range(args.workers)]
    children = [(args, url, fixed, w, shares[w]) for w in range(1, args.workers)]
    if run_workers(_search, children, lambda: _search(args, url, fixed, 0, shares[0])):
        # a worker died: its share is run here
        _search(args, url, fixed, 0, max(0, args.trials - _finished(_open(args, url, fixed, 0))))
    study = _open(args, url, fixed, 0)
    best = study.best_trial
    params = {**fixed, **best.params}
    best_path = args.best_params or args.work_dir / f"{args.study}.best.json"
    write_text(best_path, json.dumps(params, indent=2, sort_keys=True) + "\n")
    scores = ", ".join(f"{m} {best.user_attrs[m]:.4f}" for m in METRICS if m in best.user_attrs)
    print(f"study {args.study!r} in {redact_password(url)}: {_finished(study)} finished trials; best trial "
          f"{best.number}: {scores}", file=sys.stderr)
    print(f"best parameters {json.dumps(params, sort_keys=True)} written to {best_path}")
    if args.out:
        experiment = load_experiment(args)
        result = cross_validate(experiment.estimator_factory(params, args.seed, args.device), experiment.inputs,
                                experiment.labels, experiment.fold_of, experiment.test_inputs,
                                progress=not args.quiet)
        write_predictions(experiment, result, args.out, args.out.name, params, args.seed)
        print(f"wrote {args.out / 'val.npz'} and {args.out / 'test.npz'}")
    return 0
