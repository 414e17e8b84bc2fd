"""Defaults for a machine without a GPU: torch threads and data-loader workers that suit its cores.

mmaction2 configs ask for 8 loader workers per GPU, and torch starts one compute thread per core. On a small
CPU-only machine that oversubscribes the cores (on 2 shared cores, 2 torch threads ran 3x slower than 1).
Without a GPU, a run therefore uses at most half the cores for torch's threads (unless OMP_NUM_THREADS says
otherwise, or fewer threads were already set) and at most half for loader workers.
"""
import os

from mmengine.logging import print_log


def usable_cores():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def apply_cpu_defaults(cfg, cores=None):
    """On a CPU-only machine: cap loader workers and torch threads of the run `cfg`. Returns (threads, workers)
    when it applied, None on a machine with a GPU."""
    import torch

    if torch.cuda.is_available():
        return None
    cores = cores or usable_cores()
    budget = max(cores // 2, 1)
    if "OMP_NUM_THREADS" not in os.environ and torch.get_num_threads() > budget:
        torch.set_num_threads(budget)
    workers = 0
    for name in ("train_dataloader", "val_dataloader", "test_dataloader"):
        loader = cfg.get(name)
        if loader:
            loader.num_workers = min(int(loader.get("num_workers", 0)), cores // 2)
            loader.persistent_workers = bool(loader.get("persistent_workers")) and loader.num_workers > 0
            workers = max(workers, loader.num_workers)
    print_log(f"no GPU: {torch.get_num_threads()} torch threads, at most {workers} data-loader workers on {cores} "
              f"cores (OMP_NUM_THREADS sets the threads)", logger="current")
    return torch.get_num_threads(), workers
