"""Each repair in competition.compat is needed (the failure shows without it) and works (it is gone with it)."""
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
        import competition.compat, mmaction.models
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
                             + "import competition.compat, mmaction.utils.dependency")
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
    without = run_python(code.format(imports="import sys; sys.modules['importlib_metadata'] = __import__('importlib.metadata').metadata"))
    assert without.returncode != 0 and "Inf" in without.stderr
    with_compat = run_python(code.format(imports="import competition.compat"))
    assert with_compat.returncode == 0, with_compat.stderr


CHECKPOINT = """
    import competition.compat  # noqa
    import torch, tempfile, os
    from torch import nn
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Tiny(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
        def forward(self, inputs, labels, mode="loss"):
            out = self.fc(inputs)
            return dict(loss=nn.functional.cross_entropy(out, labels))

    data = [dict(inputs=torch.randn(2), labels=torch.tensor(i % 2)) for i in range(8)]
    work = tempfile.mkdtemp()
    runner = Runner(model=Tiny(), work_dir=work,
                    train_dataloader=dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=False),
                                          batch_size=4, collate_fn=dict(type="default_collate")),
                    optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
                    train_cfg=dict(by_epoch=True, max_epochs=1), default_hooks=dict(logger=None),
                    default_scope="mmengine")
    runner.train()
    path = os.path.join(work, "epoch_1.pth")
"""


def test_mmengine_checkpoints_load_with_weights_only_loading_on():
    load = CHECKPOINT + """
    import sys
    if "{mode}" == "plain":
        # what weights-only loading does without the allow-list
        import torch.serialization
        torch.serialization.clear_safe_globals()
    from mmengine.runner.checkpoint import _load_checkpoint
    checkpoint = _load_checkpoint(path, map_location="cpu")
    print("loaded", sorted(checkpoint))
    """
    without = run_python(load.format(mode="plain"))
    assert without.returncode != 0 and "weights_only" in without.stderr.lower().replace(" ", "_")
    with_compat = run_python(load.format(mode="compat"))
    assert with_compat.returncode == 0, with_compat.stderr
    assert "message_hub" in with_compat.stdout and "state_dict" in with_compat.stdout


def test_weights_only_loading_still_refuses_foreign_globals(tmp_path):
    import pickle

    import torch

    import competition.compat  # noqa: F401

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
    without = run_python(path + "import competition.compat\n"
                         "from mmaction.utils import dependency; dependency.WITH_MULTIMODAL = True  # undone\n"
                         "import mmaction.models")
    assert without.returncode != 0 and "transformers" in without.stderr
    with_compat = run_python(path + "import competition.compat, mmaction.models\n"
                             "from mmaction.registry import MODELS\n"
                             "print(MODELS.get('VindLUVQA'))")
    assert with_compat.returncode == 0, with_compat.stderr
