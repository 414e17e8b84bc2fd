"""The probability-file contract: what save writes, load returns, and every way a file can be rejected."""
import json

import numpy as np
import pytest

from competition.core.errors import DataError
from competition.core.probabilities import META_KEYS, ProbabilityFileError, load_probabilities, save_probabilities


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    ids = np.array([f"0054_{k}" for k in range(6)])
    probs = _softmax(rng.normal(size=(6, 4))).astype(np.float32)
    labels = np.array([0, 1, 2, 3, 0, 1], dtype=np.int64)
    return ids, probs, labels


def _meta(**overrides):
    meta = {"model": "m", "track": 1, "split": "val", "num_classes": 4, "config": None, "config_sha256": None,
            "checkpoint": None, "code_revision": "x", "created": "2026-01-01T00:00:00Z"}
    meta.update(overrides)
    return meta


def _write_raw(path, ids, probs, labels, meta):
    """Write an .npz by hand, bypassing save's checks, to build broken files."""
    with open(path, "wb") as handle:
        np.savez(handle, ids=ids, probs=probs, labels=labels, meta=np.array(json.dumps(meta)))
    return path


def test_save_then_load_round_trips(tmp_path, arrays):
    ids, probs, labels = arrays
    config = tmp_path / "cfg.py"
    config.write_text("model = dict()\n")
    path = save_probabilities(tmp_path / "predictions" / "m" / "val.npz", list(ids), probs.astype(np.float64),
                              labels.astype(np.int32), model="m", track=1, split="val", config=config,
                              checkpoint="best.pth", extra_meta={"tta": "10 clips x flip"})
    loaded = load_probabilities(path, num_classes=4, track=1, split="val")
    assert loaded.ids.tolist() == ids.tolist()
    assert loaded.probs.dtype == np.float32 and np.allclose(loaded.probs, probs)
    assert loaded.labels.dtype == np.int64 and loaded.labels.tolist() == labels.tolist()
    assert set(META_KEYS) <= set(loaded.meta)
    assert loaded.meta["config_sha256"] is not None and len(loaded.meta["config_sha256"]) == 64
    assert loaded.meta["tta"] == "10 clips x flip"
    assert (loaded.model, loaded.track, loaded.split, loaded.num_classes) == ("m", 1, "val", 4)
    assert loaded.has_labels and len(loaded) == 6
    # no temporary files left beside it
    assert sorted(p.name for p in path.parent.iterdir()) == ["val.npz"]
    np.load(path, allow_pickle=False)  # the contract: readable without pickle


def test_save_defaults_labels_to_unknown(tmp_path, arrays):
    ids, probs, _ = arrays
    loaded = load_probabilities(save_probabilities(tmp_path / "test.npz", ids, probs, model="m", track=3,
                                                   split="test"))
    assert loaded.labels.tolist() == [-1] * 6 and not loaded.has_labels


def test_save_refuses_bad_arrays_and_writes_nothing(tmp_path, arrays):
    ids, probs, labels = arrays
    target = tmp_path / "val.npz"
    with pytest.raises(ProbabilityFileError, match="sum to 1"):
        save_probabilities(target, ids, probs * 2, labels, model="m", track=1, split="val")
    with pytest.raises(ProbabilityFileError, match="track"):
        save_probabilities(target, ids, probs, labels, model="m", track=2, split="val")
    with pytest.raises(ValueError, match="contract"):
        save_probabilities(target, ids, probs, labels, model="m", track=1, split="val", extra_meta={"track": 3})
    assert list(tmp_path.iterdir()) == []


def test_error_is_a_data_error_naming_the_file(tmp_path):
    with pytest.raises(DataError) as info:
        load_probabilities(tmp_path / "absent.npz")
    assert "absent.npz" in str(info.value) and "no such" in str(info.value)


def _variant(arrays, **changes):
    ids, probs, labels = arrays
    parts = {"ids": ids, "probs": probs, "labels": labels, "meta": _meta()}
    parts.update(changes)
    return parts


def _probs_with(arrays, row, values):
    probs = arrays[1].copy()
    probs[row] = values
    return probs


BROKEN = {
    "not an npz": None,
    "ids 2-d": lambda a: _variant(a, ids=a[0].reshape(2, 3)),
    "ids numeric": lambda a: _variant(a, ids=np.arange(6)),
    "ids empty": lambda a: _variant(a, ids=a[0][:0], probs=a[1][:0], labels=a[2][:0]),
    "duplicate ids": lambda a: _variant(a, ids=np.array(["a", "b", "a", "c", "d", "b"])),
    "probs 1-d": lambda a: _variant(a, probs=a[1][:, 0]),
    "probs wrong rows": lambda a: _variant(a, probs=a[1][:5]),
    "probs float64": lambda a: _variant(a, probs=a[1].astype(np.float64)),
    "probs nan": lambda a: _variant(a, probs=_probs_with(a, 2, [np.nan, 0.5, 0.25, 0.25])),
    "probs inf": lambda a: _variant(a, probs=_probs_with(a, 2, [np.inf, 0, 0, 0])),
    "probs negative": lambda a: _variant(a, probs=_probs_with(a, 3, [-0.5, 1.0, 0.25, 0.25])),
    "probs logits": lambda a: _variant(a, probs=_probs_with(a, 4, [3.0, 1.0, 0.5, 0.1])),
    "meta class count": lambda a: _variant(a, meta=_meta(num_classes=5)),
    "labels wrong length": lambda a: _variant(a, labels=a[2][:4]),
    "labels float": lambda a: _variant(a, labels=a[2].astype(np.float32)),
    "label too big": lambda a: _variant(a, labels=np.array([0, 1, 2, 4, 0, 1])),
    "label below -1": lambda a: _variant(a, labels=np.array([0, -2, 2, 3, 0, 1])),
    "meta not json": lambda a: _variant(a, meta="{not json"),
    "meta not object": lambda a: _variant(a, meta=[1, 2]),
    "meta missing key": lambda a: _variant(a, meta={k: v for k, v in _meta().items() if k != "split"}),
    "meta bad track": lambda a: _variant(a, meta=_meta(track=2)),
    "meta bad split": lambda a: _variant(a, meta=_meta(split="validation")),
}

