"""Error analysis: the numbers on constructed cases, `miga report` for both tracks, and both notebooks executed
headless with nbclient on probability files and ensemble specs made here through the real commands."""
import csv
import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

from competition.cli import main
from competition.core.probabilities import save_probabilities
from ensembles import analysis

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TRACK1_FIGURES = {"scores", "class_accuracy", "confusion", "error_correlation", "weights", "reliability"}
TRACK3_FIGURES = {"scores", "roc", "score_distributions", "group_accuracy", "error_correlation", "weights"}

# Track 1: 32 classes × 3 validation clips, class 31 has 3 more. `joint` is right everywhere except
# class 3 → 5 (all 3 clips), class 7 → 2 (one clip), class 30 → 31 (two clips); `limb` misses more.
JOINT_MISTAKES = {(3, 0): 5, (3, 1): 5, (3, 2): 5, (7, 0): 2, (30, 0): 31, (30, 1): 31}
LIMB_MISTAKES = {**{(c, k): c + 1 for c in (10, 11, 12) for k in range(3)}, (3, 0): 5}
# Track 3: 4 subjects × 3 videos. `gesture` gets subject s1 wrong, `skeleton` one video of s2.
SUBJECT_LABELS = {"s0": (1, 0, 1), "s1": (1, 1, 0), "s2": (0, 1, 1), "s3": (1, 0, 0)}


def peaked(predicted, classes, top=0.7):
    probs = np.full((len(predicted), classes), (1 - top) / (classes - 1), dtype=np.float64)
    probs[np.arange(len(predicted)), predicted] = top
    return probs.astype(np.float32)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def track1(tmp_path_factory):
    root = tmp_path_factory.mktemp("track1")
    keys = [(c, k) for c in range(32) for k in range(6 if c == 31 else 3)]
    ids = [f"{c:04d}_{k}" for c, k in keys]  # one video per class; clip k of it
    labels = np.array([c for c, _ in keys])
    rng = np.random.default_rng(0)
    predicted = {"joint": [JOINT_MISTAKES.get(key, key[0]) for key in keys],
                 "limb": [LIMB_MISTAKES.get(key, key[0]) for key in keys],
                 "rgb": rng.integers(0, 32, len(keys))}
    dirs = []
    for name, guesses in predicted.items():
        save_probabilities(root / "predictions" / name / "val.npz", ids, peaked(guesses, 32), labels, model=name,
                           track=1, split="val")
        dirs.append(str(root / "predictions" / name))
    spec = root / "ensembles" / "track1.json"
    assert main(["ensemble", "--track", "1", *dirs, "--out", str(spec), "--method", "best", "--folds", "3",
                 "--quiet"]) == 0
    prepared = root / "prepared"
    prepared.mkdir()
    # class c has c + 1 training clips: the frequencies the class-accuracy figure must show
    write_csv(prepared / "clips.csv", ["clip_id", "video_id", "split", "label", "raw_class", "start", "end", "frames"],
              [(f"9{c:03d}_{k}", f"9{c:03d}", "train", c, 99 if c == 31 else c + 1, 0, 9, 10)
               for c in range(32) for k in range(c + 1)]
              + [(i, i[:4], "val", c, 0, 0, 9, 10) for i, c in zip(ids, labels)])
    return {"root": root, "spec": spec, "prepared": prepared, "labels": labels, "dirs": dirs}


