"""miga ensemble: fit ensemble weights on validation probabilities, with a grouped cross-validated estimate."""
import argparse
from pathlib import Path

from competition.cli.options import add_track
from competition.core.atomic import check_folder
from ensembles.fit import DEFAULT_FOLDS, DEFAULT_TRIALS, METHOD_ORDER, ROWS, EnsembleOptions, plan_fit, run_fit
from ensembles.grouping import LEAVE_ONE_OUT
from ensembles.prior import TAUS
from ensembles.ranking import table
from ensembles.scoring import OBJECTIVES


def add_arguments(parser):
    parser.description = (
        "Read the validation probability files (predictions/<model>/val.npz) of several models, or their "
        "out-of-fold files (oof.npz of `miga train --folds`: every labelled clip) when every model has one, join "
        "them by id, fit ensembles, and write the chosen one as a JSON spec. Every method is scored on out-of-fold "
        "predictions of K folds that keep each video (or subject) whole, with cluster-bootstrap intervals over "
        "the videos and the paired difference from `mean`; --method auto keeps the simplest method unless a more "
        "complex one is better with its interval excluding zero, refit on all rows. The number of classes is "
        "read from the files.")
    add_track(parser)
    parser.add_argument("pred_dirs", nargs="+", metavar="PRED_DIR",
                        help="prediction folders predictions/<model>/ (their oof.npz or val.npz is read, see --rows)")
    parser.add_argument("--out", required=True, help="spec file to write, e.g. ensembles/NAME.json")
    parser.add_argument("--method", default="auto", choices=("auto",) + METHOD_ORDER)
    parser.add_argument("--objective", default="accuracy", choices=OBJECTIVES,
                        help="what searches maximise and auto compares: accuracy (top-1; log-loss breaks ties), "
                             "log_loss or macro_f1; the table shows all three whatever the objective")
    parser.add_argument("--seed", type=int, default=0, help="folds, bootstrap and Optuna samplers; a seeded "
                                                            "1-worker run is reproducible")
    parser.add_argument("--rows", default="auto", choices=ROWS,
                        help="the rows to fit on: oof (every input's oof.npz, all trained on one fold file; the "
                             "cross-validation reuses its folds), val (val.npz), auto: oof when every input has it")
    folds = parser.add_argument_group("folds and groups")
    folds.add_argument("--folds", type=_folds, default=None, metavar="K|loo",
                       help=f"K grouped folds, or loo: leave one group (video, subject) out; unset: the fold file's "
                            f"folds for out-of-fold rows, else {DEFAULT_FOLDS}, or one fold per group when there are "
                            "fewer groups")
    folds.add_argument("--group-by", default=None, metavar="video|subject|none|FILE.csv",
                       help="what a fold keeps whole: video (a clip id <video>_<k>; Track 3 rows are videos), "
                            "subject (needs --data), a CSV with columns id,group, or none (random rows: optimistic); "
                            "unset: subject when --data's videos.csv names every subject, else video")
    folds.add_argument("--data", default=None, metavar="PREPARED",
                       help="the prepared dataset: groups from its clips.csv/videos.csv, the training prior from "
                            "its train split")
    correction = parser.add_argument_group("long tail and calibration")
    correction.add_argument("--prior-correction", default="auto", choices=("auto", "on", "off"),
                            help="logit adjustment of the ensemble's output by the training prior, τ chosen by the "
                                 "grouped folds (τ = 0 allowed); auto: when training labels are found (--data, or "
                                 "a train.npz beside the inputs)")
    correction.add_argument("--taus", type=_taus, default=TAUS, metavar="T,T,…",
                            help="the τ values tried, comma-separated")
    correction.add_argument("--calibrate", action="store_true",
                            help="temperature-scale each model before fusion (fitted on each fold's training rows)")
    correction.add_argument("--bootstrap", type=int, default=2000, metavar="B",
                            help="cluster-bootstrap resamples for the intervals")
    correction.add_argument("--level", type=float, default=0.95, help="interval level")
    optuna = parser.add_argument_group("optuna")
    optuna.add_argument("--trials", type=int, default=DEFAULT_TRIALS,
                        help="finished trials per study (a rerun resumes up to this many); every study starts from "
                             "the convex solution, mean and best")
    optuna.add_argument("--power", action="store_true", help="also search a power per model (p**a, renormalised: "
                                                             "temperature 1/a)")
    optuna.add_argument("--storage", default=None,
                        help="Optuna storage: a journal file path, sqlite:///file.db (1 worker), or "
                             "postgresql://user:password@host/db to share studies across machines; "
                             "when unset, the journal file WORK_DIR/optuna.journal")
    optuna.add_argument("--study", default=None, help="study name, when unset the spec's file name; the "
                                                      "folds' studies are NAME.fold<k>of<K>")
    optuna.add_argument("--workers", type=int, default=1, help="processes searching the same studies")
    optuna.add_argument("--work-dir", default="work_dirs/ensembles", help="where the default storage lives")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _folds(text):
    if text == LEAVE_ONE_OUT:
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of folds or {LEAVE_ONE_OUT}, got {text!r}") from None


