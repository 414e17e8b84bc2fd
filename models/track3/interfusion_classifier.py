"""`InterFusionClassifier`: trains `InterFusionNet` on per-video pairs of chunk-embedding sequences.

X is a list with one `(context [T, Dc], face [T, Df])` pair of float arrays per video (the same T in both);
y is 0 (lose) or 1 (win). Inputs are standardised per feature with the training set's statistics. Videos
longer than `max_chunks` chunks are cropped to a random window while training and subsampled evenly when
predicting. The loss is focal loss with class weights inverse to the training fold's class frequencies.

Defaults are the 2nd-place Track 3 solution's final configuration: width 512, depth 8, dropout 0.5, focal
gamma 0.5, at most 20 epochs of batches of 8, early stopping with patience 7. Early stopping holds out a
stratified `validation_fraction` of the videos given to `fit` (fold 0 of the toolkit's splitter), keeps the
weights of the epoch with the lowest validation loss and stops `patience` epochs after it.
"""
import copy
import math

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin

from competition.core.folds import assign_folds
from models.track3.focal_loss import FocalLoss, inverse_frequency_weights
from models.track3.interfusion import InterFusionNet


def _check_pairs(X):
    for i, pair in enumerate(X):
        if len(pair) != 2:
            raise ValueError(f"video {i}: expected a (context, face) pair, got {len(pair)} items")
        context, face = pair
        if context.ndim != 2 or face.ndim != 2 or len(context) != len(face) or len(context) == 0:
            raise ValueError(f"video {i}: expected context [T, Dc] and face [T, Df] with the same T > 0, got "
                             f"{np.shape(context)} and {np.shape(face)}")