@pytest.fixture(scope="module")
def track3(tmp_path_factory):
    root = tmp_path_factory.mktemp("track3")
    ids, labels, subjects = [], [], []
    for subject, subject_labels in SUBJECT_LABELS.items():
        for label in subject_labels:
            ids.append(f"{len(ids):04d}")
            labels.append(label)
            subjects.append(subject)
    labels = np.array(labels)
    gesture_right = np.array([s != "s1" for s in subjects])
    skeleton_right = np.ones(len(ids), dtype=bool)
    skeleton_right[subjects.index("s2")] = False
    dirs = []
    for name, right in (("gesture", gesture_right), ("skeleton", skeleton_right)):
        predicted = np.where(right, labels, 1 - labels)
        # scores spread within each side of 0.5 so the ROC has more than one step
        spread = 0.03 * np.arange(len(ids)) / len(ids)
        p_win = np.where(predicted == 1, 0.6 + spread, 0.4 - spread)
        probs = np.stack([1 - p_win, p_win], axis=1)
        save_probabilities(root / "predictions" / name / "val.npz", ids, probs, labels, model=name, track=3,
                           split="val")
        save_probabilities(root / "predictions" / name / "test.npz", ["0100", "0101"], [[0.5, 0.5], [0.2, 0.8]],
                           model=name, track=3, split="test")
        dirs.append(str(root / "predictions" / name))
    spec = root / "ensembles" / "track3.json"
    assert main(["ensemble", "--track", "3", *dirs, "--out", str(spec), "--method", "best", "--folds", "3",
                 "--quiet"]) == 0
    prepared = root / "prepared"
    prepared.mkdir()
    write_csv(prepared / "videos.csv", ["video_id", "split", "label", "clips", "frames", "height", "width", "fps",
                                        "subject"],
              [(i, "train", int(label), 5, 500, 480, 640, 25, s) for i, label, s in zip(ids, labels, subjects)]
              + [("0100", "test", -1, 5, 500, 480, 640, 25, "s9"), ("0101", "test", -1, 5, 500, 480, 640, 25, "s9")])
    return {"root": root, "spec": spec, "prepared": prepared, "dirs": dirs}


def test_confusions_and_class_accuracy_on_a_constructed_case(track1):
    data = analysis.load_labelled_predictions(1, spec=track1["spec"])
    assert data.spec["method"] == "best" and data.focus() == "ensemble (best)"
    np.testing.assert_array_equal(data.ensemble.argmax(axis=1), data.models["joint"].argmax(axis=1))
    confusion = analysis.confusion_matrix(data.labels, data.models["joint"].argmax(axis=1), 32)
    assert confusion.sum() == 99 and np.trace(confusion) == 93
    assert (confusion[3, 5], confusion[7, 2], confusion[7, 7], confusion[30, 31], confusion[31, 31]) == (3, 1, 2, 2, 6)
    top = analysis.top_confusions(confusion, k=5, raw_classes=lambda c: 99 if c == 31 else c + 1)
    assert top[["true", "true_raw", "predicted", "predicted_raw", "count"]].values.tolist() == [
        [3, 4, 5, 6, 3], [30, 31, 31, 99, 2], [7, 8, 2, 3, 1]]
    assert top["share_of_true"].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3])
    table = analysis.score_table(data.candidates(), data.labels, 32)
    assert table.loc["joint", "top1"] == pytest.approx(93 / 99)
    assert table.loc["joint", "mean_class_accuracy"] == pytest.approx((29 + 0 + 2 / 3 + 1 / 3) / 32)
    assert table.loc["limb", "errors"] == 10
    assert table.loc["ensemble (best)", "top1"] == table.loc["joint", "top1"]
    weights, quantity = analysis.ensemble_weights(data.spec)
    assert quantity == "weight" and weights.to_dict() == {"joint": 1.0, "limb": 0.0, "rgb": 0.0}


def test_error_correlation_and_calibration_known_answers():
    labels = np.array([0, 0, 0, 0])
    same = peaked([1, 1, 0, 0], 2)
    opposite = peaked([0, 0, 1, 1], 2)
    always_right = peaked([0, 0, 0, 0], 2)
    matrix = analysis.error_correlation({"a": same, "b": same, "c": opposite, "d": always_right}, labels)
    assert matrix.loc["a", "b"] == pytest.approx(1.0) and matrix.loc["a", "c"] == pytest.approx(-1.0)
    assert np.isnan(matrix.loc["a", "d"]) and matrix.loc["d", "d"] == 1.0

    # 10 rows at confidence 0.95 with 8 right, 10 rows at 0.55 with 5 right: ECE = ½·0.15 + ½·0.05
    probs = np.array([[0.95, 0.05]] * 10 + [[0.55, 0.45]] * 10)
    labels = np.array([0] * 8 + [1] * 2 + [0] * 5 + [1] * 5)
    curve = analysis.reliability(labels, probs, bins=10)
    assert curve.counts.tolist() == [0, 0, 0, 0, 0, 10, 0, 0, 0, 10]
    assert curve.accuracy[5] == pytest.approx(0.5) and curve.accuracy[9] == pytest.approx(0.8)
    assert curve.ece == pytest.approx(0.10)


