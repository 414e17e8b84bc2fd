"""The toolkit's mmengine Runner: every training, prediction and feature run goes through `build_runner`.

Runs that cannot collide: mmengine keys its Visualizer, MMLogger, MessageHub and DefaultScope by experiment
name, which is `<config stem>_<time to the second>` unless the config names the experiment. Two Runners of one
config started within one second in one process (the demo, a notebook, the tests) would share the first
one's Visualizer, whose folder may be gone. `build_runner` gives every Runner a name of its own.

Logs a person can read: the console shows WARNING and above (with `verbose`, INFO too), a progress bar per
training epoch and one line per validation (models.runner.progress); the run's folder
(`<work_dir>/<timestamp>/<timestamp>.log`) gets everything from INFO up, environment and config included.

`MigaRunner` is mmengine's Runner with one difference in what it saves and loads: its checkpoints hold
tensors and plain Python data only. mmengine pickles its message hub's `HistoryBuffer` objects with their
statistics functions (rebuilt through the builtin `getattr`) and NumPy scalars (also in the state of a
scheduler that follows a metric, ReduceOnPlateauLR); here they are written as lists and numbers and rebuilt
on resume, so torch's weights-only loading reads our checkpoints as they are.
Every checkpoint load is weights-only (models.openmmlab.checkpoint_loading).
"""
import itertools
import logging

from mmengine.hooks import Hook
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import Runner

from models.openmmlab import checkpoint_loading
from models.runner.checkpoints import named_load_errors
from models.runner.cpu import apply_cpu_defaults

BUFFER_KEYS = ("log_history", "count_history", "max_length")
# mmengine's deprecation notices about mmaction2's own use of its file client: nothing a user can act on; they
# stay in the log file.
CONSOLE_NOISE = ('"FileClient" will be deprecated', '"HardDiskBackend" is the alias of "LocalBackend"')
_run_numbers = itertools.count(1)


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


def _without_noise(record):
    return not str(record.msg).startswith(CONSOLE_NOISE)


class MigaRunner(Runner):
    """mmengine's Runner, saving plain-data checkpoints and loading every checkpoint weights-only.

    Its config's `log_level` is what the console shows; the log file in the run's folder always gets INFO too.
    """

    def build_logger(self, log_level="INFO", log_file=None, **kwargs):
        console_level = log_level if isinstance(log_level, int) else logging.getLevelName(str(log_level).upper())
        logger = super().build_logger(log_level=min(console_level, logging.INFO), log_file=log_file, **kwargs)
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                handler.setLevel(max(handler.level, console_level))  # rank > 0 consoles stay at ERROR
                handler.addFilter(_without_noise)
        self.console_level = console_level
        return logger

    def register_hooks(self, default_hooks=None, custom_hooks=None):
        super().register_hooks(default_hooks, custom_hooks)
        self.register_hook(PlainCheckpointData())
        if self.console_level > logging.INFO:  # with INFO on the console, mmengine's own lines show progress
            from models.runner.progress import ConsoleProgress
            self.register_hook(ConsoleProgress())

    @property
    def log_file(self):
        """The run's full log (None on ranks that write none)."""
        return getattr(self.logger, "log_file", None)

    def close_log(self):
        """Close the run's log file (the logger outlives the Runner in mmengine's registry of instances)."""
        for handler in list(self.logger.handlers):
            if isinstance(handler, logging.FileHandler):
                handler.close()
                self.logger.removeHandler(handler)

    def load_checkpoint(self, filename, *args, **kwargs):
        with checkpoint_loading(), named_load_errors(filename):
            return super().load_checkpoint(filename, *args, **kwargs)

    def resume(self, filename, *args, **kwargs):
        with checkpoint_loading(), named_load_errors(filename):
            return super().resume(filename, *args, **kwargs)


def experiment_name(cfg):
    """A name no other Runner of this process has: the config's stem and a run number (mmengine appends the
    time). The instances mmengine keys by it are per process, so a per-process number is enough."""
    from pathlib import Path

    stem = Path(cfg.filename).stem if getattr(cfg, "filename", None) else "miga"
    return f"{stem}-run{next(_run_numbers)}"


def build_runner(cfg, verbose=False):
    """The Runner of a toolkit run (train, predict, features) from its Config.

    Sets, on `cfg`, a unique experiment name and the console's log level (INFO with `verbose`, else WARNING);
    on a machine without a GPU, fits threads and loader workers to its cores (models.runner.cpu).
    """
    cfg.experiment_name = experiment_name(cfg)
    cfg.log_level = "INFO" if verbose else "WARNING"
    apply_cpu_defaults(cfg)
    return MigaRunner.from_cfg(cfg)
