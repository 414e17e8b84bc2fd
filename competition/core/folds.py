"""The one cross-validation splitter of the toolkit: K folds, stratified by class, groups kept whole.

Rows of one group (a video's clips, a subject's videos) always share a fold, so a held-out fold holds only
groups that the fold's model never saw. Classes are spread evenly over the folds as far as the groups allow.
Without groups every row is its own group.
"""
import warnings

import numpy as np


def assign_folds(labels, folds, *, groups=None, seed=0) -> np.ndarray:
    """Fold number (0..folds-1) of every row; reproducible for a seed."""
    from sklearn.model_selection import KFold, StratifiedGroupKFold, StratifiedKFold

    labels = np.asarray(labels)
    units = len(labels) if groups is None else len(np.unique(np.asarray(groups)))
    what = "rows" if groups is None else "groups"
    if not 2 <= folds <= units:
        raise ValueError(f"the number of folds must be between 2 and the {units} {what}, got {folds}")
    if groups is None and np.unique(labels, return_counts=True)[1].max() < folds:
        # no class has a row for every fold (e.g. one sample per class): nothing to stratify
        splits = KFold(n_splits=folds, shuffle=True, random_state=seed).split(labels)
    elif groups is None:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(labels, labels)
    else:
        splits = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(
            labels, labels, np.asarray(groups))
    fold_of = np.full(len(labels), -1, dtype=np.int64)
    with warnings.catch_warnings():
        # A class with fewer rows than folds cannot be in every fold; that is expected in a long tail.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        for fold, (_, held_out) in enumerate(splits):
            fold_of[held_out] = fold
    return fold_of