def _assert_pngs(out, names):
    written = {p.stem for p in Path(out).glob("*.png")}
    assert written == names
    for name in names:
        assert (Path(out) / f"{name}.png").read_bytes().startswith(PNG_MAGIC)
    page = (Path(out) / "index.html").read_text()
    assert page.count("src=\"data:image/png;base64,") == len(names)  # the page stands alone
    return page


def test_report_track1_writes_figures_and_page(track1, tmp_path, capsys):
    from competition.report import track1_sections

    out = tmp_path / "report"
    assert main(["report", "--track", "1", "--ensemble", str(track1["spec"]), "--data", str(track1["prepared"]),
                 "--out", str(out)]) == 0
    page = _assert_pngs(out, TRACK1_FIGURES)
    for title in ("Per-class accuracy against class frequency", "Confusion matrix", "Most frequent confusions",
                  "Error correlation between the models", "The ensemble&#x27;s weights", "Reliability diagram",
                  "Ensembling methods tried"):
        assert title in page
    assert "99 labelled rows" in capsys.readouterr().out

    data = analysis.load_labelled_predictions(1, spec=track1["spec"])
    sections = {s.name: s for s in track1_sections(data, prepared=track1["prepared"])}
    classes = sections["class_accuracy"].table
    assert classes["training clips"].tolist() == list(range(1, 33))
    assert classes.loc[3, "ensemble (best)"] == 0 and classes.loc[7, "joint"] == pytest.approx(2 / 3)
    assert classes.loc[31, "raw_class"] == 99 and classes.loc[31, "rows"] == 6
    assert sections["top_confusions"].table.iloc[0][["true", "predicted", "count"]].tolist() == [3, 5, 3]


def test_report_shows_per_class_accuracy_before_and_after_the_prior_correction(track1, tmp_path):
    from competition.report import track1_sections

    spec = tmp_path / "corrected.json"
    assert main(["ensemble", "--track", "1", *track1["dirs"], "--out", str(spec), "--method", "mean", "--data",
                 str(track1["prepared"]), "--group-by", "video", "--folds", "3", "--work-dir", str(tmp_path / "w"),
                 "--quiet"]) == 0
    written = json.loads(spec.read_text())
    assert written["correction"]["prior"]["counts"] == list(range(1, 33))  # from clips.csv's train split
    out = tmp_path / "report"
    assert main(["report", "--track", "1", "--ensemble", str(spec), "--out", str(out)]) == 0
    page = _assert_pngs(out, TRACK1_FIGURES | {"prior_correction"})
    assert "Per-class accuracy before and after the prior correction" in page

    data = analysis.load_labelled_predictions(1, spec=spec)
    table = {s.name: s for s in track1_sections(data)}["prior_correction"].table
    assert table["training_clips"].tolist() == list(range(1, 33))
    assert table["rows"].tolist() == [3] * 31 + [6]
    cv = written["scores"]["cv"]
    for column, expected in (("top1_before", cv["uncorrected"]["top1"]), ("top1_after", cv["top1"])):
        assert (table[column] * table["rows"]).sum() / table["rows"].sum() == pytest.approx(expected)
    assert table["change"].tolist() == pytest.approx((table["top1_after"] - table["top1_before"]).tolist())


