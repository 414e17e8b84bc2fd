"""What the JHMDB benchmarks share: the data, `miga` commands in their own processes, test top-1 of a
prediction folder and of an ensemble spec, and the command-line options and work folder of a run."""
import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

JHMDB = REPO.parent / "shared" / "real" / "jhmdb"
LAYOUT = "jhmdb15"
LAYOUT_OPTION = ("--cfg-options", f"skeleton_layout={LAYOUT}")


def miga(*args, threads=1, log=None):
    """Run one `miga` command in its own process; returns (wall seconds, CPU seconds of that process)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=str(REPO))
    start = time.time()
    with open(log, "a") if log else open(os.devnull, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "competition.cli", *map(str, args)], cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"miga {' '.join(map(str, args))} failed ({process.returncode}); see {log}")
    return time.time() - start, usage.ru_utime + usage.ru_stime


def import_jhmdb(root, *options):
    """`miga import-skeleton` of JHMDB's 3 splits into ROOT/jhmdb; returns that folder."""
    miga("import-skeleton", JHMDB, root / "jhmdb", "--layout", LAYOUT, *options, log=root / "import.log")
    return root / "jhmdb"


def train_and_predict(name, config, data, work, threads, resume=False):
    """`miga train` into work/runs/NAME, then `miga predict` on val and test into work/predictions/NAME.
    Returns (prediction folder, wall s, CPU s). `resume`: a finished run is kept, an interrupted one resumed."""
    log = work / f"{name}.log"
    run = work / "runs" / name
    wall, cpu = miga("train", config, "--data-root", data, "--work-dir", run, "--seed", 0,
                     *(["--resume"] if resume else []), *LAYOUT_OPTION, threads=threads, log=log)
    checkpoint = (run / "last_checkpoint").read_text().strip()
    out = work / "predictions" / name
    for split in ("val", "test"):
        w, c = miga("predict", config, checkpoint, "--split", split, "--data-root", data, "--out", out,
                    *LAYOUT_OPTION, threads=threads, log=log)
        wall, cpu = wall + w, cpu + c
    return out, wall, cpu


def top1(path):
    from competition.core.probabilities import load_probabilities

    probs = load_probabilities(path)
    return float((probs.probs.argmax(1) == probs.labels).mean())


def ensemble_top1(spec_path, folders):
    """(method, test top-1 of the ensemble spec applied to the models' test files, test top-1 of their 1:1 mean)."""
    from ensembles.inputs import load_model_set
    from ensembles.spec import read_spec

    spec, combiner = read_spec(spec_path)
    tests = load_model_set(folders, split="test")
    order = [tests.models.index(entry["model"]) for entry in spec["inputs"]]
    chosen = combiner.predict_proba(tests.probs[order])
    mean = tests.probs.mean(0)
    return (spec["method"], float((chosen.argmax(1) == tests.labels).mean()),
            float((mean.argmax(1) == tests.labels).mean()))


def parser(doc, models, epochs, trials):
    """The options every JHMDB benchmark takes; a script adds its own."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", type=int, nargs="+", default=[1, 2, 3], choices=[1, 2, 3])
    parser.add_argument("--models", nargs="+", default=list(models))
    parser.add_argument("--epochs", type=int, default=epochs, help="ST-GCN++ epochs")
    parser.add_argument("--jobs", type=int, default=2, help="models trained at once")
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of each model's process")
    parser.add_argument("--trials", type=int, default=trials, help="Optuna trials of miga ensemble")
    parser.add_argument("--work", help="keep everything here (default: a temporary folder)")
    return parser


@contextlib.contextmanager
def work_folder(args, prefix):
    """The run's folder: --work, else a temporary one removed at the end. Refuses when JHMDB is absent."""
    if not JHMDB.exists():
        sys.exit(f"JHMDB joints not found at {JHMDB}: the benchmark needs ../shared/real/jhmdb beside the repository")
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        root = Path(args.work or tmp)
        root.mkdir(parents=True, exist_ok=True)
        yield root


def load_line(args):
    return (f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; jobs {args.jobs}, "
            f"threads {args.threads}")
