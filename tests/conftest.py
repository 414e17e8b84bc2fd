import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real"

os.environ.setdefault("OMP_NUM_THREADS", "2")


def real_path(*parts):
    """A file of ../shared/real, or a clean skip when that folder is absent."""
    path = REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return path


@pytest.fixture(scope="session")
def synthetic_raw(tmp_path_factory):
    """A small synthetic download (12 videos), made once per test session."""
    from competition.data.synth import SynthConfig, synthesize

    out = tmp_path_factory.mktemp("raw")
    synthesize(out, SynthConfig(videos=12, seed=3), progress=False)
    return out


@pytest.fixture(scope="session")
def prepared(synthetic_raw, tmp_path_factory):
    """The small synthetic download, prepared."""
    from competition.data.prepare import prepare

    out = tmp_path_factory.mktemp("prepared")
    prepare(synthetic_raw, out, jobs=2, progress=False)
    return out