def test_report_track3_by_subject(track3, tmp_path):
    from competition.report import track3_sections

    out = tmp_path / "report"
    assert main(["report", "--track", "3", *track3["dirs"], "--ensemble", str(track3["spec"]),
                 "--data", str(track3["prepared"]), "--out", str(out)]) == 0
    page = _assert_pngs(out, TRACK3_FIGURES)
    assert "Accuracy per subject" in page and "ROC curves of the video-level models" in page

    data = analysis.load_labelled_predictions(3, spec=track3["spec"], pred_dirs=track3["dirs"])
    sections = {s.name: s for s in track3_sections(data, prepared=track3["prepared"])}
    by_subject = sections["group_accuracy"].table
    assert by_subject["gesture"].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert by_subject["skeleton"].tolist() == pytest.approx([1.0, 1.0, 2 / 3, 1.0])
    assert by_subject["videos"].tolist() == [3, 3, 3, 3]
    scores = sections["scores"].table
    assert scores.loc["gesture", "top1"] == pytest.approx(9 / 12)
    assert scores.loc["ensemble (best)", "top1"] == pytest.approx(11 / 12)  # `best` picked skeleton
    assert scores.loc["skeleton", "roc_auc"] > scores.loc["gesture", "roc_auc"]

    # without the prepared dataset, or with a video whose subject is unknown, each video is its own group
    alone = {s.name: s for s in track3_sections(data)}
    assert alone["group_accuracy"].title == "Accuracy per video" and len(alone["group_accuracy"].table) == 12
    partial = tmp_path / "partial"
    partial.mkdir()
    rows = (track3["prepared"] / "videos.csv").read_text().splitlines()
    rows[1] = rows[1].rsplit(",", 1)[0] + ","
    (partial / "videos.csv").write_text("\n".join(rows) + "\n")
    by_video = {s.name: s for s in track3_sections(data, prepared=partial)}["group_accuracy"]
    assert by_video.title == "Accuracy per video" and by_video.table.index[0] == "0000"


def test_report_refuses_wrong_inputs(track1, track3, tmp_path, capsys):
    assert main(["report", "--track", "1", "--ensemble", str(track3["spec"]), "--out", str(tmp_path / "a")]) == 2
    assert "is a Track 3 ensemble, asked for Track 1" in capsys.readouterr().err
    assert main(["report", "--track", "3", "--out", str(tmp_path / "b")]) == 2
    assert "give prediction folders, an ensemble spec" in capsys.readouterr().err
    assert main(["report", "--track", "3", *track3["dirs"], "--split", "val", "--data",
                 str(track1["prepared"]), "--out", str(tmp_path / "c")]) == 2
    assert "videos.csv: not found" in capsys.readouterr().err
    # a spec whose model is not among the folders given
    assert main(["report", "--track", "1", track1["dirs"][0], "--ensemble", str(track1["spec"]),
                 "--out", str(tmp_path / "d")]) == 2
    assert "combines model(s) ['limb', 'rgb'] that the prediction folders lack" in capsys.readouterr().err
    assert not any((tmp_path / name).exists() for name in "abcd")


