"""The one cross-validation splitter of the toolkit: K folds, stratified by class, groups kept whole.

Rows of one group (a video's clips, a subject's videos) always share a fold, so a held-out fold holds only
groups that the fold's model never saw. Classes are spread evenly over the folds as far as the groups allow.
Without groups every row is its own group.

    groups = video_groups(clip_ids)                   # competition.core.ids: `0054_3` → `0054`
    fold_of = assign_folds(labels, 5, groups=groups)  # [N] fold number of each row
    fold_of = leave_one_group_out(groups)             # one fold per video
    for k, (train, held_out) in enumerate(fold_masks(fold_of)): ...

Everything that cross-validates (ensembles, Track 3 video models, out-of-fold training) splits here, so a
fold never puts clips of one person on both sides.
"""
import warnings

import numpy as np


def assign_folds(labels, folds, *, groups=None, seed=0) -> np.ndarray:
    """Fold number (0..folds-1) of every row; reproducible for a seed.

    With `groups`, each group lies in exactly one fold; `folds` equal to the number of groups is
    leave-one-group-out (`leave_one_group_out`).
    """
    from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

    labels = np.asarray(labels)
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != labels.shape:
            raise ValueError(f"groups must have one entry per row ({labels.shape}), got {groups.shape}")
    units = len(labels) if groups is None else len(np.unique(groups))
    what = "rows" if groups is None else "groups"
    if not 2 <= folds <= units:
        raise ValueError(f"the number of folds must be between 2 and the {units} {what}, got {folds}")
    if groups is not None and folds == units:
        return leave_one_group_out(groups)
    # no class has a row for every fold (e.g. a small val split of many classes): nothing to stratify
    unstratified = np.unique(labels, return_counts=True)[1].max() < folds
    if groups is None and unstratified:
        splits = KFold(n_splits=folds, shuffle=True, random_state=seed).split(labels)
    elif groups is None:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(labels, labels)
    elif unstratified:
        splits = GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(labels, labels, groups)
    else:
        splits = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(labels, labels, groups)
    fold_of = np.full(len(labels), -1, dtype=np.int64)
    with warnings.catch_warnings():
        # A class with fewer rows than folds cannot be in every fold; that is expected in a long tail.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        for fold, (_, held_out) in enumerate(splits):
            fold_of[held_out] = fold
    empty = sorted(set(range(folds)) - set(fold_of.tolist()))
    if empty:  # the greedy grouped split can leave a fold empty when a few groups hold most rows
        raise ValueError(f"fold(s) {empty} of {folds} got no {what}; use fewer folds")
    return fold_of


def leave_one_group_out(groups) -> np.ndarray:
    """One fold per group, numbered in sorted group order."""
    _, fold_of = np.unique(np.asarray(groups), return_inverse=True)
    if fold_of.max(initial=0) < 1:
        raise ValueError("leave-one-group-out needs at least 2 groups")
    return fold_of.astype(np.int64)


def fold_masks(fold_of):
    """(training rows, held-out rows) boolean masks of each fold, in fold order."""
    fold_of = np.asarray(fold_of)
    return [(fold_of != k, fold_of == k) for k in range(int(fold_of.max()) + 1)]
