"""Repairs for the OpenMMLab stack on today's Python packages, and the one way this toolkit loads checkpoints.

With torch 2.14, mmengine 0.10.7, mmcv-lite 2.1.0, mmaction2 1.2.0 and NumPy 2, these break:

1. The mmaction2 1.2.0 wheel lacks the package `mmaction.models.localizers.drn`, yet
   `mmaction.models.localizers` imports `DRN` from it, so `import mmaction.models` fails. We register a
   stand-in module whose `DRN` raises a clear error if anyone builds it (the toolkit never does).
2. `mmaction.utils.dependency` imports the backport `importlib_metadata`, which mmaction2 does not declare.
   The standard library's `importlib.metadata` has the same two names it uses.
3. `PoseCompact` uses `np.Inf`, removed in NumPy 2. We restore the alias.
4. Where transformers 5 is installed (as on many GPU images), mmaction2 imports its VindLU models, which use
   names transformers 5 removed, and `import mmaction.models` fails again. We treat transformers ≥ 5 as
   absent for mmaction2, which registers placeholders for the VindLU models instead.

mmcv-lite's import-time warning about its missing compiled op is silenced (no config uses that op).

`apply()` makes them, once; importing the `models` package calls it, so every module of the toolkit that
uses mmaction2 (they all live under `models/`) runs after it.

Checkpoints: torch ≥ 2.6 loads weights-only by default, and we keep it so (unpickling arbitrary globals
runs code). mmengine's own checkpoints would need its message hub's `HistoryBuffer`, whose pickled state
carries functions (rebuilt through the builtin `getattr`), and NumPy scalars. The toolkit's Runner
(models.runner.runner) writes that state as plain data instead, so our checkpoints load with no extra
globals at all; `checkpoint_loading()` admits NumPy's data types (arrays, dtypes, scalars, which only build
data) around a load, for checkpoints written elsewhere. Nothing is allow-listed process-wide.
"""
import contextlib
import importlib.metadata
import importlib.util
import sys
import types
import warnings
from pathlib import Path

import numpy as np

_DRN = "mmaction.models.localizers.drn"
_applied = False


def _stub_missing_drn():
    if _DRN in sys.modules:
        return
    spec = importlib.util.find_spec("mmaction")
    if spec is None or not spec.submodule_search_locations:
        return
    package_dir = Path(list(spec.submodule_search_locations)[0])
    if (package_dir / "models" / "localizers" / "drn" / "drn.py").exists():
        return

    class DRN:
        """Stand-in for mmaction2's DRN localizer, whose code the mmaction2 1.2.0 wheel does not ship."""

        def __init__(self, *args, **kwargs):
            raise ImportError("DRN is missing from the installed mmaction2 wheel "
                              "(mmaction/models/localizers/drn); install mmaction2 from source to use it")

    package = types.ModuleType(_DRN)
    package.__path__ = []
    module = types.ModuleType(_DRN + ".drn")
    module.DRN = DRN
    package.drn = module
    sys.modules[_DRN] = package
    sys.modules[_DRN + ".drn"] = module


def _alias_importlib_metadata():
    if "importlib_metadata" in sys.modules:
        return
    try:
        import importlib_metadata  # noqa: F401
    except ImportError:
        sys.modules["importlib_metadata"] = importlib.metadata


def _restore_numpy_inf():
    if not hasattr(np, "Inf"):
        np.Inf = np.inf


def _skip_vindlu_on_transformers_5():
    try:
        major = int(importlib.metadata.version("transformers").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return
    if major >= 5 and importlib.util.find_spec("mmaction") is not None:
        from mmaction.utils import dependency

        dependency.WITH_MULTIMODAL = False


def _hush_mmcv_lite_notice():
    """mmcv-lite has no compiled ops; mmcv warns at import that one of them is missing. No config of the
    toolkit uses it (a model that did would fail to build, with mmcv's own message)."""
    warnings.filterwarnings("ignore", message="Fail to import ``MultiScaleDeformableAttention``",
                            category=UserWarning)


def apply():
    """Make the repairs (idempotent)."""
    global _applied
    if _applied:
        return
    _alias_importlib_metadata()
    _restore_numpy_inf()
    _stub_missing_drn()
    _skip_vindlu_on_transformers_5()
    _hush_mmcv_lite_notice()
    _applied = True


def numpy_data_globals():
    """NumPy's array, dtype and scalar constructors as pickles name them (they build data, nothing else)."""
    # NumPy 2 pickles arrays and scalars through numpy._core.multiarray; NumPy 1 through numpy.core.
    multiarray = (np._core if hasattr(np, "_core") else np.core).multiarray
    dtype_classes = [type(np.dtype(name)) for name in
                     ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")]
    return [multiarray.scalar, multiarray._reconstruct, np.ndarray, np.dtype, *dtype_classes]


@contextlib.contextmanager
def checkpoint_loading():
    """Weights-only loading that also admits NumPy data, for the duration of one load."""
    import torch.serialization

    with torch.serialization.safe_globals(numpy_data_globals()):
        yield


def load_checkpoint_file(path, map_location="cpu"):
    """torch.load of a checkpoint, weights-only (with NumPy data admitted)."""
    import torch

    with checkpoint_loading():
        return torch.load(path, map_location=map_location, weights_only=True)
