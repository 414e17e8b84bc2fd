"""The figures of `miga report` and the analysis notebooks, drawn with matplotlib's object API.

Each function takes numbers from `ensembles.analysis` and returns a `matplotlib.figure.Figure` built without
pyplot, so nothing depends on a display or on the interactive backend (rendering is Agg's, headless).
"""
import io

import numpy as np
from matplotlib.figure import Figure

DPI = 110


def figure_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def _figure(width, height):
    return Figure(figsize=(width, height), layout="constrained")


def score_bars(table, columns=("top1", "mean_class_accuracy")):
    """Grouped bars: each prediction's scores side by side (the ensemble last)."""
    columns = [c for c in columns if c in table.columns]
    figure = _figure(max(5.0, 1.1 * len(table) + 2), 3.6)
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    width = 0.8 / len(columns)
    for k, column in enumerate(columns):
        bars = axes.bar(positions + (k - (len(columns) - 1) / 2) * width, table[column], width,
                        label=column.replace("_", " "))
        axes.bar_label(bars, fmt="%.3f", fontsize=7, padding=1)
    axes.set_xticks(positions, table.index, rotation=20, ha="right")
    axes.set_ylim(0, 1.18)
    axes.set_ylabel("score on the labelled rows")
    axes.legend(loc="upper center", ncols=len(columns), fontsize=8)
    axes.set_title("Each model against the ensemble")
    return figure


def class_accuracy_vs_frequency(frequency, accuracy, row_counts, frequency_label, title):
    """Per-class accuracy (y) against the class's frequency (x, log scale); each point is labelled by class id."""
    frequency, accuracy, row_counts = map(np.asarray, (frequency, accuracy, row_counts))
    shown = ~np.isnan(accuracy) & (frequency > 0)
    figure = _figure(7.5, 4.6)
    axes = figure.add_subplot()
    sizes = 15 + 120 * row_counts[shown] / max(row_counts[shown].max(initial=1), 1)
    axes.scatter(frequency[shown], accuracy[shown], s=sizes, alpha=0.6, edgecolor="black", linewidth=0.4)
    at_point = {}  # classes on the same point share one label
    for c in np.flatnonzero(shown):
        at_point.setdefault((frequency[c], accuracy[c]), []).append(str(c))
    for point, classes in at_point.items():
        axes.annotate(",".join(classes), point, fontsize=7, xytext=(3, 3), textcoords="offset points")
    axes.set_xscale("log")
    axes.set_ylim(-0.05, 1.05)
    axes.set_xlabel(frequency_label + " (log scale)")
    axes.set_ylabel("accuracy of the class (recall)")
    axes.set_title(title + "  (point size: rows of the class)")
    axes.grid(alpha=0.3)
    return figure


def confusion_heatmap(confusion, title):
    """Row-normalised confusion matrix (colour: share of the true class) with the counts written in."""
    confusion = np.asarray(confusion)
    classes = confusion.shape[0]
    totals = confusion.sum(axis=1, keepdims=True)
    share = np.divide(confusion, totals, out=np.zeros(confusion.shape, dtype=np.float64), where=totals > 0)
    side = 3.0 + 0.28 * classes
    figure = _figure(side + 1.2, side)
    axes = figure.add_subplot()
    image = axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    fontsize = 9 if classes <= 10 else 5.5
    for true, predicted in zip(*np.nonzero(confusion)):
        axes.text(predicted, true, str(confusion[true, predicted]), ha="center", va="center", fontsize=fontsize,
                  color="white" if share[true, predicted] > 0.6 else "black")
    axes.set_xticks(range(classes), [str(c) for c in range(classes)], fontsize=fontsize + 1)
    axes.set_yticks(range(classes), [str(c) for c in range(classes)], fontsize=fontsize + 1)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, shrink=0.8, label="share of the true class's rows")
    return figure


def correlation_heatmap(matrix, title):
    """A models × models correlation matrix (a DataFrame), values written in."""
    values = matrix.to_numpy(dtype=np.float64)
    side = 2.5 + 0.7 * len(matrix)
    figure = _figure(side + 1.5, side)
    axes = figure.add_subplot()
    image = axes.imshow(values, cmap="coolwarm", vmin=-1, vmax=1)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            axes.text(j, i, "n/a" if np.isnan(values[i, j]) else f"{values[i, j]:.2f}", ha="center", va="center",
                      fontsize=8)
    axes.set_xticks(range(len(matrix)), matrix.columns, rotation=30, ha="right")
    axes.set_yticks(range(len(matrix)), matrix.index)
    axes.set_title(title)
    figure.colorbar(image, ax=axes, shrink=0.8)
    return figure


def weight_bars(weights, quantity, title):
    """One bar per model: its weight in the ensemble (a Series)."""
    figure = _figure(max(4.5, 0.9 * len(weights) + 2), 3.4)
    axes = figure.add_subplot()
    bars = axes.bar(weights.index, weights.to_numpy(), color="tab:green")
    axes.bar_label(bars, fmt="%.3f", fontsize=8, padding=1)
    axes.set_ylabel(quantity)
    axes.set_ylim(0, max(1.0, float(weights.max()) * 1.15))
    axes.tick_params(axis="x", labelrotation=20)
    axes.set_title(title)
    return figure


