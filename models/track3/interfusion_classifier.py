"""`InterFusionClassifier`: trains `InterFusionNet` on per-video pairs of chunk-embedding sequences.

X is a list with one `(context [T, Dc], face [T, Df])` pair of float arrays per video (the same T in both);
y is 0 (lose) or 1 (win). Inputs are standardised per feature with the training set's statistics. Videos
longer than `max_chunks` chunks are cropped to a random window while training and subsampled evenly when
predicting. The loss is focal loss with class weights inverse to the training fold's class frequencies.
"""
import math

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin

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
    """Model width is `heads * ceil(width / heads)` so that any head count in the search space divides it."""

    def __init__(self, lr=2e-4, depth=2, heads=4, width=128, dropout=0.3, gamma=1.0, epochs=30, batch_size=16,
                 weight_decay=1e-2, max_chunks=256, seed=0, device="cpu"):
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
        self.seed = seed
        self.device = device

    @staticmethod
    def search_space(trial):
        """The search space of the 2nd-place Track 3 solution."""
        return {"lr": trial.suggest_float("lr", 1e-5, 5e-4, log=True),
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

    def fit(self, X, y):
        _check_pairs(X)
        y = np.asarray(y, dtype=np.int64)
        if len(X) != len(y) or set(np.unique(y)) - {0, 1}:
            raise ValueError(f"expected {len(X)} labels of 0 (lose) or 1 (win), got {np.unique(y).tolist()}")
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        all_context = np.concatenate([np.asarray(c, np.float32) for c, _ in X])
        all_face = np.concatenate([np.asarray(f, np.float32) for _, f in X])
        self.context_mean_, self.context_std_ = all_context.mean(0), all_context.std(0) + 1e-6
        self.face_mean_, self.face_std_ = all_face.mean(0), all_face.std(0) + 1e-6
        pairs = [self._standardise(pair) for pair in X]
        self.network_ = InterFusionNet(all_context.shape[1], all_face.shape[1], dim=self.model_width,
                                       heads=self.heads, depth=self.depth, dropout=self.dropout).to(self.device)
        loss_fn = FocalLoss(self.gamma, inverse_frequency_weights(y)).to(self.device)
        optimiser = torch.optim.AdamW(self.network_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        self.network_.train()
        for _ in range(self.epochs):
            order = rng.permutation(len(pairs))
            for start in range(0, len(pairs), self.batch_size):
                rows = order[start:start + self.batch_size]
                batch = [self._random_window(pairs[i], rng) for i in rows]
                context, face, mask = self._batch(batch, [len(c) for c, _ in batch])
                loss = loss_fn(self.network_(context, face, mask), torch.from_numpy(y[rows]).to(self.device))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        self.classes_ = np.array([0, 1])
        return self

    @torch.no_grad()
    def predict_proba(self, X):
        _check_pairs(X)
        self.network_.eval()
        pairs = [self._even_subsample(self._standardise(pair)) for pair in X]
        probs = []
        for start in range(0, len(pairs), self.batch_size):
            batch = pairs[start:start + self.batch_size]
            context, face, mask = self._batch(batch, [len(c) for c, _ in batch])
            probs.append(torch.softmax(self.network_(context, face, mask), dim=-1).cpu().numpy())
        return np.concatenate(probs).astype(np.float64) if probs else np.zeros((0, 2))
