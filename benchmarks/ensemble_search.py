"""Wall time of a whole `miga ensemble --track 1 --method auto` at competition size, and what it reaches.

Two runs of the real command, with its defaults (grouped 5-fold estimate, prior correction, cluster bootstrap,
every method, Optuna studies started from the convex solution), on synthetic probability files of M = 12
models, C = 32 classes:

- N = 777 validation clips from 10 videos (the Track 1 validation set; aim ≤ 60 s on 2 cores);
- N = 13,670 out-of-fold clips from 255 videos (training + validation; aim ≤ 120 s on 2 cores).

For each it prints the wall time and, from the same run, the method table (out-of-fold top-1, macro-F1,
log-loss with their intervals, the difference from `mean`), so speed is never bought with accuracy.
With --rates it also measures trials/s of the Optuna weight search against a no-op objective on the same
sampler and storage (the search should be bound by Optuna, not by our scoring).

    python benchmarks/ensemble_search.py [--sizes 777 13670] [--trials N] [--rates] [--storage-dir DIR]

The machine's load average is printed before and after: wall times taken on a busy machine are upper bounds.
The CPU seconds of the command (it runs on one core: one BLAS thread, one Optuna worker) are what its wall
time is on a quiet machine.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from competition.core.folds import assign_folds  # noqa: E402
from competition.core.ids import video_groups  # noqa: E402
from competition.core.probabilities import save_probabilities  # noqa: E402
from competition.core.studies.storage import open_storage, sampler_seed  # noqa: E402
from ensembles.cv import task_masks  # noqa: E402
from ensembles.methods.optuna_weights import OptunaWeights  # noqa: E402

M, C = 12, 32
VIDEOS = {777: 10, 13670: 255}


def training_labels(rng, rows=12893):
    """A long tail like iMiGUE's: the non-gesture class 31 about 29%, the rarest classes a handful of clips."""
    weights = 1.0 / np.arange(1, C) ** 1.2
    weights = np.append(0.71 * weights / weights.sum(), 0.29)
    return rng.choice(C, rows, p=weights), weights


def model_set(rows, videos, seed=0):
    """12 models of accuracy 0.35..0.65 on clips of `videos` videos, wrong on the same hard clips and confusing
    them with the same classes (as real models do), a video's clips sharing a difficulty; mistakes lean toward
    the frequent classes (as a model trained on the long tail does)."""
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    _, prior = training_labels(rng)
    sizes = np.full(videos, rows // videos)
    sizes[: rows - sizes.sum()] += 1
    ids = [f"{v:04d}_{k}" for v, size in enumerate(sizes) for k in range(size)]
    labels = rng.choice(C, rows, p=prior)
    ease = rng.normal(0, 1, rows) + np.repeat(rng.normal(0, 0.4, videos), sizes)  # shared by every model
    confuser = rng.choice(C, rows, p=prior)
    probs = np.empty((M, rows, C), dtype=np.float32)
    for m, accuracy in enumerate(np.linspace(0.35, 0.65, M)):
        spread = np.sqrt(1 + 0.4 ** 2 + 0.7 ** 2)
        hit = norm.ppf(accuracy) * spread + ease + rng.normal(0, 0.7, rows) > 0
        wrong = np.where(rng.random(rows) < 0.5, confuser, rng.choice(C, rows, p=prior))
        p = rng.dirichlet(np.full(C, 0.5), rows) + 0.3 * prior
        p[np.arange(rows), np.where(hit, labels, wrong)] += 1.5
        probs[m] = p / p.sum(axis=1, keepdims=True)
    return ids, probs, labels


def write_inputs(work, ids, probs, labels, seed=0):
    """predictions/modelNN/val.npz, and a train.npz with the training labels (the prior) for the first model."""
    rng = np.random.default_rng(seed + 1)
    dirs = []
    for m in range(M):
        path = save_probabilities(work / "predictions" / f"model{m:02d}" / "val.npz", ids, probs[m], labels,
                                  model=f"model{m:02d}", track=1, split="val")
        dirs.append(str(path.parent))
    train, _ = training_labels(rng)
    train_probs = np.full((len(train), C), 1.0 / C, dtype=np.float32)
    save_probabilities(work / "predictions" / "model00" / "train.npz", [f"t{i}" for i in range(len(train))],
                       train_probs, train, model="model00", track=1, split="train")
    return dirs


def auto_run(work, dirs, trials=None):
    command = [sys.executable, "-m", "competition.cli", "ensemble", "--track", "1", *dirs, "--out",
               str(work / "auto.json"), "--work-dir", str(work / "studies"), "--quiet"]
    if trials is not None:
        command += ["--trials", str(trials)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"miga ensemble failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, done.stdout


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


def compare_rates(base, ids, probs, labels, trials, folds=5, seed=0, blocks=5):
    """Trials/s of the search and of the no-op ceiling, run in alternating blocks so both see the same load."""
    masks, names = task_masks(assign_folds(labels, folds, groups=video_groups(ids), seed=seed), folds)
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


def load():
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(VIDEOS), choices=sorted(VIDEOS),
                        help="validation rows of each auto run")
    parser.add_argument("--trials", type=int, default=None, help="Optuna trials per study (default: the command's)")
    parser.add_argument("--rates", action="store_true", help="also compare the search's trials/s with the no-op "
                                                             "ceiling (N = 777, 100 trials per study)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--storage-dir", default=None, help="where the journal files go (default: a temporary "
                                                            "folder under work_dirs/)")
    args = parser.parse_args()
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    base = Path(args.storage_dir) if args.storage_dir else REPO / "work_dirs"
    base.mkdir(parents=True, exist_ok=True)
    print(f"before: {load()}; journal storage in {base}")
    figures = []
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        for rows in args.sizes:
            work = Path(tmp) / f"n{rows}"
            ids, probs, labels = model_set(rows, VIDEOS[rows], args.seed)
            dirs = write_inputs(work, ids, probs, labels, args.seed)
            seconds, cpu, output = auto_run(work, dirs, args.trials)
            aim = 60 if rows == 777 else 120
            figures.append((rows, seconds, cpu, aim))
            print(f"\n== M={M} models, N={rows} rows from {VIDEOS[rows]} videos, C={C} classes: "
                  f"`miga ensemble --track 1 --method auto` {seconds:.1f} s wall, {cpu:.1f} s CPU (aim ≤ {aim} s)")
            print(output[output.index("out-of-fold scores"):].strip())
        if args.rates:
            ids, probs, labels = model_set(777, 10, args.seed)
            rate, ceiling = compare_rates(Path(tmp), ids, probs, labels, 100, seed=args.seed)
            print(f"\nsearch:  {rate:8.1f} trials/s  (100 trials × 6 studies)")
            print(f"ceiling: {ceiling:8.1f} trials/s  (same sampler and storage, no-op objective)")
            print(f"ratio:   {rate / ceiling:8.2f}")
    print(f"\nafter: {load()}")
    for rows, seconds, cpu, aim in figures:
        print(f"auto N={rows}: {seconds:.1f} s wall, {cpu:.1f} s CPU (aim ≤ {aim} s wall): "
              f"{'met' if seconds <= aim else 'NOT met'}")


if __name__ == "__main__":
    main()
