"""Each repair in models.openmmlab is needed (the failure shows without it) and works (it is gone with it);
checkpoints load weights-only, with nothing allow-listed for good and no `getattr` ever."""
import subprocess
import sys
import textwrap

import pytest


def run_python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300)


def test_mmaction_models_import_needs_the_drn_stand_in():
    without = run_python("import mmaction.models")
    assert without.returncode != 0 and "mmaction.models.localizers.drn" in without.stderr
    with_compat = run_python("""
        import models, mmaction.models
        from mmaction.models.localizers.drn.drn import DRN
        try:
            DRN()
        except ImportError as error:
            print("refused:", error)
    """)
    assert with_compat.returncode == 0, with_compat.stderr
    assert "refused: DRN is missing" in with_compat.stdout


def test_dependency_module_needs_importlib_metadata_alias():
    block = "import sys; sys.modules['importlib_metadata'] = None\n"  # as on a machine without the backport
    without = run_python(block + "import mmaction.utils.dependency")
    assert without.returncode != 0 and "importlib_metadata" in without.stderr
    with_compat = run_python(block.replace("= None", "= None; del sys.modules['importlib_metadata']")
                             + "import models, mmaction.utils.dependency")
    assert with_compat.returncode == 0, with_compat.stderr


def test_pose_compact_needs_numpy_inf():
    code = """
        {imports}
        import numpy as np
        from mmaction.datasets.transforms import PoseCompact
        results = dict(keypoint=np.random.rand(1, 4, 5, 2).astype(np.float32) * 50 + 10,
                       img_shape=(100, 100))
        print(PoseCompact(hw_ratio=1.0, allow_imgpad=True)(results)["img_shape"])
    """
    alias = "import sys; sys.modules['importlib_metadata'] = __import__('importlib.metadata').metadata"
    without = run_python(code.format(imports=alias))
    assert without.returncode != 0 and "Inf" in without.stderr
    with_compat = run_python(code.format(imports="import models"))
    assert with_compat.returncode == 0, with_compat.stderr


TRAIN = """
    import os, tempfile
    import torch
    from torch import nn
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from models.runner.runner import MigaRunner

    class Tiny(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
        def forward(self, inputs, labels, mode="loss"):
            out = self.fc(inputs)
            return dict(loss=nn.functional.cross_entropy(out, labels))

    def train(runner_class, epochs=1, work=None, resume=False):
        data = [dict(inputs=torch.randn(2), labels=torch.tensor(i % 2)) for i in range(8)]
        work = work or tempfile.mkdtemp()
        runner = runner_class(model=Tiny(), work_dir=work, experiment_name=f"{runner_class.__name__}{epochs}",
                              train_dataloader=dict(dataset=data, batch_size=4, collate_fn=dict(type="default_collate"),
                                                    sampler=dict(type="DefaultSampler", shuffle=False)),
                              optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
                              train_cfg=dict(by_epoch=True, max_epochs=epochs), default_hooks=dict(logger=None),
                              default_scope="mmengine", resume=resume)
        runner.train()
        return runner, os.path.join(work, f"epoch_{epochs}.pth")
"""


