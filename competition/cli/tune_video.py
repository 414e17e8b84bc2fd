"""miga tune-video: Optuna search of a Track 3 video model's hyperparameters on grouped CV folds.

Each trial cross-validates the model with parameters from the model's search space; poor trials are pruned
after their first folds. The study persists (default: a journal file in the work dir; `--storage` takes any
Optuna URL, PostgreSQL included) and a rerun with the same study name resumes up to `--trials` finished
trials. The best parameters go to a JSON file that `miga train-video --params` reads; `--out` also writes
their predictions.
"""
import json
import sys
from pathlib import Path

from competition.cli.track3_options import add_experiment, input_options


def add_arguments(parser):
    from models.track3.cross_validation import METRICS

    add_experiment(parser)
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


def run(args):
    from competition.core.studies.storage import redact_password
    from models.track3.experiment import load_experiment, parse_params, run_experiment, write_predictions
    from models.track3.tuning import best_params, best_scores, finished, tune, tuning_job, write_best_params

    job = tuning_job(args.model, input_options(args), study=args.study, storage=args.storage,
                     work_dir=args.work_dir, folds=args.folds, seed=args.seed, fixed=parse_params(args.params),
                     trials=args.trials, metric=args.metric, workers=args.workers, timeout=args.timeout,
                     device=args.device, progress=not args.quiet)
    study = tune(job)
    params = best_params(job, study)
    best_path = args.best_params or args.work_dir / f"{job.study}.best.json"
    write_best_params(best_path, params)
    scores = ", ".join(f"{metric} {value:.4f}" for metric, value in best_scores(study).items())
    print(f"study {job.study!r} in {redact_password(job.storage)}: {finished(study)} finished trials; best trial "
          f"{study.best_trial.number}: {scores}", file=sys.stderr)
    print(f"best parameters {json.dumps(params, sort_keys=True)} written to {best_path}")
    if args.out:
        experiment = load_experiment(args.model, job.inputs, args.folds, args.seed)
        result = run_experiment(experiment, params, args.seed, args.device, progress=not args.quiet)
        written = write_predictions(experiment, result, args.out, args.out.name, params, args.seed)
        print("wrote " + " and ".join(str(path) for path in written))
    return 0
