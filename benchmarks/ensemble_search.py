"""Speed of the ensemble search at competition size: M = 12 models, N = 777 validation clips, C = 32 classes.

Prints, measured side by side in one run:
- trials/s of the Optuna weight search (all K + 1 studies of a cross-validated fit, lock-step, our objective);
- trials/s of the same sampler and storage on a no-op objective (the ceiling: Optuna's own cost);
- their ratio (the search should be bound by Optuna, not by our scoring: aim ≥ 0.8);
- the wall time of a whole `miga ensemble --method auto` (every method with its K-fold estimate) at
  --auto-trials per Optuna study (aim ≤ 60 s at 1,000 on 2 cores);
- the time of greedy selection (refit + K folds).

    python benchmarks/ensemble_search.py [--trials 100] [--auto-trials 1000] [--folds 5] [--storage-dir DIR]

The journal storage fsyncs every write (about 14 per trial), so the figures depend on the disk under
--storage-dir as much as on the CPU: run it once on the work dir's disk and once on a tmpfs (/dev/shm) to
see both parts.
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from competition.core.folds import assign_folds  # noqa: E402
from competition.core.probabilities import save_probabilities  # noqa: E402
from competition.core.studies.storage import open_storage, sampler_seed  # noqa: E402
from ensembles.cv import cross_validate, task_masks  # noqa: E402
from ensembles.methods.greedy import GreedySelection  # noqa: E402
from ensembles.methods.optuna_weights import OptunaWeights  # noqa: E402

M, N, C = 12, 777, 32


def model_set(seed=0):
    """12 models of accuracy 0.35..0.65 on 777 clips with long-tailed labels."""
    rng = np.random.default_rng(seed)
    frequencies = 1.0 / np.arange(1, C + 1)
    labels = rng.choice(C, N, p=frequencies / frequencies.sum())
    probs = np.empty((M, N, C), dtype=np.float32)
    for m, accuracy in enumerate(np.linspace(0.35, 0.65, M)):
        p = rng.dirichlet(np.full(C, 0.5), N)
        hit = rng.random(N) < accuracy
        p[np.arange(N), np.where(hit, labels, rng.integers(0, C, N))] += 1.5
        probs[m] = p / p.sum(axis=1, keepdims=True)
    return probs, labels


class NoopCeiling:
    """The same lock-step loop over the same sampler and storage, with an objective that does nothing."""

    def __init__(self, storage_path, tasks, seed):
        import optuna
        storage = open_storage(str(storage_path))
        self.studies = [optuna.create_study(study_name=f"noop.{t}", storage=storage, direction="maximize",
                                            sampler=optuna.samplers.TPESampler(seed=sampler_seed(seed, 0, t)))
                        for t in range(tasks)]

    def run(self, trials):
        for _ in range(trials):
            for study in self.studies:
                trial = study.ask()
                for m in range(M):
                    trial.suggest_float(f"w{m}", 0.0, 1.0)
                study.tell(trial, 0.0)


def compare_rates(base, probs, labels, trials, folds, seed, blocks=5):
    """Trials/s of the search and of the no-op ceiling, run in alternating blocks so both see the same load.

    The search resumes its studies block after block (as a rerun of `miga ensemble` would), so its figure
    includes opening the studies and reading the best trial each time.
    """
    masks, names = task_masks(assign_folds(labels, folds, seed=seed), folds)
    ceiling = NoopCeiling(base / "noop.journal", len(names), seed)
    search_seconds = ceiling_seconds = 0.0
    per_block = max(trials // blocks, 1)
    for block in range(1, blocks + 1):
        start = time.perf_counter()
        ceiling.run(per_block)
        ceiling_seconds += time.perf_counter() - start
        search = OptunaWeights(trials=per_block * block, study_name="search", storage=str(base / "search.journal"),
                               progress=False, seed=seed)
        start = time.perf_counter()
        search.fit_tasks(probs, labels, masks, names)
        search_seconds += time.perf_counter() - start
    total = per_block * blocks * len(names)
    return total / search_seconds, total / ceiling_seconds


def auto_wall_time(probs, labels, trials, folds, work):
    ids = [f"{v:04d}_{k}" for v in range(10) for k in range(78)][:N]
    dirs = []
    for m in range(M):
        path = save_probabilities(work / "predictions" / f"model{m:02d}" / "val.npz", ids, probs[m], labels,
                                  model=f"model{m:02d}", track=1, split="val")
        dirs.append(str(path.parent))
    command = [sys.executable, "-m", "competition.cli", "ensemble", "--track", "1", *dirs, "--out",
               str(work / "auto.json"), "--trials", str(trials), "--folds", str(folds), "--work-dir",
               str(work / "studies"), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"miga ensemble failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=100, help="trials per study for the two rates")
    parser.add_argument("--auto-trials", type=int, default=1000, help="trials per study of the whole auto run "
                                                                      "(0 skips it)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--storage-dir", default=None, help="where the journal files go (default: a temporary "
                                                            "folder under work_dirs/)")
    args = parser.parse_args()
    import warnings

    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with Study.optimize")
    probs, labels = model_set(args.seed)
    tasks = args.folds + 1
    base = Path(args.storage_dir) if args.storage_dir else REPO / "work_dirs"
    base.mkdir(parents=True, exist_ok=True)
    print(f"M={M} models, N={N} rows, C={C} classes; {tasks} studies (all rows + {args.folds} folds), TPE sampler, "
          f"journal file storage in {base}")
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        tmp = Path(tmp)
        rate, ceiling = compare_rates(tmp, probs, labels, args.trials, args.folds, args.seed)
        print(f"search:  {rate:8.1f} trials/s  ({args.trials} trials × {tasks} studies)")
        print(f"ceiling: {ceiling:8.1f} trials/s  (same sampler and storage, no-op objective)")
        print(f"ratio:   {rate / ceiling:8.2f}  (aim ≥ 0.8)")

        start = time.perf_counter()
        GreedySelection().fit(probs, labels)
        refit = time.perf_counter() - start
        greedy = cross_validate(GreedySelection(), probs, labels, folds=args.folds, seed=args.seed)
        print(f"greedy:  {refit:8.3f} s one fit (25 rounds), {greedy.seconds:.3f} s with its {args.folds}-fold "
              f"estimate")

        if args.auto_trials:
            seconds, output = auto_wall_time(probs, labels, args.auto_trials, args.folds, tmp)
            print(f"auto:    {seconds:8.1f} s wall for `miga ensemble --method auto --trials {args.auto_trials}` "
                  f"(aim ≤ 60 s)")
            table = output[output.index("rank method"):].split("\n\nchose")[0]
            print(table)


if __name__ == "__main__":
    main()
