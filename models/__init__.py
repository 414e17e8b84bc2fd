"""mmaction2 models of the toolkit: configs (configs/), the modules they register (components/), the runner
code (runner/), the seed papers' architectures (seed_papers/) and Track 3's video-level models (track3/).

Every module that touches mmaction2 lives in this package, so the repairs of the OpenMMLab stack
(models.openmmlab) are applied here, once, before any of them imports it.
"""
from models.openmmlab import apply as _apply_openmmlab_repairs

_apply_openmmlab_repairs()