EXPECTED_MESSAGE = {
    "not an npz": "not a NumPy .npz", "ids 2-d": "`ids` must be a 1-d str", "ids numeric": "`ids` must be a 1-d str",
    "ids empty": "no rows", "duplicate ids": "2 duplicate id", "probs 1-d": "shape \\[N=6, C\\]",
    "probs wrong rows": "shape \\[N=6, C\\]", "probs float64": "float32, got float64",
    "probs nan": "NaN or infinite.*'0054_2'", "probs inf": "NaN or infinite", "probs negative": "negative.*'0054_3'",
    "probs logits": "sum to 1.*'0054_4' sums to 4.6", "meta class count": "num_classes` is 5 but `probs` has 4",
    "labels wrong length": "`labels` must have shape", "labels float": "int64, got float32",
    "label too big": "-1 \\(unknown\\) or 0..3.*'0054_3' has 4", "label below -1": "'0054_1' has -2",
    "meta not json": "not valid JSON", "meta not object": "JSON object, got list",
    "meta missing key": "lacks key.*split", "meta bad track": "one of \\(1, 3\\), got 2",
    "meta bad split": "one of \\('train', 'val', 'test', 'oof'\\), got 'validation'",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_load_rejects_each_broken_file(tmp_path, arrays, case):
    path = tmp_path / "val.npz"
    build = BROKEN[case]
    if build is None:
        path.write_text("Id,Target\n0054_0,1\n")
    else:
        parts = build(arrays)
        meta = parts.pop("meta")
        with open(path, "wb") as handle:
            np.savez(handle, **parts, meta=np.array(meta if isinstance(meta, str) else json.dumps(meta)))
    with pytest.raises(ProbabilityFileError, match=EXPECTED_MESSAGE[case]) as info:
        load_probabilities(path)
    assert str(path) in str(info.value)


def test_load_rejects_missing_array(tmp_path, arrays):
    ids, probs, _ = arrays
    path = tmp_path / "val.npz"
    with open(path, "wb") as handle:
        np.savez(handle, ids=ids, probs=probs)
    with pytest.raises(ProbabilityFileError, match=r"missing array\(s\) \['labels', 'meta'\]"):
        load_probabilities(path)


def test_load_refuses_pickled_arrays(tmp_path, arrays):
    ids, probs, labels = arrays
    path = tmp_path / "val.npz"
    with open(path, "wb") as handle:
        np.savez(handle, ids=ids.astype(object), probs=probs, labels=labels, meta=np.array(json.dumps(_meta())))
    with pytest.raises(ProbabilityFileError, match="without pickle"):
        load_probabilities(path)


def test_meta_must_be_a_0d_string(tmp_path, arrays):
    ids, probs, labels = arrays
    path = tmp_path / "val.npz"
    with open(path, "wb") as handle:
        np.savez(handle, ids=ids, probs=probs, labels=labels, meta=np.array([json.dumps(_meta())]))
    with pytest.raises(ProbabilityFileError, match="0-d str array"):
        load_probabilities(path)


def test_load_checks_what_the_caller_expects(tmp_path, arrays):
    path = _write_raw(tmp_path / "val.npz", *arrays, _meta())
    with pytest.raises(ProbabilityFileError, match="has 4 classes, expected 32"):
        load_probabilities(path, num_classes=32)
    with pytest.raises(ProbabilityFileError, match="Track 1 file, expected Track 3"):
        load_probabilities(path, track=3)
    with pytest.raises(ProbabilityFileError, match="'val' split, expected 'test'"):
        load_probabilities(path, split="test")
    assert load_probabilities(path, num_classes=4, track=1, split="val").num_classes == 4


def test_out_of_fold_files_carry_the_fold_of_every_labelled_row(tmp_path, arrays):
    ids, probs, labels = arrays
    fold = np.array([0, 0, 1, 1, 2, 2])
    path = save_probabilities(tmp_path / "oof.npz", ids, probs, labels, model="m", track=1, split="oof", fold=fold)
    loaded = load_probabilities(path, split="oof")
    assert loaded.out_of_fold and loaded.fold.tolist() == fold.tolist() and loaded.fold.dtype == np.int64
    assert not load_probabilities(save_probabilities(tmp_path / "val.npz", ids, probs, labels, model="m", track=1,
                                                     split="val")).out_of_fold
    with pytest.raises(ProbabilityFileError, match="must hold `fold`"):
        save_probabilities(tmp_path / "x.npz", ids, probs, labels, model="m", track=1, split="oof")
    with pytest.raises(ProbabilityFileError, match="only out-of-fold files"):
        save_probabilities(tmp_path / "x.npz", ids, probs, labels, model="m", track=1, split="val", fold=fold)
    with pytest.raises(ProbabilityFileError, match="every row of an out-of-fold file has a label"):
        save_probabilities(tmp_path / "x.npz", ids, probs, np.where(fold == 2, -1, labels), model="m", track=1,
                           split="oof", fold=fold)
    with pytest.raises(ProbabilityFileError, match="`fold` must have shape"):
        save_probabilities(tmp_path / "x.npz", ids, probs, labels, model="m", track=1, split="oof", fold=fold[:3])
    assert not (tmp_path / "x.npz").exists()
