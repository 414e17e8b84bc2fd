"""miga ensemble: fit ensemble weights on validation probabilities, with a cross-validated estimate."""
from pathlib import Path

from competition.cli.options import add_track
from competition.core.atomic import check_folder
from ensembles.fit import METHOD_ORDER, fit_ensemble, load_labelled_model_set
from ensembles.ranking import table
from ensembles.scoring import OBJECTIVES


def add_arguments(parser):
    parser.description = (
        "Read the validation probability files (predictions/<model>/val.npz) of several models, join them by id, "
        "fit ensembles, and write the chosen one as a JSON spec. Every method is scored in-sample and by K-fold "
        "cross-validation on the validation rows; --method auto runs them all, ranks them by the cross-validated "
        "score and keeps the simplest within one standard error of the best, refit on all rows.")
    add_track(parser)
    parser.add_argument("pred_dirs", nargs="+", metavar="PRED_DIR",
                        help="prediction folders predictions/<model>/ (their val.npz is read)")
    parser.add_argument("--out", required=True, help="spec file to write, e.g. ensembles/NAME.json")
    parser.add_argument("--method", default="auto", choices=("auto",) + METHOD_ORDER)
    parser.add_argument("--objective", default="accuracy", choices=OBJECTIVES,
                        help="accuracy (log-loss breaks ties) or log_loss")
    parser.add_argument("--folds", type=int, default=5, help="K of the cross-validated estimate")
    parser.add_argument("--seed", type=int, default=0, help="folds and Optuna samplers; a seeded 1-worker run "
                                                            "is reproducible")
    optuna = parser.add_argument_group("optuna")
    optuna.add_argument("--trials", type=int, default=1000, help="finished trials per study (a rerun resumes "
                                                                 "up to this many)")
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


def _print_result(result):
    print(f"  {result.name:<7} CV accuracy {result.cv_accuracy:.4f} ± {result.cv_accuracy_std:.4f}  "
          f"in-sample {result.in_sample_accuracy:.4f}  ({result.seconds:.1f} s)", flush=True)


def run(args):
    check_folder(Path(args.out).parent, f"the folder {Path(args.out).name} is written into")
    model_set = load_labelled_model_set(args.pred_dirs, args.track)
    print(f"{len(model_set.models)} models × {len(model_set.ids)} validation rows × {model_set.num_classes} classes: "
          f"{', '.join(model_set.models)}")
    fit = fit_ensemble(args.pred_dirs, track=args.track, out=args.out, method=args.method, objective=args.objective,
                       folds=args.folds, seed=args.seed, trials=args.trials, power=args.power, storage=args.storage,
                       study=args.study, workers=args.workers, work_dir=args.work_dir, progress=not args.quiet,
                       model_set=model_set, on_result=_print_result)
    print()
    print(table(fit.results, fit.chosen, args.objective))
    chosen = fit.chosen
    print(f"\nchose {chosen.name}: CV accuracy {chosen.cv_accuracy:.4f} ± {chosen.cv_accuracy_std:.4f} "
          f"(in-sample {chosen.in_sample_accuracy:.4f}); wrote {args.out}")
    return 0
