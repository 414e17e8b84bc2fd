"""Weights (and optionally a power per model) searched by Optuna's TPE sampler in a persistent study.

Each task (all rows, and each cross-validation fold) has its own study, named `<study>` and
`<study>.fold<k>of<K>`. The studies advance in lock-step: one trial is asked from each, all their weight
vectors are scored in one NumPy product, and the values told back, so the search costs what the sampler
and storage cost. Rerunning with the same name resumes each study up to `trials` finished trials.
With `workers` > 1, that many processes share every study through the storage; commands started on several
machines against one storage share the `trials` of each study (every few steps a worker re-reads how many
are finished), and the trials of a worker that died are failed and retried once
(competition.core.studies.liveness).

A new study starts from three enqueued trials: the exact log-loss solution (ensembles.methods.convex), the
plain mean and the best single model of its task, so TPE only has to improve on a strong start. A single
process on a journal file searches in-memory copies and writes the finished trials back every few steps
(one journal write per trial instead of about 15).
"""
import hashlib

import numpy as np
from tqdm import tqdm

from competition.core.studies.liveness import fail_stale_trials, is_shared, keep_alive
from competition.core.studies.storage import (
    check_workers,
    finished_trials,
    open_storage,
    open_study,
    sampler_seed,
    storage_url,
)
from competition.core.studies.workers import run_workers
from ensembles.combiners import WeightedAverage
from ensembles.methods.base import EnsembleMethod, one_blas_thread
from ensembles.methods.baselines import BestModel
from ensembles.methods.convex import ConvexWeights
from ensembles.scoring import PROB_FLOOR, apply_powers, combine, objective_of

POWER_RANGE = (0.25, 4.0)
SYNC_EVERY = 16  # steps between looks at the shared studies: stale trials, trials other workers finished


