"""Worker processes searching shared Optuna studies, where one that dies stops none of the others.

(A ProcessPoolExecutor would terminate every worker as soon as one of them is killed.) The caller runs the
trials a dead worker left undone once the others have finished; its running trial is failed by heartbeat.
"""
import multiprocessing
import signal
import sys


def run_workers(child, child_args, main):
    """Run `child(*args)` for each `args` of `child_args` in its own spawned process (workers 1, 2, ...) and
    `main()` in this one (worker 0); wait for all. Returns the numbers of the workers that did not finish."""
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=child, args=tuple(args), name=f"miga-worker-{number}")
                 for number, args in enumerate(child_args, start=1)]
    for process in processes:
        process.start()
    try:
        main()
    except BaseException:
        for process in processes:
            process.terminate()
        raise
    finally:
        for process in processes:
            process.join()
    lost = []
    for number, process in enumerate(processes, start=1):
        if process.exitcode != 0:
            lost.append(number)
            print(f"worker {number} of {len(processes) + 1} stopped ({_describe(process.exitcode)}); the study "
                  "keeps its finished trials, its running trial is failed by heartbeat, and the trials it left "
                  "are run here", file=sys.stderr)
    return lost


def _describe(exitcode):
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            pass
    return f"exit code {exitcode}"