def reliability_diagram(curves, title):
    """Accuracy against mean confidence per bin, one line per prediction; the diagonal is perfect calibration.

    `curves`: name → `ensembles.analysis.Reliability`; the legend gives each one's ECE.
    """
    figure = _figure(6.5, 5.2)
    axes, counts_axes = figure.subplots(2, 1, height_ratios=(3, 1), sharex=True)
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfectly calibrated")
    for name, curve in curves.items():
        filled = curve.counts > 0
        (line,) = axes.plot(curve.confidence[filled], curve.accuracy[filled], marker="o", markersize=4,
                            label=f"{name} (ECE {curve.ece:.3f})")
        centres = (curve.edges[:-1] + curve.edges[1:]) / 2
        counts_axes.plot(centres, curve.counts, marker=".", linewidth=1, color=line.get_color())
    axes.set_ylabel("accuracy in the bin")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.legend(fontsize=7, loc="upper left")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    counts_axes.set_xlabel("confidence (top probability), binned")
    counts_axes.set_ylabel("rows")
    counts_axes.grid(alpha=0.3)
    return figure


def roc_curves(curves, title):
    """ROC curves; `curves`: name → (false-positive rates, true-positive rates, AUC)."""
    figure = _figure(5.8, 5.2)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="chance (AUC 0.5)")
    for name, (fpr, tpr, auc) in curves.items():
        axes.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    axes.set_xlabel("false-positive rate (losers called winners)")
    axes.set_ylabel("true-positive rate (winners found)")
    axes.set_xlim(-0.01, 1.01)
    axes.set_ylim(-0.01, 1.01)
    axes.set_aspect("equal")
    axes.legend(fontsize=7, loc="lower right")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    return figure


def score_histograms(scores, labels, label_names, title, bins=20):
    """Small multiples, one per prediction: the score's histogram for each label. `scores`: name → [N]."""
    count = len(scores)
    columns = min(count, 3)
    rows = -(-count // columns)
    figure = _figure(3.6 * columns, 2.8 * rows)
    edges = np.linspace(0, 1, bins + 1)
    for index, (name, values) in enumerate(scores.items()):
        axes = figure.add_subplot(rows, columns, index + 1)
        for label, label_name in label_names.items():
            of_label = labels == label
            axes.hist(values[of_label], bins=edges, alpha=0.55, label=f"{label_name} ({of_label.sum()})")
        axes.axvline(0.5, color="grey", linestyle=":", linewidth=1)
        axes.set_title(name, fontsize=9)
        axes.set_xlabel("P(win)", fontsize=8)
        axes.tick_params(labelsize=7)
        axes.legend(fontsize=7)
    figure.suptitle(title)
    return figure


def group_heatmap(table, group_kind, row_counts, title):
    """Accuracy per group (columns) of each prediction (rows); `row_counts` (group → videos) or None."""
    values = table.to_numpy(dtype=np.float64)
    width = min(max(5.0, 0.32 * values.shape[1] + 3), 30.0)
    figure = _figure(width, 1.2 + 0.45 * values.shape[0] + 0.6)
    axes = figure.add_subplot()
    image = axes.imshow(values, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    if values.shape[1] <= 40:
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                axes.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=6)
    names = [str(g) if row_counts is None else f"{g} ({row_counts[g]})" for g in table.columns]
    axes.set_xticks(range(values.shape[1]), names, rotation=90, fontsize=6 if values.shape[1] > 20 else 8)
    axes.set_yticks(range(values.shape[0]), table.index, fontsize=8)
    axes.set_xlabel(group_kind if row_counts is None else f"{group_kind} (videos)")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, shrink=0.9, label="accuracy")
    return figure


def accuracy_before_after(table, title):
    """Per-class accuracy before (hollow) and after (filled) the prior correction, classes ordered by training
    frequency, most frequent first."""
    ordered = table.sort_values("training_clips", ascending=False, kind="stable")
    positions = np.arange(len(ordered))
    figure = _figure(max(6.0, 0.26 * len(ordered) + 2), 3.8)
    axes = figure.add_subplot()
    axes.vlines(positions, ordered["top1_before"], ordered["top1_after"], color="grey", linewidth=1)
    axes.scatter(positions, ordered["top1_before"], facecolors="none", edgecolors="tab:blue", label="before")
    axes.scatter(positions, ordered["top1_after"], color="tab:orange", label="after")
    axes.set_xticks(positions, [str(c) for c in ordered.index], fontsize=7)
    axes.set_ylim(-0.05, 1.05)
    axes.set_xlabel("class (most training clips first)")
    axes.set_ylabel("out-of-fold accuracy (recall)")
    axes.legend(loc="upper right", fontsize=8)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    return figure
