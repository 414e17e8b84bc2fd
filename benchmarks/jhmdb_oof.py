"""Out-of-fold ensembles against ensembles fitted on a held-out slice, on real motion: JHMDB's 2D joints.

iMiGUE's public solutions fit their ensembles on the validation split, 777 of 13,670 labelled clips (5.7%).
This benchmark does both on JHMDB (../shared/real/jhmdb, 14 classes, ~433 labelled and ~176 test clips per
split), through the `miga` commands a user types, and scores both ensembles on the test split:

    miga import-skeleton ../shared/real/jhmdb WORK/jhmdb --layout jhmdb15 --val-fraction 0.057
    held-out slice: miga train CPU_CONFIG (train split, 94.3%) → miga predict val, test
                    → miga ensemble --rows val (fitted on the 5.7% slice) → applied to test.npz
    out of fold:    miga train CPU_CONFIG --folds K --out DIR (train + val) → oof.npz, fold-mean test.npz
                    → miga ensemble (fitted on every labelled clip, the fold file's folds) → applied to test.npz

Models: the CPU-size ST-GCN++ streams of benchmarks/jhmdb_skeleton.py (6 graph stages of 32 channels, 16
frames, 5 clips at test, the training clips repeated 3 times an epoch), `--epochs` epochs. Prints, per split:
each model's test top-1 trained once and as the mean of its K fold models; each ensemble's method, the rows it
was fitted on, its cross-validated top-1 estimate and its test top-1, and the 1:1 mean of the streams; wall and
CPU seconds. Run from the repository root (a few minutes per model and fold on 2 cores):

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/jhmdb_oof.py --splits 1 --models stgcnpp_joint stgcnpp_bone
"""
import json
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jhmdb_common as jhmdb  # noqa: E402
from jhmdb_skeleton import cpu_configs  # noqa: E402

VAL_SHARE = 777 / 13_670  # iMiGUE's validation clips among its labelled clips


def out_of_fold_model(name, config, data, work, folds, threads):
    """K fold models over train + val; their oof.npz and fold-mean test.npz. Returns (folder, wall s, CPU s).
    A rerun keeps finished folds and resumes interrupted ones."""
    out = work / "predictions" / name
    wall, cpu = jhmdb.miga("train", config, "--folds", folds, "--out", out, "--data-root", data, "--work-dir",
                           work / "runs" / name, "--seed", 0, *jhmdb.LAYOUT_OPTION, threads=threads,
                           log=work / f"{name}.log")
    return out, wall, cpu


def fit_ensemble(folders, rows, work, args):
    spec = work / "ensemble.json"
    shutil.rmtree(work / "ensembles", ignore_errors=True)  # a rerun's files are new inputs: a new study
    wall, cpu = jhmdb.miga("ensemble", "--track", 1, *folders, "--rows", rows, "--out", spec, "--trials",
                           args.trials, "--quiet", "--work-dir", work / "ensembles", threads=args.threads,
                           log=work / "ensemble.log")
    method, chosen, mean = jhmdb.ensemble_top1(spec, folders)
    fitted = json.loads(spec.read_text())
    return dict(method=method, test=chosen, mean=mean, cv=fitted["scores"]["cv"]["top1"],
                rows=fitted["rows"]["count"], wall=wall, cpu=cpu)


def run_split(split, root, configs, args):
    data = root / "jhmdb" / f"split{split}"
    result = {"split": split, "models": {}}
    for scheme in ("held_out", "oof"):
        work = root / f"split{split}" / scheme
        work.mkdir(parents=True, exist_ok=True)

        def one(name, scheme=scheme, work=work):
            if scheme == "oof":
                folder, wall, cpu = out_of_fold_model(name, configs[name], data, work, args.folds, args.threads)
            else:
                folder, wall, cpu = jhmdb.train_and_predict(name, configs[name], data, work, args.threads, resume=True)
            accuracy = jhmdb.top1(folder / "test.npz")
            print(f"split {split}  {scheme:<8} {name:<22} test top-1 {accuracy:.3f}  ({wall:.0f} s wall, "
                  f"{cpu:.0f} s CPU)", flush=True)
            return name, folder, accuracy, wall, cpu

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            done = list(pool.map(one, args.models))
        for name, _, accuracy, wall, cpu in done:
            result["models"].setdefault(name, {})[scheme] = dict(test=accuracy, wall=wall, cpu=cpu)
        ensemble = fit_ensemble([folder for _, folder, *_ in done], "oof" if scheme == "oof" else "val", work, args)
        result[scheme] = ensemble
        print(f"split {split}  {scheme:<8} ensemble {ensemble['method']} fitted on {ensemble['rows']} rows: CV "
              f"top-1 {ensemble['cv']:.3f}, test top-1 {ensemble['test']:.3f}; 1:1 mean {ensemble['mean']:.3f}",
              flush=True)
    return result


def main(argv=None):
    arguments = jhmdb.parser(__doc__, models=["stgcnpp_joint", "stgcnpp_bone"], epochs=20, trials=100)
    arguments.add_argument("--folds", type=int, default=5)
    args = arguments.parse_args(argv)
    started = time.time()
    with jhmdb.work_folder(args, "jhmdb-oof-") as root:
        if not (root / "jhmdb" / "split1" / "clips.csv").is_file():  # a rerun keeps the fold files
            jhmdb.import_jhmdb(root, "--val-fraction", f"{VAL_SHARE:.4f}")
        configs = cpu_configs(root / "configs", args.epochs, args.epochs)
        results = [run_split(split, root, configs, args) for split in args.splits]
    print(f"\n{jhmdb.load_line(args)}; {time.time() - started:.0f} s in all")
    print("\n| split | model | trained once on train: test top-1 | mean of the fold models: test top-1 | "
          "wall s once / folds |\n|---|---|---|---|---|")
    for r in results:
        for name, m in r["models"].items():
            print(f"| {r['split']} | {name} | {m['held_out']['test']:.3f} | {m['oof']['test']:.3f} | "
                  f"{m['held_out']['wall']:.0f} / {m['oof']['wall']:.0f} |")
    print("\n| split | ensemble fitted on | rows | method | CV top-1 (estimate) | test top-1 | 1:1 mean on test |"
          "\n|---|---|---|---|---|---|---|")
    for r in results:
        for scheme, what in (("held_out", f"held-out slice ({100 * VAL_SHARE:.1f}%)"),
                             ("oof", f"out of fold ({args.folds} folds)")):
            e = r[scheme]
            print(f"| {r['split']} | {what} | {e['rows']} | {e['method']} | {e['cv']:.3f} | {e['test']:.3f} | "
                  f"{e['mean']:.3f} |")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
