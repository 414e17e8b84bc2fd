"""Optuna search of a Track 3 video model's hyperparameters, scored by grouped K-fold cross-validation.

Each trial cross-validates the model with the parameters the model's `search_space` suggests (InterFusion:
learning rate 1e-5..5e-4, width 128/256/512, encoder depth 1..8, heads 2..8, dropout 0.1..0.5, focal γ
0.5..1.5) and reports the out-of-fold score of the folds done so far after every fold, so the median pruner
stops poor trials early. Workers record heartbeats, so a trial whose worker died is failed and retried once
(competition.core.studies.liveness). The study persists (default: a journal file in the work dir; any
Optuna URL, PostgreSQL included) and a rerun with the same study name resumes up to `trials` finished
trials; commands on several machines stop together at that many.
"""
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from competition.core.provenance import sha256_file
from competition.core.studies.liveness import fail_stale_trials, is_shared, keep_alive
from competition.core.studies.storage import check_workers, open_storage, open_study, sampler_seed, storage_url
from competition.core.studies.workers import run_workers
from models.track3 import estimator_class
from models.track3.cross_validation import GREATER_IS_BETTER, METRICS, cross_validate
from models.track3.experiment import load_experiment
from models.track3.inputs import InputOptions


@dataclass(frozen=True)
class TuningJob:
    """One search: what is tuned, on which inputs, and where its study lives (picklable for worker processes)."""
    model: str
    inputs: InputOptions
    folds: int = 5
    seed: int = 0
    fixed: dict = field(default_factory=dict)  # parameters held fixed, not searched
    trials: int = 50
    metric: str = "auc"
    study: str = ""
    storage: str = ""                          # URL or journal path (competition.core.studies.storage_url)
    workers: int = 1
    timeout: float | None = None
    device: str | None = None
    progress: bool = True

    def fingerprint(self):
        """What the study's scores depend on; resuming a study made for other inputs is refused."""
        digest = hashlib.sha256(json.dumps([self.model, self.folds, self.seed, self.metric, self.fixed,
                                            self.inputs.clip_fill, self.inputs.min_score], sort_keys=True).encode())
        for path in self.inputs.files():
            digest.update(sha256_file(path).encode())
        return digest.hexdigest()


def tuning_job(model, inputs, *, study=None, storage=None, work_dir="work_dirs/track3", **options):
    """A TuningJob with the default study name (track3-MODEL) and storage (WORK_DIR/optuna.journal)."""
    job = TuningJob(model, inputs, study=study or f"track3-{model}", storage=storage_url(storage, work_dir),
                    **options)
    check_workers(job.storage, job.workers)
    return job


def finished(study):
    from optuna.trial import TrialState
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))


def open_job_study(job, worker=0):
    import optuna

    study = open_study(open_storage(job.storage), job.study, job.fingerprint(), sampler_seed(job.seed, worker, 0))
    # Pruners are not stored with a study: each process sets its own. Fold 0 alone is never pruned.
    study.pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
    return study


def _objective(experiment, job):
    import optuna

    sign = 1.0 if GREATER_IS_BETTER[job.metric] else -1.0  # studies maximise; log-loss is negated
    model_class = estimator_class(job.model)

    def objective(trial):
        params = {**job.fixed, **model_class.search_space(trial)}

        def report(fold, running):
            trial.report(sign * running[job.metric], fold)
            if trial.should_prune():
                raise optuna.TrialPruned()

        # marked once all its parameters are drawn: a dead worker's trial is retried with the same ones
        with keep_alive(trial, is_shared(job.storage, job.workers)):
            result = cross_validate(experiment.estimator_factory(params, job.seed, job.device), experiment.inputs,
                                    experiment.labels, experiment.fold_of, on_fold=report, progress=False)
        for metric, value in result.scores.items():
            trial.set_user_attr(metric, value)
        return sign * result.scores[job.metric]
    return objective


def search(job, worker, n_trials):
    """One worker's share of the trials (runs in a child process when job.workers > 1)."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    experiment = load_experiment(job.model, job.inputs, job.folds, job.seed)
    study = open_job_study(job, worker)
    fail_stale_trials(study)
    # Commands on other machines may share the study: stop when it has job.trials finished ones in all.
    enough = optuna.study.MaxTrialsCallback(job.trials, states=(TrialState.COMPLETE, TrialState.PRUNED))
    study.optimize(_objective(experiment, job), n_trials=n_trials, timeout=job.timeout,
                   callbacks=[enough, lambda study, _: fail_stale_trials(study)],
                   show_progress_bar=job.progress and worker == 0)
    return n_trials


def tune(job):
    """Run the study up to `job.trials` finished trials over `job.workers` processes; return the study."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    remaining = max(0, job.trials - finished(open_job_study(job)))
    shares = [remaining // job.workers + (w < remaining % job.workers) for w in range(job.workers)]
    children = [(job, w, shares[w]) for w in range(1, job.workers)]
    if run_workers(search, children, lambda: search(job, 0, shares[0])):
        # a worker died: its share is run here
        search(job, 0, max(0, job.trials - finished(open_job_study(job))))
    return open_job_study(job)


def best_params(job, study):
    return {**job.fixed, **study.best_trial.params}


def write_best_params(path, params):
    from competition.core.atomic import write_text

    write_text(Path(path), json.dumps(params, indent=2, sort_keys=True) + "\n")


def best_scores(study):
    best = study.best_trial
    return {m: best.user_attrs[m] for m in METRICS if m in best.user_attrs}
