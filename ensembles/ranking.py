"""Choosing among methods by their cross-validated scores, preferring the simplest that is as good.

Ranked by the cross-validated objective. The winner is the simplest method whose cross-validated score is
within one standard error (fold std / √K) of the top one: on a 777-row validation set the differences
between searches are mostly noise, and a simpler ensemble overfits less on the test set.
"""
import math


def rank_key(result, objective):
    if objective == "log_loss":
        return (result.cv_log_loss, -result.cv_accuracy)
    return (-result.cv_accuracy, result.cv_log_loss)


def ranked(results, objective="accuracy"):
    return sorted(results, key=lambda r: rank_key(r, objective))


def choose(results, objective="accuracy"):
    """The simplest result within one standard error of the best cross-validated score."""
    order = ranked(results, objective)
    top = order[0]
    folds = max(len(top.fold_accuracy), 1)
    if objective == "log_loss":
        bar = top.cv_log_loss + top.cv_log_loss_std / math.sqrt(folds)
        close = [r for r in order if r.cv_log_loss <= bar]
    else:
        bar = top.cv_accuracy - top.cv_accuracy_std / math.sqrt(folds)
        close = [r for r in order if r.cv_accuracy >= bar]
    return min(close, key=lambda r: (r.complexity, rank_key(r, objective)))


def table(results, chosen=None, objective="accuracy"):
    """The ranked method table as text."""
    lines = [f"{'rank':<5}{'method':<8}{'CV accuracy':>20}{'in-sample':>11}{'CV log-loss':>20}{'in-sample':>11}"
             f"{'seconds':>9}"]
    for rank, r in enumerate(ranked(results, objective), start=1):
        mark = "  ← chosen" if r is chosen else ""
        lines.append(f"{rank:<5}{r.name:<8}{r.cv_accuracy:>11.4f} ± {r.cv_accuracy_std:<6.4f}"
                     f"{r.in_sample_accuracy:>11.4f}{r.cv_log_loss:>11.4f} ± {r.cv_log_loss_std:<6.4f}"
                     f"{r.in_sample_log_loss:>11.4f}{r.seconds:>9.1f}{mark}")
    return "\n".join(lines)
