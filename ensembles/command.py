"""miga ensemble: fit ensemble weights on validation probabilities, with a cross-validated estimate."""
import sys
from pathlib import Path

import numpy as np

from competition.errors import DataError
from competition.provenance import sha256_file
from ensembles.cv import cross_validate
from ensembles.inputs import load_model_set
from ensembles.methods import METHODS, build_method
from ensembles.ranking import choose, table
from ensembles.scoring import OBJECTIVES
from ensembles.spec import build_spec, write_spec
from ensembles.study import redact_password

CLASSES_OF_TRACK = {1: 32, 3: 2}
METHOD_ORDER = ("optuna", "greedy", "hill", "stack", "mean", "best")


def add_arguments(parser):
    parser.description = (
        "Read the validation probability files (predictions/<model>/val.npz) of several models, join them by id, "
        "fit ensembles, and write the chosen one as a JSON spec. Every method is scored in-sample and by K-fold "
        "cross-validation on the validation rows; --method auto runs them all, ranks them by the cross-validated "
        "score and keeps the simplest within one standard error of the best, refit on all rows.")
    parser.add_argument("--track", type=int, choices=(1, 3), required=True)
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


def run(args):
    out = Path(args.out)
    model_set = load_model_set(args.pred_dirs, split="val", track=args.track,
                               num_classes=CLASSES_OF_TRACK[args.track])
    unknown = np.flatnonzero(model_set.labels < 0)
    if len(unknown):
        raise DataError(model_set.paths[0], f"{len(unknown)} validation row(s) have no label (-1), first id "
                                            f"{str(model_set.ids[unknown[0]])!r}; ensembles are fitted on labelled "
                                            "rows only")
    if not 2 <= args.folds <= len(model_set.ids):
        raise DataError("--folds", f"must be between 2 and the {len(model_set.ids)} validation rows, got {args.folds}")
    if args.trials < 1:
        raise DataError("--trials", f"must be at least 1, got {args.trials}")
    digests = [sha256_file(path) for path in model_set.paths]
    study = args.study or out.stem
    optuna_options = dict(trials=args.trials, study_name=study, storage=args.storage, work_dir=args.work_dir,
                          workers=args.workers, power=args.power, seed=args.seed, progress=not args.quiet,
                          inputs_digest="|".join(digests))
    names = METHOD_ORDER if args.method == "auto" else (args.method,)
    methods = [build_method(name, objective=args.objective, optuna_options=optuna_options) for name in names]
    print(f"{len(model_set.models)} models × {len(model_set.ids)} validation rows × {model_set.num_classes} classes: "
          f"{', '.join(model_set.models)}")
    results = []
    for method in methods:
        result = cross_validate(method, model_set.probs, model_set.labels, folds=args.folds, seed=args.seed)
        print(f"  {method.name:<7} CV accuracy {result.cv_accuracy:.4f} ± {result.cv_accuracy_std:.4f}  "
              f"in-sample {result.in_sample_accuracy:.4f}  ({result.seconds:.1f} s)", flush=True)
        results.append(result)
    chosen = choose(results, args.objective) if args.method == "auto" else results[0]
    print()
    print(table(results, chosen, args.objective))
    optuna_record = None
    if "optuna" in names:
        optuna_record = {"storage": redact_password(methods[names.index("optuna")].storage), "study": study,
                         "trials": args.trials, "workers": args.workers, "power": args.power}
    spec = build_spec(track=args.track, chosen=chosen, results=results, model_set=model_set, digests=digests,
                      sources=args.pred_dirs, seed=args.seed, folds=args.folds, objective=args.objective,
                      optuna=optuna_record)
    write_spec(out, spec)
    print(f"\nchose {chosen.name}: CV accuracy {chosen.cv_accuracy:.4f} ± {chosen.cv_accuracy_std:.4f} "
          f"(in-sample {chosen.in_sample_accuracy:.4f}); wrote {out}", file=sys.stdout)
    return 0


def _public_storage(url):
    from ensembles.study import _without_password
    return _without_password(url)
