"""Repairs for the OpenMMLab stack on today's Python packages. Import before mmaction2 is used.

With torch 2.14, mmengine 0.10.7, mmcv-lite 2.1.0, mmaction2 1.2.0 and NumPy 2, four things break:

1. The mmaction2 1.2.0 wheel lacks the package `mmaction.models.localizers.drn`, yet
   `mmaction.models.localizers` imports `DRN` from it, so `import mmaction.models` fails. We register a
   stand-in module whose `DRN` raises a clear error if anyone builds it (the toolkit never does).
2. `mmaction.utils.dependency` imports the backport `importlib_metadata`, which mmaction2 does not declare.
   The standard library's `importlib.metadata` has the same two names it uses.
3. `PoseCompact` uses `np.Inf`, removed in NumPy 2. We restore the alias.
4. mmengine loads checkpoints with `torch.load` and no `weights_only`; since torch 2.6 that means weights-only
   loading, which rejects mmengine's own checkpoints (the message hub's `HistoryBuffer`, NumPy scalars and
   arrays). We allow-list exactly those globals. Weights-only loading stays on: a checkpoint that needs
   anything else is refused, because unpickling arbitrary globals runs code.

A fifth shows where transformers 5 is installed (as on many GPU images): mmaction2 then imports its VindLU
models, which use names transformers 5 removed, and `import mmaction.models` fails again. We treat
transformers ≥ 5 as absent for mmaction2, which registers placeholders for the VindLU models instead.

`apply()` is idempotent and runs on import.
"""
import importlib.metadata
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np

_DRN = "mmaction.models.localizers.drn"


def _stub_missing_drn():
    if _DRN in sys.modules:
        return
    spec = importlib.util.find_spec("mmaction")
    if spec is None or not spec.submodule_search_locations:
        return
    package_dir = Path(list(spec.submodule_search_locations)[0])
    if (package_dir / "models" / "localizers" / "drn" / "drn.py").exists():
        return

    class DRN:  # noqa: D401 - a stand-in, never built by the toolkit
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


def checkpoint_safe_globals():
    """The globals an mmengine checkpoint holds beyond tensors and plain containers."""
    from mmengine.logging.history_buffer import HistoryBuffer

    # NumPy 2 pickles arrays and scalars through numpy._core.multiarray; NumPy 1 through numpy.core.
    multiarray = (np._core if hasattr(np, "_core") else np.core).multiarray
    dtype_classes = [type(np.dtype(name)) for name in
                     ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")]
    return [HistoryBuffer, getattr, multiarray.scalar, multiarray._reconstruct, np.ndarray, np.dtype, *dtype_classes]


def _allow_checkpoint_globals():
    import torch.serialization

    torch.serialization.add_safe_globals(checkpoint_safe_globals())


def apply():
    _alias_importlib_metadata()
    _restore_numpy_inf()
    _stub_missing_drn()
    _skip_vindlu_on_transformers_5()
    _allow_checkpoint_globals()


apply()