class OptunaWeights(EnsembleMethod):
    name = "optuna"
    complexity = 5

    def __init__(self, trials=1000, study_name="ensemble", storage=None, work_dir="work_dirs/ensembles",
                 workers=1, power=False, seed=0, objective="accuracy", progress=True, inputs_digest=""):
        super().__init__(objective)
        self.trials, self.study_name, self.workers, self.power, self.seed = trials, study_name, workers, power, seed
        self.storage = storage_url(storage, work_dir)
        self.progress, self.inputs_digest = progress, inputs_digest
        check_workers(self.storage, workers)

    def study_names(self, task_names):
        return [self.study_name if task == "all" else f"{self.study_name}.{task}" for task in task_names]

    def fit_tasks(self, probs, labels, masks, task_names):
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        names = self.study_names(task_names)
        fingerprint = self._fingerprint(probs, labels, masks)
        storage = open_storage(self.storage)
        studies = [open_study(storage, name, fingerprint, sampler_seed(self.seed, 0, task))
                   for task, name in enumerate(names)]
        remaining = [max(0, self.trials - finished_trials(study)) for study in studies]
        arguments = (probs, labels, masks, self.objective, self.power)
        if is_shared(self.storage, self.workers):
            self._search_shared(studies, remaining, names, arguments)
        else:
            self._search_in_memory(studies, remaining, arguments)
        studies = [optuna.load_study(study_name=name, storage=storage) for name in names]
        return [self._combiner(study.best_trial.params, probs.shape[0]) for study in studies]

    def _search_shared(self, studies, remaining, names, arguments):
        """Several processes (or machines) on the studies in the storage itself, each trial visible as it runs."""
        self._enqueue_starts(studies, *arguments[:3])
        shares = [[r // self.workers + (worker < r % self.workers) for r in remaining]
                  for worker in range(self.workers)]
        children = [(self.storage, names, shares[w], *arguments, self.seed, w, self.trials)
                    for w in range(1, self.workers)]
        lost = run_workers(_worker, children, lambda: search_studies(
            studies, shares[0], *arguments, progress=self.progress, label=self.study_name, target=self.trials))
        if lost:  # a worker died: its share is run here
            left = [max(0, self.trials - finished_trials(study)) for study in studies]
            search_studies(studies, left, *arguments, progress=self.progress, label=self.study_name,
                           target=self.trials)

    def _search_in_memory(self, studies, remaining, arguments):
        """One process on a journal file: search in-memory copies of the studies, write finished trials back.

        A trial then costs one write of the journal (`Study.add_trials`) instead of one per parameter, owner
        mark and result (about 15, each fsynced: most of a trial's time on a disk); TPE also reads its
        history from memory. Finished trials are written every few steps, so a killed run loses little.
        """
        import optuna
        from optuna.trial import TrialState

        mirrors, copied = [], []
        for task, study in enumerate(studies):
            mirror = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(
                seed=sampler_seed(self.seed, 0, task)))
            mirror.add_trials(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
            mirrors.append(mirror)
            copied.append(len(mirror.trials))
        self._enqueue_starts(mirrors, *arguments[:3])
        written = [set() for _ in mirrors]

        def write_back():
            for task, (study, mirror) in enumerate(zip(studies, mirrors)):
                new = [t for t in mirror.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                       if t.number >= copied[task] and t.number not in written[task]]
                study.add_trials(new)
                written[task].update(t.number for t in new)

        search_studies(mirrors, remaining, *arguments, progress=self.progress, label=self.study_name, shared=False,
                       on_sync=write_back)
        write_back()

    def _enqueue_starts(self, studies, probs, labels, masks):
        """A new study's first trials: the convex log-loss solution, the mean and the best single model."""
        fresh = [task for task, study in enumerate(studies) if not study.get_trials(deepcopy=False)]
        if not fresh:
            return
        models = probs.shape[0]
        convex = ConvexWeights().fit_tasks(probs, labels, masks[fresh], [])
        best = BestModel(objective=self.objective).fit_tasks(probs, labels, masks[fresh], [])
        for task, solved, single in zip(fresh, convex, best):
            starts = [solved.weights / solved.weights.max(), np.ones(models), single.weights]
            for weights in starts[:self.trials]:
                params = {f"w{m}": float(w) for m, w in enumerate(weights)}
                if self.power:
                    params.update({f"power{m}": 1.0 for m in range(models)})
                studies[task].enqueue_trial(params, skip_if_exists=True)

    def _combiner(self, params, models):
        weights = [params[f"w{m}"] for m in range(models)]
        powers = [params[f"power{m}"] for m in range(models)] if self.power else None
        return WeightedAverage(weights, powers)

    def _fingerprint(self, probs, labels, masks):
        digest = hashlib.sha256()
        for part in (probs, labels, masks):
            digest.update(np.ascontiguousarray(part).tobytes())
        digest.update(f"{self.objective}|power={self.power}|{self.inputs_digest}".encode())
        return digest.hexdigest()


def search_studies(studies, quotas, probs, labels, masks, objective, power, *, progress=True, label="optuna",
                   position=0, target=None, shared=True, on_sync=None):
    """Run `quotas[i]` trials on `studies[i]`, all studies in lock-step; stop a study at `target` finished.

    `shared`: other processes may search the same studies (heartbeats are recorded, see
    competition.core.studies.liveness). `on_sync()` is called every SYNC_EVERY steps."""
    models = probs.shape[0]
    log_probs = np.log(np.maximum(probs, PROB_FLOOR)) if power else None
    quotas = list(quotas)
    with tqdm(total=sum(quotas), desc=f"optuna {label}", unit="trial", disable=not progress,
              position=position, leave=position == 0) as bar:
        for step in range(max(quotas, default=0)):
            if step % SYNC_EVERY == 0:
                if on_sync is not None and step:
                    on_sync()
                for task, study in enumerate(studies):
                    fail_stale_trials(study)
                    if target is not None and quotas[task] > step and finished_trials(study) >= target:
                        bar.update(quotas[task] - step)
                        quotas[task] = step  # other workers finished this study's trials
            active = [task for task, quota in enumerate(quotas) if quota > step]
            if not active:
                break
            trials = [studies[task].ask() for task in active]
            with keep_alive(trials, shared):  # from ask to tell: a dead worker's trials are found
                weights = np.array([[t.suggest_float(f"w{m}", 0.0, 1.0) for m in range(models)] for t in trials])
                if power:
                    powers = np.array([[t.suggest_float(f"power{m}", *POWER_RANGE, log=True) for m in range(models)]
                                       for t in trials])
                    sharpened = apply_powers(powers, probs, log_probs)  # [A, M, N, C]
                    totals = weights.sum(axis=1, keepdims=True)
                    normalised = np.where(totals > 0, weights / np.where(totals > 0, totals, 1), 1.0 / models)
                    candidates = np.einsum("am,amnc->anc", normalised.astype(np.float32), sharpened)
                else:
                    candidates = combine(weights, probs)  # [A, N, C]
                values = objective_of(candidates[:, None], labels, masks[active], objective)[:, 0]
            for task, trial, value in zip(active, trials, values):
                studies[task].tell(trial, float(value))
            bar.update(len(active))


def _worker(url, names, quotas, probs, labels, masks, objective, power, seed, worker, target=None):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = open_storage(url)
    studies = [optuna.load_study(study_name=name, storage=storage,
                                 sampler=optuna.samplers.TPESampler(seed=sampler_seed(seed, worker, task)))
               for task, name in enumerate(names)]
    with one_blas_thread():
        search_studies(studies, quotas, probs, labels, masks, objective, power, progress=False, target=target)