def test_the_toolkits_checkpoints_load_weights_only_with_no_allow_listed_global(tmp_path):
    result = run_python(TRAIN + f"""
    import torch.serialization
    runner, path = train(MigaRunner, work={str(tmp_path)!r})
    ours = [g for g in torch.serialization.get_safe_globals()
            if g is getattr or "numpy" in getattr(g, "__module__", "") or "mmengine" in getattr(g, "__module__", "")]
    assert ours == [], ours
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    scalars = checkpoint["message_hub"]["log_scalars"]
    assert scalars and all(isinstance(value, dict) for value in scalars.values()), scalars
    # resuming rebuilds the message hub's history buffers and goes on from epoch 1
    runner, path = train(MigaRunner, epochs=2, work={str(tmp_path)!r}, resume=True)
    history = runner.message_hub.get_scalar("train/loss")
    print("resumed", runner.epoch, len(history.data[0]))
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resumed 2" in result.stdout
    assert (tmp_path / "epoch_2.pth").is_file()


def test_a_plain_mmengine_checkpoint_is_refused(tmp_path):
    """mmengine's own Runner pickles its message hub's HistoryBuffer, with statistics functions rebuilt through
    `getattr`: refused, also inside the scope that admits NumPy data."""
    result = run_python(TRAIN + """
    import pickle
    from models.openmmlab import load_checkpoint_file
    runner, path = train(Runner)
    try:
        load_checkpoint_file(path)
    except pickle.UnpicklingError as error:
        print("refused:", error)
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "refused:" in result.stdout and "HistoryBuffer" in result.stdout


def _crafted_checkpoint(path, payload):
    """A checkpoint file whose pickle calls getattr(os, 'system')(payload) when loaded with full unpickling."""
    import io
    import pickle
    import zipfile

    import torch

    torch.save({"state_dict": {"w": torch.zeros(1)}}, path)  # a genuine zip checkpoint to graft onto

    class Call:
        def __reduce__(self):
            import os
            return (os.system, (payload,))

    buffer = io.BytesIO()
    pickle.Pickler(buffer, protocol=2).dump({"state_dict": {}, "meta": Call()})
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    name = next(n for n in members if n.endswith("data.pkl"))
    members[name] = buffer.getvalue().replace(b"cposix\nsystem", b"c__builtin__\ngetattr", 0)
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)


def test_a_crafted_checkpoint_that_calls_getattr_is_refused_by_every_loader(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.pth"
    _crafted_checkpoint(path, f"touch {marker}")
    result = run_python(f"""
    import pickle
    from competition.core.errors import DataError
    from models.openmmlab import load_checkpoint_file
    from models.runner.transfer import read_state_dict
    try:
        load_checkpoint_file({str(path)!r})
    except pickle.UnpicklingError as error:
        print("load_checkpoint_file refused:", error)
    try:
        read_state_dict({str(path)!r})
    except DataError as error:
        print("--load-from refused:", error)
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "load_checkpoint_file refused" in result.stdout and "--load-from refused" in result.stdout
    assert not marker.exists()


def test_importing_the_toolkit_allow_lists_nothing_process_wide():
    result = run_python("""
        import torch.serialization
        before = set(map(repr, torch.serialization.get_safe_globals()))
        import models, models.runner.runner, models.runner.transfer, models.components.heatmaps
        added = set(map(repr, torch.serialization.get_safe_globals())) - before
        print(sorted(g for g in added if not g.startswith("<class 'torch.")))  # torch registers its own types
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"


def test_weights_only_loading_still_refuses_foreign_globals(tmp_path):
    import pickle

    import torch

    import models  # noqa: F401

    class Payload:
        def __reduce__(self):
            return (print, ("code ran",))

    path = tmp_path / "evil.pth"
    with open(path, "wb") as handle:
        pickle.dump({"state_dict": {}, "x": Payload()}, handle)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_mmaction_models_import_beside_transformers_5(tmp_path):
    """transformers 5 dropped names mmaction2's VindLU models import; with compat they become placeholders."""
    package = tmp_path / "transformers"
    package.mkdir()
    (package / "__init__.py").write_text("__version__ = '5.0.0'\n")
    (package / "modeling_utils.py").write_text("PreTrainedModel = object\n")
    info = tmp_path / "transformers-5.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n")
    path = f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
    without = run_python(path + "import models\n"
                         "from mmaction.utils import dependency; dependency.WITH_MULTIMODAL = True  # undone\n"
                         "import mmaction.models")
    assert without.returncode != 0 and "transformers" in without.stderr
    with_compat = run_python(path + "import models, mmaction.models\n"
                             "from mmaction.registry import MODELS\n"
                             "print(MODELS.get('VindLUVQA'))")
    assert with_compat.returncode == 0, with_compat.stderr