@pytest.fixture(scope="module")
def kernel_manager_factory(tmp_path_factory):
    """Kernels of this interpreter (the venv's ipykernel), whatever kernelspecs the machine has installed."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(kernels / "miga-test")  # argv: sys.executable -m ipykernel_launcher
    specs = KernelSpecManager(kernel_dirs=[str(kernels)])
    return lambda: KernelManager(kernel_name="miga-test", kernel_spec_manager=specs)


def execute(notebook, kernel_manager_factory, cwd):
    from nbclient import NotebookClient

    NotebookClient(notebook, km=kernel_manager_factory(), timeout=300,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


def outputs(notebook, mime):
    return [o["data"][mime] for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
            if mime in o.get("data", {})]


def printed(notebook):
    return "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)


@pytest.mark.slow
def test_track1_notebook_runs_headless_on_the_demo_layout_by_default(track1, kernel_manager_factory, tmp_path,
                                                                     monkeypatch):
    """A checkout whose `demo/` holds the outputs (the spec's inputs relative to the root, as `make demo` writes
    them): the notebook, started in notebooks/ as Jupyter does, finds everything with its default parameters."""
    project = tmp_path / "checkout"
    (project / "notebooks").mkdir(parents=True)
    (project / "setup.cfg").write_text("[metadata]\nname = miga\n")
    shutil.copy(NOTEBOOKS / "track1_error_analysis.ipynb", project / "notebooks")
    shutil.copytree(track1["root"] / "predictions", project / "demo" / "predictions")
    shutil.copytree(track1["prepared"], project / "demo" / "prepared")
    monkeypatch.chdir(project)
    assert main(["ensemble", "--track", "1", "demo/predictions/joint", "demo/predictions/limb", "demo/predictions/rgb",
                 "--out", "demo/ensembles/track1.json", "--method", "best", "--folds", "3", "--quiet"]) == 0
    for name in ("MIGA_TRACK1_ENSEMBLE", "MIGA_TRACK1_PREDICTIONS", "MIGA_PREPARED", "MIGA_SPLIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    notebook = nbformat.read(project / "notebooks" / "track1_error_analysis.ipynb", as_version=4)
    assert "parameters" in notebook.cells[1].metadata.get("tags", [])
    execute(notebook, kernel_manager_factory, project / "notebooks")
    assert "3 model(s): joint, limb, rgb; 99 labelled rows; ensemble best from demo/ensembles/track1.json" \
        in printed(notebook)
    images = outputs(notebook, "image/png")
    assert len(images) == len(TRACK1_FIGURES)
    assert all(image.startswith("iVBORw0KGgo") for image in images)  # base64 of the PNG signature
    tables = "".join(outputs(notebook, "text/html"))
    assert "share_of_true" in tables and "training clips" in tables  # class counts came from demo/prepared


@pytest.mark.slow
def test_track3_notebook_runs_with_injected_and_environment_parameters(track3, kernel_manager_factory, tmp_path,
                                                                       monkeypatch):
    notebook = nbformat.read(NOTEBOOKS / "track3_analysis.ipynb", as_version=4)
    monkeypatch.delenv("MIGA_TRACK3_ENSEMBLE", raising=False)
    monkeypatch.setenv("MIGA_TRACK3_PREDICTIONS", "/nowhere")  # the injected value must win
    monkeypatch.setenv("MIGA_PREPARED", str(track3["prepared"]))
    # what papermill -p does: a cell right after the one tagged `parameters` that sets the values
    injected = nbformat.v4.new_code_cell(f"ENSEMBLE = {str(track3['spec'])!r}\n"
                                         f"PREDICTIONS = {track3['dirs']!r}")
    injected.metadata["tags"] = ["injected-parameters"]
    position = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    notebook.cells.insert(position + 1, injected)
    execute(notebook, kernel_manager_factory, tmp_path)
    assert "2 model(s): gesture, skeleton; 12 labelled rows; ensemble best" in printed(notebook)
    assert len(outputs(notebook, "image/png")) == len(TRACK3_FIGURES)
    markdown = "".join(outputs(notebook, "text/markdown"))
    assert "Accuracy per subject" in markdown and "ROC curves" in markdown


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), path
        spec = json.loads(path.read_text())["metadata"]["kernelspec"]
        assert spec["name"] == "python3"


def test_real_model_outputs_give_their_published_top1():
    """mmaction2's NTU-60 joint and bone score files: top-1 0.917 and 0.933, their 1:1 mean 0.933."""
    from conftest import real_path

    joint, bone = (np.load(real_path("fuse_ntu", f"ntu60_{name}.npz")) for name in ("joint", "bone"))
    labels = joint["labels"].astype(np.int64)
    np.testing.assert_array_equal(labels, bone["labels"])
    models = {"joint": joint["scores"].astype(np.float64), "bone": bone["scores"].astype(np.float64)}
    models["mean"] = (models["joint"] + models["bone"]) / 2
    table = analysis.score_table(models, labels, 120)
    assert table["top1"].round(3).tolist() == [0.917, 0.933, 0.933]
    for name, probs in models.items():
        confusion = analysis.confusion_matrix(labels, probs.argmax(axis=1), 120)
        assert np.trace(confusion) == round(table.loc[name, "top1"] * 60) == 60 - table.loc[name, "errors"]
    matrix = analysis.error_correlation({"joint": models["joint"], "bone": models["bone"]}, labels)
    assert -1 <= matrix.loc["joint", "bone"] <= 1