def _taus(text):
    try:
        return tuple(float(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be numbers separated by commas, e.g. 0,0.5,1, got {text!r}") from None


def _print_result(result):
    cv = result.cv
    print(f"  {result.name:<7} CV top-1 {cv['top1']:.4f}  macro-F1 {cv['macro_f1']:.4f}  log-loss "
          f"{cv['log_loss']:.4f}  τ {result.tau:g}  in-sample top-1 {result.in_sample['top1']:.4f}  "
          f"({result.seconds:.1f} s)", flush=True)


def run(args):
    check_folder(Path(args.out).parent, f"the folder {Path(args.out).name} is written into")
    options = EnsembleOptions(
        method=args.method, objective=args.objective, rows=args.rows, folds=args.folds, group_by=args.group_by,
        data=args.data,
        prior_correction=args.prior_correction, taus=args.taus, calibrate=args.calibrate, resamples=args.bootstrap,
        level=args.level, seed=args.seed, trials=args.trials, power=args.power, storage=args.storage,
        study=args.study, workers=args.workers, work_dir=args.work_dir, progress=not args.quiet)
    plan = plan_fit(args.pred_dirs, track=args.track, options=options)
    model_set = plan.model_set
    kind = "out-of-fold" if model_set.fold is not None else "validation"
    print(f"{len(model_set.models)} models × {len(model_set.ids)} {kind} rows × {model_set.num_classes} classes: "
          f"{', '.join(model_set.models)}")
    print(f"rows: {model_set.describe_rows()}")
    print(f"folds: {plan.folds.describe()}")
    prior = plan.correction.prior
    if prior is not None:
        taus = ", ".join(f"{t:g}" for t in args.taus)
        print(f"prior correction: training prior from {prior.source}; τ from {{{taus}}} chosen by the folds")
    for note in plan.notes:
        print(f"note: {note}")
    fit = run_fit(plan, out=args.out, options=options, on_result=_print_result)
    grouping = plan.folds.grouping
    print(f"\nout-of-fold scores of {plan.folds.describe()}; fitted on {model_set.describe_rows()}")
    print(f"[intervals]: {100 * args.level:g}% cluster bootstrap over the {grouping.count} {grouping.unit} "
          f"({args.bootstrap} resamples); Δ: paired difference from mean")
    print(table(fit.results, fit.chosen, args.objective))
    chosen = fit.chosen
    print(f"\n{fit.choice}")
    print(f"chose {chosen.name}: CV top-1 {chosen.cv['top1']:.4f} (in-sample {chosen.in_sample['top1']:.4f}); "
          f"wrote {args.out}")
    return 0