class InterFusionClassifier(ClassifierMixin, BaseEstimator):
    """Model width is `heads * ceil(width / heads)` so that any head count in the search space divides it.

    `patience=None` (or fewer than `2 / validation_fraction` videos) trains all `epochs` on every video.
    After `fit`: `n_epochs_` (epochs run), `best_epoch_` (0-based epoch whose weights are kept),
    `validation_loss_` (per epoch) and `validation_rows_` (rows of X held out), empty without early stopping.
    """

    def __init__(self, lr=2e-4, depth=8, heads=4, width=512, dropout=0.5, gamma=0.5, epochs=20, batch_size=8,
                 weight_decay=1e-2, max_chunks=256, patience=7, validation_fraction=0.2, seed=0, device="cpu"):
        self.lr = lr
        self.depth = depth
        self.heads = heads
        self.width = width
        self.dropout = dropout
        self.gamma = gamma
        self.epochs = epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.max_chunks = max_chunks
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.seed = seed
        self.device = device

    @staticmethod
    def search_space(trial):
        """The search space of the 2nd-place Track 3 solution (its final width, 512, is one of the widths)."""
        return {"lr": trial.suggest_float("lr", 1e-5, 5e-4, log=True),
                "width": trial.suggest_categorical("width", [128, 256, 512]),
                "depth": trial.suggest_int("depth", 1, 8),
                "heads": trial.suggest_int("heads", 2, 8),
                "dropout": trial.suggest_float("dropout", 0.1, 0.5),
                "gamma": trial.suggest_float("gamma", 0.5, 1.5)}

    @property
    def model_width(self):
        return self.heads * math.ceil(self.width / self.heads)

    def _standardise(self, pair):
        context, face = pair
        return ((np.asarray(context, np.float32) - self.context_mean_) / self.context_std_,
                (np.asarray(face, np.float32) - self.face_mean_) / self.face_std_)

    def _batch(self, pairs, lengths):
        longest = max(lengths)
        context = np.zeros((len(pairs), longest, pairs[0][0].shape[1]), np.float32)
        face = np.zeros((len(pairs), longest, pairs[0][1].shape[1]), np.float32)
        mask = np.zeros((len(pairs), longest), bool)
        for i, ((c, f), n) in enumerate(zip(pairs, lengths)):
            context[i, :n], face[i, :n], mask[i, :n] = c[:n], f[:n], True
        as_tensor = lambda a: torch.from_numpy(a).to(self.device)  # noqa: E731
        return as_tensor(context), as_tensor(face), as_tensor(mask)

    def _random_window(self, pair, rng):
        length = len(pair[0])
        if length <= self.max_chunks:
            return pair
        start = rng.integers(0, length - self.max_chunks + 1)
        return pair[0][start:start + self.max_chunks], pair[1][start:start + self.max_chunks]

    def _even_subsample(self, pair):
        length = len(pair[0])
        if length <= self.max_chunks:
            return pair
        rows = np.linspace(0, length - 1, self.max_chunks).round().astype(int)
        return pair[0][rows], pair[1][rows]

    def _validation_rows(self, y):
        """Rows held out for early stopping (fold 0 of a stratified split), or none."""
        if not self.patience or not self.validation_fraction:
            return np.zeros(len(y), bool)
        folds = max(2, round(1 / self.validation_fraction))
        if len(y) < 2 * folds:
            return np.zeros(len(y), bool)
        return assign_folds(y, folds, seed=self.seed) == 0

    def fit(self, X, y):
        _check_pairs(X)
        y = np.asarray(y, dtype=np.int64)
        if len(X) != len(y) or set(np.unique(y)) - {0, 1}:
            raise ValueError(f"expected {len(X)} labels of 0 (lose) or 1 (win), got {np.unique(y).tolist()}")
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        held_out = self._validation_rows(y)
        self.validation_rows_ = np.flatnonzero(held_out)
        rows = np.flatnonzero(~held_out)
        all_context = np.concatenate([np.asarray(X[i][0], np.float32) for i in rows])
        all_face = np.concatenate([np.asarray(X[i][1], np.float32) for i in rows])
        self.context_mean_, self.context_std_ = all_context.mean(0), all_context.std(0) + 1e-6
        self.face_mean_, self.face_std_ = all_face.mean(0), all_face.std(0) + 1e-6
        pairs = [self._standardise(pair) for pair in X]
        self.network_ = InterFusionNet(all_context.shape[1], all_face.shape[1], dim=self.model_width,
                                       heads=self.heads, depth=self.depth, dropout=self.dropout).to(self.device)
        loss_fn = FocalLoss(self.gamma, inverse_frequency_weights(y[rows])).to(self.device)
        optimiser = torch.optim.AdamW(self.network_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        self.validation_loss_, self.best_epoch_, best_state = [], 0, None
        for epoch in range(self.epochs):
            self.network_.train()
            order = rows[rng.permutation(len(rows))]
            for start in range(0, len(order), self.batch_size):
                batch_rows = order[start:start + self.batch_size]
                batch = [self._random_window(pairs[i], rng) for i in batch_rows]
                context, face, mask = self._batch(batch, [len(c) for c, _ in batch])
                loss = loss_fn(self.network_(context, face, mask),
                               torch.from_numpy(y[batch_rows]).to(self.device))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
            self.n_epochs_ = epoch + 1
            if len(self.validation_rows_):
                self.validation_loss_.append(self._loss(loss_fn, [pairs[i] for i in self.validation_rows_],
                                                        y[self.validation_rows_]))
                if self.validation_loss_[-1] <= min(self.validation_loss_):
                    self.best_epoch_, best_state = epoch, copy.deepcopy(self.network_.state_dict())
                elif epoch - self.best_epoch_ >= self.patience:
                    break
            else:
                self.best_epoch_ = epoch
        if best_state is not None:
            self.network_.load_state_dict(best_state)
        self.classes_ = np.array([0, 1])
        return self

    @torch.no_grad()
    def _loss(self, loss_fn, pairs, y):
        """Loss of the network in evaluation mode on standardised pairs (videos subsampled as when predicting)."""
        return float(loss_fn(self._logits(pairs), torch.from_numpy(y).to(self.device)))

    @torch.no_grad()
    def _logits(self, pairs):
        self.network_.eval()
        pairs = [self._even_subsample(pair) for pair in pairs]
        logits = []
        for start in range(0, len(pairs), self.batch_size):
            batch = pairs[start:start + self.batch_size]
            context, face, mask = self._batch(batch, [len(c) for c, _ in batch])
            logits.append(self.network_(context, face, mask))
        return torch.cat(logits) if logits else torch.zeros((0, 2), device=self.device)

    @torch.no_grad()
    def predict_proba(self, X):
        _check_pairs(X)
        logits = self._logits([self._standardise(pair) for pair in X])
        return torch.softmax(logits, dim=-1).cpu().numpy().astype(np.float64)
