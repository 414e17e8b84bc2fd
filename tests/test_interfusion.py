"""InterFusion units: the gate, padding invariance, gradient flow, and the focal loss."""
import numpy as np
import pytest
import torch
from torch.nn import functional as F

from models.track3.focal_loss import FocalLoss, inverse_frequency_weights
from models.track3.interfusion import InterFusionBlock, InterFusionNet

torch.set_num_threads(1)


def _net(**kwargs):
    torch.manual_seed(0)
    return InterFusionNet(context_dim=10, face_dim=6, dim=16, heads=2, depth=2, dropout=0.2, **kwargs)


def test_gate_values_lie_strictly_between_zero_and_one():
    torch.manual_seed(0)
    block = InterFusionBlock(8)
    context, face = torch.randn(3, 5, 8) * 10, torch.randn(3, 5, 8) * 10
    gate = block.gate_values(context, face)
    assert gate.shape == (3, 5, 8)
    assert ((gate > 0) & (gate < 1)).all()
    # the gate is shared: swapping what flows where changes both outputs through the same g
    c_out, f_out = block(context, face)
    assert torch.allclose(c_out, block.norm_context(context + gate * face))
    assert torch.allclose(f_out, block.norm_face(face + gate * context))


def test_padded_chunks_do_not_change_the_output():
    net = _net().eval()
    context, face = torch.randn(1, 7, 10), torch.randn(1, 7, 6)
    alone = net(context, face, torch.ones(1, 7, dtype=torch.bool))
    padded_context = torch.cat([context, torch.randn(1, 5, 10) * 100], dim=1)
    padded_face = torch.cat([face, torch.randn(1, 5, 6) * 100], dim=1)
    mask = torch.tensor([[True] * 7 + [False] * 5])
    padded = net(padded_context, padded_face, mask)
    assert torch.allclose(alone, padded, atol=1e-5)
    # and in a batch beside a longer video
    batch_context = torch.cat([padded_context, torch.randn(1, 12, 10)])
    batch_face = torch.cat([padded_face, torch.randn(1, 12, 6)])
    batch_mask = torch.cat([mask, torch.ones(1, 12, dtype=torch.bool)])
    assert torch.allclose(net(batch_context, batch_face, batch_mask)[0], alone[0], atol=1e-5)


def test_gradients_reach_both_streams():
    net = _net().train()
    context = torch.randn(2, 6, 10, requires_grad=True)
    face = torch.randn(2, 6, 6, requires_grad=True)
    logits = net(context, face, torch.ones(2, 6, dtype=torch.bool))
    F.cross_entropy(logits, torch.tensor([0, 1])).backward()
    assert context.grad.abs().sum() > 0 and face.grad.abs().sum() > 0
    for name in ("project_context", "project_face", "encode_context", "encode_face", "fusion1", "fusion2"):
        grads = [p.grad for p in getattr(net, name).parameters()]
        assert all(g is not None for g in grads) and sum(g.abs().sum() for g in grads) > 0, name


@pytest.mark.parametrize("weighted", [False, True])
def test_focal_loss_equals_cross_entropy_at_gamma_zero(weighted):
    torch.manual_seed(0)
    logits, target = torch.randn(9, 2), torch.tensor([0, 1, 1, 1, 0, 1, 1, 1, 1])
    weight = inverse_frequency_weights(target.numpy()) if weighted else None
    expected = F.cross_entropy(logits, target, weight=weight)
    assert torch.allclose(FocalLoss(0.0, weight)(logits, target), expected)
    # gamma > 0 down-weights easy examples, so the loss drops
    assert FocalLoss(1.5, weight)(logits, target) < expected


def test_inverse_frequency_weights_balance_the_classes():
    labels = np.array([1] * 8 + [0] * 2)
    weights = inverse_frequency_weights(labels).numpy()
    assert weights[0] * 2 == pytest.approx(weights[1] * 8)  # each class carries the same total weight
    assert (weights[labels].mean()) == pytest.approx(1.0)


def test_width_must_divide_by_heads():
    with pytest.raises(ValueError, match="divisible"):
        InterFusionNet(4, 4, dim=10, heads=3)


def test_classifier_handles_videos_longer_than_max_chunks_and_is_reproducible():
    from models.track3.interfusion_classifier import InterFusionClassifier

    rng = np.random.default_rng(0)
    X = [(rng.normal(size=(n, 5)), rng.normal(size=(n, 3))) for n in (3, 20, 40, 7, 12, 30)]
    y = np.array([0, 1, 1, 0, 1, 0])
    make = lambda: InterFusionClassifier(width=8, heads=2, depth=1, epochs=2, max_chunks=8, batch_size=4)  # noqa: E731
    probs = make().fit(X, y).predict_proba(X)
    assert probs.shape == (6, 2) and np.allclose(probs.sum(axis=1), 1)
    assert np.allclose(make().fit(X, y).predict_proba(X), probs)  # same seed, same model
    with pytest.raises(ValueError, match="same T"):
        make().fit([(np.zeros((4, 5)), np.zeros((3, 3)))], [1])


def test_classifier_stops_early_on_its_patience_and_keeps_the_best_epoch():
    from models.track3.focal_loss import FocalLoss, inverse_frequency_weights
    from models.track3.interfusion_classifier import InterFusionClassifier

    rng = np.random.default_rng(1)
    X = [(rng.normal(size=(6, 5)), rng.normal(size=(6, 3))) for _ in range(30)]
    y = rng.integers(0, 2, 30)  # no signal: the validation loss rises as the model memorises noise
    clf = InterFusionClassifier(width=16, heads=2, depth=1, dropout=0.0, lr=5e-3, epochs=60, patience=3,
                                batch_size=8).fit(X, y)
    assert len(clf.validation_rows_) == 6  # a stratified fifth of the videos is held out
    assert clf.n_epochs_ < 60 and clf.n_epochs_ == clf.best_epoch_ + 3 + 1
    assert len(clf.validation_loss_) == clf.n_epochs_
    assert clf.validation_loss_[clf.best_epoch_] == min(clf.validation_loss_)
    assert all(loss > min(clf.validation_loss_) for loss in clf.validation_loss_[clf.best_epoch_ + 1:])
    # the kept weights are the best epoch's
    train = np.setdiff1d(np.arange(30), clf.validation_rows_)
    loss_fn = FocalLoss(clf.gamma, inverse_frequency_weights(y[train]))
    held_out = [clf._standardise(X[i]) for i in clf.validation_rows_]
    assert clf._loss(loss_fn, held_out, y[clf.validation_rows_]) == pytest.approx(min(clf.validation_loss_))
    # without patience every epoch runs
    assert InterFusionClassifier(width=16, heads=2, depth=1, epochs=4, patience=None).fit(X, y).n_epochs_ == 4
