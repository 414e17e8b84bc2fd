"""Run `miga` under torchrun on the CPU (gloo) from the tests."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def torchrun(*arguments, nproc=2):
    """`torchrun --standalone --nproc_per_node N -m competition.cli ARGUMENTS` (one thread per process)."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", "competition.cli", *map(str, arguments)]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=480)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


def run_log(work_dir):
    """The full log of the run in `work_dir` (the console shows warnings only): WORK_DIR/<timestamp>/<timestamp>.log."""
    logs = sorted(Path(work_dir).glob("*/*.log"))
    assert logs, f"no run log under {work_dir}"
    return logs[-1].read_text()
