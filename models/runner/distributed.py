"""Distributed runs through mmengine's launcher: torchrun on GPUs, and on CPUs (gloo) for tests and CPU boxes.

`miga train/predict ... --launcher pytorch` under `torchrun` puts one process on each GPU; mmengine wraps the
model in MMDistributedDataParallel and shards every dataloader with its DefaultSampler. mmengine assumes
CUDA when it starts the process group (`torch.cuda.set_device`, NCCL, DDP `device_ids`), so on a machine
without a GPU we start a gloo group ourselves and build DDP without device ids.
"""
import os

LAUNCHERS = ("none", "pytorch", "slurm", "mpi")


def configure_launcher(cfg, launcher):
    """Set `cfg` up for `launcher` (see LAUNCHERS); on CPU-only machines use gloo and device-less DDP."""
    import torch

    cfg.launcher = launcher
    if launcher == "none" or torch.cuda.is_available():
        return cfg
    cfg.setdefault("env_cfg", {}).setdefault("dist_cfg", {})["backend"] = "gloo"
    wrapper = dict(cfg.get("model_wrapper_cfg") or {})
    wrapper.setdefault("type", "MMDistributedDataParallel")
    wrapper.setdefault("find_unused_parameters", cfg.get("find_unused_parameters", False))
    wrapper["device_ids"] = None  # CPU modules take no device ids
    cfg.model_wrapper_cfg = wrapper
    return cfg


def init_process_group(cfg):
    """Start the process group before mmengine's Runner would, where mmengine's own start needs a GPU."""
    import torch
    import torch.distributed as dist

    if cfg.get("launcher", "none") != "pytorch" or torch.cuda.is_available() or dist.is_initialized():
        return
    missing = [name for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if name not in os.environ]
    if missing:
        from competition.core.errors import DataError
        raise DataError("--launcher pytorch", f"needs the environment torchrun sets ({', '.join(missing)} "
                                              "missing): run `torchrun --nproc_per_node N -m competition.cli ...`")
    dist.init_process_group(backend=cfg.env_cfg.dist_cfg.get("backend", "gloo"))


def rank():
    """This process's global rank (0 outside distributed runs)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get("RANK", "0"))


def is_main_process():
    return rank() == 0
