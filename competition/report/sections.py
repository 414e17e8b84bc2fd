"""The sections of the error-analysis report: a figure and/or a table each, with how to read it.

Numbers come from `ensembles.analysis`, figures from `competition.report.figures`; `competition.report.page`
writes the sections as a page, and the notebooks show them one by one.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from competition.core.errors import DataError
from competition.data.labels import label_to_raw
from competition.data.tables import VideoTable, read_clips
from competition.report import figures
from ensembles import analysis

LABEL_NAMES_TRACK3 = {0: "lose", 1: "win"}


@dataclass
class Section:
    """One part of the report: a figure and/or a table, with a sentence on how to read it."""
    name: str
    title: str
    text: str = ""
    figure: object = None
    table: pd.DataFrame | None = None


def track_sections(data, prepared=None):
    return track1_sections(data, prepared) if data.track == 1 else track3_sections(data, prepared)


def track1_sections(data, prepared=None) -> list[Section]:
    classes, labels = data.num_classes, data.labels
    candidates = data.candidates()
    focus = data.focus()
    sections = [_scores_section(data)]

    frequency, frequency_label = _class_frequency(data, prepared)
    confusion = analysis.confusion_matrix(labels, candidates[focus].argmax(axis=1), classes)
    per_class = analysis.class_accuracy(confusion)
    rows_per_class = confusion.sum(axis=1)
    class_table = pd.DataFrame({"class": np.arange(classes), "raw_class": [label_to_raw(c) for c in range(classes)],
                                frequency_label: frequency, "rows": rows_per_class})
    for name, probs in candidates.items():
        class_table[name] = analysis.class_accuracy(analysis.confusion_matrix(labels, probs.argmax(axis=1), classes))
    sections.append(Section(
        "class_accuracy", "Per-class accuracy against class frequency",
        f"Accuracy (recall) of each class for {focus}, against how often the class occurs ({frequency_label}). "
        "Rare classes at the bottom left are where class-balanced losses or resampling pay off. Class ids are "
        "training labels 0..31 (raw class = label + 1, label 31 = raw 99, non-gesture).",
        figures.class_accuracy_vs_frequency(frequency, per_class, rows_per_class, frequency_label,
                                            f"Per-class accuracy of {focus}"),
        class_table.set_index("class")))
    sections += _prior_correction_sections(data)
    sections.append(Section(
        "confusion", "Confusion matrix",
        f"{focus}: rows are true classes, columns predicted ones; colour is the share of the true class's "
        "rows, numbers are counts.",
        figures.confusion_heatmap(confusion, f"Confusion matrix of {focus} ({len(labels)} rows)")))
    sections.append(Section(
        "top_confusions", "Most frequent confusions",
        f"The largest off-diagonal cells of {focus}'s confusion matrix: true class mistaken for predicted class.",
        table=analysis.top_confusions(confusion, k=15, raw_classes=label_to_raw)))
    sections += _diversity_sections(data)
    curves = {name: analysis.reliability(labels, probs, bins=10) for name, probs in candidates.items()}
    sections.append(Section(
        "reliability", "Reliability diagram",
        "Accuracy within each bin of confidence (top probability) against the bin's mean confidence. Below "
        "the diagonal a model is over-confident; ECE is the row-weighted mean gap.",
        figures.reliability_diagram(curves, "Reliability (10 confidence bins)"),
        pd.DataFrame({"ece": {name: c.ece for name, c in curves.items()}})))
    return sections + _method_sections(data)


def track3_sections(data, prepared=None) -> list[Section]:
    labels = data.labels
    candidates = data.candidates()
    sections = [_scores_section(data)]
    curves = {name: analysis.roc(probs[:, 1], labels) for name, probs in candidates.items()}
    sections.append(Section(
        "roc", "ROC curves of the video-level models",
        "Out-of-fold P(win) of each model ranked against the true win/lose labels; the ensemble's curve is "
        "in-sample (its weights were fitted on these rows).",
        figures.roc_curves(curves, f"ROC, {len(labels)} labelled videos")))
    sections.append(Section(
        "score_distributions", "Out-of-fold score distributions by label",
        "Histogram of P(win) for the videos that were won and those that were lost; the further apart, the "
        "better the model separates them. The dotted line is the 0.5 threshold of the submission.",
        figures.score_histograms({name: probs[:, 1] for name, probs in candidates.items()}, labels,
                                 LABEL_NAMES_TRACK3, "P(win) by true label")))
    groups, group_kind = _video_groups(data, prepared)
    table = analysis.group_accuracy(candidates, labels, groups)
    row_counts = pd.Series(groups).value_counts().to_dict()
    sections.append(Section(
        "group_accuracy", f"Accuracy per {group_kind}",
        f"Share of each {group_kind}'s videos whose win/lose label the model gets right (threshold 0.5). "
        + ("" if group_kind == "subject" else "videos.csv has no subject column (or no --data was given), so "
                                              "each video is its own group."),
        figures.group_heatmap(table, group_kind, row_counts if group_kind == "subject" else None,
                              f"Accuracy per {group_kind}"),
        table.T.assign(videos=[row_counts[g] for g in table.columns])))
    sections += _prior_correction_sections(data)
    sections += _diversity_sections(data)
    return sections + _method_sections(data)


def _prior_correction_sections(data):
    table = analysis.prior_correction_table(data.spec) if data.spec is not None else pd.DataFrame()
    if table.empty:
        return []
    cv, source = data.spec["scores"]["cv"], data.spec["correction"]["prior"]["source"]
    tau = cv.get("tau", 0.0)
    text = (f"Out-of-fold accuracy of each class for `{data.spec['method']}` before and after subtracting "
            f"τ · log prior (training prior from {source}; τ = {tau:g} chosen by the grouped folds, each fold's τ "
            f"from the other folds). Top-1 {cv['uncorrected']['top1']:.4f} before, {cv['top1']:.4f} after. "
            "A positive change on rare classes bought with a small loss on frequent ones is the trade the "
            "correction makes; τ = 0 means the folds found no gain.")
    return [Section("prior_correction", "Per-class accuracy before and after the prior correction", text,
                    figures.accuracy_before_after(table, f"Prior correction, τ = {tau:g}"), table)]


def _scores_section(data):
    table = analysis.score_table(data.candidates(), data.labels, data.num_classes)
    text = (f"Top-1 accuracy and mean class accuracy (the unweighted mean of per-class accuracies) on "
            f"{len(data.labels)} labelled rows.")
    if data.spec is not None:
        cv = data.spec.get("scores", {}).get("cv", {})
        table["cv_accuracy"] = np.nan
        estimate = cv.get("top1", cv.get("accuracy_mean"))
        if estimate is not None:
            table.loc[data.ensemble_name, "cv_accuracy"] = estimate
        text += (" The ensemble's row is in-sample: its weights were fitted on these rows, so it is optimistic; "
                 "cv_accuracy is its cross-validated estimate from `miga ensemble`.")
        if "interval" in cv:
            low, high = cv["interval"]["top1"]
            grouping = data.spec.get("grouping", {})
            text += (f" Its {100 * data.spec['bootstrap']['level']:g}% interval is {low:.4f} to {high:.4f} "
                     f"({grouping.get('description', '')}). {data.spec.get('choice', '')}")
    return Section("scores", "Each model against the ensemble", text, figures.score_bars(table), table)


def _diversity_sections(data):
    sections = []
    if len(data.models) >= 2:
        matrix = analysis.error_correlation(data.models, data.labels)
        sections.append(Section(
            "error_correlation", "Error correlation between the models",
            "Correlation of the models' error indicators (1 where the top class is wrong). Models whose errors "
            "correlate little complement each other in an ensemble.",
            figures.correlation_heatmap(matrix, "Error correlation"), matrix))
    if data.spec is not None:
        weights, quantity = analysis.ensemble_weights(data.spec)
        sections.append(Section(
            "weights", "The ensemble's weights",
            f"Method `{data.spec['method']}` of {data.spec_path}: how much each model counts ({quantity}).",
            figures.weight_bars(weights, quantity, f"Ensemble weights ({data.spec['method']})"),
            weights.rename(quantity).to_frame()))
    return sections


def _method_sections(data):
    if data.spec is None:
        return []
    table = analysis.method_table(data.spec)
    if table.empty:
        return []
    return [Section("methods", "Ensembling methods tried",
                    "The table of `miga ensemble`: each method's out-of-fold scores on the validation rows (folds "
                    "keep videos whole) with cluster-bootstrap intervals, its paired difference from `mean`, the "
                    "τ of its prior correction, and the in-sample accuracy of the refit on all rows.", table=table)]


def _class_frequency(data, prepared):
    """Clips per class in the prepared training split; without --data, the analysed rows' own counts."""
    if prepared is not None:
        clips = read_clips(prepared)
        train = pd.to_numeric(clips.loc[clips["split"] == "train", "label"], errors="coerce")
        train = train[train >= 0].astype(np.int64)
        if len(train):
            return np.bincount(train, minlength=data.num_classes)[:data.num_classes], "training clips"
    return np.bincount(data.labels, minlength=data.num_classes), "rows analysed"


def _video_groups(data, prepared):
    """Each analysed video's subject from videos.csv when every one has a subject, else its own id."""
    ids = data.ids.astype(str)
    if prepared is None:
        return ids, "video"
    table = VideoTable.read(prepared)
    column = "subject" if table.has_subjects else "video_id"
    known = dict(zip(table.table["video_id"], table.table[column]))
    missing = [i for i in ids if i not in known]
    if missing:
        raise DataError(Path(prepared) / "videos.csv", f"lacks {len(missing)} video id(s) of the probability "
                                                       f"files, first {missing[0]!r}; is this the dataset the "
                                                       "models were trained on?")
    subjects = np.array([str(known[i]) for i in ids])
    if not table.has_subjects or (subjects == "").any():
        return ids, "video"
    return subjects, "subject"
