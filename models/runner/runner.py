"""The toolkit's mmengine Runner: every training, prediction and feature run goes through `build_runner`.

`MigaRunner` is mmengine's Runner with one difference in what it saves and loads: its checkpoints hold
tensors and plain Python data only. mmengine pickles its message hub's `HistoryBuffer` objects with their
statistics functions (rebuilt through the builtin `getattr`) and NumPy scalars (also in the state of a
scheduler that follows a metric, ReduceOnPlateauLR); here they are written as lists and numbers and rebuilt
on resume, so torch's weights-only loading reads our checkpoints as they are.
Every checkpoint load is weights-only (models.openmmlab.checkpoint_loading).
"""
from mmengine.hooks import Hook
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import Runner

from models.openmmlab import checkpoint_loading
from models.runner.cpu import apply_cpu_defaults

BUFFER_KEYS = ("log_history", "count_history", "max_length")


def plain(value):
    """`value` with NumPy arrays and scalars turned into lists and Python numbers, through dicts and lists."""
    if isinstance(value, dict):
        return type(value)((key, plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        return value.tolist()
    return value


class PlainCheckpointData(Hook):
    """Saves the message hub and meta as plain data; rebuilds the history buffers when a checkpoint loads."""
    priority = "VERY_LOW"

    def before_save_checkpoint(self, runner, checkpoint):
        hub = checkpoint.get("message_hub")
        if hub:
            scalars = hub.get("log_scalars", {})
            for key, buffer in list(scalars.items()):
                if isinstance(buffer, HistoryBuffer):
                    history, counts = buffer.data
                    scalars[key] = {"log_history": history.tolist(), "count_history": counts.tolist(),
                                    "max_length": int(buffer.max_length)}
            hub["runtime_info"] = plain(hub.get("runtime_info", {}))
        for key in ("meta", "param_schedulers"):
            if key in checkpoint:
                checkpoint[key] = plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint):
        scalars = (checkpoint.get("message_hub") or {}).get("log_scalars", {})
        for key, buffer in list(scalars.items()):
            if isinstance(buffer, dict) and set(buffer) == set(BUFFER_KEYS):
                scalars[key] = HistoryBuffer(buffer["log_history"], buffer["count_history"], buffer["max_length"])


class MigaRunner(Runner):
    """mmengine's Runner, saving plain-data checkpoints and loading every checkpoint weights-only."""

    def register_hooks(self, default_hooks=None, custom_hooks=None):
        super().register_hooks(default_hooks, custom_hooks)
        self.register_hook(PlainCheckpointData())

    def load_checkpoint(self, filename, *args, **kwargs):
        with checkpoint_loading():
            return super().load_checkpoint(filename, *args, **kwargs)


def build_runner(cfg):
    """The Runner of a toolkit run (train, predict, features) from its Config; on a machine without a GPU,
    with threads and loader workers fitted to its cores (models.runner.cpu)."""
    apply_cpu_defaults(cfg)
    return MigaRunner.from_cfg(cfg)
