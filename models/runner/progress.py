"""What a training run shows on the console while mmengine's own INFO lines go to the log file only.

One progress bar per epoch (iterations, loss, time left in the epoch and in the whole run) and one line per
validation with its metrics. Only rank 0 of a distributed run prints.
"""
import sys
import time

from mmengine.hooks import Hook


def _duration(seconds):
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _number(value):
    try:
        return f"{float(value):.4f}"
    except (TypeError, ValueError):
        return str(value)


class ConsoleProgress(Hook):
    priority = "LOW"

    def __init__(self, stream=None):
        self.stream = stream
        self.bar = None
        self.started = None
        self.first_iter = 0

    def _shows(self, runner):
        return runner.rank == 0

    def before_train(self, runner):
        self.started, self.first_iter = time.perf_counter(), runner.iter

    def before_train_epoch(self, runner):
        if not self._shows(runner):
            return
        from tqdm import tqdm

        self.bar = tqdm(total=len(runner.train_dataloader), desc=f"epoch {runner.epoch + 1}/{runner.max_epochs}",
                        unit="it", file=self.stream or sys.stderr, dynamic_ncols=True, mininterval=1.0)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.bar is None:
            return
        postfix = {}
        loss = (outputs or {}).get("loss")
        if loss is not None:
            postfix["loss"] = f"{float(loss.detach() if hasattr(loss, 'detach') else loss):.4g}"
        done = runner.iter + 1 - self.first_iter
        left = runner.max_iters - runner.iter - 1
        if done > 0:
            postfix["run left"] = _duration((time.perf_counter() - self.started) / done * left)
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def after_train_epoch(self, runner):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def after_val_epoch(self, runner, metrics=None):
        if not self._shows(runner) or not metrics:
            return
        shown = "  ".join(f"{name} {_number(value)}" for name, value in metrics.items())
        print(f"epoch {runner.epoch} validation: {shown}", file=self.stream or sys.stderr, flush=True)
