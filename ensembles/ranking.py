"""Choosing among methods by their cross-validated scores, keeping the simplest unless a complex one is surely better.

`auto` walks the methods from the simplest (`mean`) to the most complex (`stack`): a method replaces the one
kept so far only when it is better on the objective with the paired cluster-bootstrap interval of the
difference excluding zero. On a validation set of ten videos most differences between searches are noise,
and a simpler ensemble overfits less on the test set.
"""
from ensembles.scoring import HIGHER_IS_BETTER, METRIC_OF_OBJECTIVE

METRIC_NAMES = {"top1": "top-1", "macro_f1": "macro-F1", "log_loss": "log-loss"}


def rank_key(result, objective):
    metric = METRIC_OF_OBJECTIVE[objective]
    value = result.cv[metric]
    return (-value if HIGHER_IS_BETTER[metric] else value, result.cv["log_loss"], result.complexity)


def ranked(results, objective="accuracy"):
    return sorted(results, key=lambda r: rank_key(r, objective))


def surely_better(difference, metric) -> bool:
    low, high = difference["interval"]
    return low > 0 if HIGHER_IS_BETTER[metric] else high < 0


def format_gain(difference, metric, level) -> str:
    """How much better, as a positive number when it is: `+3.1 points of top-1 (95% interval +1.2 to +5.0)`,
    `0.0917 lower log-loss (95% interval 0.0481 to 0.1365)`."""
    if metric == "log_loss":
        low, high = (-v for v in reversed(difference["interval"]))
        return (f"{-difference['difference']:.4f} lower log-loss ({level} interval {low:.4f} to {high:.4f})")
    low, high = (100.0 * v for v in difference["interval"])
    return (f"{100.0 * difference['difference']:+.1f} points of {METRIC_NAMES[metric]} ({level} interval "
            f"{low:+.1f} to {high:+.1f})")


def choose(results, scoreboard, objective="accuracy", *, unit="groups"):
    """The chosen result and one sentence saying why.

    `scoreboard` (ensembles.bootstrap.Scoreboard) holds every result's out-of-fold predictions under its name;
    `unit` names what was resampled ("10 videos").
    """
    metric = METRIC_OF_OBJECTIVE[objective]
    level = f"{100 * scoreboard.bootstrap.level:g}%"
    order = sorted(results, key=lambda r: (r.complexity, rank_key(r, objective)))
    kept, beaten, margin = order[0], None, None
    for candidate in order[1:]:
        difference = scoreboard.difference(candidate.name, kept.name, metric)
        if surely_better(difference, metric):
            kept, beaten, margin = candidate, kept, difference
    where = f"paired cluster bootstrap over {unit}"
    rest = [r for r in order if r.complexity > kept.complexity]
    if beaten is None:
        text = (f"auto kept `{kept.name}`, the simplest method: no more complex method was better on "
                f"{METRIC_NAMES[metric]} with its {level} interval excluding zero")
        if rest:
            sign = 1 if HIGHER_IS_BETTER[metric] else -1
            closest = max(rest, key=lambda r: sign * scoreboard.difference(r.name, kept.name, metric)["interval"][
                0 if sign > 0 else 1])
            closest_difference = scoreboard.difference(closest.name, kept.name, metric)
            text += f" (closest: `{closest.name}`, {format_gain(closest_difference, metric, level)}, {where})"
        return kept, text + "."
    text = f"auto chose `{kept.name}`: better than `{beaten.name}` by {format_gain(margin, metric, level)}, {where}"
    return kept, text + (", and no more complex method beat it with an interval excluding zero." if rest else ".")


def table(results, chosen=None, objective="accuracy", reference="mean"):
    """The ranked method table as text: out-of-fold scores with intervals, the difference from `reference`."""
    metric = METRIC_OF_OBJECTIVE[objective]
    head = (f"{'rank':<5}{'method':<8}{'top-1 [interval]':>24}{'macro-F1 [interval]':>24}{'log-loss [interval]':>24}"
            f"{f'Δ {METRIC_NAMES[metric]} vs {reference}':>28}{'τ':>6}{'in-sample':>11}{'seconds':>9}")
    lines = [head]
    for rank, r in enumerate(ranked(results, objective), start=1):
        intervals = r.summary.get("interval", {})
        cells = []
        for name in ("top1", "macro_f1", "log_loss"):
            low, high = intervals.get(name, (float("nan"), float("nan")))
            cells.append(f"{r.cv[name]:>8.4f} [{low:.3f}, {high:.3f}]")
        versus = r.summary.get(f"vs_{reference}", {}).get(metric)
        if versus is None or r.name == reference:
            delta = "—"
        else:
            scale = 1.0 if metric == "log_loss" else 100.0
            low, high = (scale * v for v in versus["interval"])
            delta = f"{scale * versus['difference']:+.2f} [{low:+.2f}, {high:+.2f}]"
        mark = "  ← chosen" if r is chosen else ""
        lines.append(f"{rank:<5}{r.name:<8}{cells[0]:>24}{cells[1]:>24}{cells[2]:>24}{delta:>28}{r.tau:>6.2f}"
                     f"{r.in_sample['top1']:>11.4f}{r.seconds:>9.1f}{mark}")
    return "\n".join(lines)
